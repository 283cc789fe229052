// Unprivileged users for the attack tests: the job's own user, a stranger who attacks it, and a
// checking user (as nagios is). Created with useradd (package passwd) when missing, removed by the
// test that made them.
import { spawnSync } from 'node:child_process';

export const JOB_USER = 'env-sync-test-job';
export const STRANGER = 'env-sync-test-stranger';
export const CHECKER = 'env-sync-test-checker';

export function ensureUser(name: string, home?: string): { uid: number; gid: number; made: boolean; remove: () => void } {
  const id = () => {
    const u = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()), ok: u.status === 0 };
  };
  const known = id();
  if (known.ok) return { uid: known.uid, gid: known.gid, made: false, remove: () => undefined };
  const made = spawnSync('useradd', ['--no-create-home', ...(home ? ['--home-dir', home] : []), '--shell', '/usr/sbin/nologin', '--user-group', name], {
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`useradd ${name} failed: ${made.stderr.trim()} (package passwd; the tests run as root)`);
  const { uid, gid } = id();
  return { uid, gid, made: true, remove: () => void spawnSync('userdel', [name]) };
}

/** The command run as `user` (its own group, no others), with setpriv from util-linux. */
export function asUser(user: string, cmd: string, args: string[]): [string, string[]] {
  const group = user === 'nobody' ? 'nogroup' : user;
  return ['setpriv', [`--reuid=${user}`, `--regid=${group}`, '--clear-groups', cmd, ...args]];
}
