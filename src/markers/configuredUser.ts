// The job's user an administrator named once for the host: ENV_SYNC_JOB_USER in
// /etc/default/env-sync-checks, the file the package's postinst reads for the same purpose. It is
// believed only when the file is root's and writable by no one else: a user who could write it
// could name themselves the job's user and have their markers trusted. Read as KEY=VALUE lines,
// never run as shell, as postinst reads it.
import type { Stats } from 'node:fs';
import { readBoundedText } from '../common/boundedRead.js';

export const DEFAULTS_FILE = '/etc/default/env-sync-checks';
const MAX_DEFAULTS_BYTES = 64 * 1024;

/** The value of the last ENV_SYNC_JOB_USER= line (quotes taken off), or undefined when none or empty. */
export function parseJobUser(text: string): string | undefined {
  let found: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?ENV_SYNC_JOB_USER=\s*(.*?)\s*$/.exec(line);
    if (m) found = m[1]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  return found || undefined;
}

/** Why a defaults file is not believed, or null when it is. */
export function untrustedDefaults(st: Pick<Stats, 'uid' | 'mode'>): string | null {
  if (st.uid !== 0) return 'is not owned by root';
  if (st.mode & 0o022) return `is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'}`;
  return null;
}

const memo = new Map<string, string | undefined>();

/**
 * ENV_SYNC_JOB_USER from the defaults file, when the file is there and trusted; undefined otherwise.
 * `ENV_SYNC_DEFAULTS_FILE` names another file (tests): it must be root's and closed to others too.
 */
export function configuredJobUser(path = process.env.ENV_SYNC_DEFAULTS_FILE || DEFAULTS_FILE): string | undefined {
  if (memo.has(path)) return memo.get(path);
  let user: string | undefined;
  try {
    // The open file's own stat (boundedRead's inspect), not a path's that could change in between.
    let st: Stats | undefined;
    const text = readBoundedText(path, { maxBytes: MAX_DEFAULTS_BYTES, inspect: (s: Stats) => void (st = s) });
    user = text !== null && st && untrustedDefaults(st) === null ? parseJobUser(text) : undefined;
  } catch {
    user = undefined;
  }
  memo.set(path, user);
  return user;
}
