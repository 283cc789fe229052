// Whether the host's cron daemon runs, and which jobs it would start soon: the I/O behind the dead
// scheduler finding (rules/scheduler.ts). Read from /proc, without root and without a child
// process: cron's pid file, then that pid's stat; only when that does not show a live cron (no pid
// file, a pid now another process's, a clock stepped since cron started) the host's processes.
// Nothing here calls a process dead that hidepid hides: that is "cannot be seen", never CRITICAL.
import { existsSync } from 'node:fs';
import { readBounded, readBoundedText } from '../common/boundedRead.js';
import { compareText } from '../common/compare.js';
import { checkDeadline } from '../common/deadline.js';
import { processView } from '../common/processes.js';
import type { CronJob } from '../cron/crontab.js';
import { nextScheduledRun } from '../cron/schedule.js';
import type { DaemonFacts, DueJob, SchedulerFacts, SchedulerMode, TimerJob } from './rules/scheduler.js';

/** Debian's cron and cronie both write it (/var/run is a link to /run). */
export const CRON_PID_FILE = '/run/crond.pid';
const CRON_NAMES = new Set(['cron', 'crond']);
// systemd-cron turns crontabs into timers and runs no cron daemon: no process to look for.
const SYSTEMD_CRON = ['/lib/systemd/system-generators/systemd-crontab-generator', '/usr/lib/systemd/system-generators/systemd-crontab-generator'];
// /proc/stat's btime is whole seconds: a process's start reads up to a second off.
const START_SLACK_MS = 2000;
/** Clock ticks a second in /proc/PID/stat (USER_HZ, 100 on every Linux architecture Debian builds). */
const USER_HZ = 100;

export interface SchedulerOptions {
  scheduler?: SchedulerMode | undefined;
  /** Seconds ahead in which a job counts as due. */
  schedulerWindow?: number | undefined;
  /** The timer-driven jobs (--timer JOB:UNIT): timerFacts.ts looks at these. */
  timer?: TimerJob[] | undefined;
  deadline: number;
}

interface PidFile {
  pid: number;
  mtimeMs: number;
}

/** The pid root's pid file names, with when it was written; null when there is none to believe. */
function readPidFile(path: string): PidFile | null {
  let mtimeMs = 0;
  let uid = -1;
  try {
    const text = readBoundedText(path, {
      maxBytes: 64,
      inspect: (st) => {
        mtimeMs = st.mtimeMs;
        uid = st.uid;
      },
    });
    const pid = Number(text?.trim());
    // A pid file not root's says nothing about root's daemon.
    return text !== null && uid === 0 && Number.isInteger(pid) && pid > 0 ? { pid, mtimeMs } : null;
  } catch {
    return null;
  }
}

interface ProcFacts {
  comm: string;
  startMs: number;
  uids: [number, number];
}

/** One live process's name, start (wall clock) and uids; null when /proc does not show it or it has ended. */
function procFacts(proc: string, pid: number): ProcFacts | null {
  try {
    const stat = readBoundedText(`${proc}/${pid}/stat`, { maxBytes: 4096 });
    const status = readBoundedText(`${proc}/${pid}/status`, { maxBytes: 16 * 1024 });
    const boot = /\nbtime (\d+)/.exec(readBounded(`${proc}/stat`, { maxBytes: 1024 * 1024 })?.toString('latin1') ?? '');
    if (!stat || !status || !boot) return null;
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie (killed, not yet reaped by its parent) keeps its pid and name but runs nothing.
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    const ticks = Number(fields[19]);
    const uids = /\nUid:\t(\d+)\t(\d+)/.exec(status);
    if (!uids || !Number.isFinite(ticks)) return null;
    return { comm, startMs: Number(boot[1]) * 1000 + (ticks / USER_HZ) * 1000, uids: [Number(uids[1]), Number(uids[2])] };
  } catch {
    return null;
  }
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** Whether cron runs, as far as /proc shows it to this user. Paths are parameters for the tests. */
export function cronDaemon(o: { pidFile?: string; proc?: string } = {}): DaemonFacts {
  const pidFile = o.pidFile ?? CRON_PID_FILE;
  const proc = o.proc ?? '/proc';
  const pf = readPidFile(pidFile);
  const p = pf ? procFacts(proc, pf.pid) : null;
  // Root's cron, started before its pid file was written: the daemon that wrote it, not a later
  // process that was given the same pid.
  if (pf && p && CRON_NAMES.has(p.comm) && p.uids[0] === 0 && p.startMs <= pf.mtimeMs + START_SLACK_MS)
    return { daemon: 'cron', running: true, seen: `pid ${pf.pid} (${p.comm}) from ${pidFile}` };
  const view = processView(proc);
  const found = view.procs.find((q) => q.uids[0] === 0 && q.uids[1] === 0 && CRON_NAMES.has(base(q.argv[0] ?? '')));
  if (found) return { daemon: 'cron', running: true, seen: `root's ${found.argv.join(' ')}` };
  const said = !pf
    ? `no ${pidFile} and no cron process of root`
    : !p
      ? `${pidFile} names pid ${pf.pid}, which is gone`
      : `${pidFile} names pid ${pf.pid}, which is now ${p.comm === 'cron' || p.comm === 'crond' ? `a ${p.comm} started after the file was written` : `${p.comm}, not cron`}, and no cron process of root runs`;
  if (view.hidden) return { daemon: 'cron', running: null, seen: said, hidden: view.hidden };
  const generator = SYSTEMD_CRON.find((g) => existsSync(g));
  if (generator)
    return {
      daemon: 'cron',
      running: null,
      seen: said,
      hidden: `systemd-cron (${generator}) runs the crontabs as timers, with no cron daemon to look for; give --scheduler none`,
    };
  return { daemon: 'cron', running: false, seen: said };
}

/** The facts of the cron finding, or null when it is not asked for (--scheduler none or systemd, or auto and no job has a cron line). */
export async function schedulerFacts(
  o: SchedulerOptions,
  cron: readonly CronJob[],
  now: Date,
  where?: { pidFile?: string; proc?: string },
): Promise<SchedulerFacts | null> {
  const mode = o.scheduler ?? 'none';
  if (mode === 'none' || mode === 'systemd' || (mode === 'auto' && cron.length === 0)) return null;
  const windowSeconds = o.schedulerWindow ?? 86_400;
  const daemon = cronDaemon(where);
  const due: DueJob[] = [];
  // The next runs matter only when cron is not seen running: a running one costs no schedule reading.
  if (daemon.running !== true) {
    let n = 0;
    for (const c of cron) {
      n += 1;
      checkDeadline(o.deadline, () => `computing when job ${c.job} is next due (${n} of ${cron.length})`);
      const next = await nextScheduledRun(c.schedule, now);
      if (next && next.getTime() - now.getTime() <= windowSeconds * 1000) due.push({ job: c.job, next });
    }
    due.sort((a, b) => a.next.getTime() - b.next.getTime() || compareText(a.job, b.job));
  }
  return { ...daemon, mode, windowSeconds, cronJobs: cron.length, due };
}
