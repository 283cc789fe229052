// `env-sync status`: one row a job, worst first; colour and block sparklines only on a terminal.
import type { Values } from '../common/options.js';
import { STATE_NAMES, worst, type State } from '../common/states.js';
import { ago, clock, duration } from '../common/timeWords.js';
import { byState, type JobVerdict } from '../check/aggregate.js';
import { judgeHost } from '../check/hostJobs.js';
import { evaluateOrder } from '../check/order.js';
import { nextScheduledRun } from '../cron/schedule.js';
import { readJobState } from '../markers/read.js';
import { hintsFor, jobTrust } from '../markers/trust.js';
import type { HistoryEntry } from '../markers/types.js';
import { hostOptions } from './hostOptions.js';

const COLOUR = ['\x1b[32m', '\x1b[33m', '\x1b[31m', '\x1b[35m'];
const RESET = '\x1b[0m';
const OUTCOME_CHAR: Record<string, string> = { success: '+', failure: 'x', timeout: 'T', signal: 'k', 'spawn-error': 'E', 'skipped-overlap': 's', interrupted: '!' };
const BLOCKS = '▁▂▃▄▅▆▇█';

export interface StatusRow {
  job: string;
  state: State;
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

export async function statusRows(jobs: JobVerdict[], now: Date): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  for (const j of byState(jobs)) {
    const st = j.facts?.jobState ?? null;
    const last = st?.last ?? null;
    const next = j.cron ? await nextScheduledRun(j.cron.schedule, now) : null;
    rows.push({
      job: j.job,
      state: j.state,
      stateName: STATE_NAMES[j.state],
      summary: j.summary,
      schedule: j.cron?.schedule ?? null,
      nextRun: next ? next.toISOString() : null,
      lastRun: last && { start: last.start, end: last.end, outcome: last.outcome, exitCode: last.exitCode, durationSeconds: last.durationSeconds },
      consecutiveFailures: st?.consecutiveFailures ?? 0,
      running: j.running,
      neverRun: j.neverRun,
      history: (st?.history ?? []).slice(-10).map((h) => ({ start: h.start, outcome: h.outcome, durationSeconds: h.durationSeconds, exitCode: h.exitCode })),
    });
  }
  return rows;
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

/** `--order FIRST:THEN[:WITHIN]` (read by the option table, before any work): each pair's verdict. */
function orderVerdicts(specs: Values<'env-sync status'>['order'], stateDir: string, user: string | undefined, now: Date) {
  return specs.map(({ first, then, withinSeconds }) => {
    const read = (job: string) => readJobState(stateDir, job, jobTrust(stateDir, job, hintsFor(user)));
    const v = evaluateOrder(read(first), read(then), { first, then, withinSeconds }, now);
    return { first, then, withinSeconds, state: v.state, stateName: STATE_NAMES[v.state], summary: v.summary };
  });
}

/** `env-sync status`: the table (or --json), exiting with the worst state so scripts can use it. */
export async function status(a: Values<'env-sync status'>, out: NodeJS.WritableStream, err: NodeJS.WritableStream, isTTY: boolean): Promise<State> {
  const now = new Date();
  const o = hostOptions(a, true);
  const view = await judgeHost(o, now);
  const rows = await statusRows(view.jobs, now);
  const orders = orderVerdicts(a.order, o.stateDir, a.user, now);
  if (a.json) {
    out.write(`${JSON.stringify({ schema: 1, generated: now.toISOString(), stateDir: o.stateDir, problems: view.problems, jobs: rows, orders }, null, 2)}\n`);
  } else {
    for (const ord of orders) out.write(`ORDER ${ord.stateName}: ${ord.summary}\n`);
    const colour = isTTY && !process.env.NO_COLOR;
    if (rows.length === 0) out.write(`no jobs found in ${o.stateDir}${o.crontab ? ` or ${o.crontab}` : ''}\n`);
    else out.write(renderTable(rows, now, colour));
    for (const p of view.problems) err.write(`env-sync: ${p}\n`);
  }
  return worst([...rows.map((r) => r.state), ...orders.map((r) => r.state)]);
}
