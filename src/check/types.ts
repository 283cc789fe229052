// What the check's steps hand each other: gather → facts → judge → judgement → explain/render.
import type { RunLiveness } from '../common/host.js';
import type { Values } from '../common/options.js';
import type { State } from '../common/states.js';
import type { CronJob } from '../cron/crontab.js';
import type { InventoryJob } from '../cron/inventory.js';
import type { JobTrust } from '../markers/trust.js';
import type { JobState, Run, RunningMarker } from '../markers/types.js';
import type { Metric } from '../output/perfdata.js';
import type { RunEvidence } from '../joblog/jobQueries.js';
import type { SyslogOnlyRun } from '../joblog/scriptRuns.js';
import type { FinishEvent } from '../joblog/wrapperEvents.js';
import type { LogProblem } from '../log/line.js';
import type { LogRead } from '../logsource/types.js';
import type { PauseFacts } from './rules/pause.js';

/** Everything the judgement of one job needs, read from files and processes by gather(). */
export interface CheckFacts {
  /** A job with no record at all: the known job names near its name (a typo's fix), nearest first. */
  nearNames?: string[];
  jobState: JobState | null;
  running: Array<{ marker: RunningMarker; liveness: RunLiveness }>;
  /** A with_reboot_lock file: the job's own, or (shared) the one file older versions used for all jobs. */
  rebootLock: {
    path: string;
    ageSeconds: number;
    shared?: boolean;
    /** A live with_reboot_lock names it (the job's own file only); null where that cannot be seen. */
    held?: boolean | null;
    /** Why `held` cannot be seen (/proc mounted hidepid), with the fix. */
    hidden?: string | null;
  } | null;
  evidence: RunEvidence | null;
  /** The job's last run from govuk_env_sync.sh's own lines: looked for when it has no markers, or its cron line is unwrapped. */
  syslogOnly: {
    run: SyslogOnlyRun | null;
    lastSuccessEnd: Date | null;
    /** For a run with no end line: whether a govuk_env_sync.sh still runs its cfg (null: cannot be seen). */
    live?: boolean | null;
    /** Why other users' processes cannot be seen, when they cannot. */
    hidden?: string | null;
    /** This run, not the markers, is the job's record (see syslogOnlyIsPrimary). */
    primary: boolean;
    /** For a run with no end line: the boot (journal _BOOT_ID) it started in, when that is not this boot. */
    otherBoot?: string | null;
  } | null;
  syslogProblems: LogProblem[];
  previousScheduled: Date | null;
  /** Whose job this is (the trust rules): whose markers count, who runs a re-run. */
  trust: JobTrust;
  /** The job's crontab line, where the crontab was read (host-wide views, env-sync as root). */
  cron: CronJob | null;
  /** The job's entry in the job inventory of the state directory. */
  inventory: InventoryJob | null;
  /** Why the inventory could not be used, when it could not. */
  inventoryProblem: string | null;
  /** The state directory does not exist: what to do about it. */
  stateDirProblem: string | null;
  /** The job's cron line (or its inventory entry) does not go through env-sync-run. */
  unwrapped: boolean;
  /** The job's directory is not its user's to write: later runs could not be recorded, and what syslog says of them. */
  staleMarkers: { dir: string; owner: string; fix: string; later: FinishEvent | null } | null;
  /**
   * Runs whose wrapper could not write their end (disk full): already in jobState as they ended
   * (their marker's name says how); here what was not written and why, in words.
   */
  unrecorded?: Array<{ runId: string; path: string; cause: string }>;
  /** Which log the job's lines came from (syslog files or the journal), and whose lines were left out. */
  log?: LogRead;
  /** The job's pause (env-sync pause), when a pause file was found. */
  pause?: PauseFacts;
}

/**
 * The limits a job is judged against, and where its records are (for the words): check_env_sync's
 * option values, typed once by the option table, so every view judges with the same names and defaults.
 */
export type CheckPolicy = Pick<Values<'check_env_sync'>, 'stateDir' | 'syslog' | 'grace' | 'missing'> &
  Partial<
    Pick<
      Values<'check_env_sync'>,
      'ageWarning' | 'ageCritical' | 'runtimeWarning' | 'runtimeCritical' | 'schedule' | 'durationLow' | 'durationHigh' | 'outputLow' | 'outputHigh'
    >
  > & { job: string };

/** One finding, as Checkmk's checks yield them: the worst leads the summary. */
export interface Result {
  state: State;
  text: string;
}

/** The judgement of one job: its findings and metrics, and the records explain() shows. */
export interface Judgement {
  job: string;
  results: Result[];
  metrics: Metric[];
  /** Replaces the usual `<job> <findings>` summary where the job has no record to speak of. */
  headline: string | null;
  /** The run whose evidence and re-run command are shown: the live one, else the last that ended. */
  judged: Run | null;
  /** An unwrapped job's last run, judged from govuk_env_sync.sh's own syslog lines. */
  syslogOnlyRun: SyslogOnlyRun | null;
  /** The job has no marker, no running marker and no syslog record. */
  noRecord: boolean;
  /** jobRunning(): the judge's `running` metric, and what host-wide views count as running. */
  running: boolean;
}
