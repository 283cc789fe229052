// `env-sync logs JOB [--follow]` on a journal host: the job's lines from the journal, oldest first, as
// journalctl's short format shows them, then (--follow) new ones as journald writes them, across its
// file rotations. Lines another user sent under the job's tags are shown, marked as such: the
// checks leave them out.
import { MONTH_NAMES } from '../common/timeWords.js';
import { nameOf } from '../common/users.js';
import type { JournalEntry, JournalSelection } from '../journal/types.js';
import { sourceLabel } from '../journal/args.js';
import { jobLineRule } from '../syslog/jobLines.js';
import type { LogProblem } from '../log/line.js';
import { visibleText } from '../output/sanitize.js';

export interface JournalLogsOptions {
  job: string;
  selection: JournalSelection;
  /** Senders whose lines are the job's (its user and root); others are marked. */
  trustedUids: readonly number[];
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

function stamp(d: Date): string {
  const hms = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `${MONTH_NAMES[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${hms}`;
}

/**
 * `Nov 24 00:18:01 db1 env-sync/pull_x[4242]: message`, one line, with the sender named when it is
 * not the job's. Every control in the sender's fields is shown as visible text: the marker after the
 * message cannot be hidden (SGR 8), overwritten (CR) or reordered (U+202E) by it.
 */
export function journalLine(e: JournalEntry, trustedUids: readonly number[]): string {
  const pid = e.pid !== null ? `[${e.pid}]` : '';
  const who =
    e.uid !== null && trustedUids.includes(e.uid) ? '' : `  [sent by ${e.uid === null ? 'an unrecorded sender' : nameOf(e.uid)}, not the job's user or root]`;
  return `${stamp(e.time)} ${visibleText(e.host)} ${visibleText(e.tag)}${pid}: ${visibleText(e.message)}${who}`;
}

function sayProblems(problems: LogProblem[], err: NodeJS.WritableStream): void {
  for (const p of problems) err.write(`env-sync: ${visibleText(`${p.path}: ${p.problem}; ${p.fix}`)}\n`);
}

const matches = (job: string) => [{ SYSLOG_IDENTIFIER: jobLineRule(job).tags }];

/**
 * Prints the job's lines from the whole journal, oldest first. Returns when it started reading and
 * the cursors of the lines printed from then on, so a follow can start there without a gap or a
 * line twice.
 */
export async function printJournalLogs(o: JournalLogsOptions): Promise<{ count: number; problems: LogProblem[]; from: Date; printed: Set<string> }> {
  const { readJournal } = await import('../journal/read.js');
  const rule = jobLineRule(o.job);
  const from = new Date();
  const printed = new Set<string>();
  let count = 0;
  const r = await readJournal({ ...o.selection, matches: matches(o.job), newestFirst: false, fields: [] }, (e) => {
    if (!rule.belongs(e)) return;
    o.out.write(`${journalLine(e, o.trustedUids)}\n`);
    count++;
    if (e.time >= from) printed.add(e.cursor);
  });
  sayProblems(r.problems, o.err);
  return { count, problems: r.problems, from, printed };
}

/** Follows the journal until SIGINT or SIGTERM, or until journalctl ends by itself (its problems are said). */
export async function followJournalLogs(
  o: JournalLogsOptions & { since: Date; skip: Set<string>; said: LogProblem[]; onReady?: (label: string) => void },
): Promise<LogProblem[]> {
  const { followJournal } = await import('../journal/follow.js');
  const rule = jobLineRule(o.job);
  const f = followJournal({ ...o.selection, matches: matches(o.job), since: o.since, fields: [] }, (e) => {
    if (o.skip.has(e.cursor) || !rule.belongs(e)) return;
    o.out.write(`${journalLine(e, o.trustedUids)}\n`);
  });
  if (f.pid !== undefined) o.onReady?.(sourceLabel(o.selection));
  const stop = () => void f.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const end = await f.ended;
  process.removeListener('SIGINT', stop);
  process.removeListener('SIGTERM', stop);
  // Stopped by the person at the terminal: what was wrong was said when the lines were printed.
  if (!end.stopped)
    sayProblems(
      end.problems.filter((p) => !o.said.some((s) => s.problem === p.problem)),
      o.err,
    );
  return end.problems;
}
