// All the I/O of a check: markers, process liveness, the reboot lock file, syslog, the schedule.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readBootId, runLiveness, type RunLiveness, type RunProcesses } from '../common/host.js';
import { causeWords, listJobs, readJobState, readRunningMarkers, type UnrecordedRun } from '../markers/read.js';
import { nearestNames } from '../common/nearest.js';
import { applyRun } from '../markers/store.js';
import { emptyJobState, type JobState } from '../markers/types.js';
import { jobTrust, type TrustHints } from '../markers/trust.js';
import { MarkerError } from '../markers/errors.js';
import { jobDir, runningPath } from '../markers/paths.js';
import { readPauses } from '../markers/pause.js';
import { jobDirNotWritable } from '../markers/stateDir.js';
import { hostReads, type HostReads } from './hostReads.js';
import type { CronJob } from '../cron/crontab.js';
import { collectRunEvidence, findLastSyslogOnlyRun } from '../joblog/jobQueries.js';
import { jobLineRule, SCRIPT_TAG } from '../syslog/jobLines.js';
import { rotationLimit, type Rotated } from '../common/rotation.js';
import type { ScriptRunsLookup } from '../joblog/scriptRunsLookup.js';
import { lastFinishAfter } from '../joblog/wrapperEvents.js';
import { processOwners, processView, rebootLockHeld, scriptRunning } from '../common/processes.js';
import { chooseLogOnce, logLabel, verifiedSenders, type LogOptions } from '../logsource/choose.js';
import { otherBootOf } from '../joblog/boot.js';
import { senderFilter } from '../logsource/senders.js';
import type { ScanOptions } from '../logsource/types.js';
import type { LogProblem } from '../log/line.js';
import { previousScheduledRun } from '../cron/schedule.js';
import { judgedRun, syslogOnlyIsPrimary } from './judgedRun.js';
import { jobRunning } from './observedRun.js';
import type { CheckFacts } from './types.js';

export interface GatherOptions extends LogOptions {
  job: string;
  stateDir: string;
  syslog: string;
  rotated: Rotated;
  bootIdFile: string;
  rebootLockDir: string;
  cfgName?: string | undefined;
  schedule?: string | undefined;
  /** What is known of the job's user (--user, the crontab's owner): whose markers to trust. */
  trust?: TrustHints | undefined;
  /** The job's crontab line, when the caller read the crontab. */
  cron?: CronJob | null | undefined;
  deadline: number;
  /** Host-wide views judge many jobs at once and skip the per-run evidence search in syslog. */
  skipEvidence?: boolean;
  /** One scan of syslog for every job of a host-wide view, asked for this job's last script run. */
  scriptRuns?: ScriptRunsLookup | undefined;
  /** The host-wide view's reads shared by its jobs (hostReads.ts); a single check makes its own. */
  host?: HostReads | undefined;
  /** Whether a run's processes live: the real probe unless a test slows or steers it. */
  probe?: (p: RunProcesses, currentBootId: string | null) => RunLiveness;
}

const REBOOT_LOCK_PREFIX = 'reboot_lock-';

// Host-wide facts read once per process: check_env_sync_all and env-sync status gather 500 jobs.
const bootIds = new Map<string, string | null>();

/**
 * The state as it would be had the runs whose end could not be written been recorded: an older
 * success must never stand in for a newer run (issue 25, finding 8). Runs already in the state, or
 * older than its last run, change nothing.
 */
export function withUnrecorded(job: string, st: JobState | null, unrecorded: readonly UnrecordedRun[], now: Date): JobState | null {
  let next = st;
  for (const u of [...unrecorded].sort((a, b) => (a.run.start < b.run.start ? -1 : 1))) {
    if (next?.history.some((h) => h.runId === u.run.runId)) continue;
    if (next?.last && next.last.start > u.run.start) continue;
    next = applyRun(next ?? emptyJobState(job), u.run, now);
  }
  return next;
}

/** `onStage` is told each stage as it starts (a plugin's timer says where it was when time ran out). */
export async function gather(o: GatherOptions, now: Date, onStage: (stage: string) => void = () => undefined): Promise<CheckFacts> {
  onStage(`reading markers in ${o.stateDir}`);
  const host = o.host ?? hostReads();
  const trust = jobTrust(o.stateDir, o.job, o.trust, host.dirStat);
  // Read when a run in progress or a run from syslog asks, not by every check of a finished run.
  const bootId = () => {
    if (!bootIds.has(o.bootIdFile)) bootIds.set(o.bootIdFile, readBootId(o.bootIdFile));
    return bootIds.get(o.bootIdFile)!;
  };
  const probe = o.probe ?? runLiveness;
  // Running markers before the state: a run ending in between is then seen in the state (it records
  // its end before removing its running marker), never missed by both reads.
  let unrecorded: UnrecordedRun[] = [];
  const listing: string[] = [];
  const runningMarkers = readRunningMarkers(o.stateDir, o.job, trust, host.dirStat, undefined, unrecorded, listing);
  let jobState = readJobState(o.stateDir, o.job, trust, true);
  let running = runningMarkers.map((marker) => ({
    marker,
    liveness: probe(
      {
        pid: marker.wrapperPid,
        startTicks: marker.wrapperStartTicks,
        bootId: marker.bootId,
        childPid: marker.childPid,
        childStartTicks: marker.childStartTicks,
      },
      bootId(),
    ),
  }));
  // A run that ended between reading its running marker and probing its pid looks dead. The wrapper
  // records the end before it removes the running marker, so a marker gone since means a recorded
  // end: read the state again rather than call the run dead.
  const ended = running.filter((r) => r.liveness === 'dead' && !existsSync(runningPath(o.stateDir, o.job, r.marker.runId)));
  if (ended.length) {
    jobState = readJobState(o.stateDir, o.job, trust);
    running = running.filter((r) => !ended.includes(r));
    // Or it could not record its end and renamed its marker to say how it ended: read those again.
    unrecorded = [];
    readRunningMarkers(o.stateDir, o.job, trust, host.dirStat, undefined, unrecorded);
  }
  running = running.filter((r) => !unrecorded.some((u) => u.run.runId === r.marker.runId));
  jobState = withUnrecorded(o.job, jobState, unrecorded, now);
  const pause = readPauses(o.stateDir, o.job, trust, now, () => host.pauseAll(o.stateDir, trust), listing);

  let inventory: CheckFacts['inventory'] = null;
  let inventoryProblem: string | null = null;
  try {
    inventory = host.inventory(o.stateDir, trust)?.jobs.find((j) => j.job === o.job) ?? null;
  } catch (err) {
    if (!(err instanceof MarkerError)) throw err;
    inventoryProblem = err.message;
  }
  // A job whose cron line does not go through env-sync-run: its runs are in syslog only, whatever
  // markers a wrapped re-run by hand left.
  const unwrapped = o.cron ? !o.cron.wrapped : inventory ? !inventory.wrapped : false;

  // The job's own with_reboot_lock file, else the one file older with_reboot_lock versions shared
  // between all jobs (`reboot_lock`, and before it `govuk_env_sync`: FIELD-NOTES).
  let rebootLock: CheckFacts['rebootLock'] = null;
  for (const [name, shared] of [
    [`${REBOOT_LOCK_PREFIX}env-sync_${o.job}`, false],
    ['reboot_lock', true],
    ['govuk_env_sync', true],
  ] as const) {
    const st = host.lockFile(o.rebootLockDir, name, shared);
    if (st) {
      const lockPath = join(o.rebootLockDir, name);
      // The job's own file is in use only while a with_reboot_lock names it: a file left behind by a
      // killed one must not pass for a run in progress. The shared file names no job to look for.
      const view = shared ? null : processView();
      const held = view === null ? null : view.hidden ? null : rebootLockHeld(view, name.slice(REBOOT_LOCK_PREFIX.length), processOwners(trust.user?.uid));
      rebootLock = { path: lockPath, ageSeconds: Math.max(0, (now.getTime() - st.mtimeMs) / 1000), shared, held, hidden: view?.hidden ?? null };
      break;
    }
  }

  const { rotated, auto } = rotationLimit(o.rotated);
  const source = chooseLogOnce(o);
  const label = logLabel(source, o.syslog);
  const senders = senderFilter(trust);
  const scan: ScanOptions = { syslog: o.syslog, rotated, now, deadline: o.deadline, onFile: (path) => onStage(`reading ${path}`), source, senders };
  let evidence: CheckFacts['evidence'] = null;
  let syslogOnly: CheckFacts['syslogOnly'] = null;
  let syslogProblems: LogProblem[] = [];
  onStage(`reading ${label}`);

  if ((!jobState && running.length === 0) || unwrapped) {
    const found = o.scriptRuns ? await o.scriptRuns(o.job, o.cfgName) : await findLastSyslogOnlyRun(scan, o.job, o.cfgName, auto);
    syslogProblems = found.problems;
    let live: boolean | null = null;
    let hidden: string | null = null;
    if (found.run?.outcome === 'running') {
      // `Starting` with no end: still running only while a govuk_env_sync.sh runs its cfg. The script
      // has plain `exit 1` paths that log nothing, and without this such a run is "running" for ever.
      onStage("looking for the job's process");
      const view = processView();
      hidden = view.hidden;
      live = hidden ? null : scriptRunning(view, SCRIPT_TAG, jobLineRule(o.job, o.cfgName).cfgNeedle, processOwners(trust.user?.uid));
    }
    const primary = syslogOnlyIsPrimary(jobState, running, found.run, unwrapped);
    syslogOnly = { run: found.run, lastSuccessEnd: found.lastSuccessEnd, live, hidden, primary, otherBoot: otherBootOf(found.run, bootId()) };
  }

  // No record of it anywhere: perhaps a typo (`-j pull_contnet_…`). The names near it, for the fix;
  // the state stays what --missing says.
  let nearNames: string[] = [];
  if (!jobState && running.length === 0 && !syslogOnly?.run && !o.cron && !inventory && !o.scriptRuns) {
    let known: string[] = listJobs(o.stateDir);
    try {
      known = [...known, ...(host.inventory(o.stateDir, trust)?.jobs.map((j) => j.job) ?? [])];
    } catch {
      /* an unreadable inventory is said elsewhere */
    }
    nearNames = nearestNames(o.job, [...new Set(known)]);
  }

  const judged = syslogOnly?.primary ? null : judgedRun(jobState, running);
  // A run that succeeded needs no explaining: its output tail in the marker is evidence enough, and the
  // check (every minute, all day) then costs the same whatever the size of the log.
  const settled = judged && judged.outcome === 'success' && !jobRunning({ running, syslogOnly });
  if (judged && !o.skipEvidence && !settled) {
    // The run's wrapper's own lines count from the journal whatever uid they carry (SenderFilter.pids).
    evidence = await collectRunEvidence(
      { ...scan, senders: { ...senders, pids: [judged.wrapperPid] } },
      {
        job: o.job,
        runId: judged.runId,
        wrapperPid: judged.wrapperPid,
        start: new Date(judged.start),
        end: judged.end ? new Date(judged.end) : null,
        cfgName: o.cfgName,
      },
    );
    syslogProblems = [...syslogProblems, ...evidence.problems];
  }

  // A job directory the job's user cannot write (left root's by a run by hand as root): later runs
  // were not recorded, and only the wrapper's syslog lines say what they did.
  let staleMarkers: CheckFacts['staleMarkers'] = null;
  const unwritable = jobState?.last ? jobDirNotWritable(o.stateDir, o.job, trust.user, host.dirStat) : null;
  if (unwritable && jobState?.last) {
    onStage(`reading ${label} for runs the markers missed`);
    const later = await lastFinishAfter(scan, o.job, new Date(jobState.last.end ?? jobState.last.start));
    syslogProblems = [...syslogProblems, ...later.problems];
    staleMarkers = { ...unwritable, later: later.event };
  }

  let previousScheduled: Date | null = null;
  if (o.schedule) {
    onStage('computing the schedule');
    previousScheduled = await previousScheduledRun(o.schedule, now);
  }
  const stateDirProblem = host.missingStateDir(o.stateDir, trust.user?.name);
  const log = {
    source,
    label,
    verifiedSenders: verifiedSenders(source),
    ignored: [...senders.ignored].map(([uid, lines]) => ({ uid, lines })),
    trustedUids: senders.uids,
  };
  const unrecordedFacts = unrecorded.map((u) => ({ runId: u.run.runId, path: join(jobDir(o.stateDir, o.job), u.file), cause: causeWords(u.cause) }));
  return {
    ...(unrecordedFacts.length ? { unrecorded: unrecordedFacts } : {}),
    ...(nearNames.length ? { nearNames } : {}),
    ...(pause ? { pause } : {}),
    jobState,
    running,
    rebootLock,
    evidence,
    syslogOnly,
    syslogProblems,
    previousScheduled,
    trust,
    cron: o.cron ?? null,
    inventory,
    inventoryProblem,
    stateDirProblem,
    unwrapped,
    staleMarkers,
    log,
  };
}
