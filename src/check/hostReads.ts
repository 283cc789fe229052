// What every job of a host-wide view reads alike: the state directory (its owner, whether it exists,
// its job inventory) and the reboot-lock directory's names; and a job's directory, looked at once for
// whose it is and whether it can be trusted. Read once for the view rather than once
// a job: 500 jobs made 500 failed opens of a missing inventory.json, each a thrown ENOENT, 1,000
// stats of the same directory and 500 stats of lock files that are not there. A single check makes
// its own, used once, and stats its one lock file rather than list the directory.
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { readInventory, type Inventory } from '../cron/inventory.js';
import { MarkerError } from '../markers/read.js';
import { missingStateDir } from '../markers/stateDir.js';
import type { DirStat, JobTrust } from '../markers/trust.js';

export interface HostReads {
  /** readInventory's answer for this trust (the owner rules differ with the job's user). */
  inventory(stateDir: string, trust: JobTrust): Inventory | null;
  missingStateDir(stateDir: string, user: string | undefined): string | null;
  /** For the trust rules: each directory is looked at once in a view (the state directory, each job's). */
  dirStat: DirStat;
  /** Whether a lock file may be in `dir`: false only when a listing of it, made once, lacks `name`. */
  mayHoldLock(dir: string, name: string): boolean;
}

export function hostReads(manyJobs = false): HostReads {
  const inventories = new Map<string, { inventory: Inventory | null } | { problem: unknown }>();
  const missing = new Map<string, string | null>();
  const followed = new Map<string, Stats | undefined>();
  const linked = new Map<string, Stats | undefined>();
  const lockNames = new Map<string, Set<string> | null>();
  return {
    dirStat(path, follow) {
      const seen = follow ? followed : linked;
      if (!seen.has(path)) seen.set(path, (follow ? statSync : lstatSync)(path, { throwIfNoEntry: false }));
      return seen.get(path);
    },
    mayHoldLock(dir, name) {
      if (!manyJobs) return true;
      if (!lockNames.has(dir)) {
        let names: Set<string> | null;
        try {
          names = new Set(readdirSync(dir));
        } catch (err) {
          // Missing: no lock file either. Unreadable (but maybe searchable): each job's stat says.
          names = (err as NodeJS.ErrnoException).code === 'ENOENT' ? new Set() : null;
        }
        lockNames.set(dir, names);
      }
      return lockNames.get(dir)?.has(name) ?? true;
    },
    inventory(stateDir, trust) {
      const key = `${stateDir}\0${trust.user?.uid ?? ''}\0${trust.source}`;
      if (!inventories.has(key)) {
        try {
          inventories.set(key, { inventory: readInventory(stateDir, trust) });
        } catch (err) {
          if (!(err instanceof MarkerError)) throw err;
          inventories.set(key, { problem: err });
        }
      }
      const got = inventories.get(key)!;
      if ('problem' in got) throw got.problem;
      return got.inventory;
    },
    missingStateDir(stateDir, user) {
      const key = `${stateDir}\0${user ?? ''}`;
      if (!missing.has(key)) missing.set(key, missingStateDir(stateDir, user));
      return missing.get(key)!;
    },
  };
}
