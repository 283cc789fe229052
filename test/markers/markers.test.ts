import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyRun, ensureJobDir, recordRun, writeRunning, type StoreContext } from '../../src/markers/store.js';
import { MarkerError, readJobState, readRunningMarkers, listJobs } from '../../src/markers/read.js';
import { writeFileAtomic } from '../../src/markers/atomicWrite.js';
import { readLock, tryAcquire, release } from '../../src/markers/lock.js';
import { statePath, runLockPath } from '../../src/markers/paths.js';
import { emptyJobState, type Outcome, type Run } from '../../src/markers/types.js';
import { validateName, defaultJobName } from '../../src/common/jobName.js';
import { processLiveness, processStartTicks } from '../../src/common/host.js';
import { makeTempDir } from '../support/tmp.js';

const workerJs = fileURLToPath(new URL('../support/lockWorker.js', import.meta.url));

function run(outcome: Outcome, over: Partial<Run> = {}): Run {
  return {
    runId: `r-${Math.random().toString(16).slice(2, 8)}`,
    job: 'pull_x',
    part: null,
    host: 'db1',
    user: 'govuk-backup',
    wrapperPid: 1,
    wrapperStartTicks: null,
    childPid: 2,
    bootId: 'b',
    argv: ['/bin/true'],
    cwd: '/',
    cronCommand: null,
    cronCwd: null,
    start: '2026-11-24T00:18:00.000Z',
    end: '2026-11-24T00:41:00.000Z',
    durationSeconds: 1380,
    outcome,
    exitCode: outcome === 'success' ? 0 : 1,
    signal: null,
    timeoutSeconds: null,
    message: null,
    output: { lines: 0, bytes: 0, tail: [] },
    ...over,
  };
}

function ctx(stateDir: string, job = 'pull_x'): StoreContext {
  return {
    stateDir,
    job,
    bootId: 'b',
    holder: {
      runId: `h-${process.pid}`,
      pid: process.pid,
      startTicks: processStartTicks(process.pid),
      bootId: 'b',
      host: 'h',
      start: new Date().toISOString(),
    },
  };
}

describe('job names', () => {
  const table: Array<[string, boolean]> = [
    ['pull_content_data_admin_production_daily', true],
    ['a', true],
    ['A.b-c_9', true],
    ['x'.repeat(128), true],
    ['x'.repeat(129), false],
    ['', false],
    ['.hidden', false],
    ['..', false],
    ['a/b', false],
    ['a b', false],
    ['a\0b', false],
    ['-rf', false],
  ];
  for (const [name, ok] of table) {
    it(`${ok ? 'accepts' : 'refuses'} ${JSON.stringify(name.slice(0, 20))}${name.length > 20 ? '…' : ''}`, () => {
      if (ok) expect(validateName(name)).to.equal(name);
      else expect(() => validateName(name)).to.throw(/invalid job name.*--job NAME/);
    });
  }
  it('derives the default job name from -f FILE.cfg', () => {
    expect(defaultJobName(['/usr/local/bin/govuk_env_sync.sh', '-f', '/etc/govuk_env_sync/pull_x.cfg'])).to.equal('pull_x');
    expect(defaultJobName(['sync', '-f/etc/y.cfg'])).to.equal('y');
    expect(defaultJobName(['sync', '-a', 'push'])).to.equal(undefined);
  });
});

describe('applyRun (state rules)', () => {
  const now = new Date('2026-11-24T01:00:00Z');
  it('counts consecutive failures and resets them on success', () => {
    let s = emptyJobState('pull_x');
    s = applyRun(s, run('failure'), now);
    s = applyRun(s, run('timeout'), now);
    s = applyRun(s, run('interrupted'), now);
    expect(s.consecutiveFailures).to.equal(3);
    expect(s.lastSuccess).to.equal(null);
    const ok = run('success');
    s = applyRun(s, ok, now);
    expect(s.consecutiveFailures).to.equal(0);
    expect(s.lastSuccess?.runId).to.equal(ok.runId);
    expect(s.last?.runId).to.equal(ok.runId);
  });
  it('records a skipped start apart from the last real run', () => {
    const failed = run('failure');
    let s = applyRun(emptyJobState('pull_x'), failed, now);
    s = applyRun(s, run('skipped-overlap'), now);
    expect(s.last?.runId).to.equal(failed.runId);
    expect(s.lastSkipped?.outcome).to.equal('skipped-overlap');
    expect(s.consecutiveFailures).to.equal(1);
    expect(s.history.map((h) => h.outcome)).to.deep.equal(['failure', 'skipped-overlap']);
  });
  it('keeps at most 50 history entries, newest last', () => {
    let s = emptyJobState('pull_x');
    for (let i = 0; i < 60; i++) s = applyRun(s, run('success', { runId: `r${i}` }), now);
    expect(s.history).to.have.length(50);
    expect(s.history[0]?.runId).to.equal('r10');
    expect(s.history[49]?.runId).to.equal('r59');
  });
  it('keeps the last run of each part', () => {
    let s = applyRun(emptyJobState('copy'), run('success', { part: 'mysql-normal' }), now);
    s = applyRun(s, run('failure', { part: 'assets' }), now);
    expect(Object.keys(s.parts).sort()).to.deep.equal(['assets', 'mysql-normal']);
    expect(s.parts.assets?.outcome).to.equal('failure');
  });
});

describe('marker files', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  it('records runs and reads them back; running markers come and go', () => {
    const c = ctx(dir);
    const r = run('success');
    writeRunning(c, { ...r, outcome: 'running', end: null });
    expect(readRunningMarkers(dir, 'pull_x', null).map((m) => m.runId)).to.deep.equal([r.runId]);
    recordRun(c, r);
    expect(readRunningMarkers(dir, 'pull_x', null)).to.deep.equal([]);
    const s = readJobState(dir, 'pull_x', null);
    expect(s?.last?.runId).to.equal(r.runId);
    expect(listJobs(dir)).to.deep.equal(['pull_x']);
    const mode = spawnSync('stat', ['-c', '%a', statePath(dir, 'pull_x')])
      .stdout.toString()
      .trim();
    expect(mode).to.equal('644');
  });

  it('reads markers of different sizes in turn whole (one read buffer), and fills fields older markers lack with null', () => {
    const big = run('failure', { job: 'big', output: { lines: 40, bytes: 0, tail: Array.from({ length: 40 }, (_, i) => `${i} ${'x'.repeat(3000)}`) } });
    recordRun(ctx(dir, 'big'), big);
    recordRun(ctx(dir, 'small'), run('success', { job: 'small' }));
    // A marker written before childPid, signal and message existed.
    const old = run('success', { job: 'old' }) as Partial<Run>;
    for (const f of ['childPid', 'signal', 'message', 'timeoutSeconds'] as const) delete old[f];
    mkdirSync(join(dir, 'old'));
    writeFileAtomic(statePath(dir, 'old'), JSON.stringify({ ...emptyJobState('old'), last: old, lastSuccess: old }));
    expect(readFileSync(statePath(dir, 'big')).length).to.be.greaterThan(100_000);
    for (const job of ['small', 'big', 'small', 'old', 'big', 'old']) {
      const s = readJobState(dir, job, null)!;
      expect(s.last!.job).to.equal(job);
      const onDisk = JSON.parse(readFileSync(statePath(dir, job), 'utf8')).last as Record<string, unknown>;
      expect(s.last).to.deep.equal({ childPid: null, childStartTicks: null, signal: null, message: null, timeoutSeconds: null, seq: null, ...onDisk });
    }
  });

  it('refuses to create the state directory itself, naming the fix', () => {
    expect(() => ensureJobDir(join(dir, 'missing'), 'pull_x')).to.throw(/does not exist; create it: install -d/);
  });

  it('refuses a job directory that is a symbolic link', () => {
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'pull_x'));
    expect(() => recordRun(ctx(dir), run('success'))).to.throw(/symbolic link/);
    expect(readdirSync(join(dir, 'elsewhere'))).to.deep.equal([]);
  });

  it('leaves the old file intact when an atomic write fails', () => {
    const p = join(dir, 'f.json');
    writeFileAtomic(p, 'old');
    // A rename onto a directory fails after the temp file was written: the failure comes late.
    mkdirSync(join(dir, 'target.json'));
    expect(() => writeFileAtomic(join(dir, 'target.json'), 'new')).to.throw();
    expect(readFileSync(p, 'utf8')).to.equal('old');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('keeps a corrupt state file aside and starts afresh', () => {
    ensureJobDir(dir, 'pull_x');
    writeFileSync(statePath(dir, 'pull_x'), '{"schema":1,"job":"pull_x","la');
    recordRun(ctx(dir), run('failure'));
    expect(readJobState(dir, 'pull_x', null)?.consecutiveFailures).to.equal(1);
    expect(readdirSync(join(dir, 'pull_x')).some((n) => n.startsWith('state.json.corrupt-'))).to.equal(true);
  });

  const bad: Array<[string, (p: string) => void, RegExp]> = [
    ['empty', (p) => writeFileSync(p, ''), /is empty; move it away/],
    ['truncated', (p) => writeFileSync(p, '{"schema":1,"job":"pull_x","last":{'), /not valid JSON \(truncated or corrupt\)/],
    ['binary', (p) => writeFileSync(p, Buffer.from([0, 159, 146, 150, 255])), /not valid JSON/],
    ['a JSON list', (p) => writeFileSync(p, '[1,2]'), /does not hold a JSON object/],
    [
      'future schema',
      (p) => writeFileSync(p, '{"schema":99,"job":"pull_x"}'),
      /marker schema 99, newer than this check understands \(3\); upgrade env-sync-checks/,
    ],
    [
      'wrong field type',
      (p) => writeFileSync(p, '{"schema":1,"job":"pull_x","consecutiveFailures":"x","history":[]}'),
      /consecutiveFailures is missing or of the wrong type/,
    ],
    [
      'world-writable',
      (p) => {
        writeFileSync(p, '{}');
        chmodSync(p, 0o666);
      },
      /is writable by everyone, so another user could have changed it; refusing to trust it; chmod go-w .*state.json and check who changed it/,
    ],
    [
      'a symlink',
      (p) => {
        writeFileSync(`${p}.real`, '{}');
        symlinkSync(`${p}.real`, p);
      },
      /symbolic link; refusing to trust/,
    ],
    ['a directory', (p) => mkdirSync(p), /is a directory/],
    [
      '100 MiB',
      (p) => {
        writeFileSync(p, '');
        spawnSync('truncate', ['-s', '100M', p]);
      },
      /far larger than any marker/,
    ],
  ];
  for (const [what, make, message] of bad) {
    it(`says what is wrong with a marker that is ${what}, naming the file`, () => {
      ensureJobDir(dir, 'pull_x');
      const p = statePath(dir, 'pull_x');
      make(p);
      try {
        readJobState(dir, 'pull_x', null);
        expect.fail('no error');
      } catch (err) {
        expect(err).to.be.instanceOf(MarkerError);
        expect((err as Error).message)
          .to.contain(p)
          .and.match(message);
      }
    });
  }
});

describe('locks', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());
  const rec = (runId: string, pid: number, bootId: string | null = 'b') => ({
    runId,
    pid,
    startTicks: processStartTicks(pid),
    bootId,
    host: 'h',
    start: new Date().toISOString(),
  });

  it('refuses a second holder while the first is alive, and frees on release', () => {
    ensureJobDir(dir, 'j');
    const p = runLockPath(dir, 'j', null);
    expect(tryAcquire(p, rec('one', process.pid), 'b').acquired).to.equal(true);
    const second = tryAcquire(p, rec('two', process.pid), 'b');
    expect(second.acquired).to.equal(false);
    if (!second.acquired) expect(second.holder.runId).to.equal('one');
    release(p, 'two'); // not ours: must not remove it
    expect(readLock(p)?.runId).to.equal('one');
    release(p, 'one');
    expect(readLock(p)).to.equal(null);
  });

  it('takes over a lock whose holder was SIGKILLed', async () => {
    ensureJobDir(dir, 'j');
    const p = runLockPath(dir, 'j', null);
    const holder = spawn(process.execPath, [workerJs, p, 'dead-run', 'b', '60000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    expect(readLock(p)?.runId).to.equal('dead-run');
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(processLiveness(holder.pid!, null, null, null)).to.equal('dead');
    const r = tryAcquire(p, rec('new', process.pid), 'b');
    expect(r.acquired).to.equal(true);
    if (r.acquired) expect(r.tookOver.map((h) => h.runId)).to.deep.equal(['dead-run']);
    expect(readLock(p)?.runId).to.equal('new');
  });

  it('takes over a lock from an earlier boot even if its pid is alive now', () => {
    ensureJobDir(dir, 'j');
    const p = runLockPath(dir, 'j', null);
    expect(tryAcquire(p, rec('before-reboot', process.pid, 'old-boot'), 'old-boot').acquired).to.equal(true);
    const r = tryAcquire(p, rec('after', process.pid, 'new-boot'), 'new-boot');
    expect(r.acquired).to.equal(true);
    if (r.acquired) expect(r.tookOver.map((h) => h.runId)).to.deep.equal(['before-reboot']);
  });

  it('takes over a lock a crash left empty or half-written, once it is older than 10 s', () => {
    ensureJobDir(dir, 'j');
    const p = runLockPath(dir, 'j', null);
    for (const junk of ['', '{"schema":1,"runId":"r-old","pi']) {
      writeFileSync(p, junk);
      const old = new Date(Date.now() - 60_000);
      utimesSync(p, old, old);
      const holder = { runId: 'r-new', pid: process.pid, startTicks: processStartTicks(process.pid), bootId: 'b', host: 'h', start: new Date().toISOString() };
      expect(tryAcquire(p, holder, 'b').acquired).to.equal(true);
      expect(readLock(p)?.runId).to.equal('r-new');
      release(p, 'r-new');
    }
  });

  it('lets exactly one of 30 simultaneous processes take the lock', async () => {
    ensureJobDir(dir, 'j');
    const p = runLockPath(dir, 'j', null);
    // The holder keeps the lock until all 30 have answered: on a loaded machine the last may start
    // seconds after the first, and must still find the lock held.
    const flag = join(dir, 'all-answered');
    let answered = 0;
    const outs = await Promise.all(
      Array.from(
        { length: 30 },
        (_, i) =>
          new Promise<string>((resolve) => {
            const c = spawn(process.execPath, [workerJs, p, `w${i}`, 'b', '0', flag], { stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            c.stdout.on('data', (d) => {
              out += d;
              if (String(d).includes('\n') && ++answered === 30) writeFileSync(flag, '');
            });
            c.on('close', () => resolve(out)); // 'close', not 'exit': stdout may still hold the answer at exit
          }),
      ),
    );
    const acquired = outs.map((o) => JSON.parse(o) as { acquired: boolean }).filter((o) => o.acquired);
    expect(acquired).to.have.length(1);
  });
});
