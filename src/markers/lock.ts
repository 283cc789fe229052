import { closeSync, constants, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { giveAway, tempPath } from './atomicWrite.js';
import { runLiveness, type RunLiveness } from '../common/host.js';
import { readMarkerText, MarkerError } from './read.js';
import { MARKER_SCHEMA, type LockRecord } from './types.js';

// A lock is a file created by link(2) from a complete temp file, so it appears whole or not at all
// (O_EXCL semantics without a half-written window). Its holder is named by pid, process start time
// and boot id; a holder that died (or an earlier boot) is taken over. Takeover itself is serialised by
// a short-lived guard file so that two takers cannot remove a lock a third has just created.

export type AcquireResult =
  | { acquired: true; tookOver: LockRecord[] }
  | { acquired: false; holder: LockRecord; liveness: RunLiveness };

const GUARD_STALE_MS = 10_000;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

export function readLock(path: string): LockRecord | null {
  let text: string | null;
  try {
    text = readMarkerText(path);
  } catch (err) {
    if (err instanceof MarkerError) return null;
    throw err;
  }
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as LockRecord;
    return typeof v.pid === 'number' && typeof v.runId === 'string' ? v : null;
  } catch {
    return null;
  }
}

// Not fsynced: a lock lives for one run, and one that a crash leaves empty or half-written is junk
// that tryAcquire takes over once it is GUARD_STALE_MS old (after a reboot it always is). Two fsyncs
// a run fewer, each milliseconds on a busy disk.
function writeTemp(dir: string, name: string, content: string): string {
  const tmp = tempPath(dir, name);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    giveAway(fd);
    writeSync(fd, content);
  } catch (err) {
    // Disk full or similar: leave nothing behind.
    closeSync(fd);
    unlinkQuiet(tmp);
    throw err;
  }
  closeSync(fd);
  return tmp;
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** One attempt to take the lock; never waits for a live holder. */
export function tryAcquire(path: string, record: Omit<LockRecord, 'schema'>, currentBootId: string | null): AcquireResult {
  const full: LockRecord = { schema: MARKER_SCHEMA, ...record };
  const tmp = writeTemp(dirname(path), basename(path), `${JSON.stringify(full)}\n`);
  const tookOver: LockRecord[] = [];
  try {
    for (;;) {
      try {
        linkSync(tmp, path);
        return { acquired: true, tookOver };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readLock(path);
      if (holder === null) {
        // Vanished since link() failed, or unreadable junk: junk older than the guard window is stale.
        if (ageMs(path) > GUARD_STALE_MS) unlinkQuiet(path);
        sleepSync(2);
        continue;
      }
      // A holder whose wrapper was killed while its sync runs on still holds the lock.
      const liveness = runLiveness(holder, currentBootId);
      if (liveness === 'alive' || liveness === 'orphaned') return { acquired: false, holder, liveness };
      const guard = `${path}.takeover`;
      let guardFd: number;
      try {
        guardFd = openSync(guard, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (ageMs(guard) > GUARD_STALE_MS) unlinkQuiet(guard);
        sleepSync(2 + Math.random() * 8);
        continue;
      }
      try {
        const current = readLock(path);
        if (current && current.runId === holder.runId) {
          unlinkSync(path);
          tookOver.push(holder);
        }
      } finally {
        closeSync(guardFd);
        unlinkQuiet(guard);
      }
    }
  } finally {
    unlinkQuiet(tmp);
  }
}

/**
 * Rewrites our lock with more of what names the run (the sync's process group once it started),
 * by rename over it: a reader sees the old record or the new one, never a partial one.
 */
export function updateHolder(path: string, record: Omit<LockRecord, 'schema'>): void {
  const current = readLock(path);
  if (!current || current.runId !== record.runId) return;
  const tmp = writeTemp(dirname(path), basename(path), `${JSON.stringify({ schema: MARKER_SCHEMA, ...record })}\n`);
  try {
    renameSync(tmp, path);
  } catch (err) {
    unlinkQuiet(tmp);
    throw err;
  }
}

/** Removes the lock only if it is still ours. */
export function release(path: string, runId: string): void {
  const current = readLock(path);
  if (current && current.runId === runId) unlinkQuiet(path);
}

/** Takes the lock, waiting (synchronously, for short critical sections) up to timeoutMs for a live holder. */
export function acquireBlocking(
  path: string,
  record: Omit<LockRecord, 'schema'>,
  currentBootId: string | null,
  timeoutMs: number,
): LockRecord[] {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = tryAcquire(path, record, currentBootId);
    if (r.acquired) return r.tookOver;
    if (Date.now() > deadline) {
      throw new Error(`${path} is held by pid ${r.holder.pid} (run ${r.holder.runId}) for over ${timeoutMs / 1000}s`);
    }
    sleepSync(1 + Math.random() * 5);
  }
}
