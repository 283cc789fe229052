// One wrapped run, start to end: the overlap lock, runs left behind by wrappers that died, the
// child, the record of how it ended, the syslog events and the passive verdict. The marker store,
// the reporter and the poster are passed in, so the rules here are tested with fakes as well as
// with real files, a real syslog and a real Icinga.
import { formatEvent } from '../common/wrapperEvent.js';
import { randomHex } from '../common/randomHex.js';
import { currentHost, currentUser, processStartTicks, readBootId, runLiveness } from '../common/host.js';
import { NewerSchemaError } from '../markers/errors.js';
import { MARKER_SCHEMA, type JobState, type LockRecord, type Run, type RunningMarker } from '../markers/types.js';
import { runChild } from './child.js';
import { EXIT_SKIPPED, type WrapperOptions } from './options.js';
import { OutputTail } from './outputTap.js';
import { redactArgv, redactText } from '../common/redact.js';
import { syslogReporter, type RunReporter } from './report.js';
import { cronInvocation, type CronInvocation } from './invocation.js';
import { refreshInventory, type InventoryRefresh } from './inventoryRefresh.js';
import { lockHolder, markerStore, type RunStore } from './runStore.js';
import { causeWords, type UnrecordedRun } from '../markers/read.js';
import { causeCode } from '../markers/store.js';
import { jobTextfile, type HeldMarkers, type RunTextfile } from './textfile.js';

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
  const poster: VerdictPoster | null = opts.icinga
    ? async (run, reporter) => {
        // Loaded only here: https and the check's own code are not on the wrapper's usual path.
        const { postRunVerdict } = await import('../icinga/postVerdict.js');
        const posted = await postRunVerdict(opts.icinga!, {
          job: opts.job,
          stateDir: opts.stateDir,
          syslog: opts.syslogFile,
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
    part: opts.part,
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
    timeoutSeconds: opts.timeoutSeconds,
    message: null,
    output: { lines: 0, bytes: 0, tail: [] },
  };

  // Monitoring must never make the sync worse: every marker operation is guarded, and after the first
  // failure the wrapper stops trying and just runs the command.
  let markersOk = true;
  let lastError: unknown = null;
  const marker = async <T>(what: string, fn: () => T | Promise<T>): Promise<T | undefined> => {
    if (!markersOk) return undefined;
    try {
      return await fn();
    } catch (err) {
      markersOk = false;
      lastError = err;
      if (err instanceof NewerSchemaError) {
        // Not corrupt: a newer env-sync-run wrote it. Setting it aside would throw its records away.
        reporter.warn(
          `${err.path} was written with marker schema ${err.schema}, newer than this env-sync-run understands (${MARKER_SCHEMA}): left alone, and this run is not recorded; the sync runs anyway. Fix: upgrade env-sync-checks on this host to the version that wrote it (the checks say UNKNOWN until then)`,
        );
        return undefined;
      }
      reporter.warn(
        `cannot ${what} in ${opts.stateDir} (${(err as Error).message}); the sync runs anyway but check_env_sync will not see this run. Fix: make ${opts.stateDir} exist and be writable by ${run.user}`,
      );
      return undefined;
    }
  };
  // Whether this run's running marker is on disk: if its end cannot be written, it is renamed to say
  // how the run ended (a rename needs no data blocks), so the checks never read it as a dead wrapper.
  let runningWritten = false;

  // The start's textfile write is not waited for; each write still follows the one before.
  let textfileWrites = Promise.resolve();
  const writeTextfile = (held: HeldMarkers) => (textfileWrites = deps.textfile ? textfileWrites.then(() => deps.textfile!(reporter, held)) : textfileWrites);
  const recorded = (state: JobState | undefined): HeldMarkers => (state ? { state } : {});

  let haveLock = false;
  let tookOver: LockRecord[] = [];
  if (opts.overlap !== 'allow') {
    const lock = await marker('take the run lock', async () => {
      store.prepare();
      return store.lock(opts.overlap === 'wait');
    });
    if (lock?.acquired) {
      haveLock = true;
      tookOver = lock.tookOver;
    } else if (lock) {
      const h = lock.holder;
      const skipped: Run = {
        ...run,
        end: new Date().toISOString(),
        durationSeconds: 0,
        outcome: 'skipped-overlap',
        exitCode: EXIT_SKIPPED,
        message:
          lock.liveness === 'orphaned'
            ? `run ${h.runId} (started ${h.start}) of this job is still running: its wrapper pid ${h.pid} is gone but its sync pid ${h.childPid} still runs`
            : `run ${h.runId} (pid ${h.pid}, started ${h.start}) of this job was still running`,
      };
      process.stderr.write(`env-sync-run: ${opts.job}: not started: ${skipped.message} (exit ${EXIT_SKIPPED})\n`);
      reporter.event(
        formatEvent('skip', opts.job, [
          ['run', runId],
          ['outcome', 'skipped-overlap'],
          ['exit', EXIT_SKIPPED],
          ['running', lock.holder.runId],
        ]),
      );
      await writeTextfile(recorded(await marker('record the skipped run', () => store.record(skipped))));
      await reporter.close();
      return { exitCode: EXIT_SKIPPED, run: skipped };
    }
  }
  await recordAbandoned(tookOver);
  await recordUnrecorded();

  // The running marker is written once, as soon as spawn() returns with the child's pid (it forks and
  // execs before returning): one atomic write. Until then the run lock names this run; a command that
  // cannot start leaves no running marker.
  const tail = new OutputTail();
  let inventory: InventoryRefresh | null = null;
  const finished = await runChild(
    { job: opts.job, runId, command: opts.command, timeoutSeconds: opts.timeoutSeconds, killAfterSeconds: opts.killAfterSeconds },
    tail,
    reporter,
    (pid) => {
      run.childPid = pid;
      run.childStartTicks = processStartTicks(pid);
      // The lock first: whoever sees the running marker (a check, a kill -9 after it) finds the lock
      // already naming the sync, so a wrapper killed from then on leaves a lock no one takes over
      // while the sync runs.
      if (haveLock) void marker('name the sync in the run lock', () => store.lockChild(pid, run.childStartTicks ?? null));
      void marker('write the running marker', () => {
        store.writeRunning(run);
        runningWritten = true;
      });
      // A copy: the run is this marker's content, and the write may come after the run has ended.
      void writeTextfile(markersOk ? { running: { ...run } } : {});
      if (markersOk && deps.inventory) inventory = deps.inventory(opts.stateDir, opts.job);
      reporter.event(
        formatEvent('start', opts.job, [
          ['part', opts.part],
          ['run', runId],
          ['pid', pid],
          ['argv', run.argv.join(' ')],
        ]),
      );
    },
  );
  const durationSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  Object.assign(run, {
    end: new Date().toISOString(),
    durationSeconds: Math.round(durationSeconds * 1000) / 1000,
    outcome: finished.outcome,
    exitCode: finished.exitCode,
    signal: finished.signal,
    message: finished.message === null ? null : redactText(finished.message),
    output: tail.summary(),
  });
  const saved = await marker('record the finished run', () => store.record(run));
  if (!saved && runningWritten) {
    const cause = causeCode(lastError);
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
    ]),
  );
  const notRefreshed = inventory ? await (inventory as InventoryRefresh).finish() : null;
  if (notRefreshed) reporter.event(formatEvent('inventory', opts.job, [['run', runId]], `not refreshed: ${notRefreshed}`));
  if (deps.poster) await deps.poster(run, reporter);
  await reporter.close();
  return { exitCode: finished.exitCode, run };

  /** Records the runs whose wrapper could not write their end (disk full), as their marker's name says they ended. */
  async function recordUnrecorded(): Promise<void> {
    let late: UnrecordedRun[] = [];
    try {
      if (markersOk) late = store.unrecordedRuns();
    } catch {
      /* an unreadable one is the check's to report; this run goes on */
    }
    for (const u of late.sort((a, b) => (a.run.start < b.run.start ? -1 : 1))) {
      const message = u.run.message ?? `its end was recorded late, by run ${runId}: its wrapper could not write it (${causeWords(u.cause)})`;
      await marker('record a run whose end was not recorded', () => store.record({ ...u.run, message }, u.file));
      reporter.event(
        formatEvent('recorded-late', opts.job, [
          ['run', u.run.runId],
          ['outcome', u.run.outcome],
          ['exit', String(u.run.exitCode)],
          ['by', runId],
        ]),
      );
    }
  }

  /**
   * Records as interrupted every run of the job whose wrapper is gone: those whose lock this run
   * took over, and running markers whose wrapper is dead or from an earlier boot.
   */
  async function recordAbandoned(tookOver: LockRecord[]): Promise<void> {
    let running: RunningMarker[] = [];
    try {
      if (markersOk) running = store.runningMarkers();
    } catch {
      /* an unreadable running marker is the check's to report; this run goes on */
    }
    const done = new Set<string>();
    const abandoned: Array<{ marker: RunningMarker | null; lock: LockRecord | null }> = tookOver.map((lock) => ({
      marker: running.find((m) => m.runId === lock.runId) ?? null,
      lock,
    }));
    for (const m of running) {
      if (m.runId === runId || tookOver.some((l) => l.runId === m.runId)) continue;
      // A run whose wrapper was killed but whose sync runs on is not abandoned: it is still running.
      const liveness = runLiveness(
        { pid: m.wrapperPid, startTicks: m.wrapperStartTicks, bootId: m.bootId, childPid: m.childPid, childStartTicks: m.childStartTicks },
        bootId,
      );
      if (liveness === 'dead' || liveness === 'other-boot') abandoned.push({ marker: m, lock: null });
    }
    for (const { marker: m, lock } of abandoned) {
      const id = m?.runId ?? lock!.runId;
      if (done.has(id)) continue;
      done.add(id);
      const theirBoot = m?.bootId ?? lock?.bootId;
      const pid = m?.wrapperPid ?? lock!.pid;
      const child = m?.childPid ?? lock?.childPid ?? null;
      const why =
        theirBoot && bootId && theirBoot !== bootId
          ? `host rebooted during the run (boot id changed); found by run ${runId}`
          : child
            ? `wrapper pid ${pid} died without recording an end and its sync pid ${child} has ended since: outcome unknown; found by run ${runId}`
            : `wrapper pid ${pid} died without recording an end; found by run ${runId}`;
      const base: Run = m
        ? (({ schema: _schema, ...rest }) => rest)(m)
        : {
            ...run,
            runId: lock!.runId,
            wrapperPid: lock!.pid,
            wrapperStartTicks: lock!.startTicks,
            bootId: lock!.bootId,
            start: lock!.start,
            argv: [],
            childPid: lock!.childPid ?? null,
            childStartTicks: lock!.childStartTicks ?? null,
          };
      await marker('record the interrupted run', () =>
        store.record({ ...base, outcome: 'interrupted', end: null, durationSeconds: null, exitCode: null, message: why }),
      );
      reporter.event(formatEvent('interrupted', opts.job, [['run', id]], why));
    }
  }
}
