// The one table of metric definitions. Every file we write takes its HELP and TYPE lines from here:
// node_exporter merges the families of all *.prom files in its directory, and a family whose HELP
// differs between two files loses the second file's series (counted in
// promhttp_metric_handler_errors_total{cause="gathering"}, not in node_textfile_scrape_error).
//
// Names follow Prometheus' conventions: base units (seconds), `_timestamp_seconds` for Unix times,
// `_total` only on counters (we have none: every number here is a fact that can go down). The job is
// the label `job_name`, because Prometheus itself owns `job` (the scrape job) and would rename ours.
// The wrapper's names start `env_sync_` but never `env_sync_verdict_`; the verdict file's all start
// `env_sync_verdict_`: the two files in one directory can never give the same series.
import type { MetricDef, MetricType } from './exposition.js';

export const LABEL_JOB = 'job_name';
export const LABEL_PART = 'part';
export const LABEL_OUTCOME = 'outcome';

function def(name: string, type: MetricType, labels: readonly string[], required: readonly string[], help: string): MetricDef {
  return { name, type, labels, required, help };
}

const JOB = [LABEL_JOB];
const JOB_PART = [LABEL_JOB, LABEL_PART];

/** Written by env-sync-run, one file per job: facts recorded in the markers, nothing judged. */
export const RUN_FACTS = {
  lastRunStart: def(
    'env_sync_last_run_start_timestamp_seconds',
    'gauge',
    JOB_PART,
    JOB,
    'Start of the last run that ran to an end (any outcome but skipped-overlap and paused); with label part, of the last run of that part.',
  ),
  lastRunEnd: def(
    'env_sync_last_run_end_timestamp_seconds',
    'gauge',
    JOB_PART,
    JOB,
    'End of the last run that ran to an end; absent when its end is unknown (an interrupted run).',
  ),
  lastRunDuration: def(
    'env_sync_last_run_duration_seconds',
    'gauge',
    JOB_PART,
    JOB,
    'Duration of the last run that ran to an end, on the monotonic clock; absent when unknown (an interrupted run).',
  ),
  lastRunExitCode: def(
    'env_sync_last_run_exit_code',
    'gauge',
    JOB_PART,
    JOB,
    "Exit status env-sync-run gave for the last run (the command's, 128+N for signal N, 124 timeout, 126/127 cannot start); absent when unknown.",
  ),
  lastRunSuccess: def(
    'env_sync_last_run_success',
    'gauge',
    JOB_PART,
    JOB,
    '1 if the last run that ran to an end succeeded, 0 if it failed, timed out, was killed, could not start or was interrupted.',
  ),
  lastRunOutcome: def(
    'env_sync_last_run_outcome',
    'gauge',
    [LABEL_JOB, LABEL_PART, LABEL_OUTCOME],
    [LABEL_JOB, LABEL_OUTCOME],
    '1 for the outcome of the last run that ran to an end (success, failure, timeout, signal, spawn-error, interrupted), 0 for the others.',
  ),
  lastSuccess: def('env_sync_last_success_timestamp_seconds', 'gauge', JOB, JOB, 'End of the last successful run of the job; absent when none is on record.'),
  consecutiveFailures: def(
    'env_sync_consecutive_failures',
    'gauge',
    JOB,
    JOB,
    'Failed runs since the last success (a success resets it to 0; a skipped start leaves it alone).',
  ),
  lastSkipped: def(
    'env_sync_last_skipped_timestamp_seconds',
    'gauge',
    JOB,
    JOB,
    'When a start was last refused because another run of the job was alive (--overlap skip); absent when never.',
  ),
  lastStartAttempt: def(
    'env_sync_last_start_attempt_timestamp_seconds',
    'gauge',
    JOB,
    JOB,
    'Latest start of any run of the job: finished, in progress or skipped (what a missed scheduled run is judged by).',
  ),
  running: def(
    'env_sync_running',
    'gauge',
    JOB_PART,
    JOB,
    'Runs in progress whose wrapper was alive when the file was written; with label part, of that part.',
  ),
  runningSince: def(
    'env_sync_running_since_timestamp_seconds',
    'gauge',
    JOB_PART,
    JOB,
    'Start of the oldest run in progress; absent when none is (so time() minus it is how long it has been running).',
  ),
} as const satisfies Record<string, MetricDef>;

/** Written by `env-sync metrics`, one file for all jobs: the plugin's judgement and the schedule. */
export const VERDICT_METRICS = {
  state: def('env_sync_verdict_state', 'gauge', JOB, JOB, 'The verdict check_env_sync gives for the job: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.'),
  nextRun: def(
    'env_sync_verdict_next_run_timestamp_seconds',
    'gauge',
    JOB,
    JOB,
    "Next time the job's cron schedule starts it; absent when the schedule is not known.",
  ),
  previousRun: def(
    'env_sync_verdict_previous_run_timestamp_seconds',
    'gauge',
    JOB,
    JOB,
    "Last time the job's cron schedule was due, at or before the verdict; absent when the schedule is not known.",
  ),
  grace: def('env_sync_verdict_schedule_grace_seconds', 'gauge', JOB, JOB, 'How late a scheduled run may start before it counts as missed (--grace).'),
  wrapperAlive: def(
    'env_sync_verdict_wrapper_alive',
    'gauge',
    JOB,
    JOB,
    "For a job with a run recorded as in progress: 1 if every such run's wrapper is alive, 0 if one is gone (dead pid, or the host rebooted); absent when no run is in progress.",
  ),
  generated: def(
    'env_sync_verdict_generated_timestamp_seconds',
    'gauge',
    [],
    [],
    'When env-sync metrics judged the jobs (a file that stops changing means its cron line stopped).',
  ),
} as const satisfies Record<string, MetricDef>;

export const RUN_FACT_DEFS: readonly MetricDef[] = Object.values(RUN_FACTS);
export const VERDICT_DEFS: readonly MetricDef[] = Object.values(VERDICT_METRICS);
export const ALL_DEFS: readonly MetricDef[] = [...RUN_FACT_DEFS, ...VERDICT_DEFS];
