// Which log lines belong to a job, and which of them are errors: the one rule every reader uses
// (the check's evidence, the syslog-only judgement of unwrapped jobs, `env-sync logs`).
import { MAX_NAME_LENGTH } from '../common/jobName.js';
import type { LogLine } from '../log/line.js';

/** The tag govuk_env_sync.sh logs under (`logger --tag govuk_env_sync.sh`, no pid). */
export const SCRIPT_TAG = 'govuk_env_sync.sh';
/** The wrapper's own events (`event=start job=J run=…`). */
export const WRAPPER_TAG = 'env-sync-run';
const OUTPUT_TAG_PREFIX = 'env-sync/';
/** The tag of a wrapped job's output lines. */
export const outputTag = (job: string): string => `${OUTPUT_TAG_PREFIX}${job}`;
/** The longest tag the line parser must read whole: the output tag of the longest job name allowed. */
export const MAX_TAG_LENGTH = OUTPUT_TAG_PREFIX.length + MAX_NAME_LENGTH;

export interface JobLineRule {
  /** Strings one of which every line of the job holds: a chunk without any of them is skipped. */
  needles: string[];
  /** A cheap test on the raw text of a line, before it is parsed; never false for a line of the job. */
  mayBelong(raw: string): boolean;
  /** A parsed line of the job: its output, the wrapper's events for it, or the script's lines for its cfg. */
  belongs(e: Pick<LogLine, 'tag' | 'message'>): boolean;
  /** A line of govuk_env_sync.sh naming the job's cfg (what an unwrapped job leaves). */
  isScriptLine(e: Pick<LogLine, 'tag' | 'message'>): boolean;
  /** The raw-text test for script lines alone. */
  mayBeScriptLine(raw: string): boolean;
  /** The cfg path's tail the script's lines name: `/<cfg>.cfg`. */
  cfgNeedle: string;
  /** The tags the job's lines carry (SYSLOG_IDENTIFIER in the journal): its output's, the wrapper's, the script's. */
  tags: string[];
}

export function jobLineRule(job: string, cfgName: string = job): JobLineRule {
  const tag = outputTag(job);
  const jobWord = `job=${job} `;
  const cfgNeedle = `/${cfgName}.cfg`;
  // The cfg path ends a quoted argv (`…/pull_x.cfg"`), a word, or the message.
  const namesCfg = (m: string) => m.includes(`${cfgNeedle}"`) || m.includes(`${cfgNeedle} `) || m.endsWith(cfgNeedle);
  const isScriptLine = (e: Pick<LogLine, 'tag' | 'message'>) => e.tag === SCRIPT_TAG && namesCfg(e.message);
  return {
    // Each string the job's lines are known by holds the job's name unless --cfg-name differs.
    needles: cfgNeedle.includes(job) ? [job] : [job, cfgNeedle],
    mayBelong: (raw) => raw.includes(tag) || raw.includes(jobWord) || raw.includes(cfgNeedle),
    belongs: (e) => e.tag === tag || (e.tag === WRAPPER_TAG && `${e.message} `.includes(jobWord)) || isScriptLine(e),
    isScriptLine,
    mayBeScriptLine: (raw) => raw.includes(SCRIPT_TAG) && raw.includes(cfgNeedle),
    cfgNeedle,
    tags: [tag, WRAPPER_TAG, SCRIPT_TAG],
  };
}

// What the script and the tools it runs (pg_restore, mysql, mongorestore, aws) say when they fail.
const ERROR_WORDS = /error|failed|fatal|denied|no space left|cannot|can't|traceback|killed/i;

/** A line that says something went wrong: the script's own error lines, or a tool's error words. */
export function isErrorText(message: string): boolean {
  return message.startsWith('Error running') || message.startsWith('error hash:') || ERROR_WORDS.test(message);
}
