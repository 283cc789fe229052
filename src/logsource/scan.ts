// One scan for every query, whichever log holds the lines: the syslog files read backwards
// (src/syslog/scan.ts) or the journal read with journalctl (src/journal/). Both hand the visitor the
// job's lines newest first and stop when it returns true, so the queries above
// (src/joblog/) do not know which log they read.
import { anyOf, sourceLabel } from '../journal/args.js';
import type { JournalQuery, JournalSelection } from '../journal/types.js';
import { scanBackwards } from '../syslog/scan.js';
import type { ScanResult, Visitor } from '../syslog/types.js';
import type { ScanOptions } from './types.js';

/** Newest first over the chosen log (ScanOptions.source; the syslog files by default); the visitor returns true to stop. */
export function scanLog(opts: ScanOptions, visit: Visitor): Promise<ScanResult> {
  const source = opts.source;
  return source?.kind === 'journal' ? scanJournal(opts, source.selection, visit) : scanBackwards(opts, visit);
}

/**
 * The journalctl query a scan makes. What the syslog scan finds by reading text is asked of journalctl
 * instead: the tags as field matches (SYSLOG_IDENTIFIER, from its index), the window as
 * --since/--until. The needles, as journalctl's JSON spells them, turn lines away before they are
 * parsed, unless a field came as an array (bytes that are not text, or a repeated field), which hides
 * its text. When none of the tags holds a needle, a wanted line holds it in its message, and
 * journalctl looks for it there itself (--grep) before formatting any entry: an unwrapped job's query
 * then costs the job's own lines, not every line of the script's tag.
 */
export function journalQuery(opts: ScanOptions, selection: JournalSelection): JournalQuery {
  const needles = opts.needles?.filter((n) => n !== '') ?? [];
  const escaped = needles.map((n) => JSON.stringify(n).slice(1, -1));
  const tags = opts.tags ?? [];
  const inMessage = needles.length > 0 && tags.length > 0 && !tags.some((t) => needles.some((n) => t.includes(n)));
  return {
    ...selection,
    matches: tags.length ? [{ SYSLOG_IDENTIFIER: tags }] : [],
    since: opts.stopBefore,
    until: opts.notAfter,
    deadline: opts.deadline,
    // Only the entry's own fields: ENV_SYNC_* are not read by the queries.
    fields: [],
    rawFilter: escaped.length ? (line) => line.includes('":[') || escaped.some((n) => line.includes(n)) : undefined,
    grep: inMessage ? anyOf(needles) : undefined,
  };
}

/**
 * The journal's side of the contract: the query above, newest first. The prefilter sees
 * `tag: message`, the text a syslog line holds after its host. Lines of senders the filter does not
 * trust are counted and never visited.
 */
async function scanJournal(opts: ScanOptions, selection: JournalSelection, visit: Visitor): Promise<ScanResult> {
  const senders = opts.senders;
  opts.onFile?.(sourceLabel(selection));
  // Loaded when the journal is read: it brings child_process (and with it the stream modules), which a
  // check reading syslog files, or none, never pays for at start-up.
  const { readJournal } = await import('../journal/read.js');
  const r = await readJournal(journalQuery(opts, selection), (e) => {
    if (opts.prefilter && !opts.prefilter(`${e.tag}: ${e.message}`)) return false;
    if (senders && !(e.uid !== null && senders.uids.includes(e.uid)) && !(e.trustedPid !== null && senders.pids?.includes(e.trustedPid))) {
      senders.ignored.set(e.uid, (senders.ignored.get(e.uid) ?? 0) + 1);
      return false;
    }
    return visit(e);
  });
  return { filesRead: [r.source], problems: r.problems, stoppedEarly: r.stoppedEarly, bytesRead: 0, budgetSpent: false };
}
