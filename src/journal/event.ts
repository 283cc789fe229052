// The wrapper's start and finish events as structured journal entries (ENV_SYNC_JOB, ENV_SYNC_RUN,
// ENV_SYNC_EVENT), written with `logger --journald`: Node cannot send on journald's native datagram
// socket itself, and no C helper is wanted. Other lines keep going through /dev/log (journald stamps
// the trusted fields on those too).
//
// logger --journald exits 0 even when its sendmsg() fails (no socket: ENOENT, journald gone:
// ECONNREFUSED), so a missing socket is looked for first; a dead journald behind a present socket
// cannot be told from here.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Where libsystemd (and so logger --journald) sends, always: /run/systemd/journal/socket. */
export const JOURNAL_SOCKET_DIR = '/run/systemd/journal';
export const DEFAULT_EVENT_TIMEOUT_MS = 1000;

export interface JournalEventOptions {
  /**
   * The directory holding journald's native socket `socket` (default /run/systemd/journal). Another
   * one, such as a namespace's /run/systemd/journal.NS, is reached by running logger in a private mount
   * namespace with that directory mounted over /run/systemd/journal (unshare; unprivileged users get a
   * user namespace too, and journald still sees their real uid).
   */
  socketDir?: string;
  /** logger is killed (by pid) after this long and the call resolves: the sync never waits longer. */
  timeoutMs?: number;
  /** The logger to run (default `logger` from PATH). */
  logger?: string;
}

export interface JournalEventResult {
  written: boolean;
  /** Why not, for the wrapper's one warning on stderr. */
  why: string | null;
}

export interface RunEvent {
  job: string;
  runId: string;
  /** start, finish … (ENV_SYNC_EVENT). */
  event: string;
  /** The same text as the event= line the wrapper writes through /dev/log, so the judge reads either. */
  message: string;
  part?: string;
  /** SYSLOG_PID (default this process): what the dev-log lines carry through logger --id. */
  pid?: number;
  /** syslog priority, default 5 (notice), as the wrapper's env-sync-run lines. */
  priority?: number;
}

/** The journal fields of a run event, under the wrapper's tag env-sync-run, facility user. */
export function runEventFields(e: RunEvent): Record<string, string> {
  const fields: Record<string, string> = {
    MESSAGE: e.message,
    PRIORITY: String(e.priority ?? 5),
    SYSLOG_FACILITY: '1',
    SYSLOG_IDENTIFIER: 'env-sync-run',
    SYSLOG_PID: String(e.pid ?? process.pid),
    ENV_SYNC_JOB: e.job,
    ENV_SYNC_RUN: e.runId,
    ENV_SYNC_EVENT: e.event,
  };
  if (e.part !== undefined) fields.ENV_SYNC_PART = e.part;
  return fields;
}

/**
 * logger --journald's input: one FIELD=value line each. It reads lines, so a MESSAGE holding newlines
 * becomes repeated MESSAGE= lines (logger joins those with newlines); any other field's newlines
 * become spaces.
 */
export function journaldInput(fields: Record<string, string>): string {
  let out = '';
  for (const [name, value] of Object.entries(fields)) {
    if (!/^[A-Z_][A-Z0-9_]{0,63}$/.test(name)) throw new TypeError(`journal field name ${JSON.stringify(name)} is not one journald accepts`);
    if (name === 'MESSAGE') for (const line of value.split('\n')) out += `MESSAGE=${line}\n`;
    else out += `${name}=${value.replace(/\n/g, ' ')}\n`;
  }
  return out;
}

/**
 * The native socket directory that goes with a syslog socket: /dev/log is the default journald's (on
 * a journal host), `<dir>/dev-log` a namespace's (/run/systemd/journal.NS/dev-log). null for any other
 * socket (rsyslog's own), which has no journal behind it.
 */
export function journalSocketDirFor(syslogSocket: string): string | null {
  if (syslogSocket === '/dev/log' || syslogSocket === `${JOURNAL_SOCKET_DIR}/dev-log`) return JOURNAL_SOCKET_DIR;
  if (basename(syslogSocket) === 'dev-log') return dirname(syslogSocket);
  return null;
}

// Mounts the socket directory over /run/systemd/journal in the private mount namespace unshare made
// ("$1" is entered first, so it stays reachable once a tmpfs covers /run/systemd; the tmpfs is there
// because /run/systemd/journal need not exist, and nothing may be created on the host).
const MOUNT_AND_LOG =
  'cd "$1" && mount -t tmpfs -o mode=0755,size=64k env-sync /run/systemd && mkdir /run/systemd/journal && mount --no-canonicalize --bind . /run/systemd/journal && exec "$2" --journald';

/** Writes one journal entry with logger --journald. Never throws; resolves within timeoutMs (plus a kill). */
export function writeJournalEvent(fields: Record<string, string>, opts: JournalEventOptions = {}): Promise<JournalEventResult> {
  const socketDir = opts.socketDir ?? JOURNAL_SOCKET_DIR;
  const logger = opts.logger ?? 'logger';
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EVENT_TIMEOUT_MS;
  let input: string;
  try {
    input = journaldInput(fields);
    if (!statSync(`${socketDir}/socket`, { throwIfNoEntry: false })?.isSocket())
      return Promise.resolve({ written: false, why: `no journald socket at ${socketDir}/socket` });
  } catch (err) {
    return Promise.resolve({ written: false, why: (err as Error).message });
  }
  const own = process.getuid?.() === 0 ? ['--mount'] : ['--mount', '--map-root-user'];
  const [cmd, args] = socketDir === JOURNAL_SOCKET_DIR ? [logger, ['--journald']] : ['unshare', [...own, 'sh', '-c', MOUNT_AND_LOG, 'sh', socketDir, logger]];
  const what = `${logger} --journald`;
  return new Promise((resolve) => {
    let done = false;
    let stderr = '';
    const finish = (r: JournalEventResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    } catch (err) {
      finish({ written: false, why: `cannot run ${cmd}: ${(err as Error).message}` });
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      finish({ written: false, why: `${what} did not finish within ${timeoutMs} ms` });
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => stderr.length < 500 && (stderr += d.toString()));
    child.on('error', (err) => finish({ written: false, why: `cannot run ${cmd}: ${err.message}` }));
    child.on('close', (code, signal) => {
      if (code === 0) finish({ written: true, why: null });
      else
        finish({
          written: false,
          why: `${what} ${signal ? `was killed by ${signal}` : `exited ${code}`}${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}`,
        });
    });
    child.stdin!.on('error', () => undefined); // logger gone before reading: its exit says why
    child.stdin!.end(input);
  });
}

/** A run's start or finish as a structured entry (runEventFields + writeJournalEvent). */
export function writeRunEvent(e: RunEvent, opts: JournalEventOptions = {}): Promise<JournalEventResult> {
  let fields: Record<string, string>;
  try {
    fields = runEventFields(e);
  } catch (err) {
    return Promise.resolve({ written: false, why: (err as Error).message });
  }
  return writeJournalEvent(fields, opts);
}
