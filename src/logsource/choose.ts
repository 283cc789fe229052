// --log auto|syslog|journal: which log a check reads. Debian 12 and later install no rsyslog, so there
// is no /var/log/syslog and everything logged through /dev/log is in the journal.
import { statSync } from 'node:fs';
import { sourceLabel } from '../journal/args.js';
import { preflightProblems } from '../journal/problems.js';
import type { JournalSelection } from '../journal/types.js';
import type { LogChoice, LogSource } from './types.js';

export interface LogOptions {
  log?: LogChoice | undefined;
  syslog: string;
  journalNamespace?: string | undefined;
  journalFile?: string | undefined;
}

export function journalSelection(o: Pick<LogOptions, 'journalNamespace' | 'journalFile'>): JournalSelection {
  if (o.journalFile !== undefined) return { file: o.journalFile };
  if (o.journalNamespace !== undefined) return { namespace: o.journalNamespace };
  return {};
}

// Anything but "no such file" counts as there: a syslog file that exists but cannot be read is
// reported with its fix (group adm), never silently replaced by the journal.
function syslogThere(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOTDIR';
  }
}

/**
 * auto: the journal when a namespace or a journal file is named (they mean nothing else); else the
 * syslog file when it exists; else the journal when the host has one; else the syslog file, where
 * a missing file means no lines, as it always has.
 */
export function chooseLog(o: LogOptions): LogSource {
  const selection = journalSelection(o);
  const journal = (why: string): LogSource => ({ kind: 'journal', selection, why });
  switch (o.log ?? 'auto') {
    case 'syslog':
      return { kind: 'syslog', why: '--log syslog' };
    case 'journal':
      return journal('--log journal');
    default:
      if (o.journalFile !== undefined) return journal('--journal-file');
      if (o.journalNamespace !== undefined) return journal('--journal-namespace');
      if (syslogThere(o.syslog)) return { kind: 'syslog', why: `--log auto: ${o.syslog} exists` };
      if (preflightProblems(selection).length === 0) return journal(`--log auto: ${o.syslog} does not exist`);
      return { kind: 'syslog', why: `--log auto: neither ${o.syslog} nor a system journal exists` };
  }
}

// Host-wide views gather 500 jobs in one process: the choice is made once.
const chosen = new Map<string, LogSource>();

/** chooseLog, once per process for the same options. */
export function chooseLogOnce(o: LogOptions): LogSource {
  const named = (v: string | undefined) => (v === undefined ? '' : `=${v}`);
  const key = `${o.log ?? ''}\0${o.syslog}\0${named(o.journalNamespace)}\0${named(o.journalFile)}`;
  if (!chosen.has(key)) chosen.set(key, chooseLog(o));
  return chosen.get(key)!;
}

/** How the long output names what was read: the syslog file, `journal`, `journal:NS` or the journal file. */
export function logLabel(source: LogSource, syslog: string): string {
  return source.kind === 'journal' ? sourceLabel(source.selection) : syslog;
}

/** The journal's _UID is journald's own only in its own journals; a file holds what its writer put there. */
export function verifiedSenders(source: LogSource): boolean {
  return source.kind === 'journal' && source.selection.file === undefined && source.selection.directory === undefined;
}
