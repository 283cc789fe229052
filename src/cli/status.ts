// `env-sync status`: one row a job, worst first; colour and block sparklines only on a terminal.
import type { Values } from '../common/options.js';
import { parseDuration } from '../common/duration.js';
import { validateName } from '../common/jobName.js';
import { STATE_NAMES, worst, type State } from '../common/states.js';
import { ago, clock, duration } from '../common/timeWords.js';
import { byState, type JobVerdict } from '../check/aggregate.js';
import { judgeHost } from '../check/hostJobs.js';
import { decidingRun, failuresInARow } from '../check/judgedRun.js';
import { evaluateOrder } from '../check/order.js';
import { nextScheduledRun } from '../cron/schedule.js';
import { readJobState } from '../markers/read.js';
import { hintsFor, jobTrust } from '../markers/trust.js';
import type { HistoryEntry } from '../markers/types.js';
import { CliError, hostOptions } from './hostOptions.js';

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

/**
 * The run the check judged, as the table shows it: for an unwrapped job, its last run from syslog;
 * for a job run in parts, the failed part that decides the verdict; else the last run.
 */
function lastRunOf(j: JobVerdict): StatusRow['lastRun'] {
  const f = j.facts;
  const sys = f?.syslogOnly?.primary ? f.syslogOnly.run : null;
  if (sys) {
    const outcome = sys.outcome === 'running' && f?.syslogOnly?.live === false ? 'ended-unrecorded' : sys.outcome;
    return { start: sys.start.toISOString(), end: sys.end?.toISOString() ?? null, outcome, exitCode: null, durationSeconds: sys.end ? (sys.end.getTime() - sys.start.getTime()) / 1000 : null };
  }
  const r = decidingRun(f?.jobState ?? null);
  // A run whose wrapper is gone with no end recorded is newer than anything the state holds.
  const lost = f?.running.find((x) => x.liveness === 'dead' || x.liveness === 'other-boot');
  if (lost && (!r || lost.marker.start > r.start)) return { start: lost.marker.start, end: null, outcome: lost.liveness === 'dead' ? 'died' : 'interrupted', exitCode: null, durationSeconds: null };
  return r && { start: r.start, end: r.end, outcome: r.outcome, exitCode: r.exitCode, durationSeconds: r.durationSeconds };
}

export async function statusRows(jobs: JobVerdict[], now: Date): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  for (const j of byState(jobs)) {
    const st = j.facts?.jobState ?? null;
    const last = lastRunOf(j);
    const next = j.cron ? await nextScheduledRun(j.cron.schedule, now) : null;
    rows.push({
      job: j.job,
      state: j.state,
      stateName: STATE_NAMES[j.state],
      summary: j.summary,
      schedule: j.cron?.schedule ?? null,
      nextRun: next ? next.toISOString() : null,
      lastRun: last,
      // From syslog alone only the last run is known: one failure, or none.
      consecutiveFailures: j.facts?.syslogOnly?.primary ? (last && last.outcome !== 'success' && last.outcome !== 'running' ? 1 : 0) : failuresInARow(st),
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

/** `--order FIRST:THEN[:WITHIN]`: a copy job and the job that must follow it (default within 2h). */
function orderVerdicts(specs: string[], stateDir: string, user: string | undefined, now: Date) {
  return specs.map((spec) => {
    const [first, then, within = '2h'] = spec.split(':');
    if (!first || !then) throw new CliError(`--order ${JSON.stringify(spec)}: use FIRST:THEN[:WITHIN], e.g. copy_data_to_staging:data_sync_complete:2h`);
    let withinSeconds: number;
    try {
      validateName(first);
      validateName(then);
      withinSeconds = parseDuration(within, '--order');
    } catch (err) {
      throw new CliError((err as Error).message);
    }
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
