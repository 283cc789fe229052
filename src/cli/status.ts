// `env-sync status`: one row a job, worst first; colour and block sparklines only on a terminal.
import { compareText } from '../common/compare.js';
import type { JobVerdict } from '../check/hostJobs.js';
import { ago, clock, duration } from '../check/words.js';
import { severity, STATE_NAMES } from '../output/pluginOutput.js';
import type { HistoryEntry } from '../markers/types.js';

const COLOUR = ['\x1b[32m', '\x1b[33m', '\x1b[31m', '\x1b[35m'];
const RESET = '\x1b[0m';
const OUTCOME_CHAR: Record<string, string> = { success: '+', failure: 'x', timeout: 'T', signal: 'k', 'spawn-error': 'E', 'skipped-overlap': 's', interrupted: '!' };
const BLOCKS = '▁▂▃▄▅▆▇█';

export interface StatusRow {
  job: string;
  state: number;
  stateName: string;
  summary: string;
  schedule: string | null;
  nextRun: string | null;
  lastRun: { start: string; end: string | null; outcome: string; exitCode: number | null; durationSeconds: number | null } | null;
  consecutiveFailures: number;
  running: boolean;
  neverRun: boolean;
  history: Array<Pick<HistoryEntry, 'start' | 'outcome' | 'durationSeconds' | 'exitCode'>>;
}

export async function nextRun(schedule: string, now: Date): Promise<Date | null> {
  try {
    const mod = (await import('cron-parser')) as typeof import('cron-parser') & { default?: typeof import('cron-parser') };
    const P = mod.CronExpressionParser ?? mod.default!.CronExpressionParser;
    return P.parse(schedule, { currentDate: now }).next().toDate();
  } catch {
    return null;
  }
}

export async function statusRows(jobs: JobVerdict[], now: Date): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  for (const j of jobs) {
    const st = j.facts?.jobState ?? null;
    const last = st?.last ?? null;
    const next = j.cron ? await nextRun(j.cron.schedule, now) : null;
    rows.push({
      job: j.job,
      state: j.result.state,
      stateName: STATE_NAMES[j.result.state],
      summary: j.result.summary,
      schedule: j.cron?.schedule ?? null,
      nextRun: next ? next.toISOString() : null,
      lastRun: last && { start: last.start, end: last.end, outcome: last.outcome, exitCode: last.exitCode, durationSeconds: last.durationSeconds },
      consecutiveFailures: st?.consecutiveFailures ?? 0,
      running: !!j.facts?.running.some((r) => r.liveness === 'alive'),
      neverRun: j.neverRun,
      history: (st?.history ?? []).slice(-10).map((h) => ({ start: h.start, outcome: h.outcome, durationSeconds: h.durationSeconds, exitCode: h.exitCode })),
    });
  }
  return rows.sort((a, b) => severity(b.state) - severity(a.state) || compareText(a.job, b.job));
}

function sparkline(history: StatusRow['history'], colour: boolean): string {
  if (!colour) return history.map((h) => OUTCOME_CHAR[h.outcome] ?? '?').join('');
  const max = Math.max(1, ...history.map((h) => h.durationSeconds ?? 0));
  return history
    .map((h) => {
      const block = BLOCKS[Math.min(7, Math.floor(((h.durationSeconds ?? 0) / max) * 7))]!;
      const c = h.outcome === 'success' ? COLOUR[0] : h.outcome === 'skipped-overlap' ? COLOUR[1] : COLOUR[2];
      return `${c}${block}${RESET}`;
    })
    .join('');
}

export function renderTable(rows: StatusRow[], now: Date, colour: boolean): string {
  const header = ['STATE', 'JOB', 'LAST RUN', 'DURATION', 'NEXT RUN', 'FAILS', 'RECENT'];
  const cells = rows.map((r) => [
    r.stateName,
    r.job,
    r.running ? 'running' : r.neverRun ? 'never run' : r.lastRun ? `${r.lastRun.outcome} ${ago(new Date(r.lastRun.end ?? r.lastRun.start), now)}` : '-',
    r.lastRun?.durationSeconds != null ? duration(r.lastRun.durationSeconds) : '-',
    r.nextRun ? clock(new Date(r.nextRun), now) : '-',
    String(r.consecutiveFailures),
    sparkline(r.history, colour),
  ]);
  // Colour codes take no room on the screen; without colour there are none to leave out (job names
  // are validated, so no cell brings its own).
  const width = colour ? (v: string) => v.replace(/\x1b\[[0-9;]*m/g, '').length : (v: string) => v.length;
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => width(c[i]!))));
  const line = (c: string[], state?: number) =>
    c
      .map((v, i) => {
        const pad = v + ' '.repeat(widths[i]! - width(v));
        return i === 0 && colour && state !== undefined ? `${COLOUR[state]}${pad}${RESET}` : pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map((c, i) => line(c, rows[i]!.state))].join('\n') + '\n';
}
