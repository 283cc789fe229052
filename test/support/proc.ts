import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { MONTH_NAMES } from '../../src/common/timeWords.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const plugin = (name: string) => join(repoRoot, 'plugins', name);
export const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', name);

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** One word for sh, in single quotes whatever it holds. */
export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs a command to its end and collects its output (bounded to 32 MiB each). */
export function run(cmd: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => stdout.length < 32 << 20 && (stdout += d));
    child.stderr!.on('data', (d) => stderr.length < 32 << 20 && (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    // A command that exits without reading its input (most do) closes the pipe first: not an error.
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input ?? '');
  });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(what: string, test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function waitForFile(path: string, timeoutMs = 10_000): Promise<void> {
  return waitUntil(`file ${path}`, () => existsSync(path), timeoutMs);
}

/** Runs as an unprivileged user (root ignores file permissions): `setpriv` from util-linux. */
export function asNobody(cmd: string, args: string[]): [string, string[]] {
  return ['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', cmd, ...args]];
}

/** A traditional syslog timestamp for now (`Nov  4 00:18:01`), host-local time. */
export function syslogStamp(d = new Date()): string {
  const hms = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `${MONTH_NAMES[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${hms}`;
}

/** A traditional syslog line of host db1: `Nov 24 00:18:01 db1 tag[pid]: message`. */
export function syslogLine(d: Date, rest: string): string {
  return `${syslogStamp(d)} db1 ${rest}`;
}
