// Runs of the job that earlier wrappers left behind, recorded by the run that finds them before its
// own: those whose wrapper died (interrupted), and those whose end could not be written (recorded late).
import { runLiveness } from '../common/host.js';
import { formatEvent } from '../common/wrapperEvent.js';
import { causeWords, type UnrecordedRun } from '../markers/read.js';
import type { LockRecord, Run, RunningMarker } from '../markers/types.js';
import type { MarkerGuard } from './markerGuard.js';
import type { RunReporter } from './report.js';
import type { RunStore } from './runStore.js';

export interface FinderContext {
  job: string;
  /** The run that finds them: its id, its boot, and its record (the base of a run known only from its lock). */
  run: Run;
  bootId: string | null;
  store: RunStore;
  guard: MarkerGuard;
  reporter: RunReporter;
}

/** Records the runs whose wrapper could not write their end (disk full), as their marker's name says they ended. */
export async function recordUnrecorded(c: FinderContext): Promise<void> {
  const { store, guard, reporter } = c;
  const runId = c.run.runId;
  let late: UnrecordedRun[] = [];
  try {
    if (guard.ok) late = store.unrecordedRuns();
  } catch {
    /* an unreadable one is the check's to report; this run goes on */
  }
  for (const u of late.sort((a, b) => (a.run.start < b.run.start ? -1 : 1))) {
    const message = u.run.message ?? `its end was recorded late, by run ${runId}: its wrapper could not write it (${causeWords(u.cause)})`;
    await guard.run('record a run whose end was not recorded', () => store.record({ ...u.run, message }, u.file));
    reporter.event(
      formatEvent('recorded-late', c.job, [
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
export async function recordAbandoned(c: FinderContext, tookOver: LockRecord[]): Promise<void> {
  const { store, guard, reporter, bootId } = c;
  const runId = c.run.runId;
  let running: RunningMarker[] = [];
  try {
    if (guard.ok) running = store.runningMarkers();
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
          ...c.run,
          runId: lock!.runId,
          wrapperPid: lock!.pid,
          wrapperStartTicks: lock!.startTicks,
          bootId: lock!.bootId,
          start: lock!.start,
          argv: [],
          childPid: lock!.childPid ?? null,
          childStartTicks: lock!.childStartTicks ?? null,
        };
    await guard.run('record the interrupted run', () =>
      store.record({ ...base, outcome: 'interrupted', end: null, durationSeconds: null, exitCode: null, message: why }),
    );
    reporter.event(formatEvent('interrupted', c.job, [['run', id]], why));
  }
}
