import { scanLog } from '../logsource/scan.js';
import { isErrorText, jobLineRule, outputTag, WRAPPER_TAG, type JobLineRule } from '../syslog/jobLines.js';
import { findScriptRuns, type ScriptRunsFound } from './scriptRuns.js';
import type { ScanOptions } from '../logsource/types.js';
import type { LogLine, LogProblem } from '../log/line.js';

// A run's lines are looked for from a minute before its recorded start (clock skew between the
// marker and syslog costs nothing there: a short run's window is small) to 15 s after its end.
const SLACK_BEFORE_MS = 60_000;
const SLACK_AFTER_MS = 15_000;
// Lines stamped out of order by more than this after the run's end may be missed in its evidence
// (the verdict itself comes from the markers): the price of seeking by time instead of reading the
// whole log. rsyslog stamps lines as it receives them, so local lines are in order. Everything after
// the end is read before the run's own lines, so this and SLACK_AFTER_MS are kept short (what a
// minute of each cost is in docs/benchmarks.md).
const SEEK_MARGIN_MS = 15_000;
// How much syslog one check reads back from the end of a run's window. A run of hours in a busy log
// spans gigabytes; its last lines (where the error is) come first, and `env-sync logs JOB` has the rest.
// 2 MiB is nearly three minutes of a 1 GiB-a-day log: the 30 s after the run's end, then over two
// minutes of its last lines.
const EVIDENCE_BUDGET_BYTES = 2 * 1024 * 1024;
const MAX_LINES = 200;

export interface RunEvidence {
  lines: LogLine[];
  errorLines: LogLine[];
  filesRead: string[];
  problems: LogProblem[];
  bytesRead: number;
  /** The byte budget or MAX_LINES ended the read before the run's start: its older lines were not read. */
  partial: boolean;
}

/**
 * A run's own syslog lines, oldest first: its output (env-sync/JOB, logged with the wrapper's pid),
 * the wrapper's lines for it (its pid, or `run=RUN`), and govuk_env_sync.sh's lines in the run's span
 * that name its cfg. Lines of a neighbouring run in the window are left out: the
 * evidence is this run's, not a time window's. Without a run id and pid (callers that have none),
 * every line of the job in the window.
 */
export async function collectRunEvidence(
  opts: ScanOptions,
  q: { job: string; runId?: string; wrapperPid?: number; start: Date; end: Date | null; cfgName?: string },
): Promise<RunEvidence> {
  const from = q.start.getTime() - SLACK_BEFORE_MS;
  const to = (q.end ?? opts.now).getTime() + SLACK_AFTER_MS;
  const rule = jobLineRule(q.job, q.cfgName);
  const own = q.runId !== undefined && q.wrapperPid !== undefined ? runLineRule(q.job, q.runId, q.wrapperPid, q.start, q.end ?? opts.now, rule) : null;
  const found: LogLine[] = [];
  const scan = await scanLog(
    {
      ...opts,
      stopBefore: new Date(from),
      notAfter: new Date(to + SEEK_MARGIN_MS),
      maxBytes: opts.maxBytes ?? EVIDENCE_BUDGET_BYTES,
      needles: rule.needles,
      tags: rule.tags,
      prefilter: rule.mayBelong,
    },
    (e) => {
      const t = e.time.getTime();
      if (t < from) return true;
      if (t > to) return false;
      if (own ? own(e) : rule.belongs(e)) found.push(e);
      // Only the newest MAX_LINES are shown: a long run's output need not be read to its start.
      return found.length >= MAX_LINES;
    },
  );
  const lines = found.reverse().slice(-MAX_LINES);
  return {
    lines,
    errorLines: lines.filter((e) => isErrorText(e.message)),
    filesRead: scan.filesRead,
    problems: scan.problems,
    bytesRead: scan.bytesRead,
    partial: scan.budgetSpent || (scan.stoppedEarly && found.length >= MAX_LINES),
  };
}

// A line is stamped when rsyslog receives it: never before it was sent, so never before the run's
// recorded start — unless the stamp is in whole seconds (the traditional format), which cuts up to a
// second off. After the end, receipt may lag the sending by a moment.
const WHOLE_SECOND_SLACK_MS = 1000;
const RECEIPT_LAG_MS = 1000;

/** Whether a line is one run's own (see collectRunEvidence). */
function runLineRule(job: string, runId: string, wrapperPid: number, start: Date, end: Date, rule: JobLineRule): (e: LogLine) => boolean {
  const tag = outputTag(job);
  const runWord = ` run=${runId} `;
  const to = end.getTime() + RECEIPT_LAG_MS;
  return (e) => {
    if (e.tag === tag) return e.pid === null || e.pid === wrapperPid;
    if (e.tag === WRAPPER_TAG) return e.pid === wrapperPid || ` ${e.message} `.includes(runWord);
    // The script's other lines need no looking for: its log() echoes each to stdout, which the
    // wrapper copies under env-sync/JOB with its pid.
    const t = e.time.getTime();
    const from = start.getTime() - (t % 1000 === 0 ? WHOLE_SECOND_SLACK_MS : 0);
    return rule.isScriptLine(e) && t >= from && t <= to;
  };
}

/**
 * For one job not wrapped yet: its last run from govuk_env_sync.sh's own lines naming its cfg and,
 * if that run failed, when the last success before it ended.
 */
export async function findLastSyslogOnlyRun(
  opts: ScanOptions,
  job: string,
  cfgName?: string,
  autoRotated = false,
): Promise<ScriptRunsFound & { filesRead: string[]; problems: LogProblem[] }> {
  const r = await findScriptRuns(opts, [{ job, cfgName }], autoRotated);
  return { ...r.byJob.get(job)!, filesRead: r.filesRead, problems: r.problems };
}
