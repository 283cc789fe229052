// What a verdict's long output says about the log it read: which one, and whose lines it left out.
import type { JobTrust } from '../markers/trust.js';
import { ignoredLines } from './senders.js';
import type { LogRead } from './types.js';

const UNWRAPPED = "the job's cron line does not run it through env-sync-run, so no marker records its cron runs.";

/** The caveat of a verdict from log lines alone (an unwrapped job): how far the lines can be believed. */
export function logOnlyCaveat(log: LogRead | undefined): string {
  if (log?.source.kind !== 'journal') return `Judged from syslog lines alone, which any local user can write (logger): ${UNWRAPPED}`;
  if (!log.verifiedSenders) return `Judged from the lines of journal file ${log.label} alone, whose senders (_UID) are only what the file says: ${UNWRAPPED}`;
  return `Judged from journal lines alone, counting only those journald recorded as sent by the job's user or root (_UID, which no sender can forge): ${UNWRAPPED}`;
}

/** For the journal: which one was read and why, and the job's lines other users sent. Nothing for syslog files, whose lines name their file. */
export function logReadLines(log: LogRead | undefined, trust: JobTrust): string[] {
  if (log?.source.kind !== 'journal') return [];
  return [`Log read: ${log.label} (${log.source.why})`, ...ignoredLines(log, trust)];
}
