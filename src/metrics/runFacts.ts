// The wrapper's facts about one job as a textfile: what the markers record, nothing judged (no
// schedule, no thresholds), so env-sync-run needs neither cron-parser nor the plugin's options.
import { isValidName } from '../common/jobName.js';
import { OUTCOMES, type JobState, type Run, type RunningMarker } from '../markers/types.js';
import { RUN_FACT_DEFS, RUN_FACTS, LABEL_JOB, LABEL_OUTCOME, LABEL_PART } from './definitions.js';
import { renderFamilies, type MetricDef, type Sample } from './exposition.js';

/** A finished run never has outcome skipped-overlap or paused (those starts are lastSkipped and lastPaused, not last). */
export const RUN_END_OUTCOMES = OUTCOMES.filter((o) => o !== 'skipped-overlap' && o !== 'paused');

/** Unix seconds of an ISO 8601 time, or null for a missing or unreadable one (its series is left out). */
export function isoToSeconds(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

class Samples {
  readonly list: Sample[] = [];
  add(def: MetricDef, labels: Record<string, string>, value: number | null | undefined): void {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    this.list.push({ def, labels, value });
  }
}

function lastRunSamples(out: Samples, run: Run, labels: Record<string, string>): void {
  out.add(RUN_FACTS.lastRunStart, labels, isoToSeconds(run.start));
  out.add(RUN_FACTS.lastRunEnd, labels, isoToSeconds(run.end));
  out.add(RUN_FACTS.lastRunDuration, labels, run.durationSeconds);
  out.add(RUN_FACTS.lastRunExitCode, labels, run.exitCode);
  out.add(RUN_FACTS.lastRunSuccess, labels, run.outcome === 'success' ? 1 : 0);
  for (const o of RUN_END_OUTCOMES) out.add(RUN_FACTS.lastRunOutcome, { ...labels, [LABEL_OUTCOME]: o }, run.outcome === o ? 1 : 0);
}

function runningSamples(out: Samples, runs: readonly RunningMarker[], labels: Record<string, string>): void {
  out.add(RUN_FACTS.running, labels, runs.length);
  let since: number | null = null;
  for (const r of runs) {
    const s = isoToSeconds(r.start);
    if (s !== null && (since === null || s < since)) since = s;
  }
  out.add(RUN_FACTS.runningSince, labels, since);
}

/**
 * The job's facts in Prometheus' text format, for `env_sync_<job>.prom`. `running` are the job's
 * runs in progress whose wrapper is alive (the caller has checked). Series without a `part` label are
 * the job's (over all its parts); a job run in parts also gets each part's last run and runs in
 * progress with `part="<name>"`. Facts that are not known (no success yet, the end of an interrupted
 * run, no run in progress) are left out rather than written as 0, so `time() - x` is never a date in 1970.
 */
export function runFactsText(state: JobState, running: readonly RunningMarker[]): string {
  const job = state.job;
  if (!isValidName(job)) throw new Error(`cannot write metrics for job ${JSON.stringify(job)}: not a valid job name`);
  const other = running.find((r) => r.job !== job);
  if (other) throw new Error(`running marker ${other.runId} is of job ${other.job}, not ${job}`);
  const out = new Samples();
  const jobLabels = { [LABEL_JOB]: job };

  if (state.last) lastRunSamples(out, state.last, jobLabels);
  const lastSuccess = state.lastSuccess;
  if (lastSuccess) out.add(RUN_FACTS.lastSuccess, jobLabels, isoToSeconds(lastSuccess.end ?? lastSuccess.start));
  out.add(RUN_FACTS.consecutiveFailures, jobLabels, state.consecutiveFailures);
  if (state.lastSkipped) out.add(RUN_FACTS.lastSkipped, jobLabels, isoToSeconds(state.lastSkipped.start));
  let lastStart: number | null = null;
  for (const r of [state.last, state.lastSuccess, state.lastSkipped, ...state.history, ...running]) {
    const s = isoToSeconds(r?.start);
    if (s !== null && (lastStart === null || s > lastStart)) lastStart = s;
  }
  out.add(RUN_FACTS.lastStartAttempt, jobLabels, lastStart);
  runningSamples(out, running, jobLabels);

  const parts = new Set<string>(Object.keys(state.parts));
  for (const r of running) if (r.part) parts.add(r.part);
  for (const part of [...parts].sort()) {
    const labels = { ...jobLabels, [LABEL_PART]: part };
    const last = state.parts[part];
    if (last) lastRunSamples(out, last, labels);
    runningSamples(
      out,
      running.filter((r) => r.part === part),
      labels,
    );
  }
  return renderFamilies(RUN_FACT_DEFS, out.list);
}
