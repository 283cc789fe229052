import { judgeJob, pluginQuestion } from '../check/pipeline.js';
import { scheduleProblem } from '../cron/schedule.js';
import { emit, pluginArgs, pluginDeadline, runPlugin, unknown } from '../output/pluginRuntime.js';

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
  emit(answer.verdict, o.maxOutput);
});
