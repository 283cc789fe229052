// `env-sync show JOB`: the verdict with all its evidence, the last runs and the re-run command.
import type { Values } from '../common/options.js';
import { currentUser } from '../common/host.js';
import { clock, duration } from '../common/timeWords.js';
import { gather } from '../check/gather.js';
import { loadCrontab } from '../check/hostJobs.js';
import { verdict } from '../check/verdict.js';
import { rerunCommandLine } from '../cron/rerun.js';
import { render } from '../output/pluginOutput.js';
import { hostOptions } from './hostOptions.js';
import type { State } from '../common/states.js';

export async function show(job: string, a: Values<'env-sync show'>, out: NodeJS.WritableStream): Promise<State> {
  const now = new Date();
  const o = hostOptions(a, false);
  const cron = (await loadCrontab(o)).jobs.find((c) => c.job === job) ?? null;
  const facts = await gather({ ...o, job, schedule: cron?.schedule, onStage: () => undefined }, now);
  const v = verdict(facts, { ...o, job, schedule: cron?.schedule }, now, 2);
  const rerun = cron ? rerunCommandLine(cron, a.user, currentUser()) : null;
  if (a.json) {
    out.write(`${JSON.stringify({ schema: 1, job, verdict: v, schedule: cron?.schedule ?? null, rerun, history: facts.jobState?.history ?? [] }, null, 2)}\n`);
    return v.state;
  }
  out.write(render(v, 1 << 20));
  const history = facts.jobState?.history ?? [];
  if (history.length) {
    out.write(`\nLast runs (newest first):\n`);
    for (const h of history.slice(-10).reverse()) {
      out.write(`  ${clock(new Date(h.start), now).padEnd(17)} ${h.outcome.padEnd(15)} exit ${String(h.exitCode ?? '-').padEnd(4)} ${h.durationSeconds != null ? duration(h.durationSeconds) : '-'}${h.part ? `  part ${h.part}` : ''}  ${h.runId}\n`);
    }
  }
  if (rerun) out.write(`\nRe-run from the crontab line ${cron!.lineNo}: ${rerun}\n`);
  return v.state;
}
