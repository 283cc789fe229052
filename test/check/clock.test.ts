import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJobState, readRunningMarkers } from '../../src/markers/read.js';
import { LIBFAKETIME, requireLibfaketime } from '../support/faketime.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { plugin, run, waitUntil } from '../support/proc.js';
import { asUser, CHECKER, JOB_USER, jobStateDirIn, withUsers } from '../support/users.js';

// libfaketime re-reads the clock's offset from a file on every call (FAKETIME_TIMESTAMP_FILE).

describe('the wall clock moved backwards during a run', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;
  before(() => {
    requireLibfaketime();
  });
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  it('records a duration that is never negative, and the check stays sane while the run goes on and after it ends', async () => {
    const state = stateDirIn(dir);
    const offset = join(dir, 'faketime');
    // Offsets that put the faked clock at noon UTC today, then an hour before it: the run's times are
    // then said as today's whatever the real time (at 00:00:02 a run that ended at 23:59:59 is
    // yesterday's, said with its day).
    const noon = new Date();
    noon.setUTCHours(12, 0, 0, 0);
    const toNoon = Math.ceil((noon.getTime() - Date.now()) / 1000);
    const offsetBy = (seconds: number) => writeFileSync(offset, `${seconds >= 0 ? '+' : ''}${seconds}\n`);
    offsetBy(toNoon);
    const env = { ...process.env, TZ: 'UTC', LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: offset, FAKETIME_NO_CACHE: '1', DONT_FAKE_MONOTONIC: '1' };
    const check = (...thresholds: string[]) =>
      run(plugin('check_env_sync'), ['--job', 'clock', '--state-dir', state, '--syslog', join(dir, 'no-syslog'), ...thresholds], { env });

    const wrapper = spawn(plugin('env-sync-run'), ['--no-syslog', '--state-dir', state, '--job', 'clock', '--', 'sleep', '3'], { env, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => wrapper.once('exit', r));
    await waitUntil('running marker with the child pid', () => readRunningMarkers(state, 'clock', null).some((m) => m.childPid));

    // An hour back, as a corrected clock or an NTP step would do: the run now started "in the future",
    // which is said (WARNING), never clamped silently; its time so far is 0s, not -1h.
    offsetBy(toNoon - 3600);
    const during = await check('--max-runtime', '6h');
    expect(during.code, during.stdout).to.equal(1);
    expect(during.stdout, during.stdout).to.match(
      /^ENV_SYNC WARNING - clock run \S+ recorded in the future: check the clock \(it started \S+T12:0\d:\S+, [^)]+ ahead of this host's clock\); running since .* \(for 0s\)/,
    );
    expect(during.stdout, during.stdout).to.match(/\|duration=0s;/);

    expect(await exited).to.equal(0);
    const last = readJobState(state, 'clock', null)!.last!;
    expect(last.outcome).to.equal('success');
    // Measured on the monotonic clock: about the 3 seconds slept, though the wall clock says -1 hour.
    expect(last.durationSeconds).to.be.within(2.5, 60);
    expect(new Date(last.end!).getTime()).to.be.lessThan(new Date(last.start).getTime());

    // Its start is still an hour ahead (said); its end, stamped by the corrected clock, is what its age is measured from.
    const after = await check('--max-runtime', '6h', '-w', '25h', '-c', '26h');
    expect(after.code, after.stdout).to.equal(1);
    expect(after.stdout, after.stdout).to.match(
      /^ENV_SYNC WARNING - clock run \S+ recorded in the future: check the clock \(it started \S+T12:0\d:\S+, [^)]+ ahead of this host's clock\); the age and the schedule are judged from the newest record that is not in the future; last run succeeded at 11:0\d after 3s\|age=\d/,
    );
  });
});

// Security issue 25, finding 3: a success recorded while the clock was two days ahead (a VM restored
// from a snapshot, an RTC wrong until NTP steps it back), then a real failure. The failure was said
// as `ENV_SYNC OK - … failed with exit 1`, and the age clamped to 0 kept --max-age quiet.
describe('a success recorded with the clock 2 days ahead, then a real failure', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;
  withUsers(JOB_USER, CHECKER);
  before(() => {
    requireLibfaketime();
  });
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  it('is CRITICAL for the failure, says the success is recorded in the future, and measures --max-age and the schedule from the real records', async () => {
    const state = jobStateDirIn(dir);
    // libfaketime is preloaded into the wrapper only, not into setpriv (root's shared memory would
    // then be out of the job's user's reach).
    const wrapper = (clockEnv: string[], ...cmd: string[]) =>
      run(...asUser(JOB_USER, 'env', [...clockEnv, plugin('env-sync-run'), '--no-syslog', '--state-dir', state, '--job', 'clock', '--', ...cmd]));
    const ok = await wrapper([`LD_PRELOAD=${LIBFAKETIME}`, 'FAKETIME=+2d', 'DONT_FAKE_MONOTONIC=1'], 'sh', '-c', 'echo restored');
    expect(ok.code, ok.stderr).to.equal(0);
    const failed = await wrapper([], 'sh', '-c', 'echo "pg_restore: error: could not connect"; exit 1');
    expect(failed.code, failed.stderr).to.equal(1);

    const st = readJobState(state, 'clock', null)!;
    expect(st.schema).to.equal(3);
    expect(st.history.map((h) => [h.outcome, h.seq])).to.deep.equal([
      ['success', 1],
      ['failure', 2],
    ]);
    expect(Date.parse(st.lastSuccess!.end!)).to.be.greaterThan(Date.now() + 24 * 3600_000);

    const check = (...args: string[]) =>
      run(...asUser(CHECKER, plugin('check_env_sync'), ['--job', 'clock', '--state-dir', state, '--syslog', join(dir, 'no-syslog'), ...args]));
    for (const args of [[], ['--max-age', '26h'], ['-w', '25h', '-c', '26h', '--schedule', '* * * * *', '--grace', '0']]) {
      const r = await check(...args);
      expect(r.code, r.stdout).to.equal(2);
      expect(r.stdout, r.stdout).to.match(/^ENV_SYNC CRITICAL - clock failed with exit 1 at \S+ after \d+s; its last success is recorded in the future/);
      // In the long output too, where the failure leads the first line.
      // (Just under 2 days ahead: 2d, or 47h 59m once a second has passed.)
      expect(r.stdout, r.stdout).to.contain(
        `\n[WARNING] run ${st.lastSuccess!.runId} recorded in the future: check the clock (it ended ${st.lastSuccess!.end}, `,
      );
      expect(r.stdout).to.match(/\n\[WARNING\] run \S+ recorded in the future: check the clock \(it ended \S+, (2d|47h 5\dm) ahead of this host's clock\)/);
    }
    // No success that is not in the future: --max-age says so rather than measuring an age of 0.
    const age = await check('--max-age', '26h');
    expect(age.stdout).to.not.match(/\|age=/);
  });
});
