// `env-sync show JOB`: the verdict with all its evidence, the last runs and the re-run command.
import type { TextOut } from '../output/writeAll.js';
import type { Values } from '../common/options.js';
import { clock, duration } from '../common/timeWords.js';
import { loadCrontab } from '../check/hostJobs.js';
import { judgeJob } from '../check/pipeline.js';
import { chooseRerun } from '../check/rerunChoice.js';
import { explainOptions } from '../check/verdict.js';
import { noRunInLog } from '../check/words.js';
import { pasteLine } from '../cron/rerun.js';
import { statePath } from '../markers/paths.js';
import { render } from '../output/pluginOutput.js';
import { cleanText, safeJson } from '../output/sanitize.js';
import { CLI_DEADLINE_SECONDS, hostOptions } from './hostOptions.js';
import { unknownJob } from './knownJob.js';
import type { State } from '../common/states.js';

export async function show(job: string, a: Values<'env-sync show'>, out: TextOut, now = new Date()): Promise<State> {
  const o = hostOptions(a, false);
  const crontab = await loadCrontab(o);
  const cron = crontab.jobs.find((c) => c.job === job) ?? null;
  const policy = { ...o, job, schedule: cron?.schedule };
  const answer = await judgeJob(
    {
      gather: { ...o, job, schedule: cron?.schedule, cron, trust: { ...o.trust, crontabOwner: crontab.owner } },
      policy,
      verbose: 2,
      timeoutSeconds: CLI_DEADLINE_SECONDS,
    },
    now,
  );
  const v = answer.verdict;
  const { facts, judgement } = answer;
  if (!facts || !judgement) {
    // Records that cannot be read are the job's verdict, as check_env_sync gives it: UNKNOWN naming the file.
    out.write(
      a.json
        ? `${safeJson({ schema: 1, job, verdict: v, schedule: cron?.schedule ?? null, rerun: null, history: [] }, 2)}\n`
        : render({ ...v, perfdata: [] }, 1 << 20),
    );
    return v.state;
  }
  if (judgement.noRecord && !cron && !facts.inventory && !facts.syslogProblems.length) {
    const unknown = await unknownJob(job, o, noRunInLog({ where: facts.log?.label ?? a.syslog }));
    if (unknown) throw unknown;
  }
  const judged = judgement.judged;
  const how = explainOptions(policy);
  const choice = chooseRerun(
    { job, user: facts.trust.user, cron, inventory: facts.inventory, run: judged, markerPath: judged ? statePath(o.stateDir, job) : null },
    how,
  );
  const rerun = choice.plan ? pasteLine(choice.plan) : null;
  if (a.json) {
    // Exact text, every control and bidi character a \u escape: the marker's tail and the evidence hold what a sync and syslog said.
    out.write(`${safeJson({ schema: 1, job, verdict: v, schedule: cron?.schedule ?? null, rerun, history: facts.jobState?.history ?? [] }, 2)}\n`);
    return v.state;
  }
  out.write(render({ ...v, perfdata: [] }, 1 << 20));
  const history = facts.jobState?.history ?? [];
  if (history.length) {
    out.write(`\nLast runs (newest first):\n`);
    for (const h of history.slice(-10).reverse()) {
      out.write(
        `  ${clock(new Date(h.start), now).padEnd(17)} ${cleanText(h.outcome).padEnd(15)} exit ${String(h.exitCode ?? '-').padEnd(4)} ${h.durationSeconds != null ? duration(h.durationSeconds) : '-'}${h.part ? `  part ${cleanText(h.part)}` : ''}  ${cleanText(h.runId)}\n`,
      );
    }
  }
  return v.state;
}
