// Runs of govuk_env_sync.sh found from its own syslog lines: what an unwrapped job leaves (the
// script logs `Starting "ARGV"`, then `Completed "ARGV"` or `Error running "ARGV" …`). One backward
// scan answers for every job asked about, so a host-wide view reads the log once, however many jobs.
import { SCRIPT_TAG } from './jobLines.js';
import { scanBackwards } from './scan.js';
import type { ScanOptions, SyslogEntry, SyslogProblem } from './types.js';

export interface SyslogOnlyRun {
  start: Date;
  end: Date | null;
  outcome: 'success' | 'failure' | 'running';
  argv: string;
  errorLine: SyslogEntry | null;
  /** The run's own lines naming its cfg, and the script's lines naming none within its span, oldest first. */
  lines: SyslogEntry[];
}

export interface ScriptRunsFound {
  run: SyslogOnlyRun | null;
  /** When the last success ended: the run's own end if it succeeded, else the last Completed before it (in the files read). */
  lastSuccessEnd: Date | null;
}

export interface ScriptRunsResult {
  byJob: Map<string, ScriptRunsFound>;
  filesRead: string[];
  problems: SyslogProblem[];
}

const QUOTED = /^(Starting|Completed|Error running) "(.*?)"(?: in function|$)/;
// The cfg a line names: `… -f /etc/govuk_env_sync/<name>.cfg"` (or a word, or the line's end).
const CFG = /\/([^/\s"]+)\.cfg(?=["\s]|$)/;
// The script's lines naming no cfg that are kept to fill runs' spans: a run's worth, and then some.
const MAX_UNNAMED = 2000;
// Syslog's traditional stamps are whole seconds: a line of the run may be stamped up to a second
// before its Starting line was.
const SPAN_SLACK_MS = 1000;

interface Seeking {
  job: string;
  endLine: SyslogEntry | null;
  run: SyslogOnlyRun | null;
  named: SyslogEntry[];
  lastSuccessEnd: Date | null;
  /** The file the run was found in: with --rotated auto, its last success is looked for there only. */
  runFile: string | null;
  done: boolean;
}

/**
 * The last run of each job (`cfgName` defaults to the job's name) and, for a failed one, when the
 * last success before it ended. Newest first, stopping once every job is answered.
 * `autoRotated`: the rotated files are read only until each job's last run is found (the search
 * for an older success stays in that run's file), as --rotated auto promises.
 */
export async function findScriptRuns(opts: ScanOptions, jobs: ReadonlyArray<{ job: string; cfgName?: string | undefined }>, autoRotated = false): Promise<ScriptRunsResult> {
  const byCfg = new Map<string, Seeking[]>();
  const all: Seeking[] = [];
  for (const { job, cfgName } of jobs) {
    const s: Seeking = { job, endLine: null, run: null, named: [], lastSuccessEnd: null, runFile: null, done: false };
    all.push(s);
    const key = cfgName ?? job;
    byCfg.set(key, [...(byCfg.get(key) ?? []), s]);
  }
  let open = all.length;
  const finish = (s: Seeking) => {
    if (!s.done) {
      s.done = true;
      open--;
    }
  };
  const unnamed: SyslogEntry[] = [];
  const scan = await scanBackwards(
    {
      ...opts,
      needles: [SCRIPT_TAG],
      prefilter: (raw) => raw.includes(SCRIPT_TAG),
      beforeFile: (path) => {
        // A failed run's older success is not worth another (gzipped) day of log under auto.
        if (autoRotated) for (const s of all) if (s.run && !s.done && s.runFile !== path) finish(s);
        return open === 0;
      },
    },
    (e) => {
      if (e.tag !== SCRIPT_TAG) return false;
      const cfg = CFG.exec(e.message);
      if (!cfg) {
        if (unnamed.length < MAX_UNNAMED) unnamed.push(e);
        return false;
      }
      const m = QUOTED.exec(e.message);
      for (const s of byCfg.get(cfg[1]!) ?? []) {
        if (s.done) continue;
        if (!s.run) {
          s.named.push(e);
          if (!m) continue;
          if (m[1] === 'Starting') {
            const outcome = !s.endLine ? 'running' : s.endLine.message.startsWith('Completed') ? 'success' : 'failure';
            s.run = { start: e.time, end: s.endLine?.time ?? null, outcome, argv: m[2]!, errorLine: outcome === 'failure' ? s.endLine : null, lines: [] };
            s.runFile = e.file;
            if (outcome !== 'failure') finish(s);
          } else if (!s.endLine) s.endLine = e;
        } else if (m?.[1] === 'Completed') {
          s.lastSuccessEnd = e.time;
          finish(s);
        }
      }
      return open === 0;
    },
  );
  const byJob = new Map<string, ScriptRunsFound>();
  for (const s of all) {
    const r = s.run;
    if (r) {
      const from = r.start.getTime() - SPAN_SLACK_MS;
      const to = (r.end ?? opts.now).getTime() + SPAN_SLACK_MS;
      const inSpan = unnamed.filter((e) => e.time.getTime() >= from && e.time.getTime() <= to);
      // Lines naming the cfg before the run's Starting (a run whose start was not seen) are not its own.
      const own = s.named.filter((e) => e.time.getTime() >= from);
      // Both lists are newest first; reversed, a stable sort keeps the order of lines stamped alike.
      r.lines = [...own.reverse(), ...inSpan.reverse()].sort((a, b) => a.time.getTime() - b.time.getTime());
    }
    byJob.set(s.job, { run: r, lastSuccessEnd: r?.outcome === 'success' ? r.end : s.lastSuccessEnd });
  }
  return { byJob, filesRead: scan.filesRead, problems: scan.problems };
}
