// Every job known on the host (state directory ∪ crontab), each gathered and judged as
// check_env_sync judges it: shared by check_env_sync_all and `env-sync status`.
import { readFileSync } from 'node:fs';
import type { State } from '../common/states.js';
import { parseCrontab, readUserCrontab, type CronJob } from '../cron/crontab.js';
import { listJobs, MarkerError } from '../markers/read.js';
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
}

export interface HostView {
  jobs: JobVerdict[];
  problems: string[];
}

export async function loadCrontab(o: { crontab?: string | undefined; user?: string | undefined }): Promise<{ jobs: CronJob[]; problems: string[] }> {
  if (o.crontab) {
    try {
      return { jobs: parseCrontab(readFileSync(o.crontab, 'utf8')), problems: [] };
    } catch (err) {
      return { jobs: [], problems: [`cannot read --crontab ${o.crontab} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give a readable file`] };
    }
  }
  if (o.user) {
    const r = await readUserCrontab(o.user);
    return { jobs: r.text === null ? [] : parseCrontab(r.text), problems: r.problem ? [r.problem] : [] };
  }
  return { jobs: [], problems: [] };
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
      const facts = await gather({ ...o, job, schedule: c?.schedule, onStage: () => undefined }, now);
      jobs.push(jobVerdict(job, facts, judge(facts, { ...o, job, schedule: c?.schedule }, now), c));
    } catch (err) {
      jobs.push(unreadableJob(job, err instanceof MarkerError ? err.message : (err as Error).message, c));
    }
  }
  return { jobs, problems: cron.problems };
}
