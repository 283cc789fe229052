// A sync host as Puppet leaves it, inside a private mount namespace (unshare -m) so nothing of this
// machine changes: the real govuk_env_sync.sh in /usr/local/bin beside with_reboot_lock (rendered
// from ../shared/govuk-puppet/with_reboot_lock.erb with a temporary lock_dir), env-sync and
// env-sync-run; /var/log/govuk_env_sync for the script's own log; /dev/log pointing at a private
// rsyslogd; and stand-ins, on PATH and in /usr/sbin, for what the script calls that has no place
// in a test: aws (s3 cp, s3 ls), send_nsca (which would retry 4 × 20 s without an NSCA server).
// Commands run in the namespace as root; cron's own step, /bin/sh -c as the job's user with cron's
// environment, is what the tests give them.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { govukPuppetDir } from './govukPuppet.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const PLUGINS = join(REPO, 'plugins');

export interface HostChain {
  root: string;
  /** Overlays, mounted over the real directories inside the namespace. */
  localBin: string;
  usrBin: string;
  usrSbin: string;
  varLog: string;
  /** /var/lib, with the default state directory /var/lib/env-sync in it, owned by the job's user. */
  varLib: string;
  /** The default state directory as the namespace sees it, and where it is on this machine's disk. */
  stateDir: string;
  stateOnDisk: string;
  lockDir: string;
  /** Files the stand-ins read to decide (`aws-fails` makes aws fail) and write (`aws-log`: one line a call). */
  control: string;
  /** Runs a bash script in the namespace, as root; resolves with its status and output. */
  run(script: string, opts?: { input?: string; timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export const AWS = `#!/bin/sh
# Stand-in for the aws CLI (test/support/hostChain.ts): s3 cp and s3 ls, with a bucket in a directory.
control=__CONTROL__
# Each call says its number, so a test can tell one run's output from another's.
calls=$(( $(cat "$control/aws-calls" 2>/dev/null || echo 0) + 1 )); echo "$calls" > "$control/aws-calls"
echo "aws stand-in: call $calls"
# And where it ran, with what: the marks a test reads to see that a sync ran, in which directory, with which environment.
echo "call=$calls pwd=$(pwd) AWS_PROFILE=\${AWS_PROFILE-} $*" >> "$control/aws-log"
# A FIFO aws-wait holds every call until a line is written to it: a run the test can see going.
if [ -p "$control/aws-wait" ]; then read line < "$control/aws-wait"; fi
if [ -e "$control/aws-fails" ]; then echo "upload failed (call $calls): An error occurred (AccessDenied)" >&2; exit 1; fi
case "$1 $2" in
  # An upload replaces an object of the same name whoever wrote it (two runs in one second name
  # their dumps alike).
  "s3 cp") src=$3 dst=$4
    case "$src" in s3://*) cp "$control/bucket/$(basename "$src")" "$dst" ;; *) mkdir -p "$control/bucket" && rm -f "$control/bucket/$(basename "$dst")" && cp "$src" "$control/bucket/$(basename "$dst")" ;; esac ;;
  "s3 ls") ls "$control/bucket" 2>/dev/null | sed 's/^/2026-11-24 00:00:00 1 /' ;;
  *) echo "aws stand-in: $*" >&2; exit 2 ;;
esac
`;
export const SEND_NSCA = `#!/bin/sh
# Stand-in for send_nsca (test/support/hostChain.ts): takes the passive result and goes.
cat > /dev/null
exit 0
`;

/**
 * Each entry of a system directory, linked into an overlay that stand-ins are then added to. The
 * links point at `original`, where the namespace mounts the system directory before the overlay
 * covers it (a link to /usr/bin/x inside the overlay mounted on /usr/bin would point at itself).
 */
function overlayOf(system: string, overlay: string, original: string): void {
  mkdirSync(overlay, { recursive: true });
  mkdirSync(original, { recursive: true });
  for (const name of readdirSync(system)) {
    try {
      symlinkSync(join(original, name), join(overlay, name));
    } catch {
      /* a name already in the overlay */
    }
  }
}

export function makeHostChain(root: string, o: { jobUser: { uid: number; gid: number }; rsyslogSocket: string }): HostChain {
  const localBin = join(root, 'usr-local-bin');
  const usrBin = join(root, 'usr-bin');
  const usrSbin = join(root, 'usr-sbin');
  const varLog = join(root, 'var-log');
  const varLib = join(root, 'var-lib');
  const stateDir = join(varLib, 'env-sync');
  const lockDir = join(root, 'no-reboot');
  const control = join(root, 'control');
  for (const d of [localBin, varLog, lockDir, control, join(control, 'bucket'), join(varLog, 'govuk_env_sync'), stateDir]) mkdirSync(d, { recursive: true });
  chmodSync(stateDir, 0o755);
  chownSync(stateDir, o.jobUser.uid, o.jobUser.gid);
  chmodSync(control, 0o777);
  chmodSync(join(control, 'bucket'), 0o777);
  chownSync(join(varLog, 'govuk_env_sync'), o.jobUser.uid, o.jobUser.gid);
  chmodSync(lockDir, 0o777); // with_reboot_lock runs as the job's user and touches its file here
  // The real scripts, in the places task.pp puts them (a copy: ../shared is read-only, and not executable).
  const GOVUK_PUPPET = govukPuppetDir();
  copyFileSync(join(GOVUK_PUPPET, 'govuk_env_sync.sh'), join(localBin, 'govuk_env_sync.sh'));
  chmodSync(join(localBin, 'govuk_env_sync.sh'), 0o755);
  writeFileSync(join(localBin, 'with_reboot_lock'), readFileSync(join(GOVUK_PUPPET, 'with_reboot_lock.erb'), 'utf8').replace('<%= @lock_dir %>', lockDir), {
    mode: 0o755,
  });
  for (const exe of ['env-sync', 'env-sync-run', 'check_env_sync', 'check_env_sync_all']) symlinkSync(join(PLUGINS, exe), join(localBin, exe));
  const orig = (name: string) => join(root, 'orig', name);
  overlayOf('/usr/bin', usrBin, orig('usr-bin'));
  writeFileSync(join(usrBin, 'aws'), AWS.replace('__CONTROL__', control), { mode: 0o755 });
  overlayOf('/usr/sbin', usrSbin, orig('usr-sbin'));
  writeFileSync(join(usrSbin, 'send_nsca'), SEND_NSCA, { mode: 0o755 });
  // /var/log as the host has it, with the script's own directory in it.
  overlayOf('/var/log', varLog, orig('var-log'));
  overlayOf('/var/lib', varLib, orig('var-lib'));

  // /dev in the namespace: a tmpfs with the devices a shell, sudo and a pty need, and /dev/log.
  const devSetup = `
    mkdir -p ${root}/old-dev && mount --bind /dev ${root}/old-dev
    mount -t tmpfs -o mode=755 tmpfs /dev
    for n in null zero full random urandom tty; do touch /dev/$n && mount --bind ${root}/old-dev/$n /dev/$n; done
    # A devpts of the namespace's own, and /dev/ptmx its multiplexer, so script(1) gets a pty.
    mkdir -p /dev/pts /dev/shm && mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts && ln -s pts/ptmx /dev/ptmx
    mount --bind ${root}/old-dev/shm /dev/shm
    ln -s /proc/self/fd /dev/fd; ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
    ln -s ${o.rsyslogSocket} /dev/log
  `;
  const mounts = `
    set -e
    mount --bind /usr/bin ${orig('usr-bin')}
    mount --bind /usr/sbin ${orig('usr-sbin')}
    mount --bind /var/log ${orig('var-log')}
    mount --bind /var/lib ${orig('var-lib')}
    mount --bind ${localBin} /usr/local/bin
    mount --bind ${usrBin} /usr/bin
    mount --bind ${usrSbin} /usr/sbin
    mount --bind ${varLog} /var/log
    mount --bind ${varLib} /var/lib
    ${devSetup}
    set +e
  `;
  return {
    root,
    localBin,
    usrBin,
    usrSbin,
    varLog,
    varLib,
    stateDir: '/var/lib/env-sync',
    stateOnDisk: stateDir,
    lockDir,
    control,
    run(script, opts = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn('unshare', ['--mount', '--propagation', 'private', '--', 'bash', '-c', `${mounts}\n${script}`], {
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d) => (stdout += d));
        child.stderr!.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        child.stdin!.on('error', () => {}); // exited without reading its input
        child.stdin!.end(opts.input ?? '');
      });
    },
  };
}

/**
 * The cfg of a `push` of a directory to the stand-in s3 (dbms files): the script's simplest real
 * path. Its `database` is a directory relative to where cron runs the job, the user's home (the
 * script names its dump after it, so an absolute path would not do).
 */
export function filesPushCfg(root: string, name: string, home: string, owner: { uid: number; gid: number }): string {
  const data = join(home, `${name}-data`);
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'content.txt'), `data of ${name}\n`);
  chownSync(data, owner.uid, owner.gid);
  const temp = join(root, 'tmp');
  mkdirSync(temp, { recursive: true });
  chmodSync(temp, 0o777);
  const cfg = join(root, 'etc', `${name}.cfg`);
  mkdirSync(dirname(cfg), { recursive: true });
  writeFileSync(cfg, `action=push\ndbms=files\nstoragebackend=s3\ntemppath=${temp}\ndatabase=${name}-data\nurl=govuk-test-bucket\npath=${name}\n`);
  return cfg;
}

/**
 * A push cfg whose temppath cannot be made (under a file): the real script logs `Starting`, says
 * "Could not access …" on stdout only and exits 1 — no Completed, no Error running line.
 */
export function unreachableTempCfg(root: string, name: string): string {
  const blocker = join(root, 'not-a-directory');
  writeFileSync(blocker, '');
  const cfg = join(root, 'etc', `${name}.cfg`);
  mkdirSync(dirname(cfg), { recursive: true });
  writeFileSync(cfg, `action=push\ndbms=files\nstoragebackend=s3\ntemppath=${blocker}/tmp\ndatabase=${name}-data\nurl=govuk-test-bucket\npath=${name}\n`);
  return cfg;
}

/** An env.d for envdir with what the script's set -u needs. */
export function envDir(root: string): string {
  const dir = join(root, 'etc', 'env.d');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'LOCAL_DOMAIN'), 'staging.publishing.service.gov.uk\n');
  return dir;
}

export function exists(path: string): boolean {
  return existsSync(path);
}
