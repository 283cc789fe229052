// What every job of a host-wide view reads alike: the state directory (its owner, whether it exists,
// its job inventory) and the reboot-lock directory (its names, the lock file all jobs share); and a job's directory, looked at once for
// whose it is and whether it can be trusted. Read once for the view rather than once
// a job: 500 jobs made 500 failed opens of a missing inventory.json, each a thrown ENOENT, 1,000
// stats of the same directory and 500 stats of lock files that are not there. A single check makes
// its own, used once, and stats its one lock file rather than list the directory.
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { readInventory, type Inventory } from '../cron/inventory.js';
import { MarkerError } from '../markers/read.js';
import { type Pause, readPauseIfThere } from '../markers/pause.js';
import { missingStateDir } from '../markers/stateDir.js';
import type { DirStat, JobTrust } from '../markers/trust.js';

export interface HostReads {
  /** readInventory's answer for this trust (the owner rules differ with the job's user). */
  inventory(stateDir: string, trust: JobTrust): Inventory | null;
  missingStateDir(stateDir: string, user: string | undefined): string | null;
  /** For the trust rules: each directory is looked at once in a view (the state directory, each job's). */
  dirStat: DirStat;
  /**
   * A with_reboot_lock file's stat, null when it is not there. A file shared by every job is looked at
   * once; a job's own file only when the view's one listing of `dir` holds its name.
   */
  lockFile(dir: string, name: string, shared: boolean): { mtimeMs: number } | null;
  /** The pause of every job (pause-all.json), read once a view for each trust; throws the MarkerError of a file not believed. */
  pauseAll(stateDir: string, trust: JobTrust): Pause | null;
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

/**
 * The value kept under `key`, made the first time it is asked for. The answers below that depend on
 * several things are kept in maps nested one per thing, not under a key joined from them: a joined
 * key is a new string to hash for every job of a 500-job view, four times a job.
 */
function kept<K, V>(m: Map<K, V>, key: K, make: () => V): V {
  if (!m.has(key)) m.set(key, make());
  return m.get(key)!;
}

/** A value per (state directory, user, how the user was found), made once. */
function perTrust<V>(): (stateDir: string, trust: Pick<JobTrust, 'user' | 'source'> | undefined, make: () => V) => V {
  const byDir = new Map<string, Map<number, Map<string, V>>>();
  return (stateDir, trust, make) =>
    kept(
      kept(
        kept(byDir, stateDir, () => new Map()),
        trust?.user?.uid ?? -1,
        () => new Map(),
      ),
      trust?.source ?? '',
      make,
    );
}

/** The answer of `read`, or the MarkerError it threw, kept to be thrown again for each job that asks. */
function answerOrProblem<V>(read: () => V): { value: V } | { problem: unknown } {
  try {
    return { value: read() };
  } catch (err) {
    if (!(err instanceof MarkerError)) throw err;
    return { problem: err };
  }
}

function given<V>(got: { value: V } | { problem: unknown }): V {
  if ('problem' in got) throw got.problem;
  return got.value;
}

export function hostReads(manyJobs = false): HostReads {
  const inventories = perTrust<{ value: Inventory | null } | { problem: unknown }>();
  const pauses = perTrust<{ value: Pause | null } | { problem: unknown }>();
  const missing = new Map<string, Map<string, string | null>>();
  const followed = new Map<string, Stats | undefined>();
  const linked = new Map<string, Stats | undefined>();
  const lockNames = new Map<string, Set<string> | null>();
  const sharedLocks = new Map<string, Map<string, { mtimeMs: number } | null>>();
  return {
    pauseAll(stateDir, trust) {
      return given(pauses(stateDir, trust, () => answerOrProblem(() => readPauseIfThere(stateDir, null, trust))));
    },
    dirStat(path, follow) {
      return kept(follow ? followed : linked, path, () => (follow ? statSync : lstatSync)(path, { throwIfNoEntry: false }));
    },
    lockFile(dir, name, shared) {
      if (shared) {
        return kept(
          kept(sharedLocks, dir, () => new Map()),
          name,
          () => statOrNull(join(dir, name)),
        );
      }
      if (manyJobs && !lockNames.has(dir)) {
        let names: Set<string> | null;
        try {
          names = new Set(readdirSync(dir));
        } catch (err) {
          // Missing: no lock file either. Unreadable (but maybe searchable): each job's stat says.
          names = (err as NodeJS.ErrnoException).code === 'ENOENT' ? new Set() : null;
        }
        lockNames.set(dir, names);
      }
      return lockNames.get(dir)?.has(name) === false ? null : statOrNull(join(dir, name));
    },
    inventory(stateDir, trust) {
      return given(inventories(stateDir, trust, () => answerOrProblem(() => readInventory(stateDir, trust))));
    },
    missingStateDir(stateDir, user) {
      return kept(
        kept(missing, stateDir, () => new Map()),
        user ?? '',
        () => missingStateDir(stateDir, user),
      );
    },
  };
}
