// The generic log line: what every log reader (the syslog files, src/syslog/; the journal,
// src/journal/) hands its users (the queries, the checks, env-sync logs), whichever log it came from.
// Below both readers, so that neither imports the other.
export interface LogLine {
  /** Path of the file the line came from (syslog, syslog.1, syslog.2.gz …). */
  file: string;
  time: Date;
  host: string;
  /** The tag without pid: `govuk_env_sync.sh`, `env-sync/<job>`, `env-sync-run`. */
  tag: string;
  pid: number | null;
  /** The message as logged (not sanitised: renderers sanitise). */
  message: string;
}

/** A file that exists but could not be read, with what to do about it. Missing files are not problems. */
export interface LogProblem {
  path: string;
  problem: string;
  fix: string;
}
