import { hostVerdict } from '../check/aggregate.js';
import { allJobsOptions, judgeHost } from '../check/hostJobs.js';
import { unknownWords } from '../check/pipeline.js';
import { emit, pluginArgs, pluginDeadline, runPlugin, unknown } from '../output/pluginRuntime.js';

runPlugin(async () => {
  const o = await pluginArgs('check_env_sync_all');
  const deadline = pluginDeadline(o.timeout, o.maxOutput, () => 'judging the jobs');
  const view = await judgeHost(allJobsOptions(o, deadline), new Date()).catch((err: unknown) =>
    emit(unknown(unknownWords(null, err, 'judging the jobs', o.timeout)), o.maxOutput),
  );
  const where = `${o.stateDir}${o.crontab ? ` or ${o.crontab}` : o.user ? ` or the crontab of ${o.user}` : ''}`;
  emit(hostVerdict(view.jobs, { missing: o.missing, where, problems: view.problems, blind: view.blind, host: view.host }), o.maxOutput);
});
