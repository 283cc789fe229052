// A dead scheduler (issue 30): cron killed by the OOM killer skips every job until someone
// notices, and each job's missed-run rule fires only after its own grace, one job at a time. This
// is one host-level finding that names the daemon and the jobs it will not start. Pure: the facts
// schedulerFacts.ts gathered in, a finding out.
import { CRITICAL, OK, UNKNOWN, WARNING, type State } from '../../common/states.js';
import { clock, duration } from '../../common/timeWords.js';

/** `--scheduler`: none, cron, or auto (cron when any job has a cron line). */
export type SchedulerMode = 'none' | 'cron' | 'auto';

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

function names(due: readonly DueJob[], n: number, now: Date): string {
  const shown = due.slice(0, n).map((d) => `${d.job} (${clock(d.next, now)})`);
  return due.length > n ? `${shown.join(', ')} and ${due.length - n} more` : shown.join(', ').replace(/, ([^,]*)$/, ' and $1');
}

export function judgeScheduler(f: SchedulerFacts, now: Date): HostFinding {
  const window = duration(f.windowSeconds);
  if (f.running === true) return { state: OK, summary: `${f.daemon} is running`, detail: [`${f.daemon} is running: ${f.seen}`], news: false };
  const dueWords = f.due.length
    ? `${f.due.length} job${f.due.length === 1 ? '' : 's'} due in the next ${window}: ${names(f.due, NAMED_FIRST, now)}`
    : `none of the ${f.cronJobs} cron job${f.cronJobs === 1 ? '' : 's'} is due in the next ${window}`;
  if (f.running === null) {
    // Asked for by name, a check that cannot be made is UNKNOWN; found by auto (every host whose /proc
    // hides root's processes), it is said in the first line without changing the state, as the
    // host-wide view says what else it cannot see: a permanent UNKNOWN would only get it turned off.
    return {
      state: f.mode === 'cron' ? UNKNOWN : OK,
      summary: `whether ${f.daemon} is running cannot be seen (${f.hidden ?? f.seen})`,
      detail: [`whether ${f.daemon} is running cannot be seen: ${f.hidden ?? f.seen}`],
      news: true,
    };
  }
  const detail = [
    `${f.daemon} is not running: ${f.seen}; start it (systemctl start ${f.daemon}) and look in journalctl -k for the OOM killer ("Out of memory: Killed process")`,
  ];
  if (f.due.length > NAMED_FIRST) detail.push(`due in the next ${window}: ${names(f.due, NAMED_LONG, now)}`);
  // Nothing missed yet (a weekly job, a window shorter than the schedules): the daemon is still dead.
  return { state: f.due.length ? CRITICAL : WARNING, summary: `${f.daemon} is not running; ${dueWords}`, detail, news: true };
}
