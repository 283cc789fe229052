import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJobState, readRunningMarkers } from '../src/markers/read.js';
import { LIBFAKETIME, requireLibfaketime } from './support/faketime.js';
import { makeTempDir, stateDirIn } from './support/tmp.js';
import { plugin, run, waitUntil } from './support/proc.js';

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
    writeFileSync(offset, '+0\n');
    const env = { ...process.env, LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: offset, FAKETIME_NO_CACHE: '1', DONT_FAKE_MONOTONIC: '1' };
    const check = (...thresholds: string[]) => run(plugin('check_env_sync'), ['--job', 'clock', '--state-dir', state, '--syslog', join(dir, 'no-syslog'), ...thresholds], { env });

    const wrapper = spawn(plugin('env-sync-run'), ['--no-syslog', '--state-dir', state, '--job', 'clock', '--', 'sleep', '3'], { env, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => wrapper.once('exit', r));
    await waitUntil('running marker with the child pid', () => readRunningMarkers(state, 'clock', null).some((m) => m.childPid));

    // An hour back, as a corrected clock or an NTP step would do: the run now started "in the future".
    writeFileSync(offset, '-1h\n');
    const during = await check('--max-runtime', '6h');
    expect(during.code, during.stdout).to.equal(0);
    expect(during.stdout).to.match(/^ENV_SYNC OK - clock running since .* \(for 0s\)/);
    expect(during.stdout).to.match(/\|duration=0s;/);

    expect(await exited).to.equal(0);
    const last = readJobState(state, 'clock', null)!.last!;
    expect(last.outcome).to.equal('success');
    // Measured on the monotonic clock: about the 3 seconds slept, though the wall clock says -1 hour.
    expect(last.durationSeconds).to.be.within(2.5, 60);
    expect(new Date(last.end!).getTime()).to.be.lessThan(new Date(last.start).getTime());

    const after = await check('--max-runtime', '6h', '-w', '25h', '-c', '26h');
    expect(after.code, after.stdout).to.equal(0);
    expect(after.stdout).to.match(/^ENV_SYNC OK - clock last run succeeded at \S+ after 3s\|age=\d/);
  });
});
