// Which run a job's verdict is about: its evidence, exit code and re-run line come from it. One rule
// for gather (whose syslog lines to read) and judge (what to show).
import { stillRunning, type RunLiveness } from '../common/host.js';
import { FAILED_OUTCOMES, type JobState, type Run, type RunningMarker } from '../markers/types.js';

export const isFailed = (run: { outcome: string }): boolean => FAILED_OUTCOMES.has(run.outcome as never);

/**
 * The run that ended and decides the verdict: the last one, unless the job runs in parts and an
 * earlier part's latest run failed — then that part (a copy with a failed part is a failed copy,
 * whatever the parts after it did), the latest such.
 */
export function decidingRun(st: JobState | null): Run | null {
  const last = st?.last ?? null;
  if (!last || isFailed(last)) return last;
  const failed = Object.values(st!.parts).filter((p) => isFailed(p) && p.runId !== last.runId);
  return failed.sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : 0))[0] ?? last;
}

/** The run to explain: one still going, else the deciding run, else a run whose wrapper is gone. */
export function judgedRun(st: JobState | null, running: ReadonlyArray<{ marker: RunningMarker; liveness: RunLiveness }>): Run | null {
  return running.find((r) => stillRunning(r.liveness))?.marker ?? decidingRun(st) ?? running[0]?.marker ?? null;
}
