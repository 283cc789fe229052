// The state directory itself: every part says the same when it is missing, with the same fix.
import { type Stats, statSync } from 'node:fs';
import { nameOf } from '../common/users.js';
import { configuredJobUser } from './configuredUser.js';
import { jobDir } from './paths.js';
import { statDir, type DirStat } from './trust.js';

/** Null when the state directory exists; else what is wrong and how to fix it. */
export function missingStateDir(stateDir: string, user?: string): string | null {
  let exists: boolean;
  try {
    exists = statSync(stateDir, { throwIfNoEntry: false }) !== undefined;
  } catch {
    exists = true; // there, but not ours to see: the trust rules and readers say why
  }
  // The jobs' user when it is known; otherwise the one the host names, else a placeholder, never a guess.
  const owner = user ?? configuredJobUser() ?? 'USER';
  const who = user || configuredJobUser() ? '' : ' (USER: the user the sync jobs run as)';
  return exists
    ? null
    : `state directory ${stateDir} does not exist; create it: install -d -o ${owner} -m 0755 ${stateDir}${who} (or give the right --state-dir)`;
}

/**
 * Why the job's user cannot write the job's directory (root's, after a run by hand as root), with
 * the fix; null when it can, or when the job's user is unknown or root. `dirStat` as for the trust
 * rules (a host-wide view looks at each directory once).
 */
export function jobDirNotWritable(
  stateDir: string,
  job: string,
  user: { name: string; uid: number } | null,
  dirStat: DirStat = statDir,
): { dir: string; owner: string; fix: string } | null {
  if (!user || user.uid === 0) return null;
  const dir = jobDir(stateDir, job);
  let st: Stats | undefined;
  try {
    st = dirStat(dir, false);
  } catch {
    return null;
  }
  if (!st?.isDirectory() || st.uid === user.uid) return null;
  return { dir, owner: nameOf(st.uid), fix: `chown -R ${user.name}: ${dir}` };
}
