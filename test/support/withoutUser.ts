// Some tests' expected outputs are those of a host where the job's usual user (govuk-backup) does not
// exist: root-owned fixtures, and re-run lines that ask for --user. The executables read /etc/passwd,
// so a machine that has the user (a real host, or a test run killed before it removed the user it
// made) would change those outputs. There, the command runs in a mount namespace of its own (unshare
// -m; the tests run as root) where /etc/passwd and /etc/group are copies without the user.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const views = new Map<string, { passwd: string; group: string } | null>();
let dir: string | null = null;

function without(text: string, name: string): string {
  return text
    .split('\n')
    .filter((l) => l.split(':')[0] !== name)
    .join('\n');
}

function viewFor(name: string): { passwd: string; group: string } | null {
  if (!views.has(name)) {
    const passwd = readFileSync('/etc/passwd', 'utf8');
    const group = readFileSync('/etc/group', 'utf8');
    if (!passwd.split('\n').some((l) => l.split(':')[0] === name)) views.set(name, null);
    else {
      if (!dir) {
        const made = mkdtempSync(join(tmpdir(), 'env-sync-passwd-'));
        dir = made;
        process.once('exit', () => rmSync(made, { recursive: true, force: true }));
      }
      const view = { passwd: join(dir, `passwd-${name}`), group: join(dir, `group-${name}`) };
      writeFileSync(view.passwd, without(passwd, name), { mode: 0o644 });
      writeFileSync(view.group, without(group, name), { mode: 0o644 });
      views.set(name, view);
    }
  }
  return views.get(name)!;
}

/** `cmd args` as it runs on a host where user `name` does not exist (unchanged where it does not). */
export function withoutUser(name: string, cmd: string, args: string[]): [string, string[]] {
  const view = viewFor(name);
  if (!view) return [cmd, args];
  if (!spawnSync('/usr/bin/unshare', ['--version']).stdout) throw new Error('unshare is missing: apt-get install -y util-linux');
  const script = 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"';
  return ['/usr/bin/unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', view.passwd, view.group, cmd, ...args]];
}

/** env-sync's default --user, absent from the hosts those tests model. */
export const DEFAULT_USER = 'govuk-backup';
