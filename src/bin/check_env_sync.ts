import { judgeJob, pluginQuestion } from '../check/pipeline.js';
import { scheduleProblem } from '../cron/schedule.js';
import type { PluginResult } from '../output/pluginOutput.js';
import { emit, pluginArgs, pluginDeadline, runPlugin, unknown } from '../output/pluginRuntime.js';

/** The runbook first in the long output: the output's bound drops lines from the end. */
const withRunbook = (r: PluginResult, url: string | undefined): PluginResult => (url ? { ...r, longOutput: [`Runbook: ${url}`, ...r.longOutput] } : r);

runPlugin(async () => {
  const o = await pluginArgs('check_env_sync');
  let stage = 'starting';
  const deadline = pluginDeadline(o.timeout, o.maxOutput, () => stage);
  if (o.schedule) {
    const bad = await scheduleProblem(o.schedule);
    if (bad) emit(unknown(`--schedule: ${JSON.stringify(o.schedule)} is not a cron schedule (${bad}); use 5 fields like '18 0 * * *'`), o.maxOutput);
  }
  const answer = await judgeJob(
    pluginQuestion(o, deadline, (s) => (stage = s)),
    new Date(),
  );
  emit(withRunbook(answer.verdict, o.runbookUrl), o.maxOutput);
});
