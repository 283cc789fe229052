import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJobState, readRunningMarkers } from '../../src/markers/read.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { plugin, run, waitUntil } from '../support/proc.js';
import { startRsyslog, type Rsyslog } from '../support/rsyslog.js';

// env-sync-run --retries with real processes: a stand-in sync that fails a given number of times,
// counting its attempts in a file, then succeeds (or hangs, for the timeouts). Then check_env_sync on
// the state the wrapper left: a run that succeeded on attempt 2 is OK and says so; one whose every
// attempt failed is CRITICAL with its last attempt's output.
const WRAPPER = plugin('env-sync-run');
const CHECK = plugin('check_env_sync');

describe('env-sync-run --retries', function () {
  this.timeout(60_000);
  let dir: string;
  let state: string;
  let cleanup: () => void;
  let flaky: string;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    writeFileSync(join(dir, 'syslog'), '');
    flaky = join(dir, 'flaky.sh');
    // $1: the count file; $2: attempts that fail; $3: fail (exit 1) or hang (until killed).
    writeFileSync(
      flaky,
      `#!/bin/sh
n=$(( $(cat "$1" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$1"
echo "attempt $n: restoring"
if [ "$n" -le "$2" ]; then
  if [ "$3" = hang ]; then exec sleep 300; fi
  echo "pg_restore: error: attempt $n failed" >&2
  exit 1
fi
echo "attempt $n: done"
`,
    );
    chmodSync(flaky, 0o755);
  });
  afterEach(() => cleanup());

  const count = () => (existsSync(join(dir, 'count')) ? Number(readFileSync(join(dir, 'count'), 'utf8')) : 0);
  const wrap = (args: string[], fails: number, mode = 'fail', env: NodeJS.ProcessEnv = {}) =>
    run(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'pull_x', ...args, '--', flaky, join(dir, 'count'), String(fails), mode], {
      env: { ...process.env, ...env },
    });
  const check = () =>
    run(CHECK, ['--job', 'pull_x', '--state-dir', state, '--log', 'syslog', '--syslog', join(dir, 'syslog'), '--reboot-lock-dir', join(dir, 'none')]);

  it('runs the sync again after a failure, records the attempts in one run, and the check says OK "on attempt 2"', async () => {
    const r = await wrap(['--retries', '2', '--retry-delay', '0'], 1);
    expect(r.code, r.stderr).to.equal(0);
    expect(count()).to.equal(2);
    expect(r.stderr).to.contain('env-sync-run: pull_x: attempt 1 of 3 failed with exit 1; attempt 2 in 0s');
    const st = readJobState(state, 'pull_x', null)!;
    expect(st.history).to.have.length(1);
    expect(st.consecutiveFailures).to.equal(0);
    expect(st.last).to.include({ outcome: 'success', exitCode: 0, retries: 2 });
    expect(st.last!.attempts!.map((a) => [a.outcome, a.exitCode])).to.deep.equal([
      ['failure', 1],
      ['success', 0],
    ]);
    // The run's output is its last attempt's.
    expect(st.last!.output.tail).to.deep.equal(['attempt 2: restoring', 'attempt 2: done']);
    expect(st.last!.attempts![0]!.output.lines).to.equal(2);
    const c = await check();
    expect(c.code, c.stdout).to.equal(0);
    expect(c.stdout.split('\n')[0]).to.match(
      /^ENV_SYNC OK - pull_x last run succeeded at (yesterday )?\d\d:\d\d after \d+s \(on attempt 2 of 3; attempt 1 failed with exit 1\)\|/,
    );
  });

  it("after every attempt failed: the last exit status, CRITICAL with the last attempt's output tail, one Re-run line", async () => {
    const r = await wrap(['--retries', '2', '--retry-delay', '0'], 5);
    expect(r.code).to.equal(1);
    expect(count()).to.equal(3);
    expect(r.stderr).to.contain('attempt 3 of 3 failed with exit 1; not retried: no retry left (--retries 2)');
    const st = readJobState(state, 'pull_x', null)!;
    expect(st.consecutiveFailures).to.equal(1);
    expect(st.last!.attempts).to.have.length(3);
    const c = await check();
    expect(c.code, c.stdout).to.equal(2);
    expect(c.stdout.split('\n')[0]).to.match(
      /^ENV_SYNC CRITICAL - pull_x failed with exit 1 at .* \(all 3 attempts failed; attempt 1 failed with exit 1, attempt 2 failed with exit 1\)/,
    );
    expect(c.stdout).to.match(/Evidence \(run \S+, attempt 3 of 3, /);
    expect(c.stdout).to.contain('pg_restore: error: attempt 3 failed');
    expect(c.stdout).to.not.contain('attempt 1 failed\n');
    expect(c.stdout).to.not.contain('error: attempt 2 failed');
    expect(c.stdout.split('\n').filter((l) => l.startsWith('Re-run'))).to.have.length(1);
  });

  it('does not retry an attempt that timed out, unless --retry-timeouts', async () => {
    const without = await wrap(['--retries', '2', '--retry-delay', '0', '--attempt-timeout', '1', '--kill-after', '1'], 1, 'hang');
    expect(without.code).to.equal(124);
    expect(count()).to.equal(1);
    expect(without.stderr).to.contain('not retried: a timed-out attempt is retried only with --retry-timeouts');
    const last = readJobState(state, 'pull_x', null)!.last!;
    expect(last).to.include({ outcome: 'timeout', exitCode: 124 });
    expect(last.attempts![0]).to.include({ outcome: 'timeout', stoppedBy: '--attempt-timeout' });

    writeFileSync(join(dir, 'count'), '0');
    const withIt = await wrap(['--retries', '2', '--retry-delay', '0', '--attempt-timeout', '1', '--kill-after', '1', '--retry-timeouts'], 1, 'hang');
    expect(withIt.code, withIt.stderr).to.equal(0);
    expect(count()).to.equal(2);
    expect(readJobState(state, 'pull_x', null)!.last!.attempts!.map((a) => a.outcome)).to.deep.equal(['timeout', 'success']);
  });

  it("never runs past --timeout, the whole run's limit: no attempt after it", async () => {
    const r = await wrap(
      ['--timeout', '2', '--retries', '5', '--retry-delay', '0', '--attempt-timeout', '1', '--kill-after', '1', '--retry-timeouts'],
      9,
      'hang',
    );
    expect(r.code).to.equal(124);
    const last = readJobState(state, 'pull_x', null)!.last!;
    expect(last.outcome).to.equal('timeout');
    const attempts = last.attempts!;
    // However the 2 s fall on a loaded machine, the run stops at them: by the whole run's limit, or
    // because no time is left for another attempt.
    expect(attempts.length).to.be.within(1, 2);
    if (attempts.length === 2) expect(attempts[1]!.stoppedBy).to.equal('--timeout');
    expect(count()).to.equal(attempts.length);
  });

  it('does not retry a command that cannot start', async () => {
    const r = await run(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'nf', '--retries', '2', '--retry-delay', '0', '--', join(dir, 'no-such-sync')]);
    expect(r.code).to.equal(127);
    expect(r.stderr).to.contain('not retried: a command that cannot start is not retried');
    expect(readJobState(state, 'nf', null)!.last!.attempts).to.have.length(1);
  });

  it('SIGTERM during the retry delay ends the run as interrupted, at once', async () => {
    const child = spawn(
      WRAPPER,
      ['--no-syslog', '--state-dir', state, '--job', 'pull_x', '--retries', '2', '--retry-delay', '1h', '--', flaky, join(dir, 'count'), '5', 'fail'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // Waiting: the running marker holds the failed attempt.
    await waitUntil(
      'the wrapper waits to retry',
      () => stderr.includes('attempt 2 in 1h') && readRunningMarkers(state, 'pull_x', null)[0]?.attempts?.length === 1,
    );
    child.kill('SIGTERM');
    // An hour's delay: the test's own time limit fails it unless the wrapper stops at once.
    expect(await exited).to.equal(143);
    expect(count()).to.equal(1);
    const last = readJobState(state, 'pull_x', null)!.last!;
    expect(last).to.include({ outcome: 'interrupted', exitCode: 143, signal: 'SIGTERM' });
    expect(last.end).to.be.a('string');
    expect(last.message).to.equal('env-sync-run received SIGTERM while waiting to retry: attempt 1 of 3 failed with exit 1, attempt 2 never started');
    expect(readRunningMarkers(state, 'pull_x', null)).to.deep.equal([]);
    const c = await check();
    expect(c.code).to.equal(2);
    expect(c.stdout).to.contain('was interrupted: env-sync-run received SIGTERM while waiting to retry');
  });

  describe('with a real syslog', () => {
    let rs: Rsyslog;
    before(async () => {
      rs = await startRsyslog();
    });
    after(async () => rs?.stop());

    it('logs one event=retry line a retry, and the attempts on event=finish', async () => {
      const r = await run(
        WRAPPER,
        ['--state-dir', state, '--job', 'pull_x', '--retries', '3', '--retry-delay', '0', '--', flaky, join(dir, 'count'), '2', 'fail'],
        {
          env: { ...process.env, ENV_SYNC_SYSLOG_SOCKET: rs.socket },
        },
      );
      expect(r.code).to.equal(0);
      await waitUntil('the finish line in syslog', () => readFileSync(rs.file, 'utf8').includes('event=finish job=pull_x'));
      const events = readFileSync(rs.file, 'utf8')
        .split('\n')
        .filter((l) => l.includes('env-sync-run') && l.includes('job=pull_x'))
        .map((l) => l.slice(l.indexOf('event=')));
      const runId = readJobState(state, 'pull_x', null)!.last!.runId;
      expect(events.filter((e) => e.startsWith('event=retry'))).to.deep.equal([
        `event=retry job=pull_x run=${runId} attempt=2 of=4 after=failure exit=1 delay=0s`,
        `event=retry job=pull_x run=${runId} attempt=3 of=4 after=failure exit=1 delay=0s`,
      ]);
      expect(events.filter((e) => e.startsWith('event=start'))).to.have.length(1);
      expect(events.find((e) => e.startsWith('event=finish'))).to.match(/ outcome=success exit=0 duration=\S+s attempts=3$/);
    });
  });
});
