import { closeSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { giveAway, openMarkerDir, tempName } from './atomicWrite.js';
import { inDir, type DirHandle } from './dirFd.js';
import { runLiveness, type RunLiveness } from '../common/host.js';
import { readMarkerText, MarkerError } from './read.js';
import { MARKER_SCHEMA, type LockRecord } from './types.js';

// A lock is a file created by link(2) from a complete temp file, so it appears whole or not at all
// (O_EXCL semantics without a half-written window). Its holder is named by pid, process start time
// and boot id; a holder that died (or an earlier boot) is taken over. Takeover itself is serialised by
// a short-lived guard file so that two takers cannot remove a lock a third has just created.

export type AcquireResult = { acquired: true; tookOver: LockRecord[] } | { acquired: false; holder: LockRecord; liveness: RunLiveness };

const GUARD_STALE_MS = 10_000;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** The lock's record; null when there is none or it is junk. `path` may be a dirFd.ts name. */
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
function writeTemp(d: DirHandle, name: string, content: string): string {
  const tmp = tempName(name);
  const fd = d.create(tmp, 0o644);
  try {
    giveAway(fd);
    writeSync(fd, content);
  } catch (err) {
    // Disk full or similar: leave nothing behind.
    closeSync(fd);
    d.unlinkQuiet(tmp);
    throw err;
  }
  closeSync(fd);
  return tmp;
}

function ageMs(d: DirHandle, name: string): number {
  try {
    const st = d.lstat(name);
    return st ? Date.now() - st.mtimeMs : 0;
  } catch {
    return 0;
  }
}

// Every lock operation works on the lock's directory by descriptor (dirFd.ts): the directory is the
// job's user's, and root may be the one taking the lock.
function inLockDir<T>(path: string, fn: (d: DirHandle, name: string) => T): T {
  return inDir(openMarkerDir(dirname(path)), (d) => fn(d, basename(path)));
}

/** One attempt to take the lock; never waits for a live holder. */
export function tryAcquire(path: string, record: Omit<LockRecord, 'schema'>, currentBootId: string | null): AcquireResult {
  return inLockDir(path, (d, name) => tryAcquireIn(d, name, record, currentBootId));
}

function tryAcquireIn(d: DirHandle, name: string, record: Omit<LockRecord, 'schema'>, currentBootId: string | null): AcquireResult {
  const full: LockRecord = { schema: MARKER_SCHEMA, ...record };
  const tmp = writeTemp(d, name, `${JSON.stringify(full)}\n`);
  const tookOver: LockRecord[] = [];
  const read = () => readLock(d.at(name));
  try {
    for (;;) {
      try {
        d.link(tmp, name);
        return { acquired: true, tookOver };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = read();
      if (holder === null) {
        // Vanished since link() failed, or unreadable junk: junk older than the guard window is stale.
        if (ageMs(d, name) > GUARD_STALE_MS) d.unlinkQuiet(name);
        sleepSync(2);
        continue;
      }
      // A holder whose wrapper was killed while its sync runs on still holds the lock.
      const liveness = runLiveness(holder, currentBootId);
      if (liveness === 'alive' || liveness === 'orphaned') return { acquired: false, holder, liveness };
      const guard = `${name}.takeover`;
      let guardFd: number;
      try {
        guardFd = d.create(guard, 0o644);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (ageMs(d, guard) > GUARD_STALE_MS) d.unlinkQuiet(guard);
        sleepSync(2 + Math.random() * 8);
        continue;
      }
      try {
        const current = read();
        if (current && current.runId === holder.runId) {
          d.unlink(name);
          tookOver.push(holder);
        }
      } finally {
        closeSync(guardFd);
        d.unlinkQuiet(guard);
      }
    }
  } finally {
    d.unlinkQuiet(tmp);
  }
}

/**
 * Rewrites our lock with more of what names the run (the sync's process group once it started),
 * by rename over it: a reader sees the old record or the new one, never a partial one.
 */
export function updateHolder(path: string, record: Omit<LockRecord, 'schema'>): void {
  inLockDir(path, (d, name) => {
    const current = readLock(d.at(name));
    if (!current || current.runId !== record.runId) return;
    const tmp = writeTemp(d, name, `${JSON.stringify({ schema: MARKER_SCHEMA, ...record })}\n`);
    try {
      d.rename(tmp, name);
    } catch (err) {
      d.unlinkQuiet(tmp);
      throw err;
    }
  });
}

/** Removes the lock only if it is still ours. */
export function release(path: string, runId: string): void {
  inLockDir(path, (d, name) => releaseIn(d, name, runId));
}

/** release, for a lock NAME in a directory already open. */
export function releaseIn(d: DirHandle, name: string, runId: string): void {
  const current = readLock(d.at(name));
  if (current && current.runId === runId) d.unlinkQuiet(name);
}

/** Takes the lock, waiting (synchronously, for short critical sections) up to timeoutMs for a live holder. */
export function acquireBlocking(path: string, record: Omit<LockRecord, 'schema'>, currentBootId: string | null, timeoutMs: number): LockRecord[] {
  return inLockDir(path, (d, name) => acquireBlockingIn(d, name, record, currentBootId, timeoutMs));
}

/** acquireBlocking, for a lock NAME in a directory already open. */
export function acquireBlockingIn(
  d: DirHandle,
  name: string,
  record: Omit<LockRecord, 'schema'>,
  currentBootId: string | null,
  timeoutMs: number,
): LockRecord[] {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = tryAcquireIn(d, name, record, currentBootId);
    if (r.acquired) return r.tookOver;
    if (Date.now() > deadline) {
      throw new Error(`${d.shown(name)} is held by pid ${r.holder.pid} (run ${r.holder.runId}) for over ${timeoutMs / 1000}s`);
    }
    sleepSync(1 + Math.random() * 5);
  }
}
