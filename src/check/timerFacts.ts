// Whether the systemd timers that start timer-driven jobs (--timer JOB:UNIT) are active, and when
// the jobs of those that are not would next run: the I/O behind the timer half of the dead
// scheduler finding (rules/scheduler.ts). One `systemctl show` for every timer; only when a timer is
// down, one `systemd-analyze calendar` for their OnCalendar expressions (a stopped timer has no next
// elapse of its own). The parsers are pure and exported for the table tests.
import { checkDeadline } from '../common/deadline.js';
import type { TimerJob, TimerSchedulerFacts, TimerState } from './rules/scheduler.js';
import type { SchedulerOptions } from './schedulerFacts.js';

/** The properties asked for; `Id` first in the answer is not promised, so each block is read whole. */
const PROPERTIES = ['Id', 'LoadState', 'ActiveState', 'NextElapseUSecRealtime', 'TimersCalendar', 'TimersMonotonic'];

/** `Tue 2026-12-08 03:00:00 UTC` (systemctl and systemd-analyze with their times in UTC) as a Date; null for anything else. */
export function parseUtcTimestamp(text: string): Date | null {
  const m = /^\w{3} (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC$/.exec(text.trim());
  return m ? new Date(`${m[1]}T${m[2]}Z`) : null;
}

/**
 * `systemctl show -p … A.timer B.timer` (run with TZ=UTC) to one state a timer, in the order the
 * units were asked for: systemctl answers each unit as a block of KEY=VALUE lines, blocks apart by
 * an empty line. A unit it knows nothing of still gets a block (LoadState=not-found).
 */
export function parseTimerShow(stdout: string, timers: readonly TimerJob[]): TimerState[] {
  const blocks = stdout
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter(Boolean);
  const byId = new Map<string, Map<string, string[]>>();
  for (const block of blocks) {
    const props = new Map<string, string[]>();
    for (const line of block.split('\n')) {
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq);
      props.set(key, [...(props.get(key) ?? []), line.slice(eq + 1)]);
    }
    const id = props.get('Id')?.[0];
    if (id) byId.set(id, props);
  }
  return timers.map((t) => {
    const p = byId.get(t.unit);
    const one = (k: string) => p?.get(k)?.[0] ?? '';
    const calendar = (p?.get('TimersCalendar') ?? []).map((v) => /OnCalendar=(.*?) ; next_elapse=/.exec(v)?.[1]).filter((v): v is string => !!v);
    return {
      ...t,
      loadState: p ? one('LoadState') || 'unknown' : 'not answered',
      activeState: p ? one('ActiveState') || 'unknown' : 'unknown',
      next: parseUtcTimestamp(one('NextElapseUSecRealtime')),
      calendar,
      monotonic: (p?.get('TimersMonotonic') ?? []).some((v) => v.trim() !== ''),
    };
  });
}

/**
 * `systemd-analyze calendar --iterations=1 EXPR…` to each expression's next elapse, in the order
 * given (null: never). Each expression's block starts at its `Normalized form:` line; the time is
 * the `(in UTC):` line when the host's zone is not UTC, else the `Next elapse:` line, which is then UTC.
 */
export function parseCalendarNext(stdout: string): Array<Date | null> {
  return stdout
    .split(/^\s*Normalized form:/m)
    .slice(1)
    .map((block) => {
      const utc = /^\s*\(in UTC\): (.*)$/m.exec(block)?.[1] ?? /^\s*Next elapse: (.*)$/m.exec(block)?.[1] ?? '';
      return parseUtcTimestamp(utc);
    });
}

export interface TimerAnswer {
  /** Null: systemctl could not answer (no systemd as PID 1, no bus); `error` says what it said. */
  timers: TimerState[] | null;
  error?: string;
}

const oneLine = (s: string) => s.split('\n').filter(Boolean).join('; ');

/** The timers' states from systemd, each down timer with its job's next run from its calendar. */
export async function timerStates(timers: readonly TimerJob[], deadline: number): Promise<TimerAnswer> {
  const { execa } = await import('execa');
  checkDeadline(deadline, () => 'asking systemd about the timers');
  const left = () => Math.max(1, deadline - Date.now());
  // TZ=UTC: systemctl prints times in the zone of its environment, and UTC is the one parsed here.
  const env = { TZ: 'UTC', LC_ALL: 'C' };
  const units = timers.map((t) => t.unit);
  const r = await execa('systemctl', ['show', '--no-pager', `--property=${PROPERTIES.join(',')}`, '--', ...units], {
    reject: false,
    timeout: left(),
    env,
    maxBuffer: 1024 * 1024,
  });
  if (r.timedOut) checkDeadline(0, () => 'asking systemd about the timers (systemctl show)');
  if (r.exitCode !== 0) return { timers: null, error: oneLine(String(r.stderr || r.message || `systemctl show exited ${r.exitCode}`)) };
  const states = parseTimerShow(r.stdout, timers);
  const exprs = [...new Set(states.filter((s) => s.activeState !== 'active').flatMap((s) => s.calendar))];
  if (exprs.length === 0) return { timers: states };
  checkDeadline(deadline, () => 'computing when the jobs of the stopped timers are due');
  // The host's own zone here (no TZ): systemd reads OnCalendar in it; the answer says UTC beside it.
  const c = await execa('systemd-analyze', ['calendar', '--iterations=1', '--', ...exprs], { reject: false, timeout: left(), env: { LC_ALL: 'C' } });
  if (c.timedOut) checkDeadline(0, () => 'computing when the jobs of the stopped timers are due (systemd-analyze calendar)');
  // A failed systemd-analyze (an expression it refuses, a timeout) leaves when unknown, not "never":
  // the rule counts such a job as due rather than guess that it is not.
  const nexts = c.exitCode === 0 ? parseCalendarNext(c.stdout) : [];
  const nextOf = new Map<string, Date | null | undefined>(exprs.map((e, i) => [e, i < nexts.length ? nexts[i] : undefined]));
  return {
    timers: states.map((s) => {
      if (s.activeState === 'active') return s;
      const known = s.calendar.map((e) => nextOf.get(e));
      const soonest = known.filter((d): d is Date => d instanceof Date).sort((a, b) => a.getTime() - b.getTime())[0];
      return { ...s, next: soonest ?? null, nextUnknown: !soonest && known.includes(undefined) };
    }),
  };
}

/** The facts of the timer finding, or null when it is not asked for (--scheduler none or cron, or auto and no --timer). */
export async function timerSchedulerFacts(o: SchedulerOptions, where: { states?: typeof timerStates } = {}): Promise<TimerSchedulerFacts | null> {
  const mode = o.scheduler ?? 'none';
  const timers = o.timer ?? [];
  if (mode === 'none' || mode === 'cron' || (mode === 'auto' && timers.length === 0)) return null;
  const windowSeconds = o.schedulerWindow ?? 86_400;
  if (timers.length === 0) return { mode, windowSeconds, timers: [], error: 'no timer given: name each timer-driven job with --timer JOB:UNIT' };
  const a = await (where.states ?? timerStates)(timers, o.deadline);
  return a.timers ? { mode, windowSeconds, timers: a.timers } : { mode, windowSeconds, timers: [], error: `systemctl show said: ${a.error}` };
}
