// The verdict file of `env-sync metrics`: the plugin's judgement of every job, and the schedule facts
// the missed-run alert needs (the wrapper knows nothing of schedules).
import { isValidName } from '../common/jobName.js';
import { LABEL_JOB, VERDICT_DEFS, VERDICT_METRICS } from './definitions.js';
import { renderFamilies, type Sample } from './exposition.js';

export type PluginState = 0 | 1 | 2 | 3;

export interface JobVerdict {
  job: string;
  /** check_env_sync's state for the job: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
  state: PluginState;
  /** Unix seconds of the next scheduled start; null or absent when the schedule is not known. */
  nextRunSeconds?: number | null;
  /** Unix seconds of the last scheduled start due at or before now (the check's previousScheduled). */
  previousRunSeconds?: number | null;
  /** The --grace in force for the schedule, in seconds. */
  grace?: number | null;
  /** For a job with a run recorded as in progress: false if any such run's wrapper is gone; null or absent when none is. */
  wrapperAlive?: boolean | null;
}

/** The verdicts in Prometheus' text format, for env_sync_verdicts.prom; `now` is when they were judged. */
export function verdictText(verdicts: readonly JobVerdict[], now: Date): string {
  const samples: Sample[] = [];
  const seen = new Set<string>();
  const add = (def: Sample['def'], labels: Record<string, string>, value: number | null | undefined) => {
    if (value === null || value === undefined) return;
    if (!Number.isFinite(value)) throw new Error(`${def.name}: ${value} is not a number of seconds`);
    samples.push({ def, labels, value });
  };
  for (const v of verdicts) {
    if (!isValidName(v.job)) throw new Error(`cannot write a verdict for job ${JSON.stringify(v.job)}: not a valid job name`);
    if (seen.has(v.job)) throw new Error(`two verdicts for job ${v.job}`);
    seen.add(v.job);
    if (![0, 1, 2, 3].includes(v.state)) throw new Error(`verdict of ${v.job}: state ${v.state} is not 0-3`);
    const labels = { [LABEL_JOB]: v.job };
    add(VERDICT_METRICS.state, labels, v.state);
    add(VERDICT_METRICS.nextRun, labels, v.nextRunSeconds);
    add(VERDICT_METRICS.previousRun, labels, v.previousRunSeconds);
    add(VERDICT_METRICS.grace, labels, v.grace);
    add(VERDICT_METRICS.wrapperAlive, labels, v.wrapperAlive === null || v.wrapperAlive === undefined ? null : v.wrapperAlive ? 1 : 0);
  }
  add(VERDICT_METRICS.generated, {}, now.getTime() / 1000);
  return renderFamilies(VERDICT_DEFS, samples);
}
