// What the wrapper's run needs of the marker store, as one interface, so the run logic can be tested
// with a fake store (and a failing one) as well as with real files.
import { processStartTicks } from '../common/host.js';
import { release, updateHolder } from '../markers/lock.js';
import { runLockPath } from '../markers/paths.js';
import { MarkerError, NewerSchemaError, readJobState, readRunningMarkers, type UnrecordedRun } from '../markers/read.js';
import { takeRunLock, type RunLock } from '../markers/runLock.js';
import { createFilesAs } from '../markers/atomicWrite.js';
import { ensureJobDir, markUnrecorded, recordRun, stateDirOwnerForRoot, writeRunning, type StoreContext } from '../markers/store.js';
import type { JobState, LockRecord, Run, RunningMarker } from '../markers/types.js';

export interface RunStore {
  /** The job's directory exists and can hold markers; throws with the reason otherwise. */
  prepare(): void;
  lock(wait: boolean): Promise<RunLock>;
  unlock(): void;
  /** Names the sync's process group in our lock, so the lock outlives a wrapper killed while the sync runs. */
  lockChild(childPid: number, childStartTicks: number | null): void;
  /** Running markers of the job, of this run and of runs whose wrapper died. */
  runningMarkers(): RunningMarker[];
  writeRunning(run: Run): void;
  /** Records a run that ended and returns the job's state as written; `unrecordedFile`: its unrecorded marker, removed once recorded. */
  record(run: Run, unrecordedFile?: string): JobState;
  /** Runs whose wrapper could not write their end (disk full), to be recorded late. */
  unrecordedRuns(): UnrecordedRun[];
  /** Renames this run's running marker to say how it ended and why that was not recorded (`cause`: ENOSPC…); returns the new name. */
  markUnrecorded(run: Run, cause: string): string;
}

export interface StoreTarget {
  stateDir: string;
  job: string;
  /** Absent or null: the job as a whole. */
  part?: string | null | undefined;
}

/** This process as the holder of locks, for one run. */
export function lockHolder(runId: string, bootId: string | null, host: string, start: Date): Omit<LockRecord, 'schema'> {
  return { runId, pid: process.pid, startTicks: processStartTicks(process.pid), bootId, host, start: start.toISOString() };
}

/**
 * Throws NewerSchemaError when the job's state was written by a newer env-sync-run: this one leaves
 * it, and the job, alone (records nothing, not even a running marker). Anything else wrong with the
 * state is for the record to deal with (it sets a corrupt file aside).
 */
function refuseNewerState(t: StoreTarget): void {
  try {
    readJobState(t.stateDir, t.job, null);
  } catch (err) {
    if (err instanceof NewerSchemaError || !(err instanceof MarkerError)) throw err;
  }
}

export function markerStore(t: StoreTarget, holder: Omit<LockRecord, 'schema'>, bootId: string | null, warn?: (message: string) => void): RunStore {
  const ctx: StoreContext = { stateDir: t.stateDir, job: t.job, bootId, holder, ...(warn ? { warn } : {}) };
  createFilesAs(stateDirOwnerForRoot(t.stateDir));
  const lockPath = () => runLockPath(t.stateDir, t.job, t.part ?? null);
  let checked = false;
  const checkState = () => {
    if (!checked) refuseNewerState(t);
    checked = true;
  };
  return {
    prepare: () => {
      ensureJobDir(t.stateDir, t.job);
      checkState();
    },
    lock: (wait) => takeRunLock(lockPath(), holder, bootId, wait),
    unlock: () => release(lockPath(), holder.runId),
    lockChild: (childPid, childStartTicks) => updateHolder(lockPath(), { ...holder, childPid, childStartTicks }),
    // The wrapper reads its own files: no other user's trust is asked of them.
    runningMarkers: () => readRunningMarkers(t.stateDir, t.job, null),
    writeRunning: (run) => {
      checkState();
      writeRunning(ctx, run);
    },
    record: (run, unrecordedFile) => recordRun(ctx, run, new Date(), unrecordedFile),
    unrecordedRuns: () => {
      const found: UnrecordedRun[] = [];
      readRunningMarkers(t.stateDir, t.job, null, undefined, undefined, found);
      return found;
    },
    markUnrecorded: (run, cause) => markUnrecorded(ctx, run, cause),
  };
}
