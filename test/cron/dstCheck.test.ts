import { expect } from 'chai';
import { join } from 'node:path';
import { readJobState } from '../../src/markers/read.js';
import { frozenClockIn } from '../support/faketime.js';
import { plugin, run } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

// The check itself on the days the clocks change, in Europe/London, with the wall clock of the
// wrapper and of the check frozen by libfaketime at absolute instants: the runs are made by the real
// wrapper when cron(8) would start them, and the check is asked later (docs/schedule.md).

const SCHEDULE = '30 1 * * *';

describe("check_env_sync on Europe/London's 2026 clock changes (libfaketime)", function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;
  let state: string;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
  });
  afterEach(() => cleanup());

  const at = (iso: string) => ({ ...process.env, ...frozenClockIn(new Date(iso), 'Europe/London') });

  /** The wrapper started by cron at `iso`, running a job that succeeds. */
  async function cronStarts(iso: string): Promise<void> {
    const r = await run(plugin('env-sync-run'), ['--no-syslog', '--state-dir', state, '--job', 'nightly', '--', 'sh', '-c', 'exit 0'], { env: at(iso) });
    expect(r.code, r.stderr).to.equal(0);
    expect(readJobState(state, 'nightly', null)?.last?.start).to.equal(new Date(iso).toISOString());
  }

  const check = (iso: string) =>
    run(plugin('check_env_sync'), ['--job', 'nightly', '--state-dir', state, '--syslog', join(dir, 'no-syslog'), '--schedule', SCHEDULE, '--grace', '30m'], {
      env: at(iso),
    });

  async function expectAt(iso: string, code: number, line: RegExp): Promise<void> {
    const r = await check(iso);
    expect(r.code, `${iso}: ${r.stdout}${r.stderr}`).to.equal(code);
    expect(r.stdout).to.match(line);
  }

  it('October 25th: the run at the first 01:30 (BST) is the one due; OK through the second 01:30 (GMT) and the rest of the day', async () => {
    await cronStarts('2026-10-24T00:30:00Z');
    await cronStarts('2026-10-25T00:30:00Z');
    const ok = /^ENV_SYNC OK - nightly last run succeeded at 01:30 after 0s/;
    await expectAt('2026-10-25T01:10:00Z', 0, ok); // 01:10 GMT, the hour again
    await expectAt('2026-10-25T01:45:00Z', 0, ok); // past the second 01:30 and the grace
    await expectAt('2026-10-25T12:00:00Z', 0, ok);
    await expectAt('2026-10-25T23:30:00Z', 0, ok);
  });

  it('October 25th: no run that night is missed from 30 minutes after the first 01:30 on', async () => {
    await cronStarts('2026-10-24T00:30:00Z');
    const missed = /^ENV_SYNC CRITICAL - nightly missed the run due at 01:30 \(schedule '30 1 \* \* \*', grace 30m\): nothing started since/;
    await expectAt('2026-10-25T00:50:00Z', 0, /^ENV_SYNC OK - nightly last run succeeded at yesterday 01:30/); // 01:50 BST, within the grace
    await expectAt('2026-10-25T01:45:00Z', 2, missed);
    await expectAt('2026-10-25T12:00:00Z', 2, missed);
  });

  it('March 29th: the run cron makes up right after the jump (02:00 BST) is the one due; OK all day', async () => {
    await cronStarts('2026-03-28T01:30:00Z');
    await cronStarts('2026-03-29T01:00:10Z');
    const ok = /^ENV_SYNC OK - nightly last run succeeded at 02:00 after 0s/;
    await expectAt('2026-03-29T01:40:00Z', 0, ok); // 02:40 BST, past the grace
    await expectAt('2026-03-29T11:00:00Z', 0, ok);
  });

  it('March 29th: no run after the jump is missed from 02:30 BST on (before, the run of the day before hid it)', async () => {
    await cronStarts('2026-03-28T01:30:00Z');
    await expectAt('2026-03-29T01:20:00Z', 0, /^ENV_SYNC OK - nightly last run succeeded at yesterday 01:30/); // 02:20 BST, within the grace
    const missed = /^ENV_SYNC CRITICAL - nightly missed the run due at 02:00 \(schedule '30 1 \* \* \*', grace 30m\): nothing started since/;
    await expectAt('2026-03-29T01:40:00Z', 2, missed);
    await expectAt('2026-03-29T11:00:00Z', 2, missed);
  });
});
