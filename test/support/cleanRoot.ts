// Clean Debian roots for the package test (`npm run test:package`) and the bench: a minimal system of
// one release made by mmdebstrap from the archive this machine's apt uses, with the release's own
// nagios-nrpe-server and lintian, cached outside the checkout and reused while younger than a day.
// Each session lays a fresh overlay on the cached root (so every run starts from the clean root and
// the cache is never changed) in a mount namespace of its own held by one process, with /proc, /sys
// and /dev mounted and a policy-rc.d that keeps daemons from starting at install; every command then
// runs there with `chroot`, and NRPE in a private network namespace.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { makeTempDir } from './tmp.js';

export interface Release {
  /** The suite: bookworm, trixie. */
  suite: string;
  /** Debian's number for it, as the docs and the bench name it. */
  debian: number;
}
export const RELEASES: Release[] = [
  { suite: 'bookworm', debian: 12 },
  { suite: 'trixie', debian: 13 },
];
const DAY_MS = 24 * 3600 * 1000;
/** What each root holds besides apt: the release's NRPE (and with it user nagios) and lintian. */
const INCLUDE = ['nagios-nrpe-server', 'lintian'];

/** Where the roots are cached: ENV_SYNC_ROOTS_DIR, else ~/.cache/env-sync-checks/roots. */
export function rootsDir(): string {
  return process.env.ENV_SYNC_ROOTS_DIR ?? join(homedir(), '.cache', 'env-sync-checks', 'roots');
}

/**
 * The Debian archive this machine's apt uses (ENV_SYNC_DEBIAN_MIRROR overrides it): the first URI of
 * /etc/apt/sources.list or a sources.list.d file that serves a release suite (not -security, not
 * -updates) of Debian's main archive.
 */
export function hostMirror(): string {
  if (process.env.ENV_SYNC_DEBIAN_MIRROR) return process.env.ENV_SYNC_DEBIAN_MIRROR;
  const files = ['/etc/apt/sources.list'];
  if (existsSync('/etc/apt/sources.list.d'))
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) if (/\.(list|sources)$/.test(f)) files.push(join('/etc/apt/sources.list.d', f));
  const suites = new Set(RELEASES.map((r) => r.suite).concat(['stable', 'oldstable', 'testing', 'unstable', 'sid']));
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    // One-line style: deb [options] URI SUITE COMPONENTS
    for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/gm)) if (suites.has(m[2]!)) return m[1]!;
    // deb822 style: a stanza with URIs: and Suites:
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suiteList = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      if (uri && /^Types:.*\bdeb\b/m.test(stanza) && suiteList.some((s) => suites.has(s))) return uri;
    }
  }
  throw new Error('no Debian archive in /etc/apt/sources.list*: set ENV_SYNC_DEBIAN_MIRROR to the URL of a Debian mirror (the one apt uses)');
}

/** The mmdebstrap command line for a root of `release` in `dir`. */
export function mmdebstrapArgs(release: Release, dir: string): string[] {
  return ['--variant=apt', `--include=${INCLUDE.join(',')}`, release.suite, dir, `deb ${hostMirror()} ${release.suite} main`];
}

/**
 * A root of `release` made within the last day (its `.complete` stamp), else a new one made now by
 * mmdebstrap (about six minutes with lintian); older roots of the release in the cache are removed.
 */
export function cachedRoot(release: Release, log: (line: string) => void = () => undefined): string {
  const dir = rootsDir();
  mkdirSync(dir, { recursive: true });
  const mine = readdirSync(dir)
    .filter((f) => new RegExp(`^${release.suite}-\\d{8}T\\d{6}$`).test(f))
    .map((f) => join(dir, f));
  const fresh = mine.filter((d) => existsSync(join(d, '.complete')) && Date.now() - statSync(join(d, '.complete')).mtimeMs < DAY_MS).sort();
  if (fresh.length) return fresh[fresh.length - 1]!;
  if (spawnSync('sh', ['-c', 'command -v mmdebstrap']).status !== 0)
    throw new Error('mmdebstrap is missing: bash scripts/test-deps.sh as root installs it (or apt-get install -y mmdebstrap)');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const target = join(dir, `${release.suite}-${stamp}`);
  const building = `${target}.building`;
  rmSync(building, { recursive: true, force: true });
  log(`making a clean ${release.suite} root with mmdebstrap in ${target} (a few minutes; reused for a day)`);
  const r = spawnSync('mmdebstrap', mmdebstrapArgs(release, building), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 1_800_000 });
  if (r.status !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(
      `mmdebstrap ${mmdebstrapArgs(release, building).join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || '').split('\n').slice(-15).join('\n')}`,
    );
  }
  writeFileSync(join(building, '.complete'), `${mmdebstrapArgs(release, target).join(' ')}\n`);
  renameSync(building, target);
  for (const old of mine) rmSync(old, { recursive: true, force: true });
  return target;
}

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A running overlay of a cached root in a mount namespace of its own. */
export class RootSession {
  readonly merged: string;
  private readonly tmp: { dir: string; cleanup: () => void };
  private holder: ChildProcess | null = null;
  private netHolder: ChildProcess | null = null;
  private readonly background = new Set<ChildProcess>();

  constructor(readonly base: string) {
    this.tmp = makeTempDir('env-sync-root-');
    this.merged = join(this.tmp.dir, 'merged');
    for (const d of ['upper', 'work', 'merged']) mkdirSync(join(this.tmp.dir, d));
  }

  /** Mounts the overlay, /proc, /sys and /dev in a new mount namespace, held until stop(). */
  async start(): Promise<void> {
    const t = this.tmp.dir;
    const script = [
      'set -e',
      `mount -t overlay overlay -o lowerdir=${this.base},upperdir=${t}/upper,workdir=${t}/work ${this.merged}`,
      `mount -t proc proc ${this.merged}/proc`,
      `mount -t sysfs sysfs ${this.merged}/sys`,
      `mount --rbind /dev ${this.merged}/dev`,
      'echo ready',
      'exec sleep infinity',
    ].join('\n');
    const holder = spawn('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.holder = holder;
    let err = '';
    holder.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      holder.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready\n')) resolve();
      });
      holder.on('exit', (code) => reject(new Error(`the mount namespace for ${this.base} could not be set up (exit ${code}): ${err}`)));
    });
    // Daemons never start at install (invoke-rc.d asks policy-rc.d); DNS as this machine has it, for apt.
    this.sh('printf "#!/bin/sh\\nexit 101\\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d');
    this.put('/etc/resolv.conf', readFileSync('/etc/resolv.conf'));
  }

  private nsenter(net = false): string[] {
    if (!this.holder?.pid) throw new Error('the root session is not started');
    if (net && !this.netHolder?.pid) throw new Error('the root session has no private network: call privateNetwork() first');
    return ['nsenter', `--mount=/proc/${this.holder.pid}/ns/mnt`, ...(net ? [`--net=/proc/${this.netHolder!.pid}/ns/net`] : []), '--'];
  }

  /**
   * A network namespace of the session's own, held until stop(): commands given `net: true` run in
   * it, and a daemon they start (NRPE restarted by Puppet) stays in it, reachable by the next such
   * command and by nothing else on this machine. Besides the loopback it has an eth0 (one end of a
   * veth pair whose other end is in it too) with 192.0.2.10/24 (TEST-NET-1) and the default route,
   * so that facter finds the host's address as on a real host; nothing leaves the namespace.
   */
  async privateNetwork(): Promise<void> {
    const setup = [
      'ip link set lo up',
      'ip link add eth0 type veth peer name eth1',
      'ip addr add 192.0.2.10/24 dev eth0',
      'ip link set eth0 up',
      'ip link set eth1 up',
      'ip route add default dev eth0',
      'echo ready',
      'exec sleep infinity',
    ].join(' && ');
    const cmd = [...this.nsenter(), 'unshare', '--net', '--', 'sh', '-c', setup];
    const holder = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    this.netHolder = holder;
    let err = '';
    holder.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      holder.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready\n')) resolve();
      });
      holder.on('exit', (code) => reject(new Error(`the private network namespace could not be set up (exit ${code}): ${err}`)));
    });
  }

  /** The environment commands get in the root: as root's login would, with no prompts from apt. */
  private env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LC_ALL: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive', ...extra };
  }

  /** Runs a shell script in the root, as root or as `user` (uid:gid). */
  sh(script: string, opts: { user?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; net?: boolean } = {}): Ran {
    const chroot = ['chroot', ...(opts.user ? [`--userspec=${opts.user}`, '--groups='] : []), this.merged, '/bin/sh', '-c', script];
    const cmd = [...this.nsenter(opts.net), ...chroot];
    const r = spawnSync(cmd[0]!, cmd.slice(1), {
      encoding: 'utf8',
      env: this.env(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 900_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  }

  /**
   * Runs a shell script of this machine's (not chrooted) in the session's mount namespace, with the
   * root at $ROOT: to mount over a file of the root, or (`privateNet`) to run a daemon of the root and
   * this machine's client for it in a new network namespace with only a loopback that is up; or
   * (`net`) in the session's own private network (privateNetwork()), to reach a daemon started there.
   */
  hostSh(script: string, opts: { privateNet?: boolean; net?: boolean; timeoutMs?: number } = {}): Ran {
    const cmd = [
      ...this.nsenter(opts.net),
      ...(opts.privateNet ? ['unshare', '--net', '--'] : []),
      'sh',
      '-c',
      `${opts.privateNet ? 'ip link set lo up\n' : ''}${script}`,
    ];
    const r = spawnSync(cmd[0]!, cmd.slice(1), {
      encoding: 'utf8',
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8', ROOT: this.merged },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 300_000,
    });
    return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  }

  /** Like sh(), but started in the background; ended by stop() if still running. */
  spawn(script: string, opts: { user?: string } = {}): ChildProcess {
    const chroot = ['chroot', ...(opts.user ? [`--userspec=${opts.user}`, '--groups='] : []), this.merged, '/bin/sh', '-c', script];
    const cmd = [...this.nsenter(), ...chroot];
    const child = spawn(cmd[0]!, cmd.slice(1), { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.background.add(child);
    child.on('exit', () => this.background.delete(child));
    return child;
  }

  /** Writes a file into the root (as root, 0644 unless told). */
  put(path: string, data: string | Buffer, mode = 0o644): void {
    const r = spawnSync(
      this.nsenter()[0]!,
      [...this.nsenter().slice(1), 'chroot', this.merged, '/bin/sh', '-c', `cat > '${path}' && chmod ${mode.toString(8)} '${path}'`],
      { input: data, env: this.env() },
    );
    if (r.status !== 0) throw new Error(`cannot write ${path} in the root: ${r.stderr}`);
  }

  /** Copies a host file into the root's /tmp and returns its path there. */
  copyIn(hostFile: string): string {
    const name = hostFile.slice(hostFile.lastIndexOf('/') + 1);
    this.put(`/tmp/${name}`, readFileSync(hostFile));
    return `/tmp/${name}`;
  }

  /** The uid:gid of a user in the root. */
  ids(user: string): string {
    const r = this.sh(`echo "$(id -u '${user}'):$(id -g '${user}')"`);
    if (r.status !== 0) throw new Error(`no user ${user} in the root: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Ends what this session started (by pid) and removes the overlay's layers; the cached root is untouched. */
  async stop(): Promise<void> {
    for (const c of this.background) c.kill('SIGKILL');
    // What those started inside the root (a wrapper's sync, a daemon) is found by its root directory.
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readlinkSync(`/proc/${pid}/root`) === this.merged) process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone, or not ours to read */
      }
    }
    const n = this.netHolder;
    this.netHolder = null;
    if (n && n.exitCode === null) {
      const gone = new Promise<void>((res) => n.on('exit', () => res()));
      n.kill('SIGKILL');
      await gone;
    }
    const h = this.holder;
    this.holder = null;
    if (h && h.exitCode === null) {
      const gone = new Promise<void>((res) => h.on('exit', () => res()));
      h.kill('SIGKILL');
      await gone;
    }
    // The namespace's mounts went with its last process; the layers are plain files now.
    this.tmp.cleanup();
  }
}
