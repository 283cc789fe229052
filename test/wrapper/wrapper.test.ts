import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJobState, readRunningMarkers } from '../../src/markers/read.js';
import { readLock } from '../../src/markers/lock.js';
import { runLockPath } from '../../src/markers/paths.js';
import { VERSION } from '../../src/common/version.js';
import { redactArgv } from '../../src/common/redact.js';
import { OutputTail, OutputTap, SYSLOG_LINE_BYTES } from '../../src/wrapper/outputTap.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { asNobody, fixture, pidAlive, plugin, repoRoot, run, sleep, waitUntil } from '../support/proc.js';
import { startRsyslog, type Rsyslog } from '../support/rsyslog.js';

const WRAPPER = plugin('env-sync-run');
const SAMPLE = fixture('sample_govuk_env_sync.sh');

describe('env-sync-run', function () {
  this.timeout(60_000);
  let dir: string;
  let state: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
  });
  afterEach(() => cleanup());

  const wrap = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    run(WRAPPER, ['--no-syslog', '--state-dir', state, ...args], { env: { ...process.env, ...env } });
  const cfg = (behaviour: string, extra = '') => {
    const p = join(dir, `${behaviour}.cfg`);
    writeFileSync(p, `behaviour=${behaviour}\n${extra}`);
    return p;
  };

  it('runs a successful sync, names the job after -f X.cfg and records success', async () => {
    const r = await wrap(['--', SAMPLE, '-f', cfg('success')]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain('Restored content_data_admin_production');
    const s = readJobState(state, 'success', null)!;
    expect(s.last?.outcome).to.equal('success');
    expect(s.lastSuccess?.runId).to.equal(s.last?.runId);
    expect(s.last?.argv).to.deep.equal([SAMPLE, '-f', join(dir, 'success.cfg')]);
    expect(s.last?.durationSeconds).to.be.at.least(0);
    expect(readRunningMarkers(state, 'success', null)).to.deep.equal([]);
  });

  it('writes the running marker once the command has started, with its pid; a command that cannot start leaves none', async () => {
    const seen: Array<number | null> = [];
    const running = wrap(['--job', 'once', '--', 'sleep', '0.5']);
    let done = false;
    void running.then(() => (done = true));
    while (!done) {
      for (const m of readRunningMarkers(state, 'once', null)) seen.push(m.childPid);
      await new Promise((r) => setImmediate(r));
    }
    expect((await running).code).to.equal(0);
    expect(seen.length, 'the running marker was never seen').to.be.greaterThan(0);
    expect(
      seen.filter((pid) => pid === null),
      'markers without the child pid',
    ).to.deep.equal([]);
    const r = await wrap(['--job', 'nocmd', '--', join(dir, 'no-such-command')]);
    expect(r.code).to.equal(127);
    expect(readJobState(state, 'nocmd', null)!.last?.outcome).to.equal('spawn-error');
    expect(readdirSync(join(state, 'nocmd')).filter((f) => f.startsWith('running-'))).to.deep.equal([]);
  });

  it('passes a failure through: exit 3 gives exit 3 and outcome failure, with the output tail', async () => {
    const r = await wrap(['--job', 'pull_x', '--', SAMPLE, '-f', cfg('fail', 'exit_code=3\n')]);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.contain('relation "events" does not exist');
    const s = readJobState(state, 'pull_x', null)!;
    expect(s.last).to.include({ outcome: 'failure', exitCode: 3 });
    expect(s.consecutiveFailures).to.equal(1);
    expect(s.last?.output.tail.join('\n')).to.contain('relation "events" does not exist');
    expect(s.last?.output.lines).to.equal(2);
  });

  it('runs without a shell: arguments with shell characters arrive as they are', async () => {
    const r = await wrap(['--job', 'noshell', '--', 'printf', '%s\\n', '$(echo no); `x` | >y']);
    expect(r.stdout).to.equal('$(echo no); `x` | >y\n');
    expect(existsSync(join(repoRoot, 'y'))).to.equal(false);
  });

  it('reports a command killed by a signal as 128+N with outcome signal', async () => {
    const r = await wrap(['--job', 'sig', '--', 'sh', '-c', 'kill -KILL $$']);
    expect(r.code).to.equal(137);
    expect(readJobState(state, 'sig', null)!.last).to.include({ outcome: 'signal', signal: 'SIGKILL', exitCode: 137 });
  });

  it('forwards SIGTERM to the command and records it', async () => {
    const child = spawn(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'fwd', '--', SAMPLE, '-f', cfg('hang')], { stdio: 'ignore' });
    await waitUntil('running marker with child pid', () => readRunningMarkers(state, 'fwd', null).some((m) => m.childPid));
    const childPid = readRunningMarkers(state, 'fwd', null)[0]!.childPid!;
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).to.equal(143);
    expect(pidAlive(childPid)).to.equal(false);
    const last = readJobState(state, 'fwd', null)!.last!;
    expect(last).to.include({ outcome: 'signal', signal: 'SIGTERM' });
    expect(last.message).to.contain('received SIGTERM and forwarded it');
  });

  it('times out: exit 124, and the command and its grandchild that ignores SIGTERM are both gone', async () => {
    const r = await wrap(['--job', 'slow', '--timeout', '1', '--kill-after', '1', '--', SAMPLE, '-f', cfg('grandchild')]);
    expect(r.code).to.equal(124);
    const helperPid = Number(/helper pid (\d+)/.exec(r.stdout)?.[1]);
    expect(helperPid).to.be.greaterThan(0);
    expect(pidAlive(helperPid)).to.equal(false);
    const last = readJobState(state, 'slow', null)!.last!;
    expect(last).to.include({ outcome: 'timeout', exitCode: 124, timeoutSeconds: 1 });
    expect(pidAlive(last.childPid!)).to.equal(false);
  });

  it('exits 127 when the command does not exist and 126 when it cannot be executed', async () => {
    const nf = await wrap(['--job', 'nf', '--', join(dir, 'no-such-sync')]);
    expect(nf.code).to.equal(127);
    expect(nf.stderr).to.contain('command not found');
    expect(readJobState(state, 'nf', null)!.last).to.include({ outcome: 'spawn-error', exitCode: 127 });
    const script = join(dir, 'not-exec.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const ne = await wrap(['--job', 'ne', '--', script]);
    expect(ne.code).to.equal(126);
    expect(readJobState(state, 'ne', null)!.last).to.include({ outcome: 'spawn-error', exitCode: 126 });
  });

  it('skips an overlapping run with exit 75 and leaves the first run unharmed', async () => {
    const first = spawn(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'ov', '--', 'sh', '-c', 'sleep 1; echo first done'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    first.stdout.on('data', (d) => (out += d));
    await waitUntil('first run holds the lock', () => readLock(runLockPath(state, 'ov', null)) !== null);
    const second = await wrap(['--job', 'ov', '--', 'sh', '-c', 'echo second ran']);
    expect(second.code).to.equal(75);
    expect(second.stdout).to.equal('');
    expect(second.stderr).to.contain('was still running');
    const code = await new Promise((r) => first.once('exit', r));
    expect(code).to.equal(0);
    expect(out).to.equal('first done\n');
    const s = readJobState(state, 'ov', null)!;
    expect(s.last?.outcome).to.equal('success');
    expect(s.lastSkipped?.outcome).to.equal('skipped-overlap');
    expect(s.history.map((h) => h.outcome)).to.deep.equal(['skipped-overlap', 'success']);
  });

  it('--overlap wait runs after the first run ends', async () => {
    const first = spawn(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'w', '--', 'sleep', '1'], { stdio: 'ignore' });
    const firstExit = new Promise((r) => first.once('exit', r));
    await waitUntil('first run holds the lock', () => readLock(runLockPath(state, 'w', null)) !== null);
    const second = await wrap(['--job', 'w', '--overlap', 'wait', '--', 'true']);
    expect(second.code).to.equal(0);
    expect(await firstExit).to.equal(0);
    expect(readJobState(state, 'w', null)!.history.map((h) => h.outcome)).to.deep.equal(['success', 'success']);
  });

  it('a wrapper SIGKILLed mid-run leaves a running marker whose pid is dead; the next run takes the lock over and records it interrupted', async () => {
    const victim = spawn(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'k', '--', 'sleep', '30'], { stdio: 'ignore' });
    await waitUntil('running marker with child pid', () => readRunningMarkers(state, 'k', null).some((m) => m.childPid));
    const marker = readRunningMarkers(state, 'k', null)[0]!;
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    process.kill(marker.childPid!, 'SIGKILL'); // the orphaned sleep, so the test leaves nothing behind
    const left = readRunningMarkers(state, 'k', null);
    expect(left.map((m) => m.runId)).to.deep.equal([marker.runId]);
    expect(pidAlive(left[0]!.wrapperPid)).to.equal(false);
    expect(readLock(runLockPath(state, 'k', null))?.runId).to.equal(marker.runId);

    const next = await wrap(['--job', 'k', '--', 'true']);
    expect(next.code).to.equal(0);
    const s = readJobState(state, 'k', null)!;
    expect(s.history.map((h) => h.outcome)).to.deep.equal(['interrupted', 'success']);
    const interrupted = s.history[0]!;
    expect(interrupted.runId).to.equal(marker.runId);
    expect(readRunningMarkers(state, 'k', null)).to.deep.equal([]);
  });

  it('records a run from an earlier boot as interrupted by a reboot', async () => {
    const bootFile = join(dir, 'boot_id');
    writeFileSync(bootFile, 'boot-one\n');
    const victim = spawn(WRAPPER, ['--no-syslog', '--state-dir', state, '--boot-id-file', bootFile, '--job', 'rb', '--', 'sleep', '30'], { stdio: 'ignore' });
    await waitUntil('running marker', () => readRunningMarkers(state, 'rb', null).some((m) => m.childPid));
    const marker = readRunningMarkers(state, 'rb', null)[0]!;
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    process.kill(marker.childPid!, 'SIGKILL');
    writeFileSync(bootFile, 'boot-two\n');
    await wrap(['--boot-id-file', bootFile, '--job', 'rb', '--', 'true']);
    const s = readJobState(state, 'rb', null)!;
    expect(s.history[0]).to.include({ outcome: 'interrupted', runId: marker.runId });
    expect(s.consecutiveFailures).to.equal(0);
  });

  it('runs the sync and keeps its exit status when the markers cannot be written (read-only state directory)', async () => {
    chmodSync(state, 0o555);
    const [cmd, args] = asNobody(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'ro', '--', 'sh', '-c', 'echo synced; exit 5']);
    const r = await run(cmd, args);
    expect(r.stdout).to.equal('synced\n');
    expect(r.code).to.equal(5);
    expect(r.stderr).to.match(/WARNING: cannot .* in .*state.*the sync runs anyway/);
    expect(readdirSync(state)).to.deep.equal([]);
  });

  it('runs the sync when the state directory is missing, saying how to create it', async () => {
    const r = await run(WRAPPER, ['--no-syslog', '--state-dir', join(dir, 'missing'), '--job', 'm', '--', 'sh', '-c', 'exit 4']);
    expect(r.code).to.equal(4);
    expect(r.stderr).to.contain('does not exist; create it: install -d');
  });

  it('refuses bad job names before building any path, with exit 125', async () => {
    for (const bad of ['a/b', '..', 'has space', 'x'.repeat(200), '-dash']) {
      const r = await wrap([`--job=${bad}`, '--', 'true']);
      expect(r.code, bad).to.equal(125);
      expect(r.stderr).to.contain('invalid job name');
    }
    expect(readdirSync(state)).to.deep.equal([]);
  });

  it('refuses to guess a job name and bad durations, with exit 125 and the fix', async () => {
    const nojob = await wrap(['--', 'true']);
    expect(nojob.code).to.equal(125);
    expect(nojob.stderr).to.contain('add --job NAME');
    const badTimeout = await wrap(['--job', 'x', '--timeout=-5m', '--', 'true']);
    expect(badTimeout.code).to.equal(125);
    expect(badTimeout.stderr).to.contain('--timeout: "-5m" is not a duration');
    const v = await run(WRAPPER, ['-V']);
    expect(v.stdout.trim()).to.equal(VERSION);
  });

  it('redacts credentials in URLs in the recorded argv', async () => {
    await wrap(['--job', 'red', '--', 'echo', 'https://user:s3cret@example.com/x', 'postgres://a:b@db/x']);
    const argv = readJobState(state, 'red', null)!.last!.argv;
    expect(argv).to.deep.equal(['echo', 'https://***@example.com/x', 'postgres://***@db/x']);
    expect(JSON.stringify(readJobState(state, 'red', null))).not.to.contain('s3cret');
    expect(redactArgv(['--url=ftp://u:p@h'])).to.deep.equal(['--url=ftp://***@h']);
  });

  it('passes output through byte for byte with the wrapper memory bounded (200 MiB)', async function () {
    this.timeout(120_000);
    const size = 200 * 1024 * 1024;
    // Random line lengths, binary-ish bytes and a very long line, from a generator the test controls.
    const gen = join(dir, 'gen.js');
    // Deterministic bytes (all 256 values, a newline every 97 bytes) so the checksum is known in advance.
    const block = Buffer.alloc(65536);
    for (let i = 0; i < block.length; i++) block[i] = i % 97 === 0 ? 10 : (i * 31) & 0xff;
    writeFileSync(join(dir, 'block.bin'), block);
    writeFileSync(
      gen,
      `const b=require('fs').readFileSync(${JSON.stringify(join(dir, 'block.bin'))});let left=${size};const out=process.stdout;function more(){while(left>0){const n=Math.min(left,b.length);left-=n;if(!out.write(n===b.length?b:b.subarray(0,n)))return out.once('drain',more);}}more();`,
    );
    const expected = createHash('sha256');
    for (let left = size; left > 0; left -= block.length) expected.update(left >= block.length ? block : block.subarray(0, left));
    const expectedHash = expected.digest('hex');
    const child = spawn(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'big', '--', process.execPath, gen], { stdio: ['ignore', 'pipe', 'inherit'] });
    const hash = createHash('sha256');
    let bytes = 0;
    let peakKiB = 0;
    const sampler = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 50);
    child.stdout.on('data', (d: Buffer) => {
      hash.update(d);
      bytes += d.length;
    });
    const code = await new Promise((r) => child.once('exit', r));
    clearInterval(sampler);
    expect(code).to.equal(0);
    expect(bytes).to.equal(size);
    expect(readJobState(state, 'big', null)!.last!.output.bytes).to.equal(size);
    expect(hash.digest('hex')).to.equal(expectedHash);
    expect(peakKiB, 'peak RSS of the wrapper')
      .to.be.greaterThan(0)
      .and.below(120 * 1024);
  });

  it('cuts endless lines for syslog without growing a buffer', () => {
    const got: string[] = [];
    const s = new OutputTap(
      new OutputTail(),
      { write: (l) => got.push(l), writeBlock: (b) => got.push(...b.toString().split('\n').slice(0, -1)) },
      { line: (l: string) => l, lines: (b: string) => b },
    );
    for (let i = 0; i < 1000; i++) s.push(Buffer.alloc(64 * 1024, 0x61));
    s.push(Buffer.from('\nshort\n'));
    expect(got).to.have.length(2);
    expect(Buffer.byteLength(got[0]!)).to.be.below(SYSLOG_LINE_BYTES + 20);
    expect(got[1]).to.equal('short');
  });
});

describe('env-sync-run with a real rsyslogd', function () {
  this.timeout(60_000);
  let rs: Rsyslog;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    rs = await startRsyslog();
  });
  after(async () => rs?.stop());
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  it('sends start and finish lines and every output line of the command to syslog', async () => {
    const state = stateDirIn(dir);
    const cfgFile = join(dir, 'pull_x.cfg');
    writeFileSync(cfgFile, 'behaviour=fail\nexit_code=3\n');
    const env = { ...process.env, ENV_SYNC_SYSLOG_SOCKET: rs.socket };
    const r = await run(WRAPPER, ['--state-dir', state, '--', SAMPLE, '-f', cfgFile], { env });
    expect(r.code).to.equal(3);
    const runId = readJobState(state, 'pull_x', null)!.last!.runId;
    const text = await rs.waitFor(new RegExp(`event=finish job=pull_x run=${runId} outcome=failure exit=3 duration=[0-9.]+s`));
    expect(text).to.match(new RegExp(`env-sync-run\\[\\d+\\]: event=start job=pull_x run=${runId} pid=\\d+ argv="`));
    expect(text).to.match(/env-sync\/pull_x\[\d+\]: Downloading dump of content_data_admin_production/);
    expect(text).to.match(/env-sync\/pull_x\[\d+\]: pg_restore: error: could not execute query/);
    expect(text).to.match(/govuk_env_sync.sh: Error running ".*pull_x.cfg" in function restore_postgresql on line 212/);
  });

  it("starts a logger for the command's stdout or stderr only once that stream has a line", async () => {
    const state = stateDirIn(dir);
    const env = { ...process.env, ENV_SYNC_SYSLOG_SOCKET: rs.socket };
    // The command reports the loggers beside it (its parent's children) before and after printing.
    const script = 'sleep 0.3; pgrep -P $PPID -x logger | wc -l > "$1"; echo one line; sleep 0.5; pgrep -P $PPID -x logger | wc -l > "$2"';
    const r = await run(WRAPPER, ['--state-dir', state, '--job', 'lazy', '--', 'sh', '-c', script, 'sh', join(dir, 'before'), join(dir, 'after')], { env });
    expect(r.code).to.equal(0);
    expect(readFileSync(join(dir, 'before'), 'utf8').trim(), 'loggers before any output (the run log only)').to.equal('1');
    expect(readFileSync(join(dir, 'after'), 'utf8').trim(), 'loggers after a stdout line').to.equal('2');
    await rs.waitFor(/env-sync\/lazy\[\d+\]: one line/);
  });

  it('keeps running the sync when the syslog daemon is down', async () => {
    const state = stateDirIn(dir);
    const r = await run(WRAPPER, [
      '--state-dir',
      state,
      '--syslog-socket',
      join(dir, 'no-daemon.sock'),
      '--job',
      'down',
      '--',
      'sh',
      '-c',
      'echo still synced; exit 0',
    ]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal('still synced\n');
    expect(r.stderr).to.contain('syslog unavailable');
    expect(readJobState(state, 'down', null)!.last!.outcome).to.equal('success');
  });
});

void sleep;
