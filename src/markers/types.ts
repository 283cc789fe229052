// The marker format: the contract between env-sync-run and the checks. docs/markers.md describes it
// field by field; bump MARKER_SCHEMA on any change a reader of the old schema would misread.
// 2: a run records the cron command it was started by (cronCommand, cronCwd); schema 1 is still read.
// 3: records carry the marker's own sequence (seq): their order is never read from the wall clock,
// which a restored VM or a wrong RTC puts days ahead. Schemas 1 and 2 are still read (ordered by time).
export const MARKER_SCHEMA = 3;

/** Runs kept in a job's history; lines of output kept with a run, and the bytes of each. */
export const HISTORY_LIMIT = 50;
export const OUTPUT_TAIL_LINES = 20;
export const OUTPUT_TAIL_LINE_BYTES = 512;

// `paused`: a start env-sync pause held back (the sync did not run). It is kept in `lastPaused`
// only, never in `last` or `history`: readers of schema 3 before it (0.2.x) check each history
// entry's outcome and would call the state corrupt, and they pass over a field they do not know.
export type Outcome = 'success' | 'failure' | 'timeout' | 'signal' | 'spawn-error' | 'skipped-overlap' | 'interrupted' | 'paused';

export const OUTCOMES: readonly Outcome[] = ['success', 'failure', 'timeout', 'signal', 'spawn-error', 'skipped-overlap', 'interrupted', 'paused'];

/** Outcomes that count as a failed run (skipped-overlap is neither success nor failure). */
export const FAILED_OUTCOMES: ReadonlySet<Outcome> = new Set(['failure', 'timeout', 'signal', 'spawn-error', 'interrupted']);

export interface OutputSummary {
  /** Lines the child wrote to stdout and stderr together. */
  lines: number;
  bytes: number;
  /** The last lines, control characters stripped, each cut to a bounded length. */
  tail: string[];
}

export interface Run {
  runId: string;
  job: string;
  part: string | null;
  host: string;
  user: string;
  wrapperPid: number;
  /** /proc/PID/stat start time of the wrapper: with the pid, names the process across pid reuse. */
  wrapperStartTicks: number | null;
  /** The sync's pid, which is also its process group's id (it runs in a group of its own). */
  childPid: number | null;
  /** /proc/PID/stat start time of the sync; absent in markers written before it was recorded. */
  childStartTicks?: number | null;
  bootId: string | null;
  /** The wrapped command, secrets replaced by "***". */
  argv: string[];
  cwd: string;
  /** The `/bin/sh -c` text of the cron ancestor that started the run, secrets replaced; null when none. */
  cronCommand: string | null;
  /** That shell's working directory (cron's: the user's home). */
  cronCwd: string | null;
  /** ISO 8601 UTC. */
  start: string;
  end: string | null;
  /** Measured on the monotonic clock, so never negative even if the wall clock steps back. */
  durationSeconds: number | null;
  outcome: Outcome | 'running';
  exitCode: number | null;
  signal: string | null;
  timeoutSeconds: number | null;
  /** Why, in words, when the outcome needs explaining (spawn error, takeover of a dead run). */
  message: string | null;
  output: OutputSummary;
  /**
   * Schema 3: the record's place in its job's state (1, 2, 3 …), given when the run is recorded; the
   * order of records. Null in records written before schema 3, and absent from running markers.
   */
  seq?: number | null;
  /**
   * --retries in force (the run may make retries + 1 attempts); absent in runs made without it. An
   * optional field, so no schema bump: a reader that does not know it reads the run by its final
   * outcome, which is the last attempt's.
   */
  retries?: number | null;
  /** --attempt-timeout in force: each attempt's own limit (--timeout is the whole run's). */
  attemptTimeoutSeconds?: number | null;
  /** Each attempt of a run made with --retries, oldest first; the run's outcome, exit and output are the last one's. */
  attempts?: Attempt[] | null;
}

/** Outcomes an attempt can end with (a run's other outcomes are not an attempt's). */
export type AttemptOutcome = 'success' | 'failure' | 'timeout' | 'signal' | 'spawn-error';
export const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = ['success', 'failure', 'timeout', 'signal', 'spawn-error'];

/** One attempt of a run made with --retries. */
export interface Attempt {
  /** ISO 8601 UTC. */
  start: string;
  end: string;
  /** On the monotonic clock. */
  durationSeconds: number;
  outcome: AttemptOutcome;
  exitCode: number;
  signal: string | null;
  /** For a timeout: the limit that stopped it, `--timeout` (the whole run's) or `--attempt-timeout`. */
  stoppedBy?: '--timeout' | '--attempt-timeout' | null;
  /** Lines and bytes the command wrote in this attempt. */
  output: { lines: number; bytes: number };
}

export interface HistoryEntry {
  runId: string;
  part: string | null;
  start: string;
  end: string | null;
  durationSeconds: number | null;
  outcome: Outcome;
  exitCode: number | null;
  /** As in Run. */
  seq?: number | null;
  /** Bytes of output of the run (its last attempt's); absent in entries written before it was kept. */
  outputBytes?: number | null;
}

export interface JobState {
  schema: number;
  job: string;
  updated: string;
  /** Schema 3: the sequence number of the last record made (0: none yet, or none since schema 2). */
  seq: number;
  /** Last run that ran to an end (any outcome but skipped-overlap). */
  last: Run | null;
  lastSuccess: Run | null;
  /** Most recent start refused because another run of the job was alive. */
  lastSkipped: Run | null;
  /** Most recent start held back by a pause (env-sync pause); absent in states written before pauses. */
  lastPaused?: Run | null;
  consecutiveFailures: number;
  /** Oldest first, at most HISTORY_LIMIT entries, skipped runs included. */
  history: HistoryEntry[];
  /** Last finished run of each part, for jobs run in parts (--part). */
  parts: Record<string, Run>;
}

export interface RunningMarker extends Run {
  schema: number;
}

export interface LockRecord {
  schema: number;
  runId: string;
  pid: number;
  startTicks: number | null;
  bootId: string | null;
  host: string;
  start: string;
  /** The sync's process group, once started: the lock is held while it lives, even after its wrapper died. */
  childPid?: number | null;
  childStartTicks?: number | null;
}

export function emptyJobState(job: string): JobState {
  return {
    schema: MARKER_SCHEMA,
    job,
    updated: new Date(0).toISOString(),
    seq: 0,
    last: null,
    lastSuccess: null,
    lastSkipped: null,
    consecutiveFailures: 0,
    history: [],
    parts: {},
  };
}
