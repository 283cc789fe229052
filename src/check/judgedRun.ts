// Which run a job's verdict is about: its evidence, exit code and re-run line come from it. One rule
// for gather (whose syslog lines to read) and judge (what to show).
import { stillRunning, type RunLiveness } from '../common/host.js';
import { newestRecord } from '../markers/sequence.js';
import { FAILED_OUTCOMES, type JobState, type Run, type RunningMarker } from '../markers/types.js';

export const isFailed = (run: { outcome: string }): boolean => FAILED_OUTCOMES.has(run.outcome as never);

/**
 * The run that ended and decides the verdict: the last one, unless the job runs in parts and an
 * earlier part's latest run failed — then that part (a copy with a failed part is a failed copy,
 * whatever the parts after it did), the latest such (by the marker's sequence, not the clock).
 */
export function decidingRun(st: JobState | null): Run | null {
  const last = st?.last ?? null;
  if (!last || isFailed(last)) return last;
  // Asked several times a job (gather, judge, metrics, status): no list made unless a part failed.
  let failed: Run | null = null;
  for (const k in st!.parts) {
    const p = st!.parts[k]!;
    if (isFailed(p) && p.runId !== last.runId) failed = newestRecord([failed, p]);
  }
  return failed ?? last;
}

/** The run to explain: one still going, else the deciding run, else a run whose wrapper is gone. */
export function judgedRun(st: JobState | null, running: ReadonlyArray<{ marker: RunningMarker; liveness: RunLiveness }>): Run | null {
  return running.find((r) => stillRunning(r.liveness))?.marker ?? decidingRun(st) ?? running[0]?.marker ?? null;
}

/**
 * Whether an unwrapped job's last run from syslog is its record, rather than its markers: always
 * when it has no markers; for a job whose cron line is not wrapped, when that run started after the
 * marker's run (a wrapped re-run by hand) — a marker's run and the script lines it wrapped are one.
 */
export function syslogOnlyIsPrimary(
  st: JobState | null,
  running: ReadonlyArray<{ marker: RunningMarker }>,
  run: { start: Date } | null,
  unwrapped: boolean,
): boolean {
  if (!run) return false;
  const markerRuns = [st?.last, ...running.map((r) => r.marker)].filter((r): r is Run => !!r);
  if (markerRuns.length === 0) return true;
  if (!unwrapped) return false;
  const latest = markerRuns.reduce((a, b) => (b.start > a.start ? b : a));
  const t = run.start.getTime();
  // The script's Starting line is stamped inside the wrapper's span, give or take the stamp's
  // precision: whole seconds in the traditional format, and rsyslog's moment of receipt in either.
  const slack = t % 1000 === 0 ? 1000 : 250;
  const from = Date.parse(latest.start) - slack;
  const to = latest.end ? Date.parse(latest.end) + slack : Infinity;
  if (t >= from && t <= to) return false;
  return t > from;
}

/** Failures in a row, at least one while a part's latest run failed (a later part's success resets the job's count). */
export function failuresInARow(st: JobState | null): number {
  const deciding = decidingRun(st);
  return Math.max(st?.consecutiveFailures ?? 0, deciding && isFailed(deciding) ? 1 : 0);
}
