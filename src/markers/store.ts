import { closeSync, constants, fchmodSync, futimesSync, statSync } from 'node:fs';
import { currentUser } from '../common/host.js';
import { validateName } from '../common/jobName.js';
import { testPause } from '../common/testPause.js';
import { nameOf } from '../common/users.js';
import { missingStateDir } from './stateDir.js';
import { giveAway, openMarkerDir, UnsafePathError, writeFileAtomicIn } from './atomicWrite.js';
import { inDir, type DirHandle } from './dirFd.js';
import { acquireBlockingIn, releaseIn } from './lock.js';
import { jobDir, runningFileName, STATE_FILE, STATE_LOCK_FILE, unrecordedFileName } from './paths.js';
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
    outputBytes: run.output.bytes,
  };
}

/** The next record's sequence: past every number the state holds, whatever its `seq` says. */
function nextSeq(state: JobState): number {
  const held = [state.last, state.lastSuccess, state.lastSkipped, state.lastPaused, ...Object.values(state.parts), ...state.history].map((r) => r?.seq ?? 0);
  return Math.max(state.seq ?? 0, ...held) + 1;
}

/** The state after one more run ended: pure, so the rules are tested without files. */
export function applyRun(state: JobState, ended: Run, now: Date): JobState {
  // Numbered as it is recorded: the order of records is this, never the clock's (markers/sequence.ts).
  const run: Run = { ...ended, seq: nextSeq(state) };
  const outcome = run.outcome as Outcome;
  // Not in the history: see `paused` in types.ts (readers before it would call the state corrupt).
  if (outcome === 'paused') return { ...state, schema: MARKER_SCHEMA, updated: now.toISOString(), seq: run.seq!, lastPaused: run };
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
  openJobDir(stateDir, job).close();
  return jobDir(stateDir, job);
}

/**
 * The job's directory, open, made (0755, the state directory's owner's when root makes it) if it
 * is missing. Everything is done on descriptors (dirFd.ts): the state directory is the job's user's,
 * who could otherwise swap the new directory for a link between its mkdir and its chmod (issue 25).
 */
export function openJobDir(stateDir: string, job: string): DirHandle {
  let top: DirHandle;
  try {
    top = openMarkerDir(stateDir);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // The fix names who runs the wrapper, unless that is root (the job's user is then unknown here).
    if (e.code === 'ENOENT') throw new Error(missingStateDir(stateDir, process.getuid?.() === 0 ? undefined : currentUser()) ?? e.message);
    throw err;
  }
  return inDir(top, () => {
    const topMode = top.stat().mode;
    if (topMode & 0o022)
      throw new UnsafePathError(
        `state directory ${stateDir} is writable by ${topMode & 0o002 ? 'everyone' : 'its group'}, so another user could plant markers in it (the checks refuse them): chmod go-w ${stateDir}`,
      );
    const name = validateName(job);
    const dir = top.shown(name);
    let made = true;
    try {
      top.mkdir(name, 0o755);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      made = false;
    }
    if (made) testPause('job-dir-made');
    let d: DirHandle;
    try {
      d = top.sub(name);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ELOOP' || (e.code === 'ENOTDIR' && top.lstat(name)?.isSymbolicLink()))
        throw new UnsafePathError(`${dir} is a symbolic link; markers are never written through links`);
      if (e.code === 'ENOTDIR') throw new UnsafePathError(`${dir} is not a directory`);
      throw err;
    }
    try {
      const st = d.stat();
      const me = process.getuid?.() ?? 0;
      if (made && st.uid === me) {
        // Ours, just made: its mode regardless of the umask, and its owner the state directory's.
        fchmodSync(d.fd, 0o755);
        giveAway(d.fd);
      } else {
        // Markers written where another user could change them would be refused by every check anyway.
        if (st.mode & 0o022)
          throw new UnsafePathError(`${dir} is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'}: chmod go-w ${dir} and check who changed it`);
        if (me !== 0 && st.uid !== me)
          throw new UnsafePathError(
            `${dir} is owned by ${nameOf(st.uid)}, not by ${currentUser()}: the checks would not trust markers in it; chown ${currentUser()} ${dir} if the job is ${currentUser()}'s`,
          );
      }
      return d;
    } catch (err) {
      d.close();
      throw err;
    }
  });
}

function withStateLock<T>(ctx: StoreContext, fn: (d: DirHandle) => T): T {
  return inDir(openJobDir(ctx.stateDir, ctx.job), (d) => {
    acquireBlockingIn(d, STATE_LOCK_FILE, ctx.holder, ctx.bootId, STATE_LOCK_TIMEOUT_MS);
    try {
      return fn(d);
    } finally {
      releaseIn(d, STATE_LOCK_FILE, ctx.holder.runId);
    }
  });
}

/** Keeps a state file this wrapper cannot use aside (nothing is lost), saying where; by descriptor, as every write here. */
function setAside(ctx: StoreContext, d: DirHandle, why: string): void {
  const aside = `${STATE_FILE}.corrupt-${Date.now()}`;
  try {
    d.rename(STATE_FILE, aside);
    ctx.warn?.(`${why}; kept it aside as ${d.shown(aside)} and started a new state with this run`);
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
function loadForUpdate(ctx: StoreContext, d: DirHandle): JobState {
  try {
    return readJobState(ctx.stateDir, ctx.job, null) ?? emptyJobState(ctx.job);
  } catch (err) {
    if (!(err instanceof MarkerError) || err instanceof NewerSchemaError) throw err;
    setAside(ctx, d, `${err.path} cannot be read (${err.problem})`);
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

export function writeRunning(ctx: StoreContext, run: Run): void {
  inDir(openJobDir(ctx.stateDir, ctx.job), (d) =>
    writeFileAtomicIn(d, runningFileName(run.runId), `${JSON.stringify({ schema: MARKER_SCHEMA, ...run }, null, 1)}\n`),
  );
}

function removeQuiet(d: DirHandle, name: string): void {
  try {
    d.unlink(name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Records a run that ended (any outcome) and removes its running marker; `unrecordedFile`: the
 * marker an earlier wrapper left when it could not record this run's end (recorded late now).
 */
export function recordRun(ctx: StoreContext, run: Run, now = new Date(), unrecordedFile?: string): JobState {
  return withStateLock(ctx, (d) => {
    let next = applyRun(loadForUpdate(ctx, d), run, now);
    let text = serialise(next);
    if (text === null) {
      // What was read cannot be written back: set it aside as a corrupt file is, or no run of the job
      // would ever be recorded again.
      setAside(ctx, d, `${d.shown(STATE_FILE)} holds a record that cannot be written back (nested too deep to serialise)`);
      next = applyRun(emptyJobState(ctx.job), run, now);
      text = serialise(next)!;
    }
    writeFileAtomicIn(d, STATE_FILE, text);
    removeQuiet(d, runningFileName(run.runId));
    if (unrecordedFile) removeQuiet(d, unrecordedFile);
    return next;
  });
}

/** The errno code of why a write failed, for a file name: `ENOSPC`, else `EOTHER`. */
export function causeCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]{1,15}$/.test(code) ? code : 'EOTHER';
}

/**
 * When a run's end cannot be written (disk full): renames its running marker to a name that says
 * how the run ended and why it was not recorded. A rename needs no data blocks; the marker's times
 * (an inode's, no data either) are set to the run's end first. Returns the new name.
 */
export function markUnrecorded(ctx: StoreContext, run: Run, cause: string): string {
  return inDir(openMarkerDir(jobDir(ctx.stateDir, ctx.job)), (d) => {
    const from = runningFileName(run.runId);
    const to = unrecordedFileName(run.runId, run.outcome, run.exitCode, cause);
    const end = run.end ? new Date(run.end) : new Date();
    try {
      const fd = d.open(from, constants.O_RDONLY);
      try {
        futimesSync(fd, end, end);
      } finally {
        closeSync(fd);
      }
    } catch {
      /* the end time is then the rename's moment, near enough */
    }
    d.rename(from, to);
    return to;
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
