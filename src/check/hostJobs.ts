// Every job known on the host (state directory ∪ crontab), each judged by the same evaluate() as
// check_env_sync: shared by check_env_sync_all and `env-sync status`.
import { readFileSync } from 'node:fs';
import { listJobs } from '../markers/read.js';
import { MarkerError } from '../markers/read.js';
import { parseCrontab, readUserCrontab, type CronJob } from '../cron/crontab.js';
import { evaluate, type CheckOptions } from './evaluate.js';
import { gather } from './gather.js';
import type { PluginResult, State } from '../output/pluginOutput.js';
import type { CheckFacts } from './evaluate.js';

export interface HostOptions extends Omit<CheckOptions, 'job' | 'schedule'> {
  rotated: number;
  bootIdFile: string;
  rebootLockDir: string;
  crontab?: string | undefined;
  user?: string | undefined;
  deadline: number;
  /** State of a crontab job that has never run. */
  neverRun: State;
  skipEvidence: boolean;
}

export interface JobVerdict {
  job: string;
  result: PluginResult;
  cron: CronJob | null;
  facts: CheckFacts | null;
  neverRun: boolean;
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
  const problems: string[] = [];
  const cron = await loadCrontab(o);
  problems.push(...cron.problems);
  const byJob = new Map<string, CronJob>();
  for (const c of cron.jobs) byJob.set(c.job, c);
  const names = new Set([...listJobs(o.stateDir), ...byJob.keys()]);
  const jobs: JobVerdict[] = [];
  for (const job of [...names].sort()) {
    const c = byJob.get(job) ?? null;
    const opts: CheckOptions = { ...o, job, schedule: c?.schedule, missing: o.neverRun, brief: true };
    try {
      const facts = await gather(
        { job, stateDir: o.stateDir, syslog: o.syslog, rotated: o.rotated, bootIdFile: o.bootIdFile, rebootLockDir: o.rebootLockDir, schedule: c?.schedule, deadline: o.deadline, onStage: () => undefined, skipEvidence: o.skipEvidence },
        now,
      );
      const neverRun = !facts.jobState && facts.running.length === 0 && !facts.syslogOnly?.run;
      const result = evaluate(facts, opts, now);
      if (neverRun) result.summary = `${job} never run${c ? ` (in the crontab, schedule '${c.schedule}')` : ''}`;
      jobs.push({ job, result, cron: c, facts, neverRun });
    } catch (err) {
      const summary = err instanceof MarkerError ? `${job}: ${err.message}` : `${job}: ${(err as Error).message}`;
      jobs.push({ job, result: { state: 3, summary, longOutput: [], perfdata: [] }, cron: c, facts: null, neverRun: false });
    }
  }
  return { jobs, problems };
}
