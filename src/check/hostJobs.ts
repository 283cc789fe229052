// Every job known on the host (state directory ∪ crontab), each gathered and judged as
// check_env_sync judges it: shared by check_env_sync_all and `env-sync status`.
import { statSync } from 'node:fs';
import { readBoundedText, ReadProblem } from '../common/boundedRead.js';
import type { Values } from '../common/options.js';
import type { State } from '../common/states.js';
import { parseCrontab, readUserCrontab, type CronJob } from '../cron/crontab.js';
import { listJobs, MarkerError } from '../markers/read.js';
import { missingStateDir } from '../markers/stateDir.js';
import { rotationLimit, type Rotated } from '../common/rotation.js';
import { scriptRunsLookup } from '../joblog/scriptRunsLookup.js';
import { jobTrust, type TrustHints } from '../markers/trust.js';
import { inventoryJobs, readInventory } from '../cron/inventory.js';
import { jobVerdict, unreadableJob, type JobVerdict } from './aggregate.js';
import type { GatherOptions } from './gather.js';
import { assertKnownUser, judgeJob } from './pipeline.js';
import { explainOptions } from './verdict.js';
import type { CheckPolicy } from './types.js';
import { hostReads } from './hostReads.js';
import { chooseLogOnce, type LogOptions } from '../logsource/choose.js';
import { senderFilter } from '../logsource/senders.js';
import { checkDeadline } from '../common/deadline.js';
import { schedulerFacts, type SchedulerOptions } from './schedulerFacts.js';
import { judgeScheduler, judgeTimers, type HostFinding } from './rules/scheduler.js';
import { timerSchedulerFacts } from './timerFacts.js';

export interface HostOptions extends Omit<CheckPolicy, 'job' | 'schedule' | 'missing'>, LogOptions, Omit<SchedulerOptions, 'deadline'> {
  rotated: Rotated;
  bootIdFile: string;
  rebootLockDir: string;
  crontab?: string | undefined;
  user?: string | undefined;
  deadline: number;
  /** State of a crontab job that has never run. */
  missing: State;
  /** Host-wide views judge many jobs at once and skip the per-run evidence search in syslog. */
  skipEvidence: boolean;
  /**
   * Whether each verdict keeps its job's facts (env-sync status and metrics show them). A view that
   * needs only the verdicts lets each job's parsed markers go as soon as it is judged, rather than
   * carry 500 of them through every collection of the young generation.
   */
  keepFacts?: boolean;
  /** What is known of the jobs' user (--user): whose markers to trust. */
  trust: TrustHints;
  /**
   * Called with each job's verdict, its facts still there, before keepFacts:false lets them go: a view
   * of 100,000 jobs takes what it shows of each as it goes rather than hold every job's facts.
   */
  onVerdict?: (v: JobVerdict) => void | Promise<void>;
}

export interface HostView {
  jobs: JobVerdict[];
  problems: string[];
  /** Why jobs that never wrote a marker (unwrapped, never run) cannot be seen: no crontab, no inventory. */
  blind: string | null;
  /** Findings about the host, not one job (a dead cron: rules/scheduler.ts). */
  host?: HostFinding[];
}

// A crontab is a few KiB; anything far larger is not one (and /dev/zero must not fill the memory).
const MAX_CRONTAB_BYTES = 1024 * 1024;

export interface LoadedCrontab {
  /** The crontab's text, when it was read. */
  text: string | null;
  jobs: CronJob[];
  problems: string[];
  /** Who owns the crontab file given with --crontab (root's is no evidence of the jobs' user). */
  owner: number | null;
}

export async function loadCrontab(o: { crontab?: string | undefined; user?: string | undefined }): Promise<LoadedCrontab> {
  if (o.crontab) {
    try {
      const text = readBoundedText(o.crontab, { maxBytes: MAX_CRONTAB_BYTES });
      if (text === null)
        return { text: null, jobs: [], problems: [`--crontab ${o.crontab} does not exist; give the crontab file of the jobs' user`], owner: null };
      const uid = statSync(o.crontab).uid;
      return { text, jobs: parseCrontab(text), problems: [], owner: uid === 0 ? null : uid };
    } catch (err) {
      const why = err instanceof ReadProblem ? err.problem : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
      return { text: null, jobs: [], problems: [`cannot read --crontab ${o.crontab} (${why}); give a readable crontab file`], owner: null };
    }
  }
  if (o.user) {
    const r = await readUserCrontab(o.user);
    return { text: r.text, jobs: r.text === null ? [] : parseCrontab(r.text), problems: r.problem ? [r.problem] : [], owner: null };
  }
  return { text: null, jobs: [], problems: [], owner: null };
}

/** The host's jobs by name: the state directory's job directories, the crontab's (else the job inventory's) lines. */
export interface HostJobList extends Omit<HostView, 'jobs'> {
  names: string[];
  /** The crontab's or the inventory's line of each job that has one. */
  cron: Map<string, CronJob>;
  crontabOwner: number | null;
}

export async function hostJobList(o: Pick<HostOptions, 'stateDir' | 'crontab' | 'user' | 'trust'>): Promise<HostJobList> {
  const cron = await loadCrontab(o);
  const byJob = new Map<string, CronJob>();
  const missing = missingStateDir(o.stateDir, o.user);
  const problems = [...(missing ? [missing] : []), ...cron.problems];
  let blind: string | null = null;
  if (!cron.jobs.length) {
    // Without the crontab (user nagios cannot read it), the job inventory the wrapper keeps in the
    // state directory lists every job of the crontab, the unwrapped ones too.
    try {
      const inv = readInventory(o.stateDir, jobTrust(o.stateDir, null, { ...o.trust, crontabOwner: cron.owner }));
      if (inv) for (const c of inventoryJobs(inv)) byJob.set(c.job, c);
      else if (!o.crontab)
        blind = `unwrapped jobs not seen: ${cron.problems.length ? 'the crontab cannot be read' : 'no crontab given'} and there is no job inventory in ${o.stateDir} (a wrapped run writes it; as root: env-sync config inventory)`;
    } catch (err) {
      if (!(err instanceof MarkerError)) throw err;
      problems.push(err.message);
      blind = `unwrapped jobs not seen: the job inventory cannot be trusted (${err.path})`;
    }
  }
  for (const c of cron.jobs) byJob.set(c.job, c);
  const names = new Set([...listJobs(o.stateDir), ...byJob.keys()]);
  return { names: [...names].sort(), cron: byJob, problems, blind, crontabOwner: cron.owner };
}

/** check_env_sync_all's view of the host, from its option values: the plugin and the tests ask it alike. */
export function allJobsOptions(o: Values<'check_env_sync_all'>, deadline: number): HostOptions {
  return { ...o, deadline, skipEvidence: true, keepFacts: false, trust: { user: o.user } };
}

export async function judgeHost(o: HostOptions, now: Date): Promise<HostView> {
  assertKnownUser(o.stateDir, o.trust);
  const { names, cron: byJob, problems, blind, crontabOwner } = await hostJobList(o);
  // One backward read of syslog for the script runs of every job, however many ask.
  const { rotated, auto } = rotationLimit(o.rotated);
  // From the journal, the lines of the jobs' user (the state directory's, as for a job with no
  // directory of its own) and root's count.
  const senders = senderFilter(jobTrust(o.stateDir, null, { ...o.trust, crontabOwner }));
  const scriptRuns = scriptRunsLookup(
    { syslog: o.syslog, rotated, now, deadline: o.deadline, source: chooseLogOnce(o), senders },
    names.map((job) => ({ job })),
    auto,
  );
  const host = hostReads(true);
  // What every job's gather and judge share, made once. Each holds the per-job keys already: V8
  // copies such an object in a fraction of a microsecond, but adding keys to a copy of one with
  // some thirty makes a new shape each time, 15 µs a job (docs/benchmarks.md, Notes).
  const shared: GatherOptions = {
    ...o,
    trust: { ...o.trust, crontabOwner },
    scriptRuns,
    host,
    job: '',
    schedule: undefined,
    cron: null,
  };
  const policy: CheckPolicy = {
    job: '',
    schedule: undefined,
    stateDir: o.stateDir,
    syslog: o.syslog,
    ageWarning: o.ageWarning,
    ageCritical: o.ageCritical,
    runtimeWarning: o.runtimeWarning,
    runtimeCritical: o.runtimeCritical,
    grace: o.grace,
    missing: o.missing,
    durationLow: o.durationLow,
    durationHigh: o.durationHigh,
    outputLow: o.outputLow,
    outputHigh: o.outputHigh,
  };
  const how = explainOptions(policy);
  const timeoutSeconds = Math.max(0, Math.round((o.deadline - Date.now()) / 1000));
  const jobs: JobVerdict[] = [];
  let n = 0;
  for (const job of names) {
    n += 1;
    checkDeadline(o.deadline, () => `judging job ${job} (${n} of ${names.length})`);
    const c = byJob.get(job) ?? null;
    const answer = await judgeJob(
      {
        gather: { ...shared, job, schedule: c?.schedule, cron: c },
        policy: { ...policy, job, schedule: c?.schedule },
        verbose: 0,
        how,
        timeoutSeconds,
        timeoutIsTheCallers: true,
        explain: false,
      },
      now,
    );
    const verdict =
      answer.facts && answer.judgement ? jobVerdict(job, answer.facts, answer.judgement, c, answer.verdict) : unreadableJob(job, answer.verdict.summary, c);
    await o.onVerdict?.(verdict);
    if (o.keepFacts === false) verdict.facts = null;
    jobs.push(verdict);
  }
  const scheduler = await schedulerFacts(o, [...byJob.values()], now);
  const timers = await timerSchedulerFacts(o);
  const findings = [...(scheduler ? [judgeScheduler(scheduler, now)] : []), ...(timers ? [judgeTimers(timers, now)] : [])];
  return { jobs, problems, blind, host: findings };
}
