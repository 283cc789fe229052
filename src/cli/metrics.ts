// `env-sync metrics`: every job's verdict for Prometheus, judged as check_env_sync_all and `env-sync
// status` judge it (judgeHost: the same gather and judge as the plugins, so the two monitoring
// systems agree), with the schedule facts the missed-run alert needs and whether a running job's
// wrapper is alive. Printed, or written into node_exporter's textfile directory (--textfile-dir).
import type { TextOut } from '../output/writeAll.js';
import type { Values } from '../common/options.js';
import type { JobVerdict as JudgedJob } from '../check/aggregate.js';
import { judgeHost } from '../check/hostJobs.js';
import { nextScheduledRun } from '../cron/schedule.js';
import { TextfileError, VERDICT_TEXTFILE, writeTextfileAtomic } from '../metrics/textfile.js';
import { verdictText, type JobVerdict } from '../metrics/verdicts.js';
import { CliError, hostOptions } from './hostOptions.js';

const seconds = (d: Date | null) => (d ? d.getTime() / 1000 : null);

/** One judged job as the verdict file has it. */
export async function metricVerdict(j: JudgedJob, grace: number, now: Date): Promise<JobVerdict> {
  const previous = j.facts?.previousScheduled ?? null;
  const running = j.facts?.running ?? [];
  return {
    job: j.job,
    state: j.state,
    nextRunSeconds: seconds(j.cron ? await nextScheduledRun(j.cron.schedule, now) : null),
    previousRunSeconds: seconds(previous),
    // The grace means something only beside a due time: the missed-run alert compares the two.
    grace: previous ? grace : null,
    wrapperAlive: running.length ? running.every((r) => r.liveness === 'alive') : null,
  };
}

export async function metrics(a: Values<'env-sync metrics'>, out: TextOut, err: TextOut, now = new Date()): Promise<number> {
  const view = await judgeHost(hostOptions(a, true), now);
  const text = verdictText(await Promise.all(view.jobs.map((j) => metricVerdict(j, a.grace, now))), now);
  for (const p of view.problems) err.write(`env-sync: ${p}\n`);
  if (!a.textfileDir) {
    out.write(text);
    return 0;
  }
  try {
    writeTextfileAtomic(a.textfileDir, VERDICT_TEXTFILE, text);
  } catch (e) {
    throw e instanceof TextfileError ? new CliError(e.message) : e;
  }
  return 0;
}
