import { chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { currentUser } from '../common/host.js';
import { nameOf } from '../common/users.js';
import { missingStateDir } from './stateDir.js';
import { assertRealDirectory, giveAway, UnsafePathError, writeFileAtomic } from './atomicWrite.js';
import { acquireBlocking, release } from './lock.js';
import { jobDir, runningPath, stateLockPath, statePath } from './paths.js';
import { MarkerError, NewerSchemaError, readJobState } from './read.js';
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
  /** Says what the store did that someone should know of (a state file set aside). */
  warn?: (message: string) => void;
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
    seq: run.seq ?? null,
  };
}

/** The next record's sequence: past every number the state holds, whatever its `seq` says. */
function nextSeq(state: JobState): number {
  const held = [state.last, state.lastSuccess, state.lastSkipped, ...Object.values(state.parts), ...state.history].map((r) => r?.seq ?? 0);
  return Math.max(state.seq ?? 0, ...held) + 1;
}

/** The state after one more run ended: pure, so the rules are tested without files. */
export function applyRun(state: JobState, ended: Run, now: Date): JobState {
  // Numbered as it is recorded: the order of records is this, never the clock's (markers/sequence.ts).
  const run: Run = { ...ended, seq: nextSeq(state) };
  const outcome = run.outcome as Outcome;
  const next: JobState = {
    ...state,
    schema: MARKER_SCHEMA,
    updated: now.toISOString(),
    seq: run.seq!,
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

/** Keeps a state file this wrapper cannot use aside (nothing is lost), saying where. */
function setAside(ctx: StoreContext, why: string): void {
  const path = statePath(ctx.stateDir, ctx.job);
  const aside = `${path}.corrupt-${Date.now()}`;
  try {
    renameSync(path, aside);
    ctx.warn?.(`${why}; kept it aside as ${aside} and started a new state with this run`);
  } catch {
    /* unreadable and unmovable: overwritten below */
    ctx.warn?.(`${why}; it could not be moved aside, so it is replaced by a new state with this run`);
  }
}

/**
 * Reads the current state for an update. A corrupt state file is kept aside (nothing is lost) and the
 * job starts a fresh state, so one bad file does not stop every later run from being recorded. One of
 * a newer schema is not corrupt: a newer wrapper wrote it, and it is left alone (NewerSchemaError).
 */
function loadForUpdate(ctx: StoreContext): JobState {
  try {
    return readJobState(ctx.stateDir, ctx.job, null) ?? emptyJobState(ctx.job);
  } catch (err) {
    if (!(err instanceof MarkerError) || err instanceof NewerSchemaError) throw err;
    setAside(ctx, `${err.path} cannot be read (${err.problem})`);
    return emptyJobState(ctx.job);
  }
}

/** The state as written, or null when it cannot be serialised (a value nested too deep for JSON.stringify). */
function serialise(state: JobState): string | null {
  try {
    return `${JSON.stringify(state, null, 1)}\n`;
  } catch {
    return null;
  }
}

function saveState(ctx: StoreContext, text: string): void {
  writeFileAtomic(statePath(ctx.stateDir, ctx.job), text);
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
    let next = applyRun(loadForUpdate(ctx), run, now);
    let text = serialise(next);
    if (text === null) {
      // What was read cannot be written back: set it aside as a corrupt file is, or no run of the job
      // would ever be recorded again.
      setAside(ctx, `${statePath(ctx.stateDir, ctx.job)} holds a record that cannot be written back (nested too deep to serialise)`);
      next = applyRun(emptyJobState(ctx.job), run, now);
      text = serialise(next)!;
    }
    saveState(ctx, text);
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
