import { chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { currentUser } from '../common/host.js';
import { nameOf } from '../common/users.js';
import { missingStateDir } from './stateDir.js';
import { assertRealDirectory, giveAway, UnsafePathError, writeFileAtomic } from './atomicWrite.js';
import { acquireBlocking, release } from './lock.js';
import { jobDir, runningPath, stateLockPath, statePath } from './paths.js';
import { MarkerError, readJobState } from './read.js';
import {
  emptyJobState,
  FAILED_OUTCOMES,
  HISTORY_LIMIT,
  MARKER_SCHEMA,
  type HistoryEntry,
  type JobState,
  type LockRecord,
  type Outcome,
  type Run,
} from './types.js';

export interface StoreContext {
  stateDir: string;
  job: string;
  bootId: string | null;
  /** Identifies this process as the holder of short state locks. */
  holder: Omit<LockRecord, 'schema'>;
}

const STATE_LOCK_TIMEOUT_MS = 30_000;

function historyEntry(run: Run): HistoryEntry {
  return {
    runId: run.runId,
    part: run.part,
    start: run.start,
    end: run.end,
    durationSeconds: run.durationSeconds,
    outcome: run.outcome as Outcome,
    exitCode: run.exitCode,
  };
}

/** The state after one more run ended: pure, so the rules are tested without files. */
export function applyRun(state: JobState, run: Run, now: Date): JobState {
  const outcome = run.outcome as Outcome;
  const next: JobState = {
    ...state,
    schema: MARKER_SCHEMA,
    updated: now.toISOString(),
    history: [...state.history, historyEntry(run)].slice(-HISTORY_LIMIT),
    parts: { ...state.parts },
  };
  if (outcome === 'skipped-overlap') {
    next.lastSkipped = run;
    return next;
  }
  next.last = run;
  if (run.part) next.parts[run.part] = run;
  if (outcome === 'success') {
    next.lastSuccess = run;
    next.consecutiveFailures = 0;
  } else if (FAILED_OUTCOMES.has(outcome)) {
    next.consecutiveFailures = state.consecutiveFailures + 1;
  }
  return next;
}

/** Creates the job's directory (0755) inside an existing state directory; never creates the state directory. */
export function ensureJobDir(stateDir: string, job: string): string {
  try {
    assertRealDirectory(stateDir);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // The fix names who runs the wrapper, unless that is root (the job's user is then unknown here).
    if (e.code === 'ENOENT') throw new Error(missingStateDir(stateDir, process.getuid?.() === 0 ? undefined : currentUser()) ?? e.message);
    throw err;
  }
  const top = lstatSync(stateDir);
  if (top.mode & 0o022) throw new UnsafePathError(`state directory ${stateDir} is writable by ${top.mode & 0o002 ? 'everyone' : 'its group'}, so another user could plant markers in it (the checks refuse them): chmod go-w ${stateDir}`);
  const dir = jobDir(stateDir, job);
  try {
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      giveAway(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) throw new UnsafePathError(`${dir} is a symbolic link; markers are never written through links`);
    // Markers written where another user could change them would be refused by every check anyway.
    if (st.mode & 0o022) throw new UnsafePathError(`${dir} is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'}: chmod go-w ${dir} and check who changed it`);
    const me = process.getuid?.() ?? 0;
    if (me !== 0 && st.uid !== me) throw new UnsafePathError(`${dir} is owned by ${nameOf(st.uid)}, not by ${currentUser()}: the checks would not trust markers in it; chown ${currentUser()} ${dir} if the job is ${currentUser()}'s`);
  }
  return dir;
}

function withStateLock<T>(ctx: StoreContext, fn: () => T): T {
  ensureJobDir(ctx.stateDir, ctx.job);
  const path = stateLockPath(ctx.stateDir, ctx.job);
  acquireBlocking(path, ctx.holder, ctx.bootId, STATE_LOCK_TIMEOUT_MS);
  try {
    return fn();
  } finally {
    release(path, ctx.holder.runId);
  }
}

/**
 * Reads the current state for an update. A corrupt state file is kept aside (nothing is lost) and the
 * job starts a fresh state, so one bad file does not stop every later run from being recorded.
 */
function loadForUpdate(ctx: StoreContext): JobState {
  try {
    return readJobState(ctx.stateDir, ctx.job, null) ?? emptyJobState(ctx.job);
  } catch (err) {
    if (!(err instanceof MarkerError)) throw err;
    const path = statePath(ctx.stateDir, ctx.job);
    try {
      renameSync(path, `${path}.corrupt-${Date.now()}`);
    } catch {
      /* unreadable and unmovable: overwrite below */
    }
    return emptyJobState(ctx.job);
  }
}

function saveState(ctx: StoreContext, state: JobState): void {
  writeFileAtomic(statePath(ctx.stateDir, ctx.job), `${JSON.stringify(state, null, 1)}\n`);
}

export function writeRunning(ctx: StoreContext, run: Run): void {
  ensureJobDir(ctx.stateDir, ctx.job);
  writeFileAtomic(runningPath(ctx.stateDir, ctx.job, run.runId), `${JSON.stringify({ schema: MARKER_SCHEMA, ...run }, null, 1)}\n`);
}

function removeRunning(ctx: StoreContext, runId: string): void {
  try {
    unlinkSync(runningPath(ctx.stateDir, ctx.job, runId));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Records a run that ended (any outcome) and removes its running marker. */
export function recordRun(ctx: StoreContext, run: Run, now = new Date()): JobState {
  return withStateLock(ctx, () => {
    const next = applyRun(loadForUpdate(ctx), run, now);
    saveState(ctx, next);
    removeRunning(ctx, run.runId);
    return next;
  });
}

/**
 * Whom root's markers should belong to: the state directory's owner when that is another user (the
 * job's: an administrator made it with install -d -o govuk-backup), so that a run by hand as root
 * leaves nothing the job's cron runs cannot replace. Null when this process is not root, or the
 * directory is root's or missing.
 */
export function stateDirOwnerForRoot(stateDir: string): { uid: number; gid: number } | null {
  if ((process.getuid?.() ?? -1) !== 0) return null;
  try {
    const st = statSync(stateDir);
    return st.uid !== 0 ? { uid: st.uid, gid: st.gid } : null;
  } catch {
    return null;
  }
}
