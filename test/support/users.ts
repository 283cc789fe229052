// Unprivileged users for the attack tests: the job's own user, a stranger who attacks it, and a
// checking user (as nagios is). Created with useradd (package passwd) when missing, removed by the
// test that made them.
import { spawnSync } from 'node:child_process';
import { chownSync } from 'node:fs';
import { stateDirIn } from './tmp.js';

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

/**
 * [cmd, args] running cmd as `user` (its own group, no others) with setpriv from util-linux, which
 * execs it, so the pid is cmd's; without a user, cmd as is.
 */
export function asUser(user: string | undefined, cmd: string, args: string[]): [string, string[]] {
  if (!user) return [cmd, args];
  const group = user === 'nobody' ? 'nogroup' : user;
  return ['setpriv', [`--reuid=${user}`, `--regid=${group}`, '--clear-groups', cmd, ...args]];
}

/**
 * In the calling describe: these users exist before its first test, and those this made are removed
 * after its last. Call it before the describe's own `before` that runs anything as them.
 */
export function withUsers(...names: string[]): void {
  const made: Array<() => void> = [];
  before(() => {
    for (const name of names) made.push(ensureUser(name).remove);
  });
  after(() => {
    for (const remove of made.reverse()) remove();
  });
}

/** A state directory in `parent` owned by the job's user, as on a host where its jobs are wrapped. */
export function jobStateDirIn(parent: string): string {
  const state = stateDirIn(parent);
  const { uid, gid } = ensureUser(JOB_USER);
  chownSync(state, uid, gid);
  return state;
}
