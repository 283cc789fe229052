// The host's processes by their command lines, for jobs that leave no marker: whether an unwrapped
// run that logged `Starting` and no end still runs, and whether a with_reboot_lock file is still
// held. Read once per process (a host-wide view asks for many jobs), only where a verdict needs it.
// Only the job's user's and root's processes count: anyone can start a process whose command line
// names a job's cfg or lock, and a stranger's must not pass for the job's run (issue 25, finding 6).
import { readdirSync } from 'node:fs';
import { readBounded, readBoundedText } from './boundedRead.js';
import { currentUser } from './host.js';

// A command line longer than this is cut: a sync's is a few hundred bytes.
const MAX_CMDLINE = 64 * 1024;

export interface SeenProcess {
  argv: string[];
  /** Its real and effective uids (/proc/PID/status), not the /proc/PID directory's owner, which a
   * process may make root's by declaring itself undumpable. */
  uids: [number, number];
}

export interface ProcessView {
  /** Each visible process. */
  procs: SeenProcess[];
  /** Why other users' processes cannot be seen (/proc mounted hidepid), with the fix; null when they can. */
  hidden: string | null;
}

let cached: ProcessView | null = null;

/** The processes of the host, as far as /proc shows them to this user. */
export function processView(proc = '/proc'): ProcessView {
  if (cached && proc === '/proc') return cached;
  const procs: SeenProcess[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(proc);
  } catch {
    names = [];
  }
  const scratch = { buf: Buffer.allocUnsafe(4096) };
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let raw: Buffer | null;
    try {
      raw = readBounded(`${proc}/${name}/cmdline`, { maxBytes: MAX_CMDLINE }, scratch);
    } catch {
      continue; // gone since the listing, or not ours to read
    }
    if (!raw || raw.length === 0) continue; // a kernel thread, or a zombie
    const argv = raw.toString('utf8').split('\0');
    if (argv[argv.length - 1] === '') argv.pop();
    const uids = uidsOf(`${proc}/${name}/status`, scratch);
    if (uids) procs.push({ argv, uids });
  }
  const view = { procs, hidden: hiddenBy(readMountOptions(proc)) };
  if (proc === '/proc') cached = view;
  return view;
}

/** The real and effective uids of a process, from its status file; null when it is gone. */
function uidsOf(path: string, scratch: { buf: Buffer }): [number, number] | null {
  let text: string;
  try {
    text = readBounded(path, { maxBytes: 16 * 1024 }, scratch)?.toString('latin1') ?? '';
  } catch {
    return null;
  }
  const m = /\nUid:\t(\d+)\t(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** The super-block options of the proc file system mounted at `proc` (hidepid=, gid=). */
function readMountOptions(proc: string): string | null {
  let text: string | null;
  try {
    text = readBoundedText('/proc/self/mountinfo', { maxBytes: 4 * 1024 * 1024 });
  } catch {
    return null;
  }
  // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - FSTYPE SOURCE SUPER-OPTIONS
  let options: string | null = null;
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (dash === -1 || f[4] !== proc || f[dash + 1] !== 'proc') continue;
    options = f[dash + 3] ?? ''; // the last mount on the mount point is the one in force
  }
  return options;
}

/** Why /proc hides other users' processes from this one, or null. Exported for its table test. */
export function hiddenBy(superOptions: string | null, who = { uid: process.getuid?.() ?? 0, groups: process.getgroups?.() ?? [] }): string | null {
  if (!superOptions) return null;
  const opts = new Map(superOptions.split(',').map((o) => [o.split('=')[0]!, o.split('=')[1] ?? ''] as const));
  const hidepid = opts.get('hidepid');
  // 0/off shows everything; 1/noaccess shows the pids but not their command lines; 2/invisible hides
  // them; 4/ptraceable shows only what this user may ptrace.
  if (hidepid === undefined || hidepid === '0' || hidepid === 'off') return null;
  if (who.uid === 0) return null; // root sees through hidepid
  const gid = opts.get('gid');
  if (gid !== undefined && who.groups.includes(Number(gid))) return null;
  const user = currentUser();
  return `/proc is mounted with hidepid=${hidepid}, so ${user} cannot see other users' processes; remount /proc with gid=G (mount -o remount,hidepid=${hidepid},gid=G /proc) and add ${user} to group G`;
}

const base = (p: string | undefined) => (p ?? '').slice((p ?? '').lastIndexOf('/') + 1);

/** The script itself (not a wrapper naming it): `govuk_env_sync.sh …` or `bash …/govuk_env_sync.sh …`. */
function scriptArgs(argv: string[], script: string): string[] | null {
  if (base(argv[0]) === script) return argv.slice(1);
  if (/^(ba|da|)sh$/.test(base(argv[0])) && base(argv[1]) === script) return argv.slice(2);
  return null;
}

/** The uids whose processes count for a job: its user's (when known) and root's. */
export function processOwners(jobUid: number | null | undefined): number[] {
  return jobUid == null || jobUid === 0 ? [0] : [0, jobUid];
}

// A process counts when both its real and its effective uid are the job's user's or root's: a
// stranger's setuid program (real uid the stranger's) does not, nor a stranger's own process.
const ownedBy = (p: SeenProcess, owners: readonly number[]) => owners.includes(p.uids[0]) && owners.includes(p.uids[1]);

/** Whether a live govuk_env_sync.sh of one of `owners` names the cfg (`…/<cfgName>.cfg`): an unwrapped run still going. */
export function scriptRunning(view: ProcessView, script: string, cfgNeedle: string, owners: readonly number[]): boolean {
  return view.procs.some((p) => ownedBy(p, owners) && (scriptArgs(p.argv, script)?.some((a) => a.endsWith(cfgNeedle) || a === cfgNeedle.slice(1)) ?? false));
}

/** Whether a live with_reboot_lock of one of `owners` holds (or waits for) the lock called `name`. */
export function rebootLockHeld(view: ProcessView, name: string, owners: readonly number[]): boolean {
  return view.procs.some((p) => ownedBy(p, owners) && scriptArgs(p.argv, 'with_reboot_lock')?.[0] === name);
}
