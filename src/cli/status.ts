// `env-sync status`: one row a job, worst first, in the width of the terminal (80 columns when there is
// none); colour only on a terminal that shows it. Every outcome has its own glyph, so the table reads
// the same in monochrome.
import type { TextOut } from '../output/writeAll.js';
import type { Values } from '../common/options.js';
import { severity, STATE_NAMES, UNKNOWN, worst, type State } from '../common/states.js';
import { compareText } from '../common/compare.js';
import { clock, duration, shortAgo } from '../common/timeWords.js';
import { byState, type JobVerdict } from '../check/aggregate.js';
import { judgeHost } from '../check/hostJobs.js';
import { decidingRun, failuresInARow } from '../check/judgedRun.js';
import { fromScriptLines } from '../check/observedRun.js';
import { noJobsFound } from '../check/words.js';
import { evaluateOrder } from '../check/order.js';
import { nextScheduledRun } from '../cron/schedule.js';
import { MarkerError, readJobState } from '../markers/read.js';
import { hintsFor, jobTrust } from '../markers/trust.js';
import type { HistoryEntry } from '../markers/types.js';
import { hostOptions } from './hostOptions.js';
import { pausedBy } from '../check/rules/pause.js';
import { cleanText, safeJson, visibleText } from '../output/sanitize.js';

const COLOUR = ['\x1b[32m', '\x1b[33m', '\x1b[31m', '\x1b[35m'];
const RESET = '\x1b[0m';
const OUTCOME_CHAR: Record<string, string> = {
  success: '+',
  failure: 'x',
  timeout: 'T',
  signal: 'k',
  'spawn-error': 'E',
  'skipped-overlap': 's',
  interrupted: '!',
};
const BLOCKS = '▁▂▃▄▅▆▇█';
/** Without a terminal's width (piped, redirected), the table fits this. */
const DEFAULT_WIDTH = 80;
/** Nothing left to leave out (a very narrow terminal): the name is cut to fit, to this at least. */
const MIN_CUT = 8;

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
  /** The pause in force (env-sync pause), only when there is one. */
  paused?: { until: string; by: string; reason: string; allJobs: boolean };
}

/**
 * The run the check judged, as the table shows it: for an unwrapped job, its last run from syslog;
 * for a job run in parts, the failed part that decides the verdict; else the last run.
 */
function lastRunOf(j: JobVerdict): StatusRow['lastRun'] {
  const f = j.facts;
  const sys = f?.syslogOnly?.primary ? f.syslogOnly.run : null;
  if (sys) {
    // A run with no end line that is not going (observedRun.ts): ended unlogged, or cut by a reboot.
    const liveness = fromScriptLines(sys, f!.syslogOnly!).liveness;
    const outcome = liveness === 'dead' ? 'ended-unrecorded' : liveness === 'other-boot' ? 'interrupted' : sys.outcome;
    return {
      start: sys.start.toISOString(),
      end: sys.end?.toISOString() ?? null,
      outcome,
      exitCode: null,
      durationSeconds: sys.end ? (sys.end.getTime() - sys.start.getTime()) / 1000 : null,
    };
  }
  const r = decidingRun(f?.jobState ?? null);
  // A run whose wrapper is gone with no end recorded is newer than anything the state holds.
  const lost = f?.running.find((x) => x.liveness === 'dead' || x.liveness === 'other-boot');
  if (lost && (!r || lost.marker.start > r.start))
    return { start: lost.marker.start, end: null, outcome: lost.liveness === 'dead' ? 'died' : 'interrupted', exitCode: null, durationSeconds: null };
  return r && { start: r.start, end: r.end, outcome: r.outcome, exitCode: r.exitCode, durationSeconds: r.durationSeconds };
}

export async function statusRows(jobs: JobVerdict[], now: Date): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  for (const j of byState(jobs)) rows.push(await statusRow(j, now));
  return rows;
}

/** Worst first, then by name, as byState orders the verdicts. */
function sortRows(rows: StatusRow[]): StatusRow[] {
  return rows.sort((a, b) => severity(b.state) - severity(a.state) || compareText(a.job, b.job));
}

/** One job's row, taken from its verdict while its facts are still there. */
export async function statusRow(j: JobVerdict, now: Date): Promise<StatusRow> {
  const st = j.facts?.jobState ?? null;
  const pause = j.facts?.pause?.active;
  const last = lastRunOf(j);
  const next = j.cron ? await nextScheduledRun(j.cron.schedule, now) : null;
  return {
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
    ...(pause ? { paused: { until: pause.until, by: pausedBy(pause), reason: pause.reason, allJobs: pause.job === null } } : {}),
  };
}

/**
 * The last runs, oldest first, one glyph each: the outcome's letter (+ success, x failure …). In
 * colour a success is instead a bar as tall as its duration (▁ … █, against the longest shown), so
 * a failure (its letter, red) never looks like one, colour or not.
 */
function sparkline(history: StatusRow['history'], colour: boolean): string {
  if (!colour) return history.map((h) => OUTCOME_CHAR[h.outcome] ?? '?').join('');
  const max = Math.max(1, ...history.map((h) => h.durationSeconds ?? 0));
  return history
    .map((h) => {
      if (h.outcome === 'success') return `${COLOUR[0]}${BLOCKS[Math.min(7, Math.floor(((h.durationSeconds ?? 0) / max) * 7))]!}${RESET}`;
      return `${h.outcome === 'skipped-overlap' ? COLOUR[1] : COLOUR[2]}${OUTCOME_CHAR[h.outcome] ?? '?'}${RESET}`;
    })
    .join('');
}

/** A name cut to `width` columns in its middle, where job names differ least (pull_…_daily). */
function cutMiddle(name: string, width: number): string {
  if (name.length <= width) return name;
  const keep = Math.max(0, width - 1);
  return `${name.slice(0, Math.ceil(keep / 2))}…${keep >= 2 ? name.slice(-Math.floor(keep / 2)) : ''}`;
}

/** `name` in `width` columns: its first `head` characters, …, and as many of its last as fit. */
function cutAt(name: string, width: number, head: number): string {
  return name.length <= width ? name : `${name.slice(0, head)}…${name.slice(name.length - (width - 1 - head))}`;
}

/**
 * The names cut to `width` columns, no two to the same text: a name is cut in its middle, where job
 * names differ least (pull_…_daily); names that would read the same (`pull_content_…wrapped_fail`
 * for `…_unwrapped_fail` and `…_wrapped_fail`) move the cut until they differ, and only names that
 * differ nowhere near either end get wider.
 */
export function cutNamesApart(names: readonly string[], width: number): Map<string, string> {
  const out = new Map<string, string>();
  const all = [...new Set(names)];
  for (const n of all) out.set(n, cutMiddle(n, width));
  const clash = () => {
    const seen = new Map<string, number>();
    for (const c of out.values()) seen.set(c, (seen.get(c) ?? 0) + 1);
    return all.filter((n) => seen.get(out.get(n)!)! > 1);
  };
  for (let w = width, group = clash(); group.length; group = clash()) {
    // Cuts from the middle outwards; the first under which the clashing names all differ.
    const heads = Array.from({ length: w - 1 }, (_, i) => i).sort((a, b) => Math.abs(a - (w - 1) / 2) - Math.abs(b - (w - 1) / 2));
    const head = heads.find(
      (h) =>
        new Set(group.map((n) => cutAt(n, w, h))).size === group.length &&
        group.every((n) => ![...out].some(([m, c]) => !group.includes(m) && c === cutAt(n, w, h))),
    );
    if (head === undefined) {
      w++;
      for (const n of group) out.set(n, cutMiddle(n, w));
      continue;
    }
    for (const n of group) out.set(n, cutAt(n, w, head));
  }
  return out;
}

/** The next run: its time of day when it is within a day (it is always ahead), else its date too. */
function nextRunWords(at: Date, now: Date): string {
  const hm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  return at.getTime() - now.getTime() < 86_400_000 && at >= now ? hm : clock(at, now);
}

export interface TableStyle {
  colour: boolean;
  /** Columns the table must fit in. */
  width: number;
  /** A person reads it (a terminal): a name may be cut, as a last resort. Piped, every name is whole for grep and scripts. */
  cutNames: boolean;
}

/**
 * How the table is drawn: colour only on a terminal that can show it (not piped, not NO_COLOR, not
 * TERM=dumb); as wide as $COLUMNS when set, else the terminal, else 80 columns.
 */
export function tableStyle(isTTY: boolean, columns: number | undefined, env: NodeJS.ProcessEnv): TableStyle {
  const fromEnv = /^[1-9]\d{0,4}$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : undefined;
  return {
    colour: isTTY && !env.NO_COLOR && env.TERM !== 'dumb',
    width: fromEnv ?? (isTTY && columns && columns > 0 ? columns : DEFAULT_WIDTH),
    cutNames: isTTY,
  };
}

/**
 * The table in `style.width` columns: DURATION and then FAILS are left out before a job name is cut;
 * only on a terminal, and only then, is a name cut in its middle with …, and never two to the same
 * text. Piped, every name is whole. Under the table, why each row that is not OK is so.
 */
export function renderTable(rows: StatusRow[], now: Date, style: TableStyle): string {
  const { colour } = style;
  const columns: Array<[string, (r: StatusRow) => string]> = [
    ['STATE', (r) => r.stateName],
    ['JOB', (r) => r.job],
    [
      'LAST RUN',
      (r) =>
        r.running
          ? 'running'
          : r.neverRun
            ? 'never run'
            : r.lastRun
              ? `${r.lastRun.outcome} ${shortAgo(new Date(r.lastRun.end ?? r.lastRun.start), now)}`
              : '-',
    ],
    ['DURATION', (r) => (r.lastRun?.durationSeconds != null ? duration(r.lastRun.durationSeconds) : '-')],
    ['NEXT RUN', (r) => (r.nextRun ? nextRunWords(new Date(r.nextRun), now) : '-')],
    ['FAILS', (r) => String(r.consecutiveFailures)],
    ['RECENT', (r) => sparkline(r.history, colour)],
  ];
  // Colour codes take no room on the screen; without colour there are none to leave out (job names
  // are validated, so no cell brings its own).
  const width = colour ? (v: string) => v.replace(/\x1b\[[0-9;]*m/g, '').length : (v: string) => v.length;
  // Every cell once: the layouts tried below are subsets of the columns, so each column's natural
  // width serves them all (500 jobs made every cell three or four times).
  // A cell's text from a marker (an outcome) is shown through the sanitiser; the sparkline's colours are ours.
  const cellsOf = rows.map((r) => columns.map(([h, cell]) => (h === 'RECENT' ? cell(r) : cleanText(cell(r)))));
  const natural = columns.map(([h], i) => cellsOf.reduce((m, c) => Math.max(m, width(c[i]!)), h.length));
  // What each layout leaves for JOB (the second column), between columns of two spaces.
  const fit = (keep: (h: string) => boolean) => {
    const shown = columns.flatMap(([h], i) => (keep(h) ? [i] : []));
    const w = shown.map((i) => natural[i]!);
    return { shown, w, room: style.width - (w.reduce((x, y) => x + y, 0) - w[1]! + 2 * (w.length - 1)) };
  };
  const layouts = [fit(() => true), fit((h) => h !== 'DURATION'), fit((h) => h !== 'DURATION' && h !== 'FAILS')];
  // Columns go before a name is cut; piped, a name is never cut (the line is longer instead).
  const { shown, w, room } = layouts.find((l) => l.room >= l.w[1]!) ?? layouts[layouts.length - 1]!;
  const cut =
    style.cutNames && room < w[1]!
      ? cutNamesApart(
          rows.map((r) => r.job),
          Math.max(room, MIN_CUT),
        )
      : null;
  const widths = w.map((v, i) => (i === 1 && cut ? Math.max(3, ...[...cut.values()].map((c) => c.length)) : v));
  const line = (c: string[], state?: number) =>
    c
      .map((v, i) => {
        const pad = v + ' '.repeat(Math.max(0, widths[i]! - width(v)));
        return i === 0 && colour && state !== undefined ? `${COLOUR[state]}${pad}${RESET}` : pad;
      })
      .join('  ')
      .trimEnd();
  const cells = (r: StatusRow, c: string[]) => shown.map((i) => (i === 1 ? (cut?.get(r.job) ?? r.job) : c[i]!));
  const table = [line(shown.map((i) => columns[i]![0])), ...rows.map((r, n) => line(cells(r, cellsOf[n]!), r.state))];
  // Why each row that is not OK is so: the verdict's own words (its findings, words.ts), under the table (a column would not fit 80).
  // A paused job too: it is OK only because someone paused it, and the table says who and until when.
  const why = rows.filter((r) => r.state !== 0 || r.paused).map((r) => `  ${cleanText(r.summary)}`);
  return `${[...table, ...(why.length ? ['', 'Why:', ...why] : [])].join('\n')}\n`;
}

/** `--order FIRST:THEN[:WITHIN]` (read by the option table, before any work): each pair's verdict. */
function orderVerdicts(specs: Values<'env-sync status'>['order'], stateDir: string, user: string | undefined, now: Date) {
  return specs.map(({ first, then, withinSeconds }) => {
    const read = (job: string) => readJobState(stateDir, job, jobTrust(stateDir, job, hintsFor(user)));
    try {
      const v = evaluateOrder(read(first), read(then), { first, then, withinSeconds }, now);
      return { first, then, withinSeconds, state: v.state, stateName: STATE_NAMES[v.state], summary: v.summary };
    } catch (err) {
      // One unreadable marker is that pair's UNKNOWN, not the end of the whole table.
      if (!(err instanceof MarkerError)) throw err;
      return { first, then, withinSeconds, state: UNKNOWN, stateName: STATE_NAMES[UNKNOWN], summary: err.message };
    }
  });
}

/** `env-sync status`: the table (or --json), exiting with the worst state so scripts can use it. */
export async function status(a: Values<'env-sync status'>, out: TextOut, err: TextOut, style: TableStyle, now = new Date()): Promise<State> {
  const o = hostOptions(a, true);
  // Each job's row is made as it is judged and its facts let go (issue 25, finding 10: 100,000 jobs'
  // facts held to the end took 830 MB).
  const rows: StatusRow[] = [];
  const view = await judgeHost(
    {
      ...o,
      scheduler: a.scheduler,
      schedulerWindow: a.schedulerWindow,
      timer: a.timer,
      keepFacts: false,
      onVerdict: async (j) => void rows.push(await statusRow(j, now)),
    },
    now,
  );
  const host = (view.host ?? []).filter((f) => f.news || f.state !== 0);
  sortRows(rows);
  const orders = orderVerdicts(a.order, o.stateDir, a.user, now);
  if (a.json) {
    out.write(
      `${safeJson({ schema: 1, generated: now.toISOString(), stateDir: o.stateDir, problems: view.problems, host: host.map((f) => ({ ...f, stateName: STATE_NAMES[f.state] })), jobs: rows, orders }, 2)}\n`,
    );
  } else {
    for (const f of host) out.write(`SCHEDULER ${STATE_NAMES[f.state]}: ${cleanText(f.summary)}\n`);
    for (const ord of orders) out.write(`ORDER ${ord.stateName}: ${cleanText(ord.summary)}\n`);
    if (rows.length === 0) out.write(`${noJobsFound({ where: `${o.stateDir}${o.crontab ? ` or ${o.crontab}` : ''}`, why: null })}\n`);
    else out.write(renderTable(rows, now, style));
    for (const p of view.problems) err.write(`env-sync: ${visibleText(p)}\n`);
  }
  return worst([...rows.map((r) => r.state), ...orders.map((r) => r.state), ...host.map((f) => f.state)]);
}
