// What a verdict's long output says about the log it read: which one, and whose lines it left out.
import type { JobTrust } from '../markers/trust.js';
import { ignoredLines } from './senders.js';
import type { LogRead } from './types.js';

const UNWRAPPED = "the job's cron line does not run it through env-sync-run, so no marker records its cron runs.";

/**
 * Why there is no marker: the crontab (or inventory) shows the cron line unwrapped, or nothing says
 * so, and then the state directory looked in may be the wrong one as much as the line unwrapped.
 */
function whyNoMarker(unwrapped: boolean, stateDir: string): string {
  return unwrapped
    ? UNWRAPPED
    : `no marker of it in ${stateDir}: either --state-dir is not where its env-sync-run writes, or its cron line does not run it through env-sync-run.`;
}

/** The caveat of a verdict from log lines alone (an unwrapped job): how far the lines can be believed. */
export function logOnlyCaveat(log: LogRead | undefined, unwrapped = true, stateDir = ''): string {
  const why = whyNoMarker(unwrapped, stateDir);
  if (log?.source.kind !== 'journal') return `Judged from syslog lines alone, which any local user can write (logger): ${why}`;
  if (!log.verifiedSenders) return `Judged from the lines of journal file ${log.label} alone, whose senders (_UID) are only what the file says: ${why}`;
  return `Judged from journal lines alone, counting only those journald recorded as sent by the job's user or root (_UID, which no sender can forge): ${why}`;
}

/** For the journal: which one was read and why, and the job's lines other users sent. Nothing for syslog files, whose lines name their file. */
export function logReadLines(log: LogRead | undefined, trust: JobTrust): string[] {
  if (log?.source.kind !== 'journal') return [];
  return [`Log read: ${log.label} (${log.source.why})`, ...ignoredLines(log, trust)];
}
