// A with_reboot_lock file left behind: the host will not reboot for updates and the next run waits.
import { WARNING } from '../../common/states.js';
import { duration } from '../../common/timeWords.js';
import { staleOwnLock, staleSharedLock } from '../words.js';
import type { Rule } from './context.js';

const SHARED_LOCK_STALE_SECONDS = 24 * 3600;

export const rebootLock: Rule = ({ facts, running }) => {
  const lock = facts.rebootLock;
  if (!lock) return [];
  // Another job may hold a shared lock for its own run; only a day-old one is surely stale.
  if (lock.shared)
    return !running && lock.ageSeconds > SHARED_LOCK_STALE_SECONDS
      ? [{ state: WARNING, text: staleSharedLock({ path: lock.path, age: duration(lock.ageSeconds) }) }]
      : [];
  // The job's own lock file is stale when no with_reboot_lock holds it; where that cannot be seen
  // (hidepid), when no run of the job is going — a guess from the job's runs alone, and said so.
  if (lock.held === false || (lock.held == null && !running))
    return [{ state: WARNING, text: staleOwnLock({ path: lock.path, age: duration(lock.ageSeconds), hidden: lock.hidden ?? null }) }];
  return [];
};
