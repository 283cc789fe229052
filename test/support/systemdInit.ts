// A real systemd (this machine's, Debian's package) as PID 1 of namespaces of its own, for the timer
// tests: the machine the tests run on need not boot with systemd. Its root is made of this machine's
// /usr (read-only) and an /etc of the test's with no unit enabled, so it starts nothing but what it
// is told (a target of its own, empty): none of this machine's services. /sys is read-only, the
// network a private one with only a loopback, and its cgroups a cgroup2 subtree made for it (and
// removed after) seen through a cgroup namespace. Commands reach it with nsenter into its mount
// and pid namespaces (its private socket answers no one outside), where its /run is mounted over this
// machine's.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, shq, type Result } from './proc.js';
import { makeTempDir } from './tmp.js';

export const SYSTEMD = '/lib/systemd/systemd';
const TARGET = 'env-sync-test.target';

/** Where this machine's cgroup2 hierarchy is mounted, and this process's cgroup in it. */
function cgroup2Here(): string {
  const mount = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[2] === 'cgroup2')?.[1];
  if (!mount) throw new Error('no cgroup2 hierarchy is mounted: systemd needs one (mount -t cgroup2 none /sys/fs/cgroup/unified)');
  const own = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
  return join(mount, own);
}

/** Removes a cgroup2 directory and the ones systemd made under it, deepest first (their processes are gone). */
function removeCgroup(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroup(join(dir, e.name));
  rmdirSync(dir);
}

export class SystemdInit {
  readonly root: string;
  private readonly tmp = makeTempDir('env-sync-systemd-');
  private holder: ChildProcess | null = null;
  private cgroup = '';
  /** systemd's pid as this machine sees it. */
  pid = 0;

  constructor() {
    this.root = join(this.tmp.dir, 'root');
  }

  async start(): Promise<void> {
    const r = this.root;
    for (const d of ['usr', 'etc/systemd/system', 'proc', 'sys', 'dev', 'run', 'tmp', 'var', 'root']) mkdirSync(join(r, d), { recursive: true });
    for (const [l, to] of [
      ['bin', 'usr/bin'],
      ['lib', 'usr/lib'],
      ['lib64', 'usr/lib64'],
      ['sbin', 'usr/sbin'],
    ] as const)
      spawnSync('ln', ['-s', to, join(r, l)]);
    writeFileSync(join(r, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(join(r, 'etc/group'), 'root:x:0:\n');
    this.knowUser('messagebus'); // the system bus's (startBus())
    writeFileSync(join(r, 'etc/machine-id'), '');
    writeFileSync(join(r, 'etc/os-release'), 'ID=debian\nNAME="env-sync test"\n');
    writeFileSync(join(r, 'etc/systemd/system', TARGET), '[Unit]\nDescription=env-sync-checks test: nothing but what the test starts\n');
    this.cgroup = join(cgroup2Here(), `env-sync-test-${process.pid}-${Date.now()}`);
    const inner = [
      'set -e',
      `R=${shq(r)}`,
      'mount --bind /usr "$R/usr"',
      'mount -o remount,bind,ro "$R/usr"',
      'mount -t proc proc "$R/proc"',
      'mount -t sysfs -o ro sysfs "$R/sys"',
      'mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup"',
      'mount -t tmpfs -o mode=755 tmpfs "$R/dev"',
      'for d in null zero full random urandom tty; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done',
      'for d in run tmp; do mount -t tmpfs -o mode=755 tmpfs "$R/$d"; done',
      'ip link set lo up',
      `exec chroot "$R" /usr/bin/env container=env-sync-test ${SYSTEMD} --unit=${TARGET} --log-target=console`,
    ].join('\n');
    const outer = [
      'set -e',
      `mkdir ${shq(this.cgroup)}`,
      `echo $$ > ${shq(join(this.cgroup, 'cgroup.procs'))}`,
      `exec unshare --mount --propagation private --pid --fork --cgroup --net --uts --ipc --kill-child sh -c ${shq(inner)}`,
    ].join('\n');
    const holder = spawn('sh', ['-c', outer], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    this.holder = holder;
    let err = '';
    holder.stderr!.on('data', (d) => (err += d));
    holder.stdout!.on('data', (d) => (err += d));
    const ended = new Promise<never>((_, reject) => holder.on('exit', (code) => reject(new Error(`systemd ended (${code}): ${err}`))));
    ended.catch(() => undefined);
    // systemd, the child of unshare, answers once it has started its target.
    for (;;) {
      await Promise.race([ended, new Promise((res) => setTimeout(res, 50))]);
      const kids = existsSync(`/proc/${holder.pid}/task/${holder.pid}/children`)
        ? readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim()
        : '';
      if (!kids) continue;
      this.pid = Number(kids.split(' ')[0]);
      const s = await this.sh(`systemctl is-active ${TARGET}`);
      if (s.stdout.trim() === 'active') return;
    }
  }

  /** A shell script in systemd's mount namespace (this machine's files, with systemd's /run), as root. */
  sh(script: string): Promise<Result> {
    return run(
      'nsenter',
      [
        '--target',
        String(this.pid),
        '--mount',
        '--pid',
        '--',
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount --bind ${shq(join(this.root, 'run'))} /run && ${script}`,
      ],
      {
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
      },
    );
  }

  /** Makes this machine's user `name` (and its group) known inside too, as the system bus needs of each user that connects. */
  knowUser(name: string): void {
    for (const f of ['passwd', 'group']) {
      const line = readFileSync(`/etc/${f}`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${name}:`));
      if (line) appendFileSync(join(this.root, 'etc', f), `${line}\n`);
    }
  }

  /**
   * Starts the system bus (this machine's dbus-daemon, package dbus) under this systemd, and waits
   * until systemd is on it: then a user other than root reaches systemd as the monitoring user does,
   * over D-Bus, rather than through root's private socket.
   */
  async startBus(): Promise<void> {
    const r = await this.sh('systemctl start dbus.socket dbus.service');
    if (r.code !== 0) throw new Error(`the system bus did not start (apt-get install -y dbus): ${r.stderr}`);
    for (let i = 0; ; i++) {
      const names = await this.sh('busctl --system list --no-pager --no-legend');
      if (names.stdout.includes('org.freedesktop.systemd1')) return;
      if (i >= 200) throw new Error(`systemd did not come onto the system bus: ${names.stdout}${names.stderr}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** Writes a unit into its /etc/systemd/system. */
  unit(name: string, text: string): void {
    writeFileSync(join(this.root, 'etc/systemd/system', name), text);
  }

  /** Ends systemd (SIGKILL: as PID 1 of its namespace, every process in it ends too), removes its cgroups and its root. */
  async stop(): Promise<void> {
    const h = this.holder;
    this.holder = null;
    if (h && h.exitCode === null) {
      const gone = new Promise((res) => h.once('exit', res));
      if (this.pid) process.kill(this.pid, 'SIGKILL');
      h.kill('SIGKILL');
      await gone;
    }
    if (this.pid) for (let i = 0; i < 200 && existsSync(`/proc/${this.pid}`); i++) await new Promise((res) => setTimeout(res, 25));
    // The kernel frees a cgroup a little after its last process has ended: EBUSY until then.
    for (let i = 0; this.cgroup; i++)
      try {
        removeCgroup(this.cgroup);
        this.cgroup = '';
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || i >= 400) throw err;
        await new Promise((res) => setTimeout(res, 25));
      }
    this.tmp.cleanup();
  }
}
