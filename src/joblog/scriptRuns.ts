// Runs of govuk_env_sync.sh found from its own syslog lines: what an unwrapped job leaves (the
// script logs `Starting "ARGV"`, then `Completed "ARGV"` or `Error running "ARGV" …`). One backward
// scan answers for every job asked about, so a host-wide view reads the log once, however many jobs.
import { scanLog } from '../logsource/scan.js';
import { SCRIPT_TAG } from '../syslog/jobLines.js';
import type { ScanOptions } from '../logsource/types.js';
import type { LogLine, LogProblem } from '../log/line.js';

export interface SyslogOnlyRun {
  start: Date;
  end: Date | null;
  outcome: 'success' | 'failure' | 'running';
  argv: string;
  errorLine: LogLine | null;
  /** The run's own lines (those naming its cfg), oldest first. */
  lines: LogLine[];
}

export interface ScriptRunsFound {
  run: SyslogOnlyRun | null;
  /** When the last success ended: the run's own end if it succeeded, else the last Completed before it (in the files read). */
  lastSuccessEnd: Date | null;
}

export interface ScriptRunsResult {
  byJob: Map<string, ScriptRunsFound>;
  filesRead: string[];
  problems: LogProblem[];
}

const QUOTED = /^(Starting|Completed|Error running) "(.*?)"(?: in function|$)/;
// The cfg a line names: `… -f /etc/govuk_env_sync/<name>.cfg"` (or a word, or the line's end).
const CFG = /\/([^/\s"]+)\.cfg(?=["\s]|$)/;
// Up to this many jobs, the scan searches for each one's cfg rather than for the script's tag.
const FEW_JOBS = 8;

interface Seeking {
  job: string;
  endLine: LogLine | null;
  run: SyslogOnlyRun | null;
  named: LogLine[];
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
export async function findScriptRuns(
  opts: ScanOptions,
  jobs: ReadonlyArray<{ job: string; cfgName?: string | undefined }>,
  autoRotated = false,
): Promise<ScriptRunsResult> {
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
  // A few jobs: only lines naming one of their cfgs are decoded (other jobs' script lines are most of
  // the script's lines in a busy log). Many jobs (a host-wide view): one search for the script's tag
  // beats a search a cfg. From the journal the same needles become journalctl's --grep (the tag is a
  // field match there).
  const cfgNeedles = [...byCfg.keys()].map((c) => `/${c}.cfg`);
  const few = cfgNeedles.length <= FEW_JOBS;
  const scan = await scanLog(
    {
      ...opts,
      needles: few ? cfgNeedles : [SCRIPT_TAG],
      tags: [SCRIPT_TAG],
      prefilter: few ? (raw) => raw.includes(SCRIPT_TAG) && cfgNeedles.some((n) => raw.includes(n)) : (raw) => raw.includes(SCRIPT_TAG),
      beforeFile: (path) => {
        // A failed run's older success is not worth another (gzipped) day of log under auto.
        if (autoRotated) for (const s of all) if (s.run && !s.done && s.runFile !== path) finish(s);
        return open === 0;
      },
    },
    (e) => {
      if (e.tag !== SCRIPT_TAG) return false;
      const cfg = CFG.exec(e.message);
      if (!cfg) return false;
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
    // Its lines, oldest first (they were seen newest first).
    if (r) r.lines = s.named.reverse();
    byJob.set(s.job, { run: r, lastSuccessEnd: r?.outcome === 'success' ? r.end : s.lastSuccessEnd });
  }
  return { byJob, filesRead: scan.filesRead, problems: scan.problems };
}
