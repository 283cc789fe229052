// The contract between the journal reader (src/journal/) and its users. A JournalEntry is a LogLine
// (so the judge that reads syslog files reads the journal the same way) plus the fields journald sets
// itself from the sender's credentials, which a local user cannot forge with logger.
import type { LogLine, LogProblem } from '../log/line.js';

export interface JournalEntry extends LogLine {
  /**
   * Where it came from: `journal` (the system journal), `journal:NS` (namespace NS), or the path given
   * as --file / --directory.
   */
  file: string;
  /** __REALTIME_TIMESTAMP: when journald received it, µs since the epoch (time is the same, in ms). */
  timeUsec: number;
  /** SYSLOG_IDENTIFIER, the tag. Empty when the entry has none. */
  tag: string;
  /** SYSLOG_PID (what the sender says: the wrapper logs its own pid through logger --id) else _PID. */
  pid: number | null;
  /** _HOSTNAME. */
  host: string;
  /** MESSAGE; binary values are decoded as UTF-8 with U+FFFD for bad bytes, several values joined by newlines. */
  message: string;
  /** _UID: trusted, from the sender's socket credentials. */
  uid: number | null;
  /** _PID: trusted, the process that wrote to the socket (logger's own pid for logger lines). */
  trustedPid: number | null;
  /** _COMM: trusted but read from /proc by journald, so missing when the sender exited first. */
  comm: string | null;
  /** _BOOT_ID (32 hex digits): the boot the entry was written in. */
  bootId: string | null;
  /** _TRANSPORT: `syslog` (dev-log), `journal` (native, logger --journald), `stdout`, `driver` … */
  transport: string | null;
  /** __CURSOR: where to resume after this entry. */
  cursor: string;
  /** The extra fields asked for (JournalQuery.fields) that the entry has, e.g. ENV_SYNC_RUN. */
  fields: Record<string, string>;
}

/**
 * One group of matches: every field must match (AND); a field given several values matches any of
 * them (OR), e.g. `{ SYSLOG_IDENTIFIER: ['govuk_env_sync.sh', 'env-sync-run'] }`. A query's groups
 * are OR'ed (journalctl's `+`).
 */
export type JournalMatch = Record<string, string | string[]>;

/** Which journal to read. At most one of namespace, file, directory; none means the system journal. */
export interface JournalSelection {
  /** A journald namespace (journalctl --namespace). */
  namespace?: string;
  /** One journal file (journalctl --file), e.g. one written by systemd-journal-remote. */
  file?: string;
  /** A directory of journal files (journalctl --directory). */
  directory?: string;
  /** The journalctl to run (default `journalctl` from PATH). */
  journalctl?: string;
}

export interface JournalQuery extends JournalSelection {
  /** Groups OR'ed; an empty list matches every entry. */
  matches: JournalMatch[];
  /** Entries received at or after this time (--since=@epoch). */
  since?: Date;
  /** Entries received at or before this time (--until=@epoch). */
  until?: Date;
  /** Only this boot: a 32-hex-digit boot id, or an offset such as `0` (this boot) or `-1`. */
  boot?: string;
  /**
   * Only entries whose MESSAGE matches this PCRE2 pattern, case-sensitively (journalctl --grep, which
   * tests each entry before formatting it: what a match on the text costs inside journalctl, not here).
   */
  grep?: string;
  /** At most the newest N entries that match (-n N). */
  maxEntries?: number;
  /** Newest first (--reverse), the default; false gives oldest first. */
  newestFirst?: boolean;
  /** Epoch ms: journalctl is killed at this time and the read throws StageTimeoutError(stage). */
  deadline?: number;
  /** What a timeout names (default `reading the journal`, `reading the journal namespace NS`, `reading FILE`). */
  stage?: string;
  /** Extra fields to return in entry.fields (default ENV_SYNC_JOB, ENV_SYNC_RUN, ENV_SYNC_EVENT). */
  fields?: string[];
  /**
   * A cheap test on each line of journalctl's JSON before it is parsed; lines it rejects are never
   * parsed or visited (counted in `skipped`). It must accept every line that might matter: a field
   * journalctl prints as an array of bytes does not hold its text.
   */
  rawFilter?: (jsonLine: string) => boolean;
}

export interface JournalReadResult {
  /** The label its entries carry in `file`. */
  source: string;
  /** Why entries may be missing, each with its fix (the same shape as syslog's). */
  problems: LogProblem[];
  /** Entries handed to the visitor. */
  count: number;
  /** The visitor asked to stop (journalctl was stopped then). */
  stoppedEarly: boolean;
  /** maxEntries entries came back: older matching entries may exist. */
  countReached: boolean;
  /** Lines of journalctl's output that were not a JSON entry (none expected). */
  unparsed: number;
  /** Lines the rawFilter turned away unparsed. */
  skipped: number;
  /** What ran, for -v output: journalctl and its arguments. */
  argv: string[];
}

/** Return true to stop reading (journalctl is then stopped). */
export type JournalVisitor = (entry: JournalEntry) => boolean | void;
