// The contract between the syslog reader (src/syslog/) and its users (the checks, env-sync logs).
import type { LogLine, LogProblem } from '../log/line.js';

/** What the syslog files' scan (scanBackwards) reads; scanLog's ScanOptions (src/logsource/types.ts) adds the journal's. */
export interface SyslogScanOptions {
  /** The live file, e.g. /var/log/syslog; rotated siblings are FILE.1, FILE.2.gz … */
  syslog: string;
  /** How many rotated files to read after the live one: 1 = FILE.1 only (default), 2 adds FILE.2.gz … */
  rotated: number;
  /** Reference time for inferring the year of traditional timestamps (December lines read in January). */
  now: Date;
  /** Epoch ms after which the scan throws a StageTimeoutError('reading syslog'). */
  deadline?: number;
  /**
   * Cheap filter on the raw line before it is parsed (e.g. a substring test); lines it rejects are
   * never parsed. The scan still sees their timestamps only if it needs them to stop.
   */
  prefilter?: (rawLine: string) => boolean;
  /**
   * Stop once the oldest line of a chunk is older than this, whatever the prefilter kept: the window a
   * check needs is covered, so the rest of the log (and the rotated files) is never read.
   */
  stopBefore?: Date;
  /**
   * Substrings a wanted line must contain (any of them). A chunk holding none of them is skipped
   * without splitting it into lines: one memchr-speed search instead of decoding every line.
   */
  needles?: string[];
  /**
   * Start each plain file's backward read at the first line stamped after this time, found by
   * binary search on the timestamps (syslog is written in time order): what a check needs of last
   * night's run then costs the same in a 1 MiB log as in a 1 GiB one. Callers add their own margin
   * for lines written out of order.
   */
  notAfter?: Date;
  /**
   * Stop after reading this many bytes (the seek's probes aside) and say so in the result: a check
   * every minute on a run that lasted hours in a busy log must not read all of it each time.
   */
  maxBytes?: number;
  /** Told of each file as its reading starts, so a plugin's timeout can name the file it was reading. */
  onFile?: (path: string) => void;
  /** Asked before each file is opened: true ends the scan there (what is wanted has been found). */
  beforeFile?: (path: string) => boolean;
}

export interface ScanResult {
  filesRead: string[];
  problems: LogProblem[];
  /** True when the visitor asked to stop before every file was read. */
  stoppedEarly: boolean;
  /** Bytes read from plain files (the seek's probes included): what the scan cost. */
  bytesRead: number;
  /** True when maxBytes ended the scan before the visitor or the files did. */
  budgetSpent: boolean;
}

/**
 * Visitor for a newest-first scan: gets entries newest first (live file from its end, then FILE.1 …)
 * and returns true to stop the scan, e.g. once entries are older than the window it needs.
 */
export type Visitor = (entry: LogLine) => boolean;

// Defined with the deadline it comes from; re-exported for the log readers and their callers.
export { StageTimeoutError } from '../common/deadline.js';
