import { spawn } from 'node:child_process';
import { randomHex } from '../common/randomHex.js';
import { constants as osConstants } from 'node:os';
import { currentHost, currentUser, processLiveness, processStartTicks, readBootId } from '../common/host.js';
import { tryAcquire, release, readLock } from '../markers/lock.js';
import { runLockPath } from '../markers/paths.js';
import { readRunningMarkers } from '../markers/read.js';
import { ensureJobDir, recordRun, writeRunning, type StoreContext } from '../markers/store.js';
import type { LockRecord, Outcome, Run, RunningMarker } from '../markers/types.js';
import { EXIT_SKIPPED, EXIT_TIMEOUT, type WrapperOptions } from './options.js';
import { OutputTail, OutputTap, type LineSink } from './outputTap.js';
import { redactArg, redactArgv } from './redact.js';
import { writeAll } from '../output/writeAll.js';
import { SyslogSink } from './syslogSink.js';

const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
// After the command exits, output still held open by a grandchild is followed this long, then let go.
const DRAIN_AFTER_EXIT_MS = 1000;

function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomHex(3)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quoteForLog(argv: string[]): string {
  return argv.join(' ').replace(/"/g, '\\"');
}

/** Everything the wrapper says about itself goes to stderr and to syslog (tag env-sync-run). */
class Reporter {
  private runLog: SyslogSink | null = null;
  private out: SyslogSink | null = null;
  private err: SyslogSink | null = null;
  private syslogDownSaid = false;

  constructor(private readonly opts: WrapperOptions) {
    if (!opts.syslog) return;
    const down = (why: string) => {
      if (this.syslogDownSaid) return;
      this.syslogDownSaid = true;
      process.stderr.write(`env-sync-run: WARNING: syslog unavailable (${why}); output is not copied to syslog, the sync goes on\n`);
    };
    this.runLog = new SyslogSink('env-sync-run', 'user.notice', opts.syslogSocket, down);
    this.out = new SyslogSink(`env-sync/${opts.job}`, 'user.info', opts.syslogSocket, down);
    this.err = new SyslogSink(`env-sync/${opts.job}`, 'user.err', opts.syslogSocket, down);
  }

  event(line: string): void {
    this.runLog?.write(line);
  }

  warn(message: string): void {
    process.stderr.write(`env-sync-run: WARNING: ${message}\n`);
    this.runLog?.write(`event=warning job=${this.opts.job} ${message}`);
  }

  stdoutSink(): LineSink | null {
    return this.out;
  }

  stderrSink(): LineSink | null {
    return this.err;
  }

  async close(): Promise<void> {
    const dropped = (this.out?.dropped ?? 0) + (this.err?.dropped ?? 0);
    if (dropped > 0 && !this.syslogDownSaid) this.runLog?.write(`event=dropped job=${this.opts.job} lines=${dropped} (syslog could not keep up; the output itself passed through whole)`);
    await Promise.all([this.out?.close(), this.err?.close(), this.runLog?.close()]);
  }
}

interface Finished {
  outcome: Outcome;
  exitCode: number;
  signal: string | null;
  message: string | null;
}

function signalNumber(name: string): number {
  return (osConstants.signals as Record<string, number>)[name] ?? 0;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* group already gone */
  }
}

export interface WrapperResult {
  exitCode: number;
  run: Run;
}

/** Runs one wrapped command to its end and records it. Never throws for marker or syslog trouble. */
export async function runWrapped(opts: WrapperOptions): Promise<WrapperResult> {
  const startedAt = new Date();
  const t0 = process.hrtime.bigint();
  const bootId = readBootId(opts.bootIdFile);
  const runId = newRunId(startedAt);
  const reporter = new Reporter(opts);
  const holder: Omit<LockRecord, 'schema'> = {
    runId,
    pid: process.pid,
    startTicks: processStartTicks(process.pid),
    bootId,
    host: currentHost(),
    start: startedAt.toISOString(),
  };
  const ctx: StoreContext = { stateDir: opts.stateDir, job: opts.job, bootId, holder };
  const run: Run = {
    runId,
    job: opts.job,
    part: opts.part,
    host: holder.host,
    user: currentUser(),
    wrapperPid: process.pid,
    wrapperStartTicks: holder.startTicks,
    childPid: null,
    bootId,
    argv: redactArgv(opts.command),
    cwd: process.cwd(),
    start: startedAt.toISOString(),
    end: null,
    durationSeconds: null,
    outcome: 'running',
    exitCode: null,
    signal: null,
    timeoutSeconds: opts.timeoutSeconds,
    message: null,
    output: { lines: 0, bytes: 0, tail: [] },
  };

  // Monitoring must never make the sync worse: every marker operation is guarded, and after the first
  // failure the wrapper stops trying and just runs the command.
  let markersOk = true;
  const marker = (what: string, fn: () => void) => {
    if (!markersOk) return;
    try {
      fn();
    } catch (err) {
      markersOk = false;
      reporter.warn(`cannot ${what} in ${opts.stateDir} (${(err as Error).message}); the sync runs anyway but check_env_sync will not see this run. Fix: make ${opts.stateDir} exist and be writable by ${run.user}`);
    }
  };

  const lockPath = runLockPath(opts.stateDir, opts.job, opts.part);
  let haveLock = false;
  const recordInterrupted = (m: RunningMarker | null, lock: LockRecord | null, why: string) => {
    const base: Run = m
      ? { ...m }
      : { ...run, runId: lock!.runId, wrapperPid: lock!.pid, wrapperStartTicks: lock!.startTicks, bootId: lock!.bootId, start: lock!.start, argv: [], childPid: null };
    const { schema: _schema, ...rest } = base as RunningMarker;
    recordRun(ctx, { ...rest, outcome: 'interrupted', end: null, durationSeconds: null, exitCode: null, message: why });
    reporter.event(`event=interrupted job=${opts.job} run=${base.runId} ${why}`);
  };
  const whyDead = (lockBoot: string | null | undefined, pid: number) =>
    lockBoot && bootId && lockBoot !== bootId ? `host rebooted during the run (boot id changed); found by run ${runId}` : `wrapper pid ${pid} died without recording an end; found by run ${runId}`;

  if (opts.overlap !== 'allow') {
    marker('take the run lock', () => {
      ensureJobDir(opts.stateDir, opts.job);
    });
    let waitMs = 50;
    while (markersOk) {
      let result: ReturnType<typeof tryAcquire> | null = null;
      marker('take the run lock', () => {
        result = tryAcquire(lockPath, holder, bootId);
      });
      const r = result as ReturnType<typeof tryAcquire> | null;
      if (!r) break;
      if (r.acquired) {
        haveLock = true;
        for (const stale of r.tookOver) {
          const m = safeRunning(opts).find((x) => x.runId === stale.runId) ?? null;
          marker('record the interrupted run', () => recordInterrupted(m, stale, whyDead(stale.bootId, stale.pid)));
        }
        break;
      }
      if (opts.overlap === 'skip') {
        const skipped: Run = {
          ...run,
          end: new Date().toISOString(),
          durationSeconds: 0,
          outcome: 'skipped-overlap',
          exitCode: EXIT_SKIPPED,
          message: `run ${r.holder.runId} (pid ${r.holder.pid}, started ${r.holder.start}) of this job was still running`,
        };
        process.stderr.write(`env-sync-run: ${opts.job}: not started: ${skipped.message} (exit ${EXIT_SKIPPED})\n`);
        reporter.event(`event=skip job=${opts.job} run=${runId} outcome=skipped-overlap exit=${EXIT_SKIPPED} running=${r.holder.runId}`);
        marker('record the skipped run', () => recordRun(ctx, skipped));
        await reporter.close();
        return { exitCode: EXIT_SKIPPED, run: skipped };
      }
      await sleep(waitMs);
      waitMs = Math.min(1000, waitMs * 2);
    }
  }

  // Runs left behind by wrappers that died (allow mode, or markers whose lock was already gone).
  for (const m of safeRunning(opts)) {
    if (m.runId === runId) continue;
    const live = processLiveness(m.wrapperPid, m.wrapperStartTicks, m.bootId, bootId);
    if (live !== 'alive') marker('record the interrupted run', () => recordInterrupted(m, null, whyDead(m.bootId, m.wrapperPid)));
  }

  // The running marker is written once, as soon as spawn() returns with the child's pid (it forks and
  // execs before returning): one atomic write with two fsyncs fewer than writing it before and after.
  // Until then the run lock names this run; a command that cannot start leaves no running marker.
  const tail = new OutputTail();
  const finished = await runChild(opts, run, tail, reporter, () => marker('write the running marker', () => writeRunning(ctx, run)));
  const durationSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  Object.assign(run, {
    end: new Date().toISOString(),
    durationSeconds: Math.round(durationSeconds * 1000) / 1000,
    outcome: finished.outcome,
    exitCode: finished.exitCode,
    signal: finished.signal,
    message: finished.message,
    output: tail.summary(),
  });
  let state = null;
  marker('record the finished run', () => {
    state = recordRun(ctx, run);
  });
  if (haveLock) {
    try {
      release(lockPath, runId);
    } catch {
      /* a lock we cannot remove is taken over by the next run */
    }
  }
  reporter.event(
    `event=finish job=${opts.job}${opts.part ? ` part=${opts.part}` : ''} run=${runId} outcome=${finished.outcome} exit=${finished.exitCode}${finished.signal ? ` signal=${finished.signal}` : ''} duration=${run.durationSeconds}s`,
  );
  if (opts.icinga) {
    const { postRunVerdict } = await import('../icinga/postVerdict.js');
    const posted = await postRunVerdict(opts.icinga, {
      job: opts.job,
      stateDir: opts.stateDir,
      syslog: opts.syslogFile,
      bootIdFile: opts.bootIdFile,
      executionStart: startedAt.getTime() / 1000,
      executionEnd: Date.now() / 1000,
    });
    // posted.message already reads "passive result not posted: <why and the fix>".
    for (const w of posted.warnings) reporter.warn(`Icinga passive result: ${w}`);
    if (!posted.ok) reporter.warn(posted.message);
  }
  void state;
  await reporter.close();
  return { exitCode: finished.exitCode, run };
}

function safeRunning(opts: WrapperOptions): RunningMarker[] {
  try {
    return readRunningMarkers(opts.stateDir, opts.job);
  } catch {
    return [];
  }
}

function runChild(opts: WrapperOptions, run: Run, tail: OutputTail, reporter: Reporter, onSpawned: () => void): Promise<Finished> {
  return new Promise((resolve) => {
    const [file, ...args] = opts.command as [string, ...string[]];
    let received: string | null = null;
    let timedOut = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const child = spawn(file, args, { detached: true, stdio: ['inherit', 'pipe', 'pipe'] });
    const pgid = child.pid;

    const forward = (sig: NodeJS.Signals) => {
      received = sig;
      if (pgid) killGroup(pgid, sig);
    };
    const handlers = FORWARDED.map((sig) => {
      const h = () => forward(sig);
      process.on(sig, h);
      return [sig, h] as const;
    });

    const finish = (f: Finished) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      for (const [sig, h] of handlers) process.off(sig, h);
      resolve(f);
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      const notFound = err.code === 'ENOENT';
      const exitCode = notFound ? 127 : 126;
      const message = `${notFound ? 'command not found' : 'command cannot be run'}: ${file} (${err.code ?? err.message})`;
      process.stderr.write(`env-sync-run: ${message}\n`);
      reporter.event(`event=spawn-error job=${opts.job} run=${run.runId} exit=${exitCode} ${message}`);
      finish({ outcome: 'spawn-error', exitCode, signal: null, message });
    });
    if (!pgid) return;

    run.childPid = pgid;
    onSpawned();
    reporter.event(`event=start job=${opts.job}${opts.part ? ` part=${opts.part}` : ''} run=${run.runId} pid=${pgid} argv="${quoteForLog(run.argv)}"`);

    const tap = (stream: NodeJS.ReadableStream, fd: number, sink: LineSink | null) => {
      // Copies of the output (marker tail, syslog) get URL credentials redacted; the pass-through does not.
      const copies = new OutputTap(tail, sink, redactArg);
      stream.on('data', (chunk: Buffer) => {
        // A blocking write, as Node writes stdout itself on Linux: a slow reader of our output slows
        // the child, as it would without the wrapper, instead of growing a buffer here. A reader
        // that went away (EPIPE) is ignored: the sync goes on.
        writeAll(fd, chunk);
        copies.push(chunk);
      });
      stream.on('end', () => copies.end());
    };
    tap(child.stdout!, 1, reporter.stdoutSink());
    tap(child.stderr!, 2, reporter.stderrSink());

    if (opts.timeoutSeconds !== null) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          reporter.event(`event=timeout job=${opts.job} run=${run.runId} after=${opts.timeoutSeconds}s signal=SIGTERM`);
          killGroup(pgid, 'SIGTERM');
          timers.push(setTimeout(() => killGroup(pgid, 'SIGKILL'), opts.killAfterSeconds * 1000));
        }, opts.timeoutSeconds * 1000),
      );
    }

    let streamsOpen = 2;
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const maybeDone = async () => {
      if (!exitInfo) return;
      if (streamsOpen > 0) return;
      if (timedOut) {
        // The whole group must be gone, grandchildren included, before a timeout is reported.
        const deadline = Date.now() + opts.killAfterSeconds * 1000;
        while (groupAlive(pgid) && Date.now() < deadline) await sleep(50);
        if (groupAlive(pgid)) {
          killGroup(pgid, 'SIGKILL');
          while (groupAlive(pgid)) await sleep(20);
        }
      }
      const { code, signal } = exitInfo;
      if (timedOut) {
        finish({ outcome: 'timeout', exitCode: EXIT_TIMEOUT, signal: signal ?? null, message: `stopped after --timeout ${opts.timeoutSeconds}s` });
      } else if (signal) {
        finish({ outcome: 'signal', exitCode: 128 + signalNumber(signal), signal, message: received ? `env-sync-run received ${received} and forwarded it` : `killed by ${signal}` });
      } else {
        const note = received ? `env-sync-run received ${received} and forwarded it` : null;
        finish({ outcome: code === 0 ? 'success' : 'failure', exitCode: code ?? 1, signal: null, message: note });
      }
    };
    for (const s of [child.stdout!, child.stderr!]) {
      s.once('close', () => {
        streamsOpen--;
        void maybeDone();
      });
    }
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      // A grandchild that keeps our pipes open must not keep the wrapper (and the lock) forever.
      timers.push(
        setTimeout(() => {
          if (streamsOpen > 0) {
            child.stdout?.destroy();
            child.stderr?.destroy();
          }
        }, DRAIN_AFTER_EXIT_MS),
      );
      void maybeDone();
    });
  });
}

export { readLock };
