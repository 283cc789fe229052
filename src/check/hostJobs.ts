// Every job known on the host (state directory ∪ crontab), each gathered and judged as
// check_env_sync judges it: shared by check_env_sync_all and `env-sync status`.
import { statSync } from 'node:fs';
import { readBoundedText, ReadProblem } from '../common/boundedRead.js';
import type { State } from '../common/states.js';
import { parseCrontab, readUserCrontab, type CronJob } from '../cron/crontab.js';
import { listJobs, MarkerError } from '../markers/read.js';
import type { TrustHints } from '../markers/trust.js';
import { jobVerdict, unreadableJob, type JobVerdict } from './aggregate.js';
import { gather } from './gather.js';
import { judge } from './judge.js';
import type { CheckPolicy } from './types.js';

export interface HostOptions extends Omit<CheckPolicy, 'job' | 'schedule' | 'missing'> {
  rotated: number;
  bootIdFile: string;
  rebootLockDir: string;
  crontab?: string | undefined;
  user?: string | undefined;
  deadline: number;
  /** State of a crontab job that has never run. */
  missing: State;
  /** Host-wide views judge many jobs at once and skip the per-run evidence search in syslog. */
  skipEvidence: boolean;
  /** What is known of the jobs' user (--user): whose markers to trust. */
  trust: TrustHints;
}

export interface HostView {
  jobs: JobVerdict[];
  problems: string[];
}

// A crontab is a few KiB; anything far larger is not one (and /dev/zero must not fill the memory).
const MAX_CRONTAB_BYTES = 1024 * 1024;

export interface LoadedCrontab {
  jobs: CronJob[];
  problems: string[];
  /** Who owns the crontab file given with --crontab (root's is no evidence of the jobs' user). */
  owner: number | null;
}

export async function loadCrontab(o: { crontab?: string | undefined; user?: string | undefined }): Promise<LoadedCrontab> {
  if (o.crontab) {
    try {
      const text = readBoundedText(o.crontab, { maxBytes: MAX_CRONTAB_BYTES });
      if (text === null) return { jobs: [], problems: [`--crontab ${o.crontab} does not exist; give the crontab file of the jobs' user`], owner: null };
      const uid = statSync(o.crontab).uid;
      return { jobs: parseCrontab(text), problems: [], owner: uid === 0 ? null : uid };
    } catch (err) {
      const why = err instanceof ReadProblem ? err.problem : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
      return { jobs: [], problems: [`cannot read --crontab ${o.crontab} (${why}); give a readable crontab file`], owner: null };
    }
  }
  if (o.user) {
    const r = await readUserCrontab(o.user);
    return { jobs: r.text === null ? [] : parseCrontab(r.text), problems: r.problem ? [r.problem] : [], owner: null };
  }
  return { jobs: [], problems: [], owner: null };
}

export async function judgeHost(o: HostOptions, now: Date): Promise<HostView> {
  const cron = await loadCrontab(o);
  const byJob = new Map<string, CronJob>();
  for (const c of cron.jobs) byJob.set(c.job, c);
  const names = new Set([...listJobs(o.stateDir), ...byJob.keys()]);
  const jobs: JobVerdict[] = [];
  for (const job of [...names].sort()) {
    const c = byJob.get(job) ?? null;
    try {
      const facts = await gather({ ...o, job, schedule: c?.schedule, trust: { ...o.trust, crontabOwner: cron.owner }, onStage: () => undefined }, now);
      jobs.push(jobVerdict(job, facts, judge(facts, { ...o, job, schedule: c?.schedule }, now), c));
    } catch (err) {
      jobs.push(unreadableJob(job, err instanceof MarkerError ? err.message : (err as Error).message, c));
    }
  }
  return { jobs, problems: cron.problems };
}
