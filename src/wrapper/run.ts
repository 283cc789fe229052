// One wrapped run, start to end: the overlap lock (overlapLock.ts), runs left behind by wrappers that
// died (abandoned.ts), the child, the record of how it ended, the syslog events and the passive verdict. The marker store,
// the reporter and the poster are passed in, so the rules here are tested with fakes as well as
// with real files, a real syslog and a real Icinga.
import { formatEvent } from '../common/wrapperEvent.js';
import { randomHex } from '../common/randomHex.js';
import { currentHost, currentUser, processStartTicks, readBootId } from '../common/host.js';
import type { JobState, Run } from '../markers/types.js';
import { retrySettings, runAttempts } from './retries.js';
import { EXIT_SKIPPED, type WrapperOptions } from './options.js';
import { redactArgv, redactText } from '../common/redact.js';
import { syslogReporter, type RunReporter } from './report.js';
import { cronInvocation, type CronInvocation } from './invocation.js';
import { refreshInventory, type InventoryRefresh } from './inventoryRefresh.js';
import { lockHolder, markerStore, type RunStore } from './runStore.js';
import { causeCode } from '../markers/store.js';
import { jobTextfile, type HeldMarkers, type RunTextfile } from './textfile.js';
import { pausedRun } from './pause.js';
import { startRunDowntime } from './downtime.js';
import { MarkerGuard } from './markerGuard.js';
import { takeOverlapLock } from './overlapLock.js';
import { recordAbandoned, recordUnrecorded } from './abandoned.js';

/** Posts the run's verdict somewhere (Icinga's API); says what went wrong through the reporter, never throws. */
export type VerdictPoster = (run: Run, reporter: RunReporter) => Promise<void>;

export interface WrapperDeps {
  store: RunStore;
  reporter: RunReporter;
  poster: VerdictPoster | null;
  bootId: string | null;
  runId: string;
  startedAt: Date;
  /** The cron command the run was started by, when a shell -c above it says. */
  invocation: CronInvocation | null;
  /** Starts the job inventory's refresh (crontab -l), once the command has started. */
  inventory: ((stateDir: string, job: string) => InventoryRefresh) | null;
  /** Rewrites the job's node_exporter textfile from the markers (--textfile-dir) and pushes it (--pushgateway), at the start and the end. */
  textfile?: RunTextfile | null;
}

export interface WrapperResult {
  exitCode: number;
  run: Run;
}

function newRunId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomHex(3)}`;
}

/** The real store, syslog and Icinga, for one run of the command line's options. */
export function defaultDeps(opts: WrapperOptions, startedAt = new Date()): WrapperDeps {
  const bootId = readBootId(opts.bootIdFile);
  const runId = newRunId(startedAt);
  const poster: VerdictPoster | null =
    opts.icinga && opts.icingaPassive
      ? async (run, reporter) => {
          // Loaded only here: https and the check's own code are not on the wrapper's usual path.
          const { postRunVerdict } = await import('../icinga/postVerdict.js');
          const posted = await postRunVerdict(opts.icinga!, {
            job: opts.job,
            stateDir: opts.stateDir,
            syslog: opts.syslog,
            log: opts.log,
            journalNamespace: opts.journalNamespace,
            bootIdFile: opts.bootIdFile,
            executionStart: Date.parse(run.start) / 1000,
            executionEnd: Date.now() / 1000,
          });
          // posted.message already reads "passive result not posted: <why and the fix>".
          for (const w of posted.warnings) reporter.warn(`Icinga passive result: ${w}`);
          if (!posted.ok) reporter.warn(posted.message);
        }
      : null;
  const reporter = syslogReporter(opts);
  return {
    store: markerStore(opts, lockHolder(runId, bootId, currentHost(), startedAt), bootId, (message) => reporter.warn(message)),
    reporter,
    poster,
    bootId,
    runId,
    startedAt,
    invocation: cronInvocation(),
    inventory: refreshInventory,
    textfile:
      opts.textfileDir || opts.pushgateway
        ? jobTextfile({ textfileDir: opts.textfileDir ?? null, pushgateway: opts.pushgateway ?? null, stateDir: opts.stateDir, job: opts.job }, bootId)
        : null,
  };
}

/** Runs one wrapped command to its end and records it. Never throws for marker, syslog or Icinga trouble. */
export async function runWrapped(opts: WrapperOptions, deps: WrapperDeps = defaultDeps(opts)): Promise<WrapperResult> {
  const { store, reporter, bootId, runId, startedAt } = deps;
  const t0 = process.hrtime.bigint();
  const run: Run = {
    runId,
    job: opts.job,
    part: opts.part ?? null,
    host: currentHost(),
    user: currentUser(),
    wrapperPid: process.pid,
    wrapperStartTicks: processStartTicks(process.pid),
    childPid: null,
    childStartTicks: null,
    bootId,
    argv: redactArgv(opts.command),
    cwd: process.cwd(),
    cronCommand: deps.invocation?.command ?? null,
    cronCwd: deps.invocation?.cwd ?? null,
    start: startedAt.toISOString(),
    end: null,
    durationSeconds: null,
    outcome: 'running',
    exitCode: null,
    signal: null,
    timeoutSeconds: opts.runTimeout ?? null,
    message: null,
    output: { lines: 0, bytes: 0, tail: [] },
  };
  const paused = await pausedRun(opts, deps, run);
  if (paused) return paused;

  const guard = new MarkerGuard(reporter, opts.stateDir, run.user);
  const marker = <T>(what: string, fn: () => T | Promise<T>) => guard.run(what, fn);
  // Whether this run's running marker is on disk: if its end cannot be written, it is renamed to say
  // how the run ended (a rename needs no data blocks), so the checks never read it as a dead wrapper.
  let runningWritten = false;

  // The start's textfile write is not waited for; each write still follows the one before.
  let textfileWrites = Promise.resolve();
  const writeTextfile = (held: HeldMarkers) => (textfileWrites = deps.textfile ? textfileWrites.then(() => deps.textfile!(reporter, held)) : textfileWrites);
  const recorded = (state: JobState | undefined): HeldMarkers => (state ? { state } : {});

  const lock = await takeOverlapLock(opts, run, store, guard, reporter);
  if (lock.skipped) {
    await writeTextfile(recorded(lock.state));
    await reporter.close();
    return { exitCode: EXIT_SKIPPED, run: lock.run };
  }
  const haveLock = lock.held;
  const finder = { job: opts.job, run, bootId, store, guard, reporter };
  await recordAbandoned(finder, lock.tookOver);
  await recordUnrecorded(finder);

  // The running marker is written as soon as spawn() returns with the child's pid (it forks and
  // execs before returning): one atomic write, again for each retry's new child. Until then the run
  // lock names this run; a command that cannot start leaves no running marker.
  const retry = retrySettings(opts);
  // Attempts are recorded when there can be more than one, or one with a limit of its own.
  const withAttempts = retry.retries > 0 || retry.attemptTimeoutSeconds !== null;
  if (withAttempts) Object.assign(run, { retries: retry.retries, attemptTimeoutSeconds: retry.attemptTimeoutSeconds, attempts: [] });
  let inventory: InventoryRefresh | null = null;
  const downtime = await startRunDowntime(opts, reporter, runId);
  const ended = await runAttempts({ job: opts.job, runId, command: opts.command }, retry, reporter, {
    onSpawned: (pid, n) => {
      run.childPid = pid;
      run.childStartTicks = processStartTicks(pid);
      // The lock first: whoever sees the running marker (a check, a kill -9 after it) finds the lock
      // already naming the sync, so a wrapper killed from then on leaves a lock no one takes over
      // while the sync runs.
      if (haveLock) void marker('name the sync in the run lock', () => store.lockChild(pid, run.childStartTicks ?? null));
      // A copy: the run is this marker's content, and the write may come after the run has ended.
      const now = { ...run };
      void marker('write the running marker', () => {
        store.writeRunning(now);
        runningWritten = true;
      });
      void writeTextfile(guard.ok ? { running: { ...run } } : {});
      if (n > 1) return;
      if (guard.ok && deps.inventory) inventory = deps.inventory(opts.stateDir, opts.job);
      reporter.event(
        formatEvent('start', opts.job, [
          ['part', opts.part],
          ['run', runId],
          ['pid', pid],
          ['argv', run.argv.join(' ')],
        ]),
      );
    },
    // The attempts so far, in the running marker: a check during the delay says which failed.
    onRetry: (attempts) => {
      run.attempts = [...attempts];
      if (runningWritten) void marker('write the running marker', () => store.writeRunning({ ...run }));
    },
  });
  const finished = ended.finished;
  const durationSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await downtime?.end();
  Object.assign(run, {
    end: new Date().toISOString(),
    durationSeconds: Math.round(durationSeconds * 1000) / 1000,
    outcome: finished.outcome,
    exitCode: finished.exitCode,
    signal: finished.signal,
    message: finished.message === null ? null : redactText(finished.message),
    output: ended.output,
  });
  if (withAttempts) run.attempts = ended.attempts;
  const saved = await marker('record the finished run', () => store.record(run));
  if (!saved && runningWritten) {
    const cause = causeCode(guard.lastError);
    try {
      const kept = store.markUnrecorded(run, cause);
      reporter.warn(
        `the end of run ${runId} (${run.outcome}, exit ${run.exitCode}) is kept in the name of ${kept}, where the checks read it, until a later run of the job can record it`,
      );
    } catch (err) {
      reporter.warn(
        `cannot keep the end of run ${runId} either (${(err as Error).message}): its running marker stays, and the checks will say its wrapper died`,
      );
    }
  }
  if (haveLock) {
    try {
      store.unlock();
    } catch {
      /* a lock we cannot remove is taken over by the next run */
    }
  }
  await writeTextfile(recorded(saved));
  reporter.event(
    formatEvent('finish', opts.job, [
      ['part', opts.part],
      ['run', runId],
      ['outcome', finished.outcome],
      ['exit', String(finished.exitCode)],
      ['signal', finished.signal],
      ['duration', `${run.durationSeconds}s`],
      ['attempts', run.attempts ? run.attempts.length : null],
    ]),
  );
  const notRefreshed = inventory ? await (inventory as InventoryRefresh).finish() : null;
  if (notRefreshed) reporter.event(formatEvent('inventory', opts.job, [['run', runId]], `not refreshed: ${notRefreshed}`));
  if (deps.poster) await deps.poster(run, reporter);
  await reporter.close();
  return { exitCode: finished.exitCode, run };
}
