// All the I/O of a check: markers, process liveness, the reboot lock file, syslog, the schedule.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readBootId, runLiveness, stillRunning, type RunLiveness, type RunProcesses } from '../common/host.js';
import { readJobState, readRunningMarkers } from '../markers/read.js';
import { jobTrust, type TrustHints } from '../markers/trust.js';
import { MarkerError } from '../markers/errors.js';
import { runningPath } from '../markers/paths.js';
import { readInventory } from '../cron/inventory.js';
import type { CronJob } from '../cron/crontab.js';
import { collectRunEvidence, findLastSyslogOnlyRun } from '../syslog/jobQueries.js';
import type { ScanOptions, SyslogProblem } from '../syslog/types.js';
import { previousScheduledRun } from '../cron/schedule.js';
import { judgedRun } from './judgedRun.js';
import type { CheckFacts } from './types.js';

export interface GatherOptions {
  job: string;
  stateDir: string;
  syslog: string;
  rotated: number;
  bootIdFile: string;
  rebootLockDir: string;
  cfgName?: string | undefined;
  schedule?: string | undefined;
  /** What is known of the job's user (--user, the crontab's owner): whose markers to trust. */
  trust?: TrustHints | undefined;
  /** The job's crontab line, when the caller read the crontab. */
  cron?: CronJob | null | undefined;
  deadline: number;
  onStage: (stage: string) => void;
  /** Host-wide views judge many jobs at once and skip the per-run evidence search in syslog. */
  skipEvidence?: boolean;
  /** Whether a run's processes live: the real probe unless a test slows or steers it. */
  probe?: (p: RunProcesses, currentBootId: string | null) => RunLiveness;
}

// Host-wide facts read once per process: check_env_sync_all and env-sync status gather 500 jobs.
const bootIds = new Map<string, string | null>();
const sharedLocks = new Map<string, { mtimeMs: number } | null>();

// The usual answer is "no such file", and a thrown ENOENT (an Error with its stack) costs more than
// the stat itself: 500 jobs, 500 of them.
function statOrNull(path: string): { mtimeMs: number } | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null; // unreadable directory, not a directory: no lock file we can see
  }
}

function statOnce(path: string): { mtimeMs: number } | null {
  if (!sharedLocks.has(path)) sharedLocks.set(path, statOrNull(path));
  return sharedLocks.get(path)!;
}

export async function gather(o: GatherOptions, now: Date): Promise<CheckFacts> {
  o.onStage(`reading markers in ${o.stateDir}`);
  const trust = jobTrust(o.stateDir, o.job, o.trust);
  if (!bootIds.has(o.bootIdFile)) bootIds.set(o.bootIdFile, readBootId(o.bootIdFile));
  const bootId = bootIds.get(o.bootIdFile)!;
  const probe = o.probe ?? runLiveness;
  // Running markers before the state: a run ending in between is then seen in the state (it records
  // its end before removing its running marker), never missed by both reads.
  const runningMarkers = readRunningMarkers(o.stateDir, o.job, trust);
  let jobState = readJobState(o.stateDir, o.job, trust);
  let running = runningMarkers.map((marker) => ({
    marker,
    liveness: probe({ pid: marker.wrapperPid, startTicks: marker.wrapperStartTicks, bootId: marker.bootId, childPid: marker.childPid, childStartTicks: marker.childStartTicks }, bootId),
  }));
  // A run that ended between reading its running marker and probing its pid looks dead. The wrapper
  // records the end before it removes the running marker, so a marker gone since means a recorded
  // end: read the state again rather than call the run dead.
  const ended = running.filter((r) => r.liveness === 'dead' && !existsSync(runningPath(o.stateDir, o.job, r.marker.runId)));
  if (ended.length) {
    jobState = readJobState(o.stateDir, o.job, trust);
    running = running.filter((r) => !ended.includes(r));
  }

  // The job's own with_reboot_lock file, else the one file older with_reboot_lock versions shared
  // between all jobs (`reboot_lock`, and before it `govuk_env_sync`: FIELD-NOTES).
  let rebootLock: CheckFacts['rebootLock'] = null;
  for (const [name, shared] of [[`reboot_lock-env-sync_${o.job}`, false], ['reboot_lock', true], ['govuk_env_sync', true]] as const) {
    const lockPath = join(o.rebootLockDir, name);
    const st = shared ? statOnce(lockPath) : statOrNull(lockPath);
    if (st) {
      rebootLock = { path: lockPath, ageSeconds: Math.max(0, (now.getTime() - st.mtimeMs) / 1000), shared };
      break;
    }
  }

  const scan: ScanOptions = { syslog: o.syslog, rotated: o.rotated, now, deadline: o.deadline, onFile: (path) => o.onStage(`reading ${path}`) };
  let evidence: CheckFacts['evidence'] = null;
  let syslogOnly: CheckFacts['syslogOnly'] = null;
  let syslogProblems: SyslogProblem[] = [];
  const judged = judgedRun(jobState, running);
  o.onStage(`reading ${o.syslog}`);
  // A run that succeeded needs no explaining: its output tail in the marker is evidence enough, and the
  // check (every minute, all day) then costs the same whatever the size of the log.
  const settled = judged && judged.outcome === 'success' && !running.some((r) => stillRunning(r.liveness));
  if (judged && (o.skipEvidence || settled)) {
    evidence = null;
  } else if (judged) {
    evidence = await collectRunEvidence(scan, { job: o.job, runId: judged.runId, start: new Date(judged.start), end: judged.end ? new Date(judged.end) : null, cfgName: o.cfgName });
    syslogProblems = evidence.problems;
  } else if (!jobState) {
    const found = await findLastSyslogOnlyRun(scan, o.job, o.cfgName);
    syslogOnly = { run: found.run, lastSuccessEnd: found.lastSuccessEnd };
    syslogProblems = found.problems;
  }

  let previousScheduled: Date | null = null;
  if (o.schedule) {
    o.onStage('computing the schedule');
    previousScheduled = await previousScheduledRun(o.schedule, now);
  }
  let inventory: CheckFacts['inventory'] = null;
  let inventoryProblem: string | null = null;
  try {
    inventory = readInventory(o.stateDir, trust)?.jobs.find((j) => j.job === o.job) ?? null;
  } catch (err) {
    if (!(err instanceof MarkerError)) throw err;
    inventoryProblem = err.message;
  }
  return { jobState, running, rebootLock, evidence, syslogOnly, syslogProblems, previousScheduled, trust, cron: o.cron ?? null, inventory, inventoryProblem };
}
