// The host-wide verdict (check_env_sync_all, env-sync status): each job's brief verdict, and the
// one verdict over all of them. Pure: judged jobs in, words and states out.
import { compareText } from '../common/compare.js';
import { BY_SEVERITY, severity, STATE_NAMES, UNKNOWN, worst, type State } from '../common/states.js';
import type { CronJob } from '../cron/crontab.js';
import type { PluginResult } from '../output/pluginOutput.js';
import type { Metric } from '../output/perfdata.js';
import { summarise } from './judge.js';
import type { CheckFacts, Judgement } from './types.js';
import { neverRun as neverRunWords, noJobsFound } from './words.js';
import type { HostFinding } from './rules/scheduler.js';

export interface JobVerdict {
  job: string;
  state: State;
  summary: string;
  perfdata: Metric[];
  cron: CronJob | null;
  facts: CheckFacts | null;
  /** In the crontab (or named) but no run of it on record anywhere. */
  neverRun: boolean;
  running: boolean;
}

/** One job's line in a host-wide view; a job that never ran says so and where it was found. */
export function jobVerdict(
  job: string,
  facts: CheckFacts,
  j: Judgement,
  cron: CronJob | null,
  /** summarise(j), when the caller has it already (judgeJob's answer). */
  summarised: { state: State; summary: string; perfdata: Metric[] } = summarise(j),
): JobVerdict {
  const { state, summary, perfdata } = summarised;
  const neverRun = !facts.jobState && facts.running.length === 0 && !facts.syslogOnly?.run;
  return {
    job,
    state,
    summary: neverRun && !facts.pause?.active ? neverRunWords({ job, schedule: cron?.schedule ?? null }) : summary,
    perfdata,
    cron,
    facts,
    neverRun,
    // The judge's own answer (its `running` metric): a run of an earlier boot is not running.
    running: j.running,
  };
}

/** A job whose records could not be read: UNKNOWN with the pipeline's words for why (they name the job). */
export function unreadableJob(job: string, summary: string, cron: CronJob | null): JobVerdict {
  return { job, state: UNKNOWN, summary, perfdata: [], cron, facts: null, neverRun: false, running: false };
}

/** Worst first, then by name. */
export function byState(jobs: readonly JobVerdict[]): JobVerdict[] {
  return [...jobs].sort((a, b) => severity(b.state) - severity(a.state) || compareText(a.job, b.job));
}

/**
 * check_env_sync_all's verdict: the worst job's state, counts by state naming the first few jobs of
 * each, one line a job in the long output, and each job's age and failure count as perfdata.
 */
export function hostVerdict(
  jobs: readonly JobVerdict[],
  o: { missing: State; where: string; problems: string[]; blind?: string | null | undefined; host?: readonly HostFinding[] | undefined },
): PluginResult {
  // A host finding (a dead cron) leads the first line: it outranks any one job's news.
  const host = o.host ?? [];
  if (host.length) {
    const rest = hostVerdict(jobs, { ...o, host: [] });
    const news = host.filter((f) => f.news).map((f) => f.summary);
    const lines = host.flatMap((f) => f.detail.map((d) => `[${STATE_NAMES[f.state]}] ${d}`));
    return {
      ...rest,
      state: worst([rest.state, ...host.map((f) => f.state)]),
      summary: [...news, rest.summary].join('; '),
      longOutput: [...lines, ...rest.longOutput],
    };
  }
  // Said in the first line: a host-wide OK that cannot see unwrapped jobs must not pass for a full one.
  const blind = o.blind ? `; ${o.blind}` : '';
  // With no jobs, why there are none (no state directory, an unreadable crontab) is the news.
  if (jobs.length === 0)
    return {
      state: o.missing,
      summary: `${noJobsFound({ where: o.where, why: o.problems[0] ?? null })}${blind}`,
      longOutput: o.problems.slice(1),
      perfdata: [],
    };
  const sorted = byState(jobs);
  const counts = [0, 0, 0, 0];
  for (const j of sorted) counts[j.state]!++;
  const byStateWords = BY_SEVERITY.filter((s) => counts[s]).map((s) => {
    const names = sorted
      .filter((j) => j.state === s)
      .slice(0, 5)
      .map((j) => j.job)
      .join(', ');
    return `${counts[s]} ${STATE_NAMES[s]}${s ? ` (${names}${counts[s]! > 5 ? ', …' : ''})` : ''}`;
  });
  const running = sorted.filter((j) => j.running).length;
  const never = sorted.filter((j) => j.neverRun).length;
  const extra = [running ? `${running} running` : '', never ? `${never} never run` : ''].filter(Boolean).join(', ');
  const perfdata: Metric[] = [];
  for (const j of jobs) {
    for (const m of j.perfdata)
      if (m.label === 'age' || m.label === 'consecutive_failures') perfdata.push({ ...m, label: `${j.job}_${m.label === 'age' ? 'age' : 'failures'}` });
  }
  return {
    state: worst(sorted.map((j) => j.state)),
    summary: `${sorted.length} jobs: ${byStateWords.join(', ')}${extra ? `; ${extra}` : ''}${blind}`,
    longOutput: [...sorted.map((j) => `[${STATE_NAMES[j.state]}] ${j.summary}`), ...o.problems],
    perfdata,
    // A line a job, each naming it: never cut in a name (grep and copy-paste must find the job).
    moreAt: 'env-sync status',
  };
}
