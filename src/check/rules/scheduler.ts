// A dead scheduler (issue 30): cron killed by the OOM killer skips every job until someone
// notices, and each job's missed-run rule fires only after its own grace, one job at a time. This
// is one host-level finding that names the daemon and the jobs it will not start. Pure: the facts
// schedulerFacts.ts gathered in, a finding out.
import { compareText } from '../../common/compare.js';
import { CRITICAL, OK, UNKNOWN, WARNING, type State } from '../../common/states.js';
import { clock, duration } from '../../common/timeWords.js';
import {
  dueWords,
  schedulerHidden,
  schedulerNotRunning,
  schedulerNotRunningFix,
  schedulerRunning,
  timerDownFix,
  timersActive,
  timersHidden,
  timersNotActive,
} from '../words.js';

/** `--scheduler`: none, cron, systemd, or auto (cron when any job has a cron line, systemd when any job is given with --timer). */
export type SchedulerMode = 'none' | 'cron' | 'systemd' | 'auto';

export interface DaemonFacts {
  daemon: 'cron';
  /** Seen running, seen not running, or null: it cannot be seen (`hidden` says why and the fix). */
  running: boolean | null;
  /** What was looked at and found, in words: `pid 812 (cron) from /run/crond.pid`. */
  seen: string;
  hidden?: string | undefined;
}

export interface DueJob {
  job: string;
  next: Date;
}

export interface SchedulerFacts extends DaemonFacts {
  mode: 'cron' | 'auto';
  windowSeconds: number;
  /** How many jobs have a cron line. */
  cronJobs: number;
  /** The jobs with a cron line due within the window, soonest first; only looked for when the daemon is not seen running. */
  due: DueJob[];
}

/** A finding about the host rather than one job; `news`: it belongs in the first line. */
export interface HostFinding {
  state: State;
  summary: string;
  detail: string[];
  news: boolean;
}

/** Jobs named in the first line; the long output names more. */
const NAMED_FIRST = 3;
const NAMED_LONG = 20;

/** The first n items, `a, b and c`, or `a, b and 3 more`. */
function list(items: readonly string[], n: number): string {
  const shown = items.slice(0, n);
  return items.length > n ? `${shown.join(', ')} and ${items.length - n} more` : shown.join(', ').replace(/, ([^,]*)$/, ' and $1');
}

function names(due: readonly DueJob[], n: number, now: Date): string {
  return list(
    due.map((d) => `${d.job} (${clock(d.next, now)})`),
    n,
  );
}

export function judgeScheduler(f: SchedulerFacts, now: Date): HostFinding {
  const window = duration(f.windowSeconds);
  const { daemon } = f;
  if (f.running === true) return { state: OK, summary: schedulerRunning({ daemon }), detail: [schedulerRunning({ daemon, seen: f.seen })], news: false };
  const due = dueWords({ due: f.due.length, window, names: names(f.due, NAMED_FIRST, now), of: f.cronJobs, kind: 'cron job' });
  if (f.running === null) {
    // Asked for by name, a check that cannot be made is UNKNOWN; found by auto (every host whose /proc
    // hides root's processes), it is said in the first line without changing the state, as the
    // host-wide view says what else it cannot see: a permanent UNKNOWN would only get it turned off.
    const why = f.hidden ?? f.seen;
    return {
      state: f.mode === 'cron' ? UNKNOWN : OK,
      summary: schedulerHidden({ daemon, why }),
      detail: [schedulerHidden({ daemon, why, long: true })],
      news: true,
    };
  }
  const detail = [schedulerNotRunningFix({ daemon, seen: f.seen })];
  if (f.due.length > NAMED_FIRST) detail.push(`due in the next ${window}: ${names(f.due, NAMED_LONG, now)}`);
  // Nothing missed yet (a weekly job, a window shorter than the schedules): the daemon is still dead.
  return { state: f.due.length ? CRITICAL : WARNING, summary: schedulerNotRunning({ daemon, due }), detail, news: true };
}

/** A timer-driven job, as `--timer JOB:UNIT` names it. */
export interface TimerJob {
  job: string;
  unit: string;
}

/** What systemd said of one timer. */
export interface TimerState extends TimerJob {
  /** loaded, not-found, masked, …; `not answered` when systemctl gave no block for it. */
  loadState: string;
  /** active, inactive, failed, … */
  activeState: string;
  /** The job's next run: the timer's own next elapse when active, else the soonest of its OnCalendar expressions; null when none. */
  next: Date | null;
  /** Its OnCalendar expressions, normalized by systemd. */
  calendar: string[];
  /** It has monotonic triggers (OnBootSec, OnUnitActiveSec, …), whose next elapse a stopped timer does not have. */
  monotonic: boolean;
  /** Its calendar's next elapse could not be computed (systemd-analyze failed): when it would run is unknown, not never. */
  nextUnknown?: boolean;
}

export interface TimerSchedulerFacts {
  mode: 'systemd' | 'auto';
  windowSeconds: number;
  timers: TimerState[];
  /** systemd could not be asked (its words), or there was nothing to ask: the timers cannot be seen. */
  error?: string | undefined;
}

/** A timer that will not start its job: stopped, failed, or no such unit. */
const isDown = (t: TimerState) => t.activeState !== 'active' || t.loadState !== 'loaded';

/**
 * A down timer's job is due when its next run is inside the window, or when when it would run
 * cannot be known (a unit systemd does not have, only monotonic triggers, or a calendar systemd-analyze
 * could not compute): a stopped
 * `OnUnitActiveSec=1h` timer is as dead as a stopped daily one, and the check does not guess less.
 */
function dueWithin(t: TimerState, now: Date, windowSeconds: number): boolean {
  if (t.next) return t.next.getTime() - now.getTime() <= windowSeconds * 1000;
  return t.loadState !== 'loaded' || t.monotonic || t.nextUnknown === true;
}

const timerWords = (t: TimerState) => `${t.unit} (${t.loadState === 'loaded' ? t.activeState : t.loadState})`;
const jobWhen = (t: TimerState, now: Date) => `${t.job} (${t.next ? clock(t.next, now) : 'when: unknown'})`;

export function judgeTimers(f: TimerSchedulerFacts, now: Date): HostFinding {
  const window = duration(f.windowSeconds);
  if (f.error !== undefined)
    return {
      state: f.mode === 'systemd' ? UNKNOWN : OK,
      summary: timersHidden({ why: f.error }),
      detail: [timersHidden({ why: f.error, long: true })],
      news: true,
    };
  const down = f.timers.filter(isDown);
  if (down.length === 0)
    return {
      state: OK,
      summary: timersActive({}),
      detail: f.timers.map((t) => `${t.unit} is active: job ${t.job}${t.next ? ` next at ${clock(t.next, now)}` : ''}`),
      news: false,
    };
  const due = down
    .filter((t) => dueWithin(t, now, f.windowSeconds))
    .sort((a, b) => (a.next?.getTime() ?? 0) - (b.next?.getTime() ?? 0) || compareText(a.job, b.job));
  const dueNow = due.map((t) => jobWhen(t, now));
  const dueSaid =
    due.length || down.length > 1
      ? dueWords({ due: due.length, window, names: list(dueNow, NAMED_FIRST), of: down.length, kind: 'job', their: true })
      : `its job ${down[0]!.job} is not due in the next ${window}`;
  const detail = down.map((t) =>
    timerDownFix({ unit: t.unit, job: t.job, state: t.loadState === 'loaded' ? t.activeState : t.loadState, loaded: t.loadState === 'loaded' }),
  );
  if (due.length > NAMED_FIRST) detail.push(`due in the next ${window}: ${list(dueNow, NAMED_LONG)}`);
  return {
    state: due.length ? CRITICAL : WARNING,
    summary: timersNotActive({ count: down.length, timers: list(down.map(timerWords), NAMED_FIRST), due: dueSaid }),
    detail,
    news: true,
  };
}
