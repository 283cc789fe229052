// The judgement's metrics (perfdata), apart from its findings: the age of the last success, the
// duration of the run going or the last one, the deciding exit code, failures in a row, running.
import type { Metric } from '../output/perfdata.js';
import { decidingRun, failuresInARow } from './judgedRun.js';
import { checkLevels } from './levels.js';
import { runtimeOf, type JudgeContext } from './rules/context.js';

/** The metrics, in the order the perfdata has always had them. */
export function jobMetrics(ctx: JudgeContext): Metric[] {
  const { runs, facts } = ctx;
  const st = facts.jobState;
  const metrics: Metric[] = [];
  if (ctx.age) metrics.push(ctx.age.metric);
  // The first run recorded as in progress whose wrapper or sync lives; else the last run that ended.
  const going = runs.inProgress.find((r) => r.liveness === 'alive' || r.liveness === 'orphaned');
  const ended = runs.last?.durationSeconds ?? runs.script?.durationSeconds ?? null;
  if (going) metrics.push(runtimeOf(ctx, going).lv.metric);
  else if (ended !== null) metrics.push(checkLevels(ended, ctx.runtime, { label: 'duration', uom: 's', min: 0 }).metric);
  // The exit code of the run that decides the verdict: a failed part's, not a later part's 0.
  const deciding = decidingRun(st);
  if (deciding?.exitCode != null) metrics.push({ label: 'exit_code', value: deciding.exitCode });
  if (st) metrics.push({ label: 'consecutive_failures', value: failuresInARow(st), min: 0 });
  metrics.push({ label: 'running', value: ctx.running ? 1 : 0, min: 0, max: 1 });
  return metrics;
}
