// A real, private systemd-journald for tests: one namespace per test run, so nothing reaches the host's
// own journal and nothing of the host's is read.
//   const jd = await startJournald();
//   logger -u jd.devLog …; await jd.sync(); journalctl --namespace=jd.namespace …
//   await jd.stop();   // stops it by pid and removes its sockets, its journal files and its config
//
// systemd-journald runs here without systemd as PID 1: `/lib/systemd/systemd-journald NAMESPACE`
// binds its own sockets in /run/systemd/journal.NAMESPACE/ and writes /var/log/journal/<machine-id>.NAMESPACE/
// (or /run/log/journal/… when /var/log/journal does not exist).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
export { ensureUser } from './users.js';
import { randomHex } from '../../src/common/randomHex.js';
import { pidAlive, sleep } from './proc.js';
import { asUser } from './users.js';

export const JOURNALD = '/lib/systemd/systemd-journald';
export const JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';
const MACHINE_ID = '/etc/machine-id';
// Each test run's namespaces are named after its pid, so a later run can tell a dead run's leftovers
// from a live run's journal (other people's tests share the machine).
const PREFIX = 'envsynctest';

export interface Journald {
  namespace: string;
  pid: number;
  machineId: string;
  /** /run/systemd/journal.NAMESPACE: its sockets. */
  runDir: string;
  /** The syslog socket (what /dev/log is to the host's journald): for `logger -u`, the wrapper's --syslog-socket. */
  devLog: string;
  /** The native protocol socket (what `logger --journald` writes to, as /run/systemd/journal/socket). */
  socket: string;
  /** Where its journal files are (the path journald itself reports). */
  journalDir: string;
  /** Waits until journald has written every message sent before the call (`journalctl --sync`). */
  sync(): Promise<void>;
  /** Makes journald start new journal files (`journalctl --rotate`). */
  rotate(): Promise<void>;
  /** `logger -u devLog --tag TAG MESSAGE`, optionally as another user (setpriv), then sync. */
  log(tag: string, message: string, opts?: { user?: string; extraArgs?: string[] }): Promise<void>;
  /**
   * Lines (any bytes) through one logger that stays alive until journald has stored `lines` entries
   * from it, as the wrapper's long-lived loggers do: journald reads _COMM and _EXE from /proc when a
   * line arrives, and has none to read for a logger that already exited. Resolves with logger's pid.
   */
  logKeptOpen(tag: string, input: Buffer | string, lines: number, opts?: { user?: string; extraArgs?: string[] }): Promise<number>;
  stop(): Promise<void>;
}

export function requireTool(path: string, pkg: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: apt-get install -y ${pkg} (or bash scripts/test-deps.sh as root)`);
}

/**
 * journald names its directories after the machine id; a container may have none. Then one is made for
 * the run and the original state (no file, or an empty one) is put back by the returned function.
 */
function ensureMachineId(): { id: string; restore: () => void } {
  let before: string | null = null;
  try {
    before = readFileSync(MACHINE_ID, 'utf8');
  } catch {
    before = null;
  }
  const current = before?.trim() ?? '';
  if (/^[0-9a-f]{32}$/.test(current)) return { id: current, restore: () => undefined };
  const id = randomHex(16);
  writeFileSync(MACHINE_ID, `${id}\n`);
  return {
    id,
    restore: () => {
      if (before === null) rmSync(MACHINE_ID, { force: true });
      else writeFileSync(MACHINE_ID, before);
    },
  };
}

function namespacePaths(namespace: string, machineId: string) {
  return {
    runDir: `/run/systemd/journal.${namespace}`,
    persistent: `/var/log/journal/${machineId}.${namespace}`,
    volatile: `/run/log/journal/${machineId}.${namespace}`,
    config: `/etc/systemd/journald@${namespace}.conf`,
  };
}

function removeNamespace(namespace: string, machineId: string): void {
  for (const p of Object.values(namespacePaths(namespace, machineId))) rmSync(p, { recursive: true, force: true });
}

/** Removes what earlier test runs that died before their clean-up left behind (their journald died with them: see --pdeathsig). */
function sweepDeadRuns(machineId: string): void {
  let names: string[] = [];
  try {
    names = readdirSync('/run/systemd').filter((n) => n.startsWith(`journal.${PREFIX}-`));
  } catch {
    return;
  }
  for (const n of names) {
    const namespace = n.slice('journal.'.length);
    const owner = Number(namespace.split('-')[1]);
    if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) removeNamespace(namespace, machineId);
  }
}

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with no input (proc.ts's run() writes stdin, which EPIPEs on a command that never reads it). */
export function exec(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => stdout.length < 32 << 20 && (stdout += d));
    child.stderr!.on('data', (d) => stderr.length < 32 << 20 && (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function journalctl(args: string[]): Promise<Ran> {
  return exec('journalctl', args);
}

/**
 * Starts systemd-journald for a fresh namespace and resolves once a probe line sent to its dev-log socket
 * can be read back with journalctl.
 *
 * Its config (/etc/systemd/journald@NS.conf, removed by stop) turns off two things a test cannot live
 * with: a namespace instance exits after 30 s without a client (on a real host systemd starts it again
 * from its socket unit; here nothing would), unless a retention time longer than that is set; and the
 * rate limit (10000 lines per 30 s) would drop a burst of test lines.
 */
export async function startJournald(opts: { config?: Record<string, string> } = {}): Promise<Journald> {
  requireTool(JOURNALD, 'systemd');
  const machine = ensureMachineId();
  sweepDeadRuns(machine.id);
  const namespace = `${PREFIX}-${process.pid}-${randomHex(4)}`;
  const paths = namespacePaths(namespace, machine.id);
  const config = { MaxRetentionSec: '1year', RateLimitIntervalSec: '0', ...opts.config };
  writeFileSync(
    paths.config,
    `[Journal]\n${Object.entries(config)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
  );
  // --pdeathsig: if the test process dies without stopping it, journald gets SIGTERM instead of
  // living on (with the retention set above it would never exit by itself).
  const child = spawn('setpriv', ['--pdeathsig', 'TERM', JOURNALD, namespace], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => stderr.length < 8192 && (stderr += d.toString()));
  let exited = child.exitCode !== null;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  child.once('error', (e) => (stderr += `cannot start: ${e.message}`));
  const pid = child.pid;
  const runDir = paths.runDir;
  const devLog = join(runDir, 'dev-log');
  const socket = join(runDir, 'socket');

  const cleanup = () => {
    removeNamespace(namespace, machine.id);
    machine.restore();
  };
  const stop = async () => {
    if (!exited && pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const killer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone between the two
        }
      }, 10_000);
      await exit;
      clearTimeout(killer);
    }
    cleanup();
  };
  const fail = async (why: string): Promise<never> => {
    await stop();
    throw new Error(`systemd-journald ${namespace} ${why}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
  };

  const end = Date.now() + 20_000;
  while (!(existsSync(devLog) && existsSync(socket))) {
    if (exited) return fail('exited before creating its sockets');
    if (Date.now() > end) return fail(`did not create ${devLog} within 20 s`);
    await sleep(20);
  }
  const probe = `journald-ready-${randomHex(6)}`;
  const sent = await exec('logger', ['-u', devLog, '--tag', 'env-sync-test-probe', probe]);
  if (sent.code !== 0) return fail(`does not take lines on ${devLog}: logger says ${sent.stderr.trim()}`);
  for (;;) {
    const r = await journalctl(['--namespace', namespace, '--no-pager', '-o', 'cat', 'SYSLOG_IDENTIFIER=env-sync-test-probe']);
    if (r.stdout.includes(probe)) break;
    if (exited) return fail('exited');
    if (Date.now() > end) return fail(`did not show the probe line within 20 s (journalctl: ${r.stderr.trim()})`);
    await sleep(50);
  }
  // The directory it writes to, as it reports it ("System Journal (/var/log/journal/…) is 8.0M …").
  const report = await journalctl([
    '--namespace',
    namespace,
    '--no-pager',
    '-o',
    'json',
    '--output-fields=JOURNAL_PATH',
    'MESSAGE_ID=ec387f577b844b8fa948f33cad9a75e6',
  ]);
  const reported = report.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { JOURNAL_PATH?: string }).JOURNAL_PATH)
    .find((p) => typeof p === 'string');
  const journalDir = reported ?? (existsSync(paths.persistent) ? paths.persistent : paths.volatile);
  if (journalDir !== paths.persistent && journalDir !== paths.volatile) return fail(`writes to ${journalDir}, which clean-up would not remove`);

  const sync = async () => {
    const r = await journalctl(['--namespace', namespace, '--sync']);
    if (r.code !== 0) throw new Error(`journalctl --namespace ${namespace} --sync failed: ${r.stderr.trim()}`);
  };
  return {
    namespace,
    pid: pid!,
    machineId: machine.id,
    runDir,
    devLog,
    socket,
    journalDir,
    sync,
    async rotate() {
      const r = await journalctl(['--namespace', namespace, '--rotate']);
      if (r.code !== 0) throw new Error(`journalctl --namespace ${namespace} --rotate failed: ${r.stderr.trim()}`);
    },
    async log(tag, message, o = {}) {
      const [cmd, args] = asUser(o.user, 'logger', ['-u', devLog, '--tag', tag, ...(o.extraArgs ?? []), '--', message]);
      const r = await exec(cmd, args);
      if (r.code !== 0) throw new Error(`logger to ${devLog} failed: ${r.stderr.trim()}`);
      await sync();
    },
    async logKeptOpen(tag, input, lines, o = {}) {
      const [cmd, args] = asUser(o.user, 'logger', ['-u', devLog, '--tag', tag, ...(o.extraArgs ?? [])]);
      const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      const exited = new Promise<void>((r) => child.once('close', () => r()));
      child.stdin!.write(input);
      const loggerPid = child.pid!;
      const until = Date.now() + 20_000;
      for (;;) {
        await sync();
        const r = await journalctl(['--namespace', namespace, '--no-pager', '-o', 'json', `_PID=${loggerPid}`]);
        if (r.stdout.split('\n').filter(Boolean).length >= lines) break;
        if (child.exitCode !== null || Date.now() > until) {
          child.kill('SIGKILL');
          throw new Error(`logger ${loggerPid} did not get ${lines} lines into journald ${namespace}: ${err.trim()}`);
        }
        await sleep(20);
      }
      child.stdin!.end();
      await exited;
      return loggerPid;
    },
    stop,
  };
}

/** Journal files in a directory (for counting rotations). */
export function journalFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.journal') || f.endsWith('.journal~'));
}

/** A field's value: text, or bytes (written in the export format's binary form, e.g. invalid UTF-8 or a newline). */
export type ExportValue = string | number | Buffer;
export type ExportEntry = Record<string, ExportValue>;

/**
 * The journal export format (systemd's "Journal Export Format"): one `FIELD=value` line per field, an
 * empty line after each entry; a value holding a newline or bytes is written as the field name, a
 * newline, its length as a 64-bit little-endian integer, the bytes and a newline.
 */
export function exportFormat(entries: ExportEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    for (const [name, value] of Object.entries(entry)) {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
      if (Buffer.isBuffer(value) || bytes.includes(0x0a)) {
        const len = Buffer.alloc(8);
        len.writeBigUInt64LE(BigInt(bytes.length));
        parts.push(Buffer.from(`${name}\n`), len, bytes, Buffer.from('\n'));
      } else parts.push(Buffer.from(`${name}=`), bytes, Buffer.from('\n'));
    }
    parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/**
 * Writes a journal file (read it with `journalctl --file PATH`) holding these entries, with
 * systemd-journal-remote from export format: entries of another machine or another boot, stamped with
 * whatever _BOOT_ID, _UID and time the test chooses. Each entry needs __REALTIME_TIMESTAMP (µs since the
 * epoch) and _BOOT_ID; __MONOTONIC_TIMESTAMP is filled in when missing.
 */
export async function writeJournalFile(path: string, entries: ExportEntry[]): Promise<void> {
  requireTool(JOURNAL_REMOTE, 'systemd-journal-remote');
  if (!path.endsWith('.journal')) throw new Error(`writeJournalFile: ${path} must end in .journal (systemd-journal-remote refuses other names)`);
  let mono = 1_000_000;
  const full = entries.map((e) => {
    if (e.__REALTIME_TIMESTAMP === undefined || e._BOOT_ID === undefined)
      throw new Error('writeJournalFile: each entry needs __REALTIME_TIMESTAMP and _BOOT_ID');
    mono += 1000;
    return { __MONOTONIC_TIMESTAMP: mono, ...e };
  });
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(JOURNAL_REMOTE, ['--split-mode=none', `--output=${path}`, '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin!.end(exportFormat(full));
  });
  if (r.code !== 0 || !statSync(path, { throwIfNoEntry: false })?.isFile())
    throw new Error(`systemd-journal-remote could not write ${path}: ${r.stderr.trim()}`);
}

/** The boot id of the running kernel, as journald stamps it in _BOOT_ID (no dashes). */
export function currentBootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '');
}

/** Runs test/support/journalChild.js (`read` or `event`) as USER (setpriv, no supplementary groups unless given). */
export async function journalChildAs<T>(user: string, mode: 'read' | 'event', arg: unknown, groups: string[] = []): Promise<T> {
  const script = fileURLToPath(new URL('./journalChild.js', import.meta.url));
  const group = user === 'nobody' ? 'nogroup' : user;
  const r = await exec('setpriv', [
    `--reuid=${user}`,
    `--regid=${group}`,
    groups.length ? `--groups=${groups.join(',')}` : '--clear-groups',
    process.execPath,
    script,
    mode,
    JSON.stringify(arg),
  ]);
  if (r.code !== 0) throw new Error(`journalChild ${mode} as ${user} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
