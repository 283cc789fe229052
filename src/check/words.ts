// The words of every finding: each text a check, `env-sync status` or `env-sync show` says about a job
// is made by one named function here, so a wording is changed in one place. Each comes with what a
// person needs beside it (its states, an example, what it means, what to do): the glossary of
// docs/oncall.md is generated from them (scripts/glossary.mjs, test/check/glossary.test.ts).
// Pure and data-only: times and durations arrive as words already (clock(), duration()), so the
// examples read the same in every time zone.

export interface GlossaryEntry {
  /** The function below that makes the text. */
  name: string;
  /** The state(s) the finding is given, in words. */
  states: string;
  /** The text as the checks print it, made by the function from example values. */
  example: () => string;
  means: string;
  todo: string;
}

const entries: GlossaryEntry[] = [];

/** Every finding's entry, in the order docs/oncall.md lists them. */
export const GLOSSARY: readonly GlossaryEntry[] = entries;

interface About<A> {
  states: string;
  means: string;
  todo: string;
  /** Values for the example; a function, so that nothing is made until the glossary is asked for. */
  example: () => A;
}

function finding<A>(name: string, about: About<NoInfer<A>>, text: (a: A) => string): (a: A) => string {
  entries.push({ name, states: about.states, means: about.means, todo: about.todo, example: () => text(about.example()) });
  return text;
}

/** A finding that is always the same words. */
function phrase(name: string, about: Omit<About<never>, 'example'>, text: string): () => string {
  entries.push({ ...about, name, example: () => text });
  return () => text;
}

// --- Pieces of findings -----------------------------------------------------------------------------

/** What a run did, as the words need it: times and durations already in words. */
export interface RunWords {
  outcome: string;
  part: string | null;
  exitCode: number | null;
  /** When it started, in clock words (`00:18`, `yesterday 00:18`). */
  started: string;
  /** When it ended, in clock words; null when no end is recorded. */
  at: string | null;
  /** How long it took, in duration words; null when not known. */
  took: string | null;
  signal: string | null;
  /** The limit that stopped it, in duration words, and its option (--timeout, or --attempt-timeout for one attempt of a run with --retries). */
  limit: string;
  limitOption: string;
  /** What its attempts add, for a run made with --retries (rules/attempts.ts): ` (on attempt 2 of 3; attempt 1 failed with exit 1)`, else ''. */
  attempts: string;
  message: string | null;
}

const partWords = (part: string | null) => (part ? ` (part ${part})` : '');
const atWords = (r: Pick<RunWords, 'at'>) => (r.at ? ` at ${r.at}` : '');
const afterWords = (r: Pick<RunWords, 'took'>) => (r.took ? ` after ${r.took}` : '');

const EXAMPLE_RUN: RunWords = {
  outcome: 'failure',
  part: null,
  exitCode: 1,
  started: '00:18',
  at: '00:41',
  took: '23m',
  signal: null,
  limit: '6h',
  limitOption: '--timeout',
  attempts: '',
  message: null,
};

/** A value past one of its limits: ` (over --age-critical 26h)`, said after the value's words. */
export function overLimit(option: string, level: 'warning' | 'critical', range: string): string {
  return ` (over ${option}-${level} ${range})`;
}

export const lastRunSucceeded = finding(
  'lastRunSucceeded',
  {
    states: 'OK',
    means: 'the last run ended with exit status 0 and every other rule passed',
    todo: 'nothing',
    example: () => ({ ...EXAMPLE_RUN, outcome: 'success', exitCode: 0 }),
  },
  (r: RunWords) => `last run${partWords(r.part)} succeeded${atWords(r)}${afterWords(r)}`,
);

export const runFailed = finding(
  'runFailed',
  {
    states: 'CRITICAL until a run succeeds',
    means: 'the run ended with a non-zero exit status (its own error, or a missing config key: exit 127)',
    todo: "`env-sync show JOB`: the first evidence lines are the run's errors (from the wrapper's own record first); fix the cause, then re-run",
    example: () => EXAMPLE_RUN,
  },
  (r: RunWords) => `failed${partWords(r.part)}${r.exitCode !== null ? ` with exit ${r.exitCode}` : ''}${atWords(r)}${afterWords(r)}`,
);

export const runTimedOut = finding(
  'runTimedOut',
  {
    states: 'CRITICAL until a run succeeds',
    means: '`env-sync-run --timeout` stopped the sync (SIGTERM to its process group, SIGKILL after --kill-after)',
    todo: 'compare the duration with earlier runs (`env-sync status`); a database that grew may need a longer `--timeout`; re-run',
    example: () => ({ ...EXAMPLE_RUN, outcome: 'timeout', exitCode: 124, at: '06:18' }),
  },
  (r: RunWords) => `timed out${partWords(r.part)}${atWords(r)} after ${r.limit} (${r.limitOption})`,
);

export const runKilled = finding(
  'runKilled',
  {
    states: 'CRITICAL until a run succeeds',
    means: 'a signal ended the sync: the OOM killer, a person, a shutdown',
    todo: '`journalctl -k` for the OOM killer; `env-sync logs JOB` for what it was doing; re-run',
    example: () => ({ ...EXAMPLE_RUN, outcome: 'signal', exitCode: null, signal: 'SIGKILL' }),
  },
  (r: RunWords) => `was killed${partWords(r.part)} by ${r.signal ?? 'a signal'}${atWords(r)}${afterWords(r)}`,
);

export const runCouldNotStart = finding(
  'runCouldNotStart',
  {
    states: 'CRITICAL until a run succeeds',
    means: 'the command in the cron line is missing or not executable (exit 127 or 126): nothing ran',
    todo: 'check the path in `sudo crontab -lu USER`',
    example: () => ({
      ...EXAMPLE_RUN,
      outcome: 'spawn-error',
      exitCode: 127,
      took: null,
      message: 'command not found: /usr/local/bin/govuk_env_sync.sh (ENOENT)',
    }),
  },
  (r: RunWords) => `could not start${partWords(r.part)}${atWords(r)}: ${r.message ?? `exit ${r.exitCode}`}`,
);

export const runInterrupted = finding(
  'runInterrupted',
  {
    states: 'CRITICAL until a run succeeds',
    means: "a later run found this run's wrapper dead (killed, or the host rebooted) and recorded it for it",
    todo: '`env-sync logs JOB` shows how far it got; re-run',
    example: () => ({
      ...EXAMPLE_RUN,
      outcome: 'interrupted',
      exitCode: null,
      at: null,
      took: null,
      message: 'host rebooted during the run (boot id changed); found by run 20261125T001801Z-1a2b3c',
    }),
  },
  (r: RunWords) => `run${partWords(r.part)} started ${r.started} was interrupted: ${r.message ?? 'its wrapper died'}`,
);

/** What a finished run did, in words: `failed with exit 1 at 00:41 after 23m`, and what its attempts add. */
export function whatHappened(r: RunWords): string {
  return `${outcomeWords(r)}${r.attempts}`;
}

function outcomeWords(r: RunWords): string {
  switch (r.outcome) {
    case 'success':
      return lastRunSucceeded(r);
    case 'failure':
      return runFailed(r);
    case 'timeout':
      return runTimedOut(r);
    case 'signal':
      return runKilled(r);
    case 'spawn-error':
      return runCouldNotStart(r);
    case 'interrupted':
      return runInterrupted(r);
    default:
      return `${r.outcome}${atWords(r)}`;
  }
}

export const lastSuccessAgo = finding(
  'lastSuccessAgo',
  {
    states: 'WARNING or CRITICAL past --age-warning / --max-age (-w, -c); said after a failure too',
    means: 'no run succeeded within the limit, whatever the last run did',
    todo: '`env-sync status` and `env-sync show JOB`: failures, skipped starts, or no runs at all (a missed schedule, cron not running)',
    example: () => ({ ago: '2 days ago', over: overLimit('--age', 'critical', '26h') }),
  },
  (a: { ago: string; over: string }) => `last success ${a.ago}${a.over}`,
);

export const lastSuccessInFuture = phrase(
  'lastSuccessInFuture',
  {
    states: 'said after a failure (CRITICAL)',
    means: "the job's only success is stamped ahead of this host's clock, so its age cannot be told",
    todo: 'check the clock (`timedatectl`); see "recorded in the future"',
  },
  'its last success is recorded in the future',
);

export const noSuccessOnRecord = phrase(
  'noSuccessOnRecord',
  {
    states: 'said after a failure (CRITICAL)',
    means: 'the markers hold no successful run of the job (the history keeps the last 50 runs)',
    todo: '`env-sync show JOB`: the last runs; fix the cause and re-run',
  },
  'no success on record',
);

export const noSuccessInLogs = phrase(
  'noSuccessInLogs',
  {
    states: 'said after a failure of an unwrapped job (CRITICAL)',
    means: 'no `Completed` line of the job was found in the syslog files (or journal) read',
    todo: '`env-sync logs JOB`; wrap the cron line in `env-sync-run` so runs are recorded beyond the logs',
  },
  'no success in the logs read',
);

/** A failure and the last success before it: `failed with exit 1 at 00:41 after 23m; last success 2 days ago, 2 failures in a row`. */
export function failedSince(a: { happened: string; since: string; inARow: number }): string {
  return `${a.happened}; ${a.since}${a.inARow > 1 ? `, ${a.inARow} failures in a row` : ''}`;
}

export const partFailed = finding(
  'partFailed',
  {
    states: 'CRITICAL until that part succeeds',
    means: "the job runs in parts (`--part`) and this part's latest run failed, whatever later parts did",
    todo: 'the alert ends with a Re-run line for just the parts that failed',
    example: () => ({ part: 'mysql-normal', happened: runFailed({ ...EXAMPLE_RUN, exitCode: 2 }) }),
  },
  (a: { part: string; happened: string }) => `part ${a.part} ${a.happened}`,
);

// --- No record --------------------------------------------------------------------------------------

export const noRecord = finding(
  'noRecord',
  {
    states: 'as --missing says (check_env_sync: CRITICAL; host-wide views: WARNING)',
    means: "no marker, no run in progress and no `govuk_env_sync.sh` line naming the job's cfg: a misspelt job, or one that never ran",
    todo: 'check the name against `env-sync status` (the long output names the nearest known names); a new job shows once it has run',
    example: () => ({ job: 'pull_x', stateDir: '/var/lib/env-sync', stateDirProblem: null, log: logWhere({ journal: null, syslog: '/var/log/syslog' }) }),
  },
  (a: { job: string; stateDir: string; stateDirProblem: string | null; log: string }) =>
    `no record of this job: ${a.stateDirProblem ? `${a.stateDirProblem}, ` : `nothing in ${a.stateDir}/${a.job}/ and `}no govuk_env_sync.sh run of ${a.job}.cfg in ${a.log}`,
);

/** Where a job's log lines were looked for: `the journal (…)`, or `/var/log/syslog or its rotations`. */
export function logWhere(a: { journal: string | null; syslog: string }): string {
  return a.journal !== null ? `the journal (${a.journal})` : `${a.syslog} or its rotations`;
}

export const noRecordLogUnreadable = finding(
  'noRecordLogUnreadable',
  {
    states: 'UNKNOWN',
    means: 'the job has no marker, and the log its runs would be in cannot be read by the monitoring user',
    todo: 'run the command named, then restart NRPE or the Icinga agent',
    example: () => ({
      stateDir: '/var/lib/env-sync',
      path: '/var/log/syslog',
      problem: 'permission denied',
      fix: 'add user nagios to group adm to read /var/log/syslog (usermod -aG adm nagios)',
    }),
  },
  (a: { stateDir: string; path: string; problem: string; fix: string }) => `no marker in ${a.stateDir} and ${a.path} cannot be read (${a.problem}); ${a.fix}`,
);

/** A verdict that is one sentence about the job: `pull_x: no record of this job: …`. */
export function headline(job: string, text: string): string {
  return `${job}: ${text}`;
}

export const noRecordHint = finding(
  'noRecordHint',
  {
    states: 'long output under "no record of this job"',
    means: 'the known jobs whose names are nearest the one asked for, when there are any',
    todo: "correct the name in the check (the Icinga service's `env_sync_job`), or wrap the job's cron line",
    example: () => ({ nearNames: ['pull_content_data_admin_production_daily'] }),
  },
  (a: { nearNames: readonly string[] }) =>
    a.nearNames.length
      ? `No job of that name here; did you mean ${a.nearNames.join(', ')}? If not, is its cron line wrapped with env-sync-run? (--missing chooses this state)`
      : 'Is the job spelled right, and is its cron line wrapped with env-sync-run? (--missing chooses this state)',
);

export const stateDirMissing = finding(
  'stateDirMissing',
  {
    states: 'WARNING (beside the verdict); the wrapper says the same',
    means: 'the state directory does not exist: a wrapped run cannot record anything, so the verdict comes from syslog alone',
    todo: 'create it with the command named (as root), or give the right `--state-dir`',
    example: () => ({
      problem:
        'state directory /var/lib/env-sync does not exist; create it: install -d -o govuk-backup -m 0755 /var/lib/env-sync (or give the right --state-dir)',
    }),
  },
  // The sentence itself is markers/stateDir.ts's, shared with the wrapper (a floor below the checks).
  (a: { problem: string }) => a.problem,
);

// --- Runs in progress, and runs whose wrapper is gone -------------------------------------------------

export const runningSince = finding(
  'runningSince',
  {
    states: 'OK; WARNING or CRITICAL past --runtime-warning / --max-runtime',
    means: "a run is in progress (its wrapper is alive, or an unwrapped run's `govuk_env_sync.sh` still runs its cfg)",
    todo: "past its limit: `env-sync logs JOB --follow` — is it progressing? A stuck `pg_restore` or `mysql` may need killing (`kill` the wrapper: it stops the sync's process group and records it)",
    example: () => ({ since: '01:00', for: '7h', over: overLimit('--runtime', 'critical', '6h') }),
  },
  (a: { since: string; for: string; over: string }) => `running since ${a.since} (for ${a.for})${a.over}`,
);

export const orphanedRun = finding(
  'orphanedRun',
  {
    states: 'WARNING; CRITICAL past --max-runtime',
    means: 'the wrapper was killed (`kill -9`, the OOM killer) but the sync goes on; no second copy will start beside it, and its end will not be recorded',
    todo: 'wait for it (`env-sync logs JOB --follow`), then re-run so the markers record a run',
    example: () => ({ started: '06:00', wrapperPid: 4100, childPid: 4101, for: '2h', over: '' }),
  },
  (a: { started: string; wrapperPid: number; childPid: number | null; for: string; over: string }) =>
    `run started ${a.started}: its wrapper pid ${a.wrapperPid} is gone but its sync pid ${a.childPid} is still running (for ${a.for})${a.over}; its end will not be recorded`,
);

export const interruptedByReboot = finding(
  'interruptedByReboot',
  {
    states: 'CRITICAL',
    means: 'the host rebooted during the run (the boot id changed), so it recorded no end',
    todo: 're-run; `with_reboot_lock` should have held the reboot off: look for who rebooted (`last -x reboot`)',
    example: () => ({ started: '00:18' }),
  },
  (a: { started: string }) => `run started ${a.started} was interrupted by a reboot (boot id changed) and recorded no end`,
);

export const wrapperDiedSyncEnded = finding(
  'wrapperDiedSyncEnded',
  {
    states: 'CRITICAL',
    means: 'the wrapper was killed (`kill -9`, OOM) and the sync has ended since, unrecorded',
    todo: '`env-sync logs JOB` shows how the sync ended; re-run to be sure',
    example: () => ({ started: '00:18', wrapperPid: 4100, childPid: 4101 }),
  },
  (a: { started: string; wrapperPid: number; childPid: number }) =>
    `run started ${a.started}: its wrapper pid ${a.wrapperPid} died and recorded no end, and its sync pid ${a.childPid} has ended since: outcome unknown`,
);

export const wrapperDiedBeforeSync = finding(
  'wrapperDiedBeforeSync',
  {
    states: 'CRITICAL',
    means: 'the wrapper died before the sync started: nothing ran',
    todo: "`env-sync logs JOB` for the wrapper's last lines; re-run",
    example: () => ({ started: '00:18', wrapperPid: 4100 }),
  },
  (a: { started: string; wrapperPid: number }) => `run started ${a.started} died: wrapper pid ${a.wrapperPid} is gone and recorded no end`,
);

export const endNotRecorded = finding(
  'endNotRecorded',
  {
    states: 'WARNING (the run itself is judged by how it ended)',
    means: "the wrapper could not write the run's end (disk full, read-only file system): it kept it in its marker's name",
    todo: 'free space or remount (the alert names `df -h`); the next run records it',
    example: () => ({
      runId: '20261124T001801Z-546280',
      cause: 'no space left on device',
      stateDir: '/var/lib/env-sync',
      path: '/var/lib/env-sync/pull_x/unrecorded-20261124T001801Z-546280.failure.1.ENOSPC.json',
    }),
  },
  (a: { runId: string; cause: string; stateDir: string; path: string }) =>
    `could not record the end of run ${a.runId}: ${a.cause}${a.cause === 'no space left on device' ? ` (free space: df -h ${a.stateDir})` : ''}; its end is kept in the name of ${a.path} until a later run records it`,
);

// --- Unwrapped jobs: runs from govuk_env_sync.sh's own lines --------------------------------------------

export const scriptRunInterruptedByReboot = finding(
  'scriptRunInterruptedByReboot',
  {
    states: 'CRITICAL',
    means: 'an unwrapped run logged `Starting` in an earlier boot (the journal says which) and no end: the host rebooted under it',
    todo: 're-run; wrap the cron line in `env-sync-run` so the next run is recorded',
    example: () => ({ started: '00:18', boot: '0f8c3a5e2b7d4e9f8a1b2c3d4e5f6a7b' }),
  },
  (a: { started: string; boot: string }) =>
    `run started ${a.started} was interrupted by a reboot (its journal lines are from boot ${a.boot.slice(0, 12)}…, not this boot) and logged no end`,
);

export const scriptRunEndedUnlogged = finding(
  'scriptRunEndedUnlogged',
  {
    states: 'CRITICAL',
    means: "an unwrapped job's script exited early (it has `exit 1` paths that log nothing): no `govuk_env_sync.sh` runs its cfg any more",
    todo: 'wrap its cron line in `env-sync-run` (README) so the next failure is recorded with its output; re-run',
    example: () => ({ started: '00:18', since: noSuccessInLogs() }),
  },
  (a: { started: string; since: string }) =>
    `run started ${a.started} ended without a Completed or Error running line: no govuk_env_sync.sh runs its cfg any more, so it exited early; ${a.since}`,
);

export const scriptRunHidden = finding(
  'scriptRunHidden',
  {
    states: 'UNKNOWN',
    means: "an unwrapped run logged no end yet, and the monitoring user cannot see other users' processes (`/proc` mounted hidepid)",
    todo: 'the fix is in the text (the gid= option of /proc); or wrap the job in `env-sync-run`, whose markers need no process list',
    example: () => ({
      started: '00:18',
      why: "/proc is mounted with hidepid=invisible, so nagios cannot see other users' processes; remount /proc with gid=G (mount -o remount,hidepid=invisible,gid=G /proc) and add nagios to group G",
    }),
  },
  (a: { started: string; why: string }) => `cannot tell whether the run started ${a.started} still runs (no Completed or Error running line yet): ${a.why}`,
);

// --- Markers a run could not write -----------------------------------------------------------------

/** Why the markers are stale: the job's directory is another user's. */
export function markersNotWritable(a: { dir: string; owner: string; fix: string }): string {
  return `${a.dir} is owned by ${a.owner}, so the job's runs cannot record their markers there; ${a.fix}`;
}

const EXAMPLE_STALE = () => markersNotWritable({ dir: '/var/lib/env-sync/pull_x', owner: 'root', fix: 'chown -R govuk-backup: /var/lib/env-sync/pull_x' });

export const staleMarkersLaterFailure = finding(
  'staleMarkersLaterFailure',
  {
    states: 'CRITICAL',
    means:
      "syslog recorded a failed run the markers did not: the job's directory is not its user's (a run by hand as root), so the wrapper could not write them",
    todo: 'apply the fix the alert names (usually a `chown`), then re-run',
    example: () => ({ outcome: 'failure', exitCode: 1, at: '00:41', why: EXAMPLE_STALE() }),
  },
  (a: { outcome: string; exitCode: number | null; at: string; why: string }) =>
    `a later run ${a.outcome === 'failure' ? 'failed' : `ended: ${a.outcome}`}${a.exitCode !== null ? ` with exit ${a.exitCode}` : ''} at ${a.at} (syslog; the markers are stale: ${a.why})`,
);

export const staleMarkersLaterRun = finding(
  'staleMarkersLaterRun',
  {
    states: 'WARNING',
    means: 'syslog recorded a later run the markers did not (syslog text alone never clears a recorded failure)',
    todo: 'apply the fix the alert names (usually a `chown`); the next run is then recorded',
    example: () => ({ outcome: 'success', at: '00:41', why: EXAMPLE_STALE() }),
  },
  (a: { outcome: string; at: string; why: string }) =>
    `markers are stale; syslog says a later run ${a.outcome === 'success' ? 'succeeded' : `ended: ${a.outcome}`} at ${a.at}: ${a.why}`,
);

export const staleMarkersNextRun = finding(
  'staleMarkersNextRun',
  {
    states: 'WARNING',
    means: "the job's directory is not its user's: the next run will not be able to record its markers",
    todo: 'apply the fix the alert names (usually a `chown`)',
    example: () => ({ why: EXAMPLE_STALE() }),
  },
  (a: { why: string }) => `the next run will not be recorded: ${a.why}`,
);

// --- Age, schedule, skipped starts, the clock ---------------------------------------------------------

export const noSuccessfulRun = finding(
  'noSuccessfulRun',
  {
    states: 'WARNING or CRITICAL when an age limit is set (and nothing else is CRITICAL)',
    means: 'the job never succeeded, or its records were lost; "that is not in the future": its only success is stamped ahead of the clock',
    todo: '`env-sync show JOB`',
    example: () => ({ inFuture: false }),
  },
  (a: { inFuture: boolean }) => (a.inFuture ? 'no successful run on record that is not in the future' : 'no successful run on record'),
);

export const missedRun = finding(
  'missedRun',
  {
    states: 'CRITICAL',
    means: 'cron did not start the job when its schedule said, and the grace has passed',
    todo: 'is cron running (`systemctl status cron`)? is the line still in `sudo crontab -lu USER`? is a `with_reboot_lock` file holding it?',
    example: () => ({ due: '00:18', schedule: '18 0 * * *', grace: '1h' }),
  },
  (a: { due: string; schedule: string | undefined; grace: string }) =>
    `missed the run due at ${a.due} (schedule '${a.schedule}', grace ${a.grace}): nothing started since`,
);

export const skippedStart = finding(
  'skippedStart',
  {
    states: 'WARNING',
    means: 'a run started while another of the job was alive and stood down (`--overlap skip`, exit 75)',
    todo: 'usually the earlier run ran long; nothing to do once it ends',
    example: () => ({ at: '00:18', why: null }),
  },
  (a: { at: string; why: string | null }) => `start at ${a.at} skipped: ${a.why ?? 'another run was still running'}`,
);

export const recordedInFuture = finding(
  'recordedInFuture',
  {
    states: 'WARNING',
    means: "a record's time is ahead of this host's clock: a restored VM, an RTC wrong before NTP, or a clock wrong now",
    todo: 'check `timedatectl`; the age and the schedule are judged from the newest record that is not in the future',
    example: () => ({ id: '20261126T001801Z-546280', more: 0, when: 'ended 2026-11-26T00:41:00.000Z', ahead: '2d', finished: true }),
  },
  (a: { id: string; more: number; when: string; ahead: string; finished: boolean }) =>
    `run ${a.id}${a.more ? ` (and ${a.more} more)` : ''} recorded in the future: check the clock (it ${a.when}, ${a.ahead} ahead of this host's clock)${a.finished ? '; the age and the schedule are judged from the newest record that is not in the future' : ''}`,
);

// --- with_reboot_lock ------------------------------------------------------------------------------

export const staleOwnLock = finding(
  'staleOwnLock',
  {
    states: 'WARNING',
    means:
      "the job's `with_reboot_lock` file is held by no live `with_reboot_lock` (one was killed): the host will not reboot for updates and the next run waits",
    todo: 'if no sync is running (`env-sync status`), remove the file named',
    example: () => ({ path: '/etc/unattended-reboot/no-reboot/reboot_lock-env-sync_pull_x', age: '7h', hidden: null }),
  },
  (a: { path: string; age: string; hidden: string | null }) =>
    `stale with_reboot_lock file ${a.path} (${a.age} old): the host will not reboot for updates and the next run will wait for it; remove it if no sync is running${a.hidden ? ` (no run of the job is going, but whether a with_reboot_lock holds it cannot be seen: ${a.hidden})` : ''}`,
);

export const staleSharedLock = finding(
  'staleSharedLock',
  {
    states: 'WARNING',
    means: 'the one lock file older `with_reboot_lock` versions share between all jobs is a day old and no run of this job is going',
    todo: 'if no sync of any job is running, remove the file named',
    example: () => ({ path: '/etc/unattended-reboot/no-reboot/reboot_lock', age: '30h' }),
  },
  (a: { path: string; age: string }) =>
    `stale shared with_reboot_lock file ${a.path} (${a.age} old): the host will not reboot for updates and every job using the old with_reboot_lock waits for it; remove it if no sync is running`,
);

// --- Pauses (env-sync pause) --------------------------------------------------------------------------

export const paused = finding(
  'paused',
  {
    states: 'OK; WARNING in its last hour (the other findings are still said, at OK)',
    means:
      'someone paused the job with `env-sync pause`: its cron runs record `paused` and exit 0 without running the sync until the time named, when the job is judged as usual again',
    todo: 'nothing, or ask them; `env-sync pause JOB --until …` again to extend it, `env-sync resume JOB` to end it',
    example: () => ({ allJobs: false, until: '14:00', left: '1d 3h', by: 'root (sudo from alice)', reason: 'CHG-123 target DB rebuilt' }),
  },
  (a: { allJobs: boolean; until: string; left: string; by: string; reason: string }) =>
    `paused${a.allJobs ? ' (every job)' : ''} until ${a.until} (for ${a.left} more) by ${a.by}: ${a.reason}`,
);

export const pauseEnding = finding(
  'pauseEnding',
  {
    states: "WARNING, after the pause's own words",
    means: 'the pause ends within the hour; its end should not come as a surprise',
    todo: 'nothing if the work is done; else `env-sync pause JOB --until …` to extend it',
    example: () => ({ left: '35m' }),
  },
  (a: { left: string }) => `the pause ends in ${a.left}: the job is judged as usual from then (env-sync pause to extend it)`,
);

export const pauseNotBelieved = finding(
  'pauseNotBelieved',
  {
    states: 'WARNING',
    means: 'a pause file another user could have written, a link, or one that cannot be read: it does not count',
    todo: 'the fix is in the text; pause again with `env-sync pause`',
    example: () => ({
      problem: "/var/lib/env-sync/pull_x/pause.json: is owned by alice, not by the job's user govuk-backup; remove it and pause with env-sync pause",
    }),
  },
  (a: { problem: string }) => `a pause file is not believed, so the job is judged as if not paused: ${a.problem}`,
);

// --- Runs with --retries, and runs far off their usual ------------------------------------------------

export const succeededOnAttempt = finding(
  'succeededOnAttempt',
  {
    states: 'said after "last run succeeded", at OK',
    means: 'a run made with `env-sync-run --retries` succeeded, but not at its first attempt',
    todo: "nothing tonight; if it keeps needing retries, the earlier attempts' errors (`env-sync logs JOB`) are worth a look by day",
    example: () => ({ attempt: 2, of: 3, earlier: 'attempt 1 failed with exit 1' }),
  },
  (a: { attempt: number; of: number; earlier: string }) => `on attempt ${a.attempt} of ${a.of}; ${a.earlier}`,
);

export const attemptsFailed = finding(
  'attemptsFailed',
  {
    states: 'said after the failure, at its state',
    means: 'a run made with `--retries` failed at its last attempt: every attempt failed, or what stopped it from trying again',
    todo: 'as for the failure; a run that timed out is retried only with `--retry-timeouts`',
    example: () => ({ attempt: 3, of: 3, why: null, earlier: 'attempt 1 failed with exit 1, attempt 2 failed with exit 1' }),
  },
  (a: { attempt: number; of: number; why: string | null; earlier: string }) =>
    `${a.attempt === a.of || a.why === null ? `all ${a.of} attempts failed` : `attempt ${a.attempt} of ${a.of}: ${a.why}`}${a.earlier ? `; ${a.earlier}` : ''}`,
);

export const runUnusual = finding(
  'runUnusual',
  {
    states: 'WARNING (the run itself succeeded)',
    means:
      "the last success took far less or far more time, or wrote far less or more output, than the median of the job's earlier successes (from the fifth): a sync that copied nothing, or one heading for its slot's end",
    todo: "`env-sync logs JOB`: compare its output with an earlier run's; a real change in the data is fine (the factor 0 turns a half off, e.g. `--duration-low 0`)",
    example: () => ({
      subject: 'last run',
      verb: 'took',
      value: '2m',
      count: 12,
      span: '47m–52m',
      which: 'low' as const,
      flag: 'duration-low',
      factor: 0.25,
      median: '49m',
    }),
  },
  (a: { subject: string; verb: string; value: string; count: number; span: string; which: 'low' | 'high'; flag: string; factor: number; median: string }) =>
    `${a.subject} ${a.verb} ${a.value}; its last ${a.count} successes ${a.verb} ${a.span} (${
      a.which === 'low' ? `less than --${a.flag} ${a.factor} of` : `more than --${a.flag} ${a.factor} times`
    } their median ${a.median})`,
);

// --- The scheduler: cron, systemd timers (check_env_sync_all, env-sync status) -----------------------------

/** `3 jobs due in the next 24h: a (00:18), b (01:00) and c (02:00)`, or that none is. */
export function dueWords(a: { due: number; window: string; names: string; of: number; kind: string; their?: boolean }): string {
  return a.due
    ? `${a.due} job${a.due === 1 ? '' : 's'} due in the next ${a.window}: ${a.names}`
    : `none of ${a.their ? 'their' : 'the'} ${a.of} ${a.kind}${a.of === 1 ? '' : 's'} is due in the next ${a.window}`;
}

export const schedulerNotRunning = finding(
  'schedulerNotRunning',
  {
    states: 'CRITICAL when a job is due within --scheduler-window; WARNING when none is yet',
    means: "the host's cron daemon is dead (the OOM killer, a failed upgrade): no job will start, whatever each job's own alert says yet",
    todo: '`sudo systemctl start cron` (`systemctl status cron` says how it ended); look for the OOM killer in `journalctl -k` ("Out of memory: Killed process"); the jobs due while it was down did not run: `env-sync status`, and re-run those that matter (`env-sync rerun JOB`)',
    example: () => ({ daemon: 'cron', due: dueWords({ due: 2, window: '24h', names: 'pull_x (00:18) and pull_y (01:00)', of: 2, kind: 'cron job' }) }),
  },
  (a: { daemon: string; due: string }) => `${a.daemon} is not running; ${a.due}`,
);

export const schedulerNotRunningFix = finding(
  'schedulerNotRunningFix',
  {
    states: 'long output under "cron is not running"',
    means: 'what was looked at to find the daemon dead, and the fix',
    todo: 'as the text says',
    example: () => ({ daemon: 'cron', seen: '/run/crond.pid names pid 812, which is gone' }),
  },
  (a: { daemon: string; seen: string }) =>
    `${a.daemon} is not running: ${a.seen}; start it (systemctl start ${a.daemon}) and look in journalctl -k for the OOM killer ("Out of memory: Killed process")`,
);

export const schedulerRunning = finding(
  'schedulerRunning',
  {
    states: "OK (long output, and the host-wide views' detail)",
    means: "the host's cron daemon was seen running",
    todo: 'nothing',
    example: () => ({ daemon: 'cron', seen: 'pid 812 (cron) from /run/crond.pid' }),
  },
  (a: { daemon: string; seen?: string }) => `${a.daemon} is running${a.seen ? `: ${a.seen}` : ''}`,
);

export const schedulerHidden = finding(
  'schedulerHidden',
  {
    states: 'UNKNOWN with --scheduler cron; said in the first line at OK when found by --scheduler auto',
    means: "`/proc` hides root's processes from the monitoring user, so whether cron runs cannot be seen",
    todo: "the fix is in the text (`gid=` on the `/proc` mount); until then only each job's own missed-run alert covers a dead cron",
    example: () => ({
      daemon: 'cron',
      why: "/proc is mounted with hidepid=2, so nagios cannot see other users' processes; remount /proc with gid=G (mount -o remount,hidepid=2,gid=G /proc) and add nagios to group G",
    }),
  },
  (a: { daemon: string; why: string; long?: boolean }) =>
    a.long ? `whether ${a.daemon} is running cannot be seen: ${a.why}` : `whether ${a.daemon} is running cannot be seen (${a.why})`,
);

export const timersNotActive = finding(
  'timersNotActive',
  {
    states: 'CRITICAL when a job is due within --scheduler-window (or when is unknown); WARNING when none is yet',
    means: 'a systemd timer given with `--timer JOB:UNIT` is stopped, failed or missing: it will not start its job',
    todo: '`systemctl start UNIT` and `systemctl status UNIT` for why it stopped (the long output names each); a timer systemd has not: install it or fix `--timer`',
    example: () => ({
      count: 1,
      timers: 'env-sync-pull_x.timer (inactive)',
      due: dueWords({ due: 1, window: '24h', names: 'pull_x (00:18)', of: 1, kind: 'job' }),
    }),
  },
  (a: { count: number; timers: string; due: string }) => `systemd timer${a.count === 1 ? '' : 's'} not active: ${a.timers}; ${a.due}`,
);

export const timerDownFix = finding(
  'timerDownFix',
  {
    states: 'long output under "systemd timer not active"',
    means: 'one timer that will not start its job, and the fix',
    todo: 'as the text says',
    example: () => ({ unit: 'env-sync-pull_x.timer', job: 'pull_x', state: 'inactive', loaded: true }),
  },
  (a: { unit: string; job: string; state: string; loaded: boolean }) =>
    `${a.unit} of job ${a.job} is ${a.state}: ${
      a.loaded
        ? `start it (systemctl start ${a.unit}) and see why it stopped (systemctl status ${a.unit})`
        : 'systemd has no such timer; install it, or give --timer the right unit'
    }`,
);

export const timersActive = finding(
  'timersActive',
  {
    states: "OK (the host-wide views' detail names each timer and its next run)",
    means: 'every timer given with `--timer` is active',
    todo: 'nothing',
    example: () => ({}),
  },
  (_a: Record<string, never>) => 'systemd timers are active',
);

export const timersHidden = finding(
  'timersHidden',
  {
    states: 'UNKNOWN with --scheduler systemd; said in the first line at OK when found by --scheduler auto',
    means: 'systemd could not be asked about the timers (no systemd, or no D-Bus for the monitoring user)',
    todo: 'the text says what failed; on a host without systemd, use `--scheduler cron` or `none`',
    example: () => ({ why: "systemctl show said: System has not been booted with systemd as init system (PID 1). Can't operate." }),
  },
  (a: { why: string; long?: boolean }) =>
    a.long ? `whether the systemd timers are active cannot be seen: ${a.why}` : `whether the systemd timers are active cannot be seen (${a.why})`,
);

// --- Host-wide views and the long output --------------------------------------------------------------

export const neverRun = finding(
  'neverRun',
  {
    states: 'as --missing says (host-wide views: WARNING)',
    means: 'a job in the crontab (or the job inventory) with no run on record anywhere',
    todo: 'a new job: wait for its first run; an old one: see "missed the run due at"',
    example: () => ({ job: 'pull_new', schedule: '5 5 * * *' }),
  },
  (a: { job: string; schedule: string | null }) => `${a.job} never run${a.schedule !== null ? ` (in the crontab, schedule '${a.schedule}')` : ''}`,
);

export const noJobsFound = finding(
  'noJobsFound',
  {
    states: 'as --missing says (check_env_sync_all, env-sync status)',
    means: 'neither the state directory nor the crontab (or job inventory) names a job',
    todo: 'the reason follows when there is one (no state directory, an unreadable crontab); give `--user` or `--crontab` for jobs not run yet',
    example: () => ({ where: '/var/lib/env-sync', why: null }),
  },
  (a: { where: string; why: string | null }) => `no jobs found in ${a.where}${a.why ? `: ${a.why}` : ''}`,
);

export const noRunInLog = finding(
  'noRunInLog',
  {
    states: "part of `env-sync show`'s `unknown job …` usage error (exit 64), which names the nearest known jobs",
    means: 'the job has no record and nothing on the host names it',
    todo: 'check the name against `env-sync status`',
    example: () => ({ where: '/var/log/syslog' }),
  },
  (a: { where: string }) => `no run of it in ${a.where}`,
);

export const logUnreadable = finding(
  'logUnreadable',
  {
    states: 'long output, beside any verdict',
    means: 'a log file the evidence would come from cannot be read, so the evidence may be incomplete',
    todo: 'the fix is in the text (usually a group for the monitoring user)',
    example: () => ({
      path: '/var/log/syslog.1',
      problem: 'permission denied',
      fix: 'add user nagios to group adm to read /var/log/syslog.1 (usermod -aG adm nagios)',
    }),
  },
  (a: { path: string; problem: string; fix: string }) => `Cannot read ${a.path}: ${a.problem}; ${a.fix}`,
);

export const moreLogsUnreadable = finding(
  'moreLogsUnreadable',
  {
    states: 'long output under "no marker in … cannot be read" (UNKNOWN)',
    means: "another log file (a rotation) the job's runs could be in cannot be read either",
    todo: 'the fix is in the text, as for the first',
    example: () => ({
      path: '/var/log/syslog.1',
      problem: 'permission denied',
      fix: 'add user nagios to group adm to read /var/log/syslog.1 (usermod -aG adm nagios)',
    }),
  },
  (a: { path: string; problem: string; fix: string }) => `${a.path}: ${a.problem}; ${a.fix}`,
);

export const inventoryUnusable = finding(
  'inventoryUnusable',
  {
    states: 'long output, beside any verdict',
    means:
      "the job inventory in the state directory (the crontab's job lines kept for nagios) cannot be trusted or read, so the Re-run line cannot come from it",
    todo: 'the fix is in the text; `env-sync config inventory` as root writes it anew',
    example: () => ({
      why: '/var/lib/env-sync/inventory.json: not JSON; remove it; the next run of any job (or env-sync config inventory, as root) writes a new one',
    }),
  },
  (a: { why: string }) => `Cannot use the job inventory: ${a.why}`,
);
