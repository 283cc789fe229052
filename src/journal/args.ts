// journalctl's arguments for a query: the selection, field matches and a time window, so journalctl's
// own indexes find the job's entries instead of the reader scanning text.
import type { JournalMatch, JournalQuery, JournalSelection } from './types.js';

export const DEFAULT_EXTRA_FIELDS = ['ENV_SYNC_JOB', 'ENV_SYNC_RUN', 'ENV_SYNC_EVENT'];
// The fields an entry is built from. journalctl adds __CURSOR, __REALTIME_TIMESTAMP,
// __MONOTONIC_TIMESTAMP and _BOOT_ID to its JSON whatever --output-fields says; naming the rest keeps
// every other field (_CMDLINE, _EXE, _CAP_EFFECTIVE …) out of the output and out of JSON.parse.
const ENTRY_FIELDS = ['MESSAGE', 'SYSLOG_IDENTIFIER', 'SYSLOG_PID', '_PID', '_UID', '_COMM', '_HOSTNAME', '_TRANSPORT'];

// journald's field names: upper-case letters, digits and _, not starting with a digit, at most 64.
const FIELD_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;
const BOOT = /^([0-9a-f]{32}|[+-]?\d+)$/;

/** The label entries carry in `file` and problems in `path`. */
export function sourceLabel(sel: JournalSelection): string {
  if (sel.file !== undefined) return sel.file;
  if (sel.directory !== undefined) return sel.directory;
  if (sel.namespace !== undefined) return `journal:${sel.namespace}`;
  return 'journal';
}

export function defaultStage(sel: JournalSelection): string {
  if (sel.file !== undefined) return `reading ${sel.file}`;
  if (sel.directory !== undefined) return `reading the journal in ${sel.directory}`;
  if (sel.namespace !== undefined) return `reading the journal namespace ${sel.namespace}`;
  return 'reading the journal';
}

export function selectionArgs(sel: JournalSelection): string[] {
  const given = [sel.namespace, sel.file, sel.directory].filter((v) => v !== undefined).length;
  if (given > 1) throw new TypeError('a journal query takes at most one of namespace, file and directory');
  if (sel.file !== undefined) return [`--file=${sel.file}`];
  if (sel.directory !== undefined) return [`--directory=${sel.directory}`];
  if (sel.namespace !== undefined) return [`--namespace=${sel.namespace}`];
  return [];
}

/** `FIELD=value` arguments, groups joined by `+`; several values of a field in a group are OR'ed by journalctl. */
export function matchArgs(matches: JournalMatch[]): string[] {
  const out: string[] = [];
  for (const group of matches) {
    const fields = Object.entries(group);
    if (fields.length === 0) throw new TypeError('a journal match group needs at least one field');
    if (out.length > 0) out.push('+');
    for (const [field, value] of fields) {
      if (!FIELD_NAME.test(field)) throw new TypeError(`journal field name ${JSON.stringify(field)} is not one journald accepts`);
      const values = Array.isArray(value) ? value : [value];
      if (values.length === 0) throw new TypeError(`journal match on ${field} has no value`);
      for (const v of values) out.push(`${field}=${v}`);
    }
  }
  return out;
}

/** A PCRE2 pattern matching any of these strings as they are. */
export function anyOf(strings: string[]): string {
  return strings.map((s) => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')).join('|');
}

/** journalctl takes `@<seconds since the epoch>`, with a fraction. */
export function epochArg(d: Date): string {
  return `@${(d.getTime() / 1000).toFixed(3)}`;
}

export function outputFieldsArg(extra: string[]): string {
  for (const f of extra) if (!FIELD_NAME.test(f)) throw new TypeError(`journal field name ${JSON.stringify(f)} is not one journald accepts`);
  return `--output-fields=${[...ENTRY_FIELDS, ...extra].join(',')}`;
}

/**
 * The arguments of a one-shot query. `--all` keeps fields over 4096 bytes (journalctl would print
 * them as null): a long error line is the evidence a check wants. No `--quiet`: it would hide the
 * hint by which journalctl says that only the user's own entries could be read.
 */
export function queryArgs(q: JournalQuery): string[] {
  const args = ['--no-pager', '--output=json', '--all', outputFieldsArg(q.fields ?? DEFAULT_EXTRA_FIELDS), ...selectionArgs(q)];
  if (q.since) args.push(`--since=${epochArg(q.since)}`);
  if (q.until) args.push(`--until=${epochArg(q.until)}`);
  if (q.boot !== undefined) {
    if (!BOOT.test(q.boot)) throw new TypeError(`boot ${JSON.stringify(q.boot)} is neither a boot id (32 hex digits) nor an offset`);
    args.push(`--boot=${q.boot}`);
  }
  if (q.grep !== undefined) args.push(`--grep=${q.grep}`, '--case-sensitive=true');
  if (q.newestFirst !== false) args.push('--reverse');
  if (q.maxEntries !== undefined) {
    if (!Number.isInteger(q.maxEntries) || q.maxEntries < 1) throw new TypeError(`maxEntries ${q.maxEntries} is not a whole number of at least 1`);
    args.push(`--lines=${q.maxEntries}`);
  }
  args.push('--', ...matchArgs(q.matches));
  return args;
}
