// User names and ids: the job's user is named in options and crontabs and recognised in file
// owners. Node has no getpwnam(3): /etc/passwd answers for local users (every Debian service user),
// and getent(1) for users from NSS (LDAP) when the file does not know them.
import { statSync } from 'node:fs';
import { readBoundedText } from './boundedRead.js';
import { builtin } from './builtin.js';

export interface User {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

const MAX_PASSWD_BYTES = 4 * 1024 * 1024;
let passwd: User[] | null = null;
/** Which /etc/passwd `passwd` was read from: a user added since (useradd renames a new file in) is looked for again. */
let passwdStamp = '';

function stampOfPasswd(): string {
  try {
    const st = statSync('/etc/passwd');
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}

function parse(line: string): User | null {
  const f = line.split(':');
  if (f.length < 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) return null;
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! };
}

function local(): User[] {
  if (!passwd) {
    passwdStamp = stampOfPasswd();
    let text: string | null = null;
    try {
      text = readBoundedText('/etc/passwd', { maxBytes: MAX_PASSWD_BYTES });
    } catch {
      text = null;
    }
    passwd = (text ?? '')
      .split('\n')
      .map(parse)
      .filter((u): u is User => u !== null);
  }
  return passwd;
}

// getent is asked only where /etc/nsswitch.conf names a source beyond the local files (LDAP, sss…):
// elsewhere it could not know more than /etc/passwd, and a check must not start a process for nothing.
let remoteSources: boolean | null = null;
function hasRemoteSources(): boolean {
  if (remoteSources === null) {
    let conf: string | null = null;
    try {
      conf = readBoundedText('/etc/nsswitch.conf', { maxBytes: 64 * 1024 });
    } catch {
      conf = null;
    }
    const line = /^passwd:\s*(.*)$/m.exec(conf ?? '')?.[1] ?? 'files';
    remoteSources = line.split(/\s+/).some((s) => s !== '' && !/^(files|compat|systemd|\[.*\])$/.test(s));
  }
  return remoteSources;
}

function getent(key: string): User | null {
  if (!hasRemoteSources()) return null;
  // Loaded only here: child_process is not on a plugin's usual path (test/bin/startup.test.ts).
  const { spawnSync } = builtin('node:child_process');
  const r = spawnSync('getent', ['passwd', key], { encoding: 'utf8', timeout: 5000, maxBuffer: 64 * 1024 });
  return r.status === 0 ? parse(r.stdout.trim().split('\n')[0] ?? '') : null;
}

/**
 * The users of /etc/passwd afresh if it changed since it was read, else null: a process that runs
 * for hours (the wrapper, `env-sync logs --follow`) sees a user made after it started.
 */
function changedPasswd(): User[] | null {
  if (passwd === null || stampOfPasswd() === passwdStamp) return null;
  passwd = null;
  return local();
}

export function userByName(name: string): User | null {
  return local().find((u) => u.name === name) ?? changedPasswd()?.find((u) => u.name === name) ?? getent(name);
}

export function userById(uid: number): User | null {
  return local().find((u) => u.uid === uid) ?? changedPasswd()?.find((u) => u.uid === uid) ?? getent(String(uid));
}

/** `govuk-backup`, or `uid 1001` for an id no name belongs to. */
export function nameOf(uid: number): string {
  return userById(uid)?.name ?? `uid ${uid}`;
}

const MAX_GROUP_BYTES = 4 * 1024 * 1024;

/** The name of a group id from /etc/group (`adm`), or `gid 4` where the file does not name it. */
export function groupNameOf(gid: number): string {
  let text: string | null = null;
  try {
    text = readBoundedText('/etc/group', { maxBytes: MAX_GROUP_BYTES });
  } catch {
    text = null;
  }
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[2] === String(gid)) return f[0]!;
  }
  return `gid ${gid}`;
}
