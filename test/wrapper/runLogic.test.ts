// The wrapper's run logic with a fake marker store, reporter and poster, as runitor tests its
// Pinger: what is recorded, in what order, and that no trouble of theirs changes the sync's exit.
// The real-process tests (test/wrapper/wrapper.test.ts, test/wrapper/faults.test.ts) run the same logic on files.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunLock } from '../../src/markers/runLock.js';
import { applyRun } from '../../src/markers/store.js';
import { emptyJobState, type JobState, type LockRecord, type Run, type RunningMarker } from '../../src/markers/types.js';
import type { WrapperOptions } from '../../src/wrapper/options.js';
import { convert } from '../../src/common/options.js';
import type { RunReporter } from '../../src/wrapper/report.js';
import { runWrapped, type VerdictPoster } from '../../src/wrapper/run.js';
import type { RunStore } from '../../src/wrapper/runStore.js';
import type { UnrecordedRun } from '../../src/markers/read.js';
import type { HeldMarkers, RunTextfile } from '../../src/wrapper/textfile.js';
import { makeTempDir } from '../support/tmp.js';

const BOOT = 'boot-now';

function options(command: string[], extra: Partial<WrapperOptions> = {}): WrapperOptions {
  // The option table's own defaults, so a default changed there is the default tested here.
  return {
    ...convert('env-sync-run', {}, {}),
    job: 'pull_x',
    command,
    stateDir: '/fake/state',
    bootIdFile: '/fake/boot_id',
    syslogCopy: false,
    syslogSocket: '/dev/null',
    syslog: '/fake/syslog',
    icinga: null,
    pushgateway: null,
    ...extra,
  };
}

class FakeStore implements RunStore {
  calls: string[] = [];
  recorded: Run[] = [];
  state: JobState = emptyJobState('pull_x');
  constructor(private readonly o: { lock?: RunLock; running?: RunningMarker[]; unrecorded?: UnrecordedRun[]; failOn?: string } = {}) {}
  private call(name: string) {
    this.calls.push(name);
    if (this.o.failOn === name) throw Object.assign(new Error(`${name} failed: EROFS`), { code: 'EROFS' });
  }
  prepare() {
    this.call('prepare');
  }
  async lock(wait: boolean) {
    this.call(wait ? 'lock(wait)' : 'lock');
    return this.o.lock ?? { acquired: true as const, tookOver: [] };
  }
  unlock() {
    this.call('unlock');
  }
  lockChild() {
    this.call('lockChild');
  }
  runningMarkers() {
    this.call('runningMarkers');
    return this.o.running ?? [];
  }
  writeRunning(run: Run) {
    this.call(`writeRunning(${run.childPid ? 'pid' : 'no pid'})`);
  }
  unrecordedRuns() {
    if (this.o.unrecorded) this.call('unrecordedRuns');
    return this.o.unrecorded ?? [];
  }
  markUnrecorded(run: Run, cause: string) {
    this.call(`markUnrecorded(${run.outcome},${cause})`);
    return `unrecorded-${run.runId}.${run.outcome}.${run.exitCode}.${cause}.json`;
  }
  record(run: Run, unrecordedFile?: string) {
    this.call(`record(${run.outcome}${unrecordedFile ? `,${unrecordedFile}` : ''})`);
    this.recorded.push(structuredClone(run));
    this.state = applyRun(this.state, run, new Date());
    return this.state;
  }
}

class FakeReporter implements RunReporter {
  events: string[] = [];
  warnings: string[] = [];
  closed = false;
  event(line: string) {
    this.events.push(line);
  }
  warn(message: string) {
    this.warnings.push(message);
  }
  stdoutSink() {
    return null;
  }
  stderrSink() {
    return null;
  }
  async close() {
    this.closed = true;
  }
}

const deps = (store: RunStore, reporter: RunReporter, poster: VerdictPoster | null = null) => ({
  store,
  reporter,
  poster,
  bootId: BOOT,
  runId: 'run-now',
  startedAt: new Date(),
  invocation: null,
  inventory: null,
});

function abandoned(runId: string, pid: number, bootId: string): RunningMarker {
  return {
    schema: 1,
    runId,
    job: 'pull_x',
    part: null,
    host: 'h',
    user: 'u',
    wrapperPid: pid,
    wrapperStartTicks: null,
    childPid: DEAD_PID - 1,
    bootId,
    argv: ['sync'],
    cwd: '/',
    cronCommand: null,
    cronCwd: null,
    start: '2026-11-24T00:00:00.000Z',
    end: null,
    durationSeconds: null,
    outcome: 'running',
    exitCode: null,
    signal: null,
    timeoutSeconds: null,
    message: null,
    output: { lines: 0, bytes: 0, tail: [] },
  };
}
const DEAD_PID = 2147483647;

describe("the wrapper's run logic, with a fake store, reporter and poster", function () {
  this.timeout(20_000);

  it('takes the lock, writes the running marker once with the pid, records the end, then lets the lock go', async () => {
    const store = new FakeStore();
    const reporter = new FakeReporter();
    const r = await runWrapped(options(['sh', '-c', 'exit 3']), deps(store, reporter));
    expect(r.exitCode).to.equal(3);
    expect(store.calls).to.deep.equal(['prepare', 'lock', 'runningMarkers', 'lockChild', 'writeRunning(pid)', 'record(failure)', 'unlock']);
    expect(store.recorded[0]).to.include({ runId: 'run-now', outcome: 'failure', exitCode: 3 });
    expect(reporter.events.map((e) => e.split(' ')[0])).to.deep.equal(['event=start', 'event=finish']);
    expect(reporter.closed).to.equal(true);
  });

  it('skips a run while another holds the lock: exit 75, the skip recorded, the command never started', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const holder: LockRecord = {
        schema: 1,
        runId: 'run-alive',
        pid: process.pid,
        startTicks: null,
        bootId: BOOT,
        host: 'h',
        start: '2026-11-24T00:18:00.000Z',
      };
      const store = new FakeStore({ lock: { acquired: false, holder, liveness: 'alive' } });
      const touched = join(dir, 'started');
      const r = await runWrapped(options(['touch', touched]), deps(store, new FakeReporter()));
      expect(r.exitCode).to.equal(75);
      expect(existsSync(touched)).to.equal(false);
      expect(store.calls).to.deep.equal(['prepare', 'lock', 'record(skipped-overlap)']);
      expect(store.recorded[0]!.message).to.equal('run run-alive (pid ' + process.pid + ', started 2026-11-24T00:18:00.000Z) of this job was still running');
    } finally {
      cleanup();
    }
  });

  it('records the run whose lock it took over as interrupted, once, and a dead run of an earlier boot as a reboot', async () => {
    const dead = abandoned('run-dead', DEAD_PID, BOOT);
    const rebooted = abandoned('run-rebooted', process.pid, 'boot-before');
    const lock: LockRecord = { schema: 1, runId: 'run-dead', pid: DEAD_PID, startTicks: null, bootId: BOOT, host: 'h', start: dead.start };
    const store = new FakeStore({ lock: { acquired: true, tookOver: [lock] }, running: [dead, rebooted] });
    const reporter = new FakeReporter();
    const r = await runWrapped(options(['true']), deps(store, reporter));
    expect(r.exitCode).to.equal(0);
    const interrupted = store.recorded.filter((x) => x.outcome === 'interrupted');
    expect(interrupted.map((x) => [x.runId, x.message])).to.deep.equal([
      [
        'run-dead',
        `wrapper pid ${DEAD_PID} died without recording an end and its sync pid ${DEAD_PID - 1} has ended since: outcome unknown; found by run run-now`,
      ],
      ['run-rebooted', 'host rebooted during the run (boot id changed); found by run run-now'],
    ]);
    expect(reporter.events.filter((e) => e.startsWith('event=interrupted'))).to.have.length(2);
  });

  it('keeps running the sync with its exit status when the store fails, saying so once and trying no more', async () => {
    for (const failOn of ['prepare', 'writeRunning(pid)', 'record(success)']) {
      const store = new FakeStore({ failOn });
      const reporter = new FakeReporter();
      const r = await runWrapped(options(['sh', '-c', 'exit 0']), deps(store, reporter));
      expect(r.exitCode, failOn).to.equal(0);
      expect(reporter.warnings[0], failOn).to.match(/^cannot .* in \/fake\/state \(.*EROFS\); the sync runs anyway/);
      // After a failed end, one last try that needs no data blocks: the running marker's rename.
      const last = failOn === 'record(success)' ? ['markUnrecorded(success,EROFS)'] : [];
      expect(
        store.calls.slice(store.calls.indexOf(failOn) + 1).filter((c) => c !== 'unlock'),
        failOn,
      ).to.deep.equal(last);
      expect(reporter.warnings, failOn).to.have.length(1 + last.length);
    }
  });

  it('an end that cannot be recorded renames the running marker to say how the run ended; the next run records it late, before its own', async () => {
    const full = new FakeStore({ failOn: 'record(failure)' });
    const reporter = new FakeReporter();
    const r = await runWrapped(options(['sh', '-c', 'exit 4']), deps(full, reporter));
    expect(r.exitCode).to.equal(4);
    expect(full.calls.slice(-3)).to.deep.equal(['record(failure)', 'markUnrecorded(failure,EROFS)', 'unlock']);
    expect(reporter.warnings[1]).to.equal(
      'the end of run run-now (failure, exit 4) is kept in the name of unrecorded-run-now.failure.4.EROFS.json, where the checks read it, until a later run of the job can record it',
    );
    // A marker whose own rename failed too: said, and the run's exit status is still the sync's.
    const worse = new FakeStore({ failOn: 'record(success)' });
    worse.markUnrecorded = () => {
      throw new Error('EIO');
    };
    const rep2 = new FakeReporter();
    expect((await runWrapped(options(['true']), deps(worse, rep2))).exitCode).to.equal(0);
    expect(rep2.warnings[1]).to.match(/^cannot keep the end of run run-now either \(EIO\): its running marker stays/);

    const lateRun = { ...abandoned('run-full', DEAD_PID, BOOT), outcome: 'failure' as const, exitCode: 4, end: '2026-11-24T01:00:00.000Z' };
    const next = new FakeStore({ unrecorded: [{ run: lateRun, cause: 'ENOSPC', file: 'unrecorded-run-full.failure.4.ENOSPC.json' }] });
    const rep3 = new FakeReporter();
    await runWrapped(options(['true']), deps(next, rep3));
    expect(next.calls.slice(0, 5)).to.deep.equal([
      'prepare',
      'lock',
      'runningMarkers',
      'unrecordedRuns',
      'record(failure,unrecorded-run-full.failure.4.ENOSPC.json)',
    ]);
    expect(next.recorded[0]).to.include({
      runId: 'run-full',
      outcome: 'failure',
      exitCode: 4,
      message: 'its end was recorded late, by run run-now: its wrapper could not write it (no space left on device)',
    });
    expect(rep3.events.filter((e) => e.startsWith('event=recorded-late'))).to.deep.equal([
      `event=recorded-late job=pull_x run=run-full outcome=failure exit=4 by=run-now`,
    ]);
  });

  it('posts the verdict after the run is recorded, and a failed post changes nothing', async () => {
    const store = new FakeStore();
    const reporter = new FakeReporter();
    const order: string[] = [];
    const poster: VerdictPoster = async (run, rep) => {
      order.push(`post(${run.outcome}) after ${store.calls.at(-1)}`);
      rep.warn('passive result not posted: cannot reach https://icinga:5665: ECONNREFUSED');
    };
    const r = await runWrapped(options(['sh', '-c', 'exit 2']), deps(store, reporter, poster));
    expect(r.exitCode).to.equal(2);
    expect(order).to.deep.equal(['post(failure) after unlock']);
    expect(reporter.warnings).to.deep.equal(['passive result not posted: cannot reach https://icinga:5665: ECONNREFUSED']);
  });

  it('--overlap allow takes no lock; --overlap wait asks the store to wait', async () => {
    const allow = new FakeStore();
    await runWrapped(options(['true'], { overlap: 'allow' }), deps(allow, new FakeReporter()));
    expect(allow.calls).to.deep.equal(['runningMarkers', 'writeRunning(pid)', 'record(success)']);
    const wait = new FakeStore();
    await runWrapped(options(['true'], { overlap: 'wait' }), deps(wait, new FakeReporter()));
    expect(wait.calls.slice(0, 2)).to.deep.equal(['prepare', 'lock(wait)']);
  });

  it('--textfile-dir: rewrites the textfile after the running marker and after the end is recorded, handing it what the run holds (after a skipped start: test/metrics/wrapperTextfile.test.ts)', async () => {
    const store = new FakeStore();
    const held: HeldMarkers[] = [];
    const textfile: RunTextfile = async (_reporter, h = {}) => void (store.calls.push('textfile'), held.push(h));
    const r = await runWrapped(options(['sh', '-c', 'exit 4']), { ...deps(store, new FakeReporter()), textfile });
    expect(r.exitCode).to.equal(4);
    // The store's own calls are the other tests' business; here, where the two writes fall among them.
    const writes = store.calls.flatMap((c, i) => (c === 'textfile' ? [i] : []));
    const at = (c: string) => store.calls.indexOf(c);
    expect(writes).to.have.length(2);
    expect(writes[0]).to.equal(at('writeRunning(pid)') + 1);
    expect(writes[0]).to.be.below(at('record(failure)'));
    expect(writes[1]).to.equal(store.calls.length - 1);
    expect(writes[1]).to.be.above(at('unlock'));
    // At the start, the run in progress as its marker says (not read back); at the end, the state the store wrote.
    expect(held[0]!.state).to.equal(undefined);
    expect(held[0]!.running).to.deep.include({ runId: 'run-now', outcome: 'running', childPid: r.run.childPid });
    expect(held[1]).to.deep.equal({ state: store.state });
    expect(held[1]!.state!.last).to.deep.include({ runId: 'run-now', outcome: 'failure', exitCode: 4 });
  });

  it('--textfile-dir: a running marker or an end that could not be written is not handed to the textfile as written', async () => {
    for (const failOn of ['writeRunning(pid)', 'record(success)']) {
      const store = new FakeStore({ failOn });
      const held: HeldMarkers[] = [];
      const textfile: RunTextfile = async (_reporter, h = {}) => void held.push(h);
      expect((await runWrapped(options(['true']), { ...deps(store, new FakeReporter()), textfile })).exitCode, failOn).to.equal(0);
      expect(held, failOn).to.have.length(2);
      if (failOn === 'writeRunning(pid)') expect(held[0], failOn).to.deep.equal({});
      else expect(held[0]!.running, failOn).to.deep.include({ runId: 'run-now' });
      expect(held[1], failOn).to.deep.equal({});
    }
  });

  it('--textfile-dir: the end write waits for a start write still going, so the file ends with the end', async () => {
    const store = new FakeStore();
    let recorded!: () => void;
    const endRecorded = new Promise<void>((r) => (recorded = r));
    const record = store.record.bind(store);
    store.record = (run: Run) => {
      const state = record(run);
      recorded();
      return state;
    };
    let n = 0;
    // The start's write is still going when the run has ended and been recorded.
    const textfile = async () => {
      const i = ++n;
      store.calls.push(`textfile ${i} begins`);
      if (i === 1) {
        await endRecorded;
        await new Promise((r) => setTimeout(r, 50));
      }
      store.calls.push(`textfile ${i} ends`);
    };
    const r = await runWrapped(options(['true']), { ...deps(store, new FakeReporter()), textfile });
    expect(r.exitCode).to.equal(0);
    const at = (c: string) => store.calls.indexOf(c);
    expect(at('textfile 1 begins')).to.be.greaterThan(at('writeRunning(pid)'));
    expect(at('textfile 1 ends')).to.be.greaterThan(at('record(success)'));
    expect(at('textfile 2 begins')).to.be.greaterThan(at('textfile 1 ends'));
    expect(store.calls.at(-1)).to.equal('textfile 2 ends');
  });
});
