// `env-sync pause JOB|--all --until WHEN --reason TEXT` and `env-sync resume JOB|--all`: a pause file
// in the state directory (markers/pause.ts) that env-sync-run obeys and every view shows, and, with
// the --icinga-* options, a downtime of the job's Icinga services for as long as the pause lasts.
import { currentHost, currentUser } from '../common/host.js';
import { formatDuration } from '../common/duration.js';
import type { IcingaOptionId, Values } from '../common/options.js';
import { duration } from '../common/timeWords.js';
import { whenAt } from '../common/when.js';
import { pausedBy, pausedWords } from '../check/rules/pause.js';
import type { ApiTarget } from '../icinga/passiveResult.js';
import { icingaConfig, type IcingaPostConfig } from '../icinga/postOptions.js';
import { createFilesAs } from '../markers/atomicWrite.js';
import { MarkerError } from '../markers/errors.js';
import { activePause, MAX_REASON_BYTES, PAUSE_SCHEMA, pausePath, readPause, removePause, writePause, type Pause } from '../markers/pause.js';
import { listJobs } from '../markers/read.js';
import { missingStateDir } from '../markers/stateDir.js';
import { stateDirOwnerForRoot } from '../markers/store.js';
import { hintsFor, jobTrust, type JobTrust } from '../markers/trust.js';
import type { TextOut } from '../output/writeAll.js';
import { oneLine, visibleText } from '../output/sanitize.js';
import { redactText } from '../common/redact.js';
import { CliError } from './hostOptions.js';
import { UsageError } from './usage.js';

export const UNTIL_REQUIRED = '--until WHEN is required: a pause always ends (a duration such as 2d, or a date and time such as 2026-12-10 14:00)';

/** A new pause by this process's user: the person's words made one line, secrets redacted. */
export function newPause(job: string | null, since: Date, until: Date, reason: string, env: NodeJS.ProcessEnv = process.env): Pause {
  const root = (process.getuid?.() ?? -1) === 0;
  const sudo = root && env.SUDO_USER && env.SUDO_USER !== 'root' ? oneLine(env.SUDO_USER, 64) : null;
  return {
    schema: PAUSE_SCHEMA,
    job,
    by: currentUser(),
    sudoUser: sudo || null,
    since: since.toISOString(),
    until: until.toISOString(),
    reason: oneLine(redactText(reason), MAX_REASON_BYTES),
    downtimes: [],
  };
}

/** How long a pause's Icinga calls may take, each (a person waits). */
const ICINGA_DEADLINE_MS = 20_000;

/** JOB, or null for --all: exactly one of them. */
function target(job: string | undefined, all: boolean, command: 'pause' | 'resume'): string | null {
  if (job !== undefined && all) throw new UsageError(`give a JOB or --all, not both: env-sync ${command} JOB, or env-sync ${command} --all`);
  if (job === undefined && !all)
    throw new UsageError(
      `give the job to ${command}, or --all: env-sync ${command} JOB${command === 'pause' ? " --until 2d --reason 'why'" : ''} (env-sync status lists the jobs)`,
    );
  return job ?? null;
}

const what = (job: string | null) => (job === null ? 'every job' : job);

/** Only root and the job's user change a job's pause: the files say so too (the job's directory is its user's). */
function mayChange(stateDir: string, job: string | null, user: string | undefined, command: 'pause' | 'resume'): JobTrust {
  const missing = missingStateDir(stateDir, user);
  if (missing) throw new CliError(missing);
  const trust = jobTrust(stateDir, job, hintsFor(user));
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0 && uid !== trust.user?.uid) {
    const owner = trust.user ? `the job's user ${trust.user.name} (${trust.source})` : 'the job’s user (unknown here: give --user USER)';
    const as = trust.user ? `, or as ${trust.user.name}` : '';
    throw new CliError(
      `only root or ${owner} may ${command} ${what(job)}; you are ${currentUser()}: run it with sudo${as} (sudo -u ${trust.user?.name ?? 'USER'} env-sync ${command} …)`,
    );
  }
  // Root writes as the state directory's owner, as the wrapper does, so the job's user can resume it.
  createFilesAs(stateDirOwnerForRoot(stateDir));
  return trust;
}

type IcingaValues = Pick<Values<'env-sync pause'>, IcingaOptionId>;

function icinga(a: IcingaValues): (IcingaPostConfig & ApiTarget) | null {
  const cfg = icingaConfig(a);
  if (cfg instanceof Error) throw new UsageError(cfg.message);
  return cfg ? { ...cfg, deadlineMs: ICINGA_DEADLINE_MS } : null;
}

async function removeDowntimesOf(cfg: ApiTarget | null, pauses: readonly Pause[], err: TextOut): Promise<void> {
  const names = pauses.flatMap((p) => p.downtimes);
  if (names.length === 0) return;
  if (!cfg) {
    err.write(`env-sync: its Icinga downtime stays until it ends by itself (${names.join(', ')}): give the --icinga-* options to remove it now\n`);
    return;
  }
  const { removeDowntimes } = await import('../icinga/downtime.js');
  const removed = await removeDowntimes(cfg, names);
  for (const w of removed.warnings) err.write(`env-sync: ${visibleText(w)}\n`);
  err.write(`env-sync: ${visibleText(removed.ok ? `Icinga: ${removed.message}` : `WARNING: ${removed.message}`)}\n`);
}

/** Reads a pause to be replaced or removed; one not believed (another user's) is removed all the same, its downtimes unknown. */
function existing(stateDir: string, job: string | null, trust: JobTrust): Pause | null {
  try {
    return readPause(stateDir, job, trust);
  } catch (e) {
    if (e instanceof MarkerError) return null;
    throw e;
  }
}

function writeError(stateDir: string, job: string | null, e: unknown): CliError {
  return new CliError(`cannot write ${pausePath(stateDir, job)}: ${(e as Error).message}; run as root or as the job's user`);
}

export async function pause(job: string | undefined, a: Values<'env-sync pause'>, out: TextOut, err: TextOut, now = new Date()): Promise<number> {
  const which = target(job, a.all, 'pause');
  if (!a.until) throw new UsageError(UNTIL_REQUIRED);
  const until = whenAt(a.until, now);
  const seconds = (until.getTime() - now.getTime()) / 1000;
  if (seconds <= 0) throw new UsageError(`--until ${a.until.text} is in the past (${until.toISOString()}): give a later time, or a duration such as 2d`);
  if (seconds > a.maxPause)
    throw new UsageError(
      `--until ${a.until.text} is ${duration(seconds)} away, over --max-pause ${formatDuration(a.maxPause)}: a pause must end; give a nearer --until (or a larger --max-pause)`,
    );
  const cfg = icinga(a);
  const trust = mayChange(a.stateDir, which, a.user, 'pause');
  const before = existing(a.stateDir, which, trust);
  const p = newPause(which, now, until, a.reason);
  try {
    writePause(a.stateDir, p);
  } catch (e) {
    throw writeError(a.stateDir, which, e);
  }
  out.write(`${which === null ? '' : `${which} `}${visibleText(pausedWords(p, now))}\n`);
  out.write(`env-sync-run records its starts as paused and does not run the sync; env-sync resume ${which ?? '--all'} ends it sooner.\n`);
  if (cfg) {
    const { scheduleDowntimes } = await import('../icinga/downtime.js');
    const host = cfg.host ?? currentHost();
    const targets = which === null ? [{ host, servicePattern: 'env-sync *' }] : [{ host, service: cfg.service ?? `env-sync ${which}` }];
    const made = await scheduleDowntimes(cfg, targets, { start: now, end: until, author: pausedBy(p), comment: `env-sync pause: ${p.reason}` });
    for (const w of made.warnings) err.write(`env-sync: ${visibleText(w)}\n`);
    if (made.names.length) {
      try {
        writePause(a.stateDir, { ...p, downtimes: made.names });
      } catch (e) {
        err.write(`env-sync: WARNING: ${visibleText(writeError(a.stateDir, which, e).message)}: env-sync resume cannot remove the downtime\n`);
      }
    }
    err.write(`env-sync: ${visibleText(made.ok ? `Icinga: ${made.message}` : `WARNING: the job is paused, but ${made.message}`)}\n`);
    if (before) await removeDowntimesOf(cfg, [before], err);
  }
  return 0;
}

export async function resume(job: string | undefined, a: Values<'env-sync resume'>, out: TextOut, err: TextOut, now = new Date()): Promise<number> {
  const which = target(job, a.all, 'resume');
  const cfg = icinga(a);
  const trust = mayChange(a.stateDir, which, a.user, 'resume');
  // --all ends every pause: the one of all jobs and each job's own.
  const jobs: Array<string | null> = which === null ? [null, ...listJobs(a.stateDir)] : [which];
  const ended: Pause[] = [];
  const removed: string[] = [];
  for (const j of jobs) {
    const p = existing(a.stateDir, j, j === null ? trust : jobTrust(a.stateDir, j, hintsFor(a.user)));
    let gone: boolean;
    try {
      gone = removePause(a.stateDir, j);
    } catch (e) {
      throw new CliError(`cannot remove ${pausePath(a.stateDir, j)}: ${(e as Error).message}; run as root or as the job's user`);
    }
    if (!gone) continue;
    removed.push(what(j));
    if (p) ended.push(p);
  }
  if (removed.length === 0) out.write(`${what(which)}: not paused; nothing to resume\n`);
  else out.write(`resumed ${removed.join(', ')}: the next start runs the sync\n`);
  if (which !== null) {
    const all = activePause([existing(a.stateDir, null, trust)], now);
    if (all) out.write(`${which} is still ${visibleText(pausedWords(all, now))}: env-sync resume --all ends that\n`);
  }
  await removeDowntimesOf(cfg, ended, err);
  return 0;
}
