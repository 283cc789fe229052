// Which log the checks read a job's lines from: the syslog files (rsyslog) or the systemd journal.
import type { JournalSelection } from '../journal/types.js';
import type { SyslogScanOptions } from '../syslog/types.js';

export type LogChoice = 'auto' | 'syslog' | 'journal';

/** A chosen log, with why it was chosen (for the long output when --log auto chose it). */
export type LogSource = { kind: 'syslog'; why: string } | { kind: 'journal'; selection: JournalSelection; why: string };

/**
 * Whose lines count: the journal records each line's sender (_UID, from the socket's credentials,
 * which no sender can forge), so a line of another user is left out and counted here. Syslog files
 * record no sender; there every line counts.
 */
export interface SenderFilter {
  /** The uids whose lines count: the job's user and root. */
  uids: readonly number[];
  /**
   * Processes whose lines count whatever their _UID: the judged run's wrapper. Run as root, it logs
   * through `logger --id=<its pid>`, which (util-linux 2.38) sends that pid as credentials with an
   * uninitialised uid, so journald records a random _UID; only root may send another process's pid,
   * so a line with the wrapper's _PID is the wrapper's.
   */
  pids?: readonly number[];
  /** Lines left out, by their sender's uid (null: an entry without _UID). Filled by the scan. */
  ignored: Map<number | null, number>;
}

/** What a check read, for its long output (CheckFacts.log). */
export interface LogRead {
  source: LogSource;
  /** `journal`, `journal:NS`, the journal file, or the syslog file given. */
  label: string;
  /**
   * The senders journald verified: the system journal or a namespace, whose _UID journald set itself.
   * A journal file's fields are only what whoever wrote the file put there.
   */
  verifiedSenders: boolean;
  /** Lines of the job left out because another user sent them (journal only). */
  ignored: Array<{ uid: number | null; lines: number }>;
  /** The uids whose lines counted. */
  trustedUids: readonly number[];
}

/** What scanLog reads: the syslog files' options, and which log and whose lines. */
export interface ScanOptions extends SyslogScanOptions {
  /** Which log scanLog (src/logsource/) reads: the syslog files (the default) or the journal. */
  source?: LogSource;
  /** The tags (SYSLOG_IDENTIFIER) of the wanted lines: the journal is asked for these alone. */
  tags?: string[];
  /** Whose lines count, by the sender journald recorded (_UID); syslog files record none. */
  senders?: SenderFilter;
}
