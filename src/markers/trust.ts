// Whose markers these are, and whether they can be believed (docs/security.md, "Trust rules").
//
// The job's user is --user, else the crontab's owner, else ENV_SYNC_JOB_USER in
// /etc/default/env-sync-checks (when that file is root's and closed to others), else the owner of
// the state directory (an administrator makes it with install -d -o USER), else the owner of the
// job's directory — never root unless --user root says so; the same rule in every executable. A marker is trusted only when it and every directory up
// to the state directory are owned by the job's user or root and writable by no one else: a
// stranger who could write any of them could plant a marker that turns a CRITICAL into an OK.
import { lstatSync, statSync, type Stats } from 'node:fs';
import { nameOf, userById, userByName, type User } from '../common/users.js';
import { configuredJobUser, DEFAULTS_FILE } from './configuredUser.js';
import { MarkerError } from './errors.js';
import { jobDir } from './paths.js';

export interface JobTrust {
  /** The job's user, when known: markers it owns are trusted, as are root's. */
  user: User | null;
  /** Where the job's user came from, for the words: `--user`, `the crontab's owner`, `the owner of DIR`. */
  source: string;
}

/** What the caller knows of the job's user. */
export interface TrustHints {
  /** --user: the job's user by name; `root` only this way. */
  user?: string | undefined;
  /** The uid owning the crontab the job came from (root's is no evidence). */
  crontabOwner?: number | null | undefined;
}

export class UnknownUserError extends Error {}

/** The trust hints for a user named by --user: none where there is no such user (the command line's fault, said where it is used). */
export function hintsFor(user: string | undefined): TrustHints {
  return user !== undefined && userByName(user) ? { user } : {};
}

/** How a directory is looked at: followed (the state directory may be a link) or not (a job's). */
export type DirStat = (path: string, follow: boolean) => Stats | undefined;

export const statDir: DirStat = (path, follow) => (follow ? statSync : lstatSync)(path, { throwIfNoEntry: false });

/**
 * The job's user for one job, or (job null) for the state directory as a whole. `dirStat`: how the
 * directories are looked at (a host-wide view looks at each once).
 */
export function jobTrust(stateDir: string, job: string | null, hints: TrustHints = {}, dirStat: DirStat = statDir): JobTrust {
  if (hints.user !== undefined) {
    const u = userByName(hints.user);
    if (!u) throw new UnknownUserError(`--user: no user ${JSON.stringify(hints.user)} on this host; name the user the job runs as (e.g. govuk-backup)`);
    return { user: u, source: '--user' };
  }
  if (hints.crontabOwner) return { user: ownerAsUser(hints.crontabOwner), source: "the crontab's owner" };
  const configured = configuredJobUser();
  const named = configured !== undefined ? userByName(configured) : null;
  if (named) return { user: named, source: `ENV_SYNC_JOB_USER in ${DEFAULTS_FILE}` };
  const dirs: Array<[string, boolean]> = [[stateDir, true]];
  if (job !== null) dirs.push([jobDir(stateDir, job), false]);
  for (const [dir, follow] of dirs) {
    let st: Stats | undefined;
    try {
      st = dirStat(dir, follow);
    } catch {
      st = undefined;
    }
    if (st && st.isDirectory() && st.uid !== 0) return { user: ownerAsUser(st.uid, st.gid), source: `the owner of ${dir}` };
  }
  return { user: null, source: 'none: only root-owned markers are trusted' };
}

/** The user owning a file, as the password database knows it (its home for a re-run); an id alone where it does not. */
function ownerAsUser(uid: number, gid = -1): User {
  return userById(uid) ?? { name: nameOf(uid), uid, gid, home: '/' };
}

const TRUST_FIX = 'check who changed it';

/** Refuses a file or directory the job's user (or root) does not own, or that others may write. */
export function assertTrusted(path: string, st: Stats, trust: JobTrust): void {
  const others = st.mode & 0o002 ? 'everyone' : st.mode & 0o020 ? 'its group' : null;
  if (others) {
    throw new MarkerError(path, `is writable by ${others}, so another user could have changed it; refusing to trust it`, `chmod go-w ${path} and ${TRUST_FIX}`);
  }
  if (st.uid !== 0 && st.uid !== trust.user?.uid) {
    const owners = trust.user ? `the job's user ${trust.user.name} (${trust.source}) or root` : 'root (no job user is known: give --user USER)';
    throw new MarkerError(
      path,
      `is owned by ${nameOf(st.uid)}, not by ${owners}: another user may have put it there; refusing to trust it`,
      `${TRUST_FIX}; then chown ${trust.user?.name ?? 'USER'} ${path}`,
    );
  }
}

// Host-wide views check the same state directory for every job: once is enough.
const checkedStateDirs = new Map<string, Error | null>();

/** The state directory and the job's directory: owned by the job's user or root, writable by no one else. */
export function assertTrustedDirs(stateDir: string, job: string, trust: JobTrust, dirStat: DirStat = statDir): void {
  const key = `${stateDir}\0${trust.user?.uid ?? ''}`;
  if (!checkedStateDirs.has(key)) {
    let problem: Error | null = null;
    try {
      // The state directory may be a link an administrator made (/var/lib/env-sync -> /srv/…): its target counts.
      const st = dirStat(stateDir, true);
      if (st) assertTrusted(stateDir, st, trust);
    } catch (err) {
      problem = err as Error;
    }
    checkedStateDirs.set(key, problem);
  }
  const problem = checkedStateDirs.get(key);
  if (problem) throw problem;
  const dir = jobDir(stateDir, job);
  const st = dirStat(dir, false);
  if (!st) return;
  if (st.isSymbolicLink())
    throw new MarkerError(
      dir,
      'is a symbolic link; refusing to trust it',
      'replace the link with the directory itself, or remove it so the next run makes one',
    );
  assertTrusted(dir, st, trust);
}
