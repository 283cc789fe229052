import { scanLog } from '../logsource/scan.js';
import { isErrorText, jobLineRule, SCRIPT_TAG } from './jobLines.js';
import type { ScanOptions, SyslogEntry, SyslogProblem } from './types.js';

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
  lines: SyslogEntry[];
  errorLines: SyslogEntry[];
  filesRead: string[];
  problems: SyslogProblem[];
  bytesRead: number;
  /** The byte budget or MAX_LINES ended the read before the run's start: its older lines were not read. */
  partial: boolean;
}

/** The job's syslog lines in a run's window (its own output, the wrapper's events, the script's lines), oldest first. */
export async function collectRunEvidence(
  opts: ScanOptions,
  q: { job: string; runId?: string; start: Date; end: Date | null; cfgName?: string },
): Promise<RunEvidence> {
  const from = q.start.getTime() - SLACK_BEFORE_MS;
  const to = (q.end ?? opts.now).getTime() + SLACK_AFTER_MS;
  const rule = jobLineRule(q.job, q.cfgName);
  const found: SyslogEntry[] = [];
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
      if (rule.belongs(e)) found.push(e);
      // Only the newest MAX_LINES are shown: a long run's output need not be read to its start.
      return found.length >= MAX_LINES;
    },
  );
  const lines = found.reverse().slice(-MAX_LINES);
  return { lines, errorLines: lines.filter((e) => isErrorText(e.message)), filesRead: scan.filesRead, problems: scan.problems, bytesRead: scan.bytesRead, partial: scan.budgetSpent || (scan.stoppedEarly && found.length >= MAX_LINES) };
}

export interface SyslogOnlyRun {
  start: Date;
  end: Date | null;
  outcome: 'success' | 'failure' | 'running';
  argv: string;
  errorLine: SyslogEntry | null;
  lines: SyslogEntry[];
}

const QUOTED = /^(Starting|Completed|Error running) "(.*?)"(?: in function|$)/;

/**
 * For jobs not wrapped yet: the last `Starting "…"` of govuk_env_sync.sh naming the job's cfg, and its
 * `Completed` or `Error running` line; if that run failed, when the last success before it ended.
 */
export async function findLastSyslogOnlyRun(
  opts: ScanOptions,
  job: string,
  cfgName?: string,
): Promise<{ run: SyslogOnlyRun | null; lastSuccessEnd: Date | null; filesRead: string[]; problems: SyslogProblem[] }> {
  const rule = jobLineRule(job, cfgName);
  // Newest first: the first finishing line seen belongs to the last run unless a Starting comes first.
  let endLine: SyslogEntry | null = null;
  let run: SyslogOnlyRun | null = null;
  let lastSuccessEnd: Date | null = null;
  const seen: SyslogEntry[] = [];
  const scan = await scanLog({ ...opts, needles: [rule.cfgNeedle], tags: [SCRIPT_TAG], prefilter: rule.mayBeScriptLine }, (e) => {
    if (!rule.isScriptLine(e)) return false;
    const m = QUOTED.exec(e.message);
    if (!m) return false;
    if (run === null) {
      seen.push(e);
      if (m[1] === 'Starting') {
        const outcome = !endLine ? 'running' : endLine.message.startsWith('Completed') ? 'success' : 'failure';
        run = { start: e.time, end: endLine?.time ?? null, outcome, argv: m[2]!, errorLine: outcome === 'failure' ? endLine : null, lines: seen.reverse() };
        return outcome === 'success';
      }
      if (!endLine) endLine = e;
      return false;
    }
    if (m[1] === 'Completed') {
      lastSuccessEnd = e.time;
      return true;
    }
    return false;
  });
  const r = run as SyslogOnlyRun | null;
  return { run: r, lastSuccessEnd: r?.outcome === 'success' ? r.end : lastSuccessEnd, filesRead: scan.filesRead, problems: scan.problems };
}
