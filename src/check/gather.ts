// All the I/O of a check: markers, process liveness, the reboot lock file, syslog, the schedule.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { processLiveness, readBootId } from '../common/host.js';
import { readJobState, readRunningMarkers } from '../markers/read.js';
import { jobTrust, type TrustHints } from '../markers/trust.js';
import { MarkerError } from '../markers/errors.js';
import { readInventory } from '../cron/inventory.js';
import type { CronJob } from '../cron/crontab.js';
import { collectRunEvidence, findLastSyslogOnlyRun } from '../syslog/jobQueries.js';
import { chooseLog, logLabel, verifiedSenders, type LogOptions } from '../logsource/choose.js';
import { otherBootOf } from '../logsource/boot.js';
import { senderFilter } from '../logsource/senders.js';
import type { LogSource } from '../logsource/types.js';
import type { ScanOptions, SyslogProblem } from '../syslog/types.js';
import { previousScheduledRun } from '../cron/schedule.js';
import type { CheckFacts } from './types.js';

export interface GatherOptions extends LogOptions {
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
}

// Host-wide facts read once per process: check_env_sync_all and env-sync status gather 500 jobs.
const bootIds = new Map<string, string | null>();
const sharedLocks = new Map<string, { mtimeMs: number } | null>();
const logSources = new Map<string, LogSource>();

function logSourceOnce(o: LogOptions): LogSource {
  const key = JSON.stringify([o.log, o.syslog, o.journalNamespace, o.journalFile]);
  if (!logSources.has(key)) logSources.set(key, chooseLog(o));
  return logSources.get(key)!;
}

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
  const jobState = readJobState(o.stateDir, o.job, trust);
  if (!bootIds.has(o.bootIdFile)) bootIds.set(o.bootIdFile, readBootId(o.bootIdFile));
  const bootId = bootIds.get(o.bootIdFile)!;
  const running = readRunningMarkers(o.stateDir, o.job, trust).map((marker) => ({
    marker,
    liveness: processLiveness(marker.wrapperPid, marker.wrapperStartTicks, marker.bootId, bootId),
  }));

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

  const source = logSourceOnce(o);
  const label = logLabel(source, o.syslog);
  const senders = senderFilter(trust);
  const scan: ScanOptions = { syslog: o.syslog, rotated: o.rotated, now, deadline: o.deadline, onFile: (path) => o.onStage(`reading ${path}`), source, senders };
  let evidence: CheckFacts['evidence'] = null;
  let syslogOnly: CheckFacts['syslogOnly'] = null;
  let syslogProblems: SyslogProblem[] = [];
  const judged = running.find((r) => r.liveness === 'alive')?.marker ?? jobState?.last ?? running[0]?.marker ?? null;
  o.onStage(`reading ${label}`);
  // A run that succeeded needs no explaining: its output tail in the marker is evidence enough, and the
  // check (every minute, all day) then costs the same whatever the size of the log.
  const settled = judged && judged.outcome === 'success' && !running.some((r) => r.liveness === 'alive');
  if (judged && (o.skipEvidence || settled)) {
    evidence = null;
  } else if (judged) {
    evidence = await collectRunEvidence(scan, { job: o.job, runId: judged.runId, start: new Date(judged.start), end: judged.end ? new Date(judged.end) : null, cfgName: o.cfgName });
    syslogProblems = evidence.problems;
  } else if (!jobState) {
    const found = await findLastSyslogOnlyRun(scan, o.job, o.cfgName);
    syslogOnly = { run: found.run, lastSuccessEnd: found.lastSuccessEnd, otherBoot: otherBootOf(found.run, bootId) };
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
  const log = { source, label, verifiedSenders: verifiedSenders(source), ignored: [...senders.ignored].map(([uid, lines]) => ({ uid, lines })), trustedUids: senders.uids };
  return { jobState, running, rebootLock, evidence, syslogOnly, syslogProblems, previousScheduled, trust, cron: o.cron ?? null, inventory, inventoryProblem, log };
}
