import { hostVerdict } from '../check/aggregate.js';
import { judgeHost } from '../check/hostJobs.js';
import { MarkerError } from '../markers/read.js';
import { UnknownUserError } from '../markers/trust.js';
import { emit, pluginArgs, pluginDeadline, runPlugin, unknown } from '../output/pluginRuntime.js';
import { StageTimeoutError } from '../syslog/types.js';

runPlugin(async () => {
  const o = await pluginArgs('check_env_sync_all');
  const deadline = pluginDeadline(o.timeout, o.maxOutput, () => 'judging the jobs');
  const now = new Date();
  let view: Awaited<ReturnType<typeof judgeHost>>;
  try {
    view = await judgeHost({ ...o, graceSeconds: o.grace, deadline, skipEvidence: true, keepFacts: false, trust: { user: o.user } }, now);
  } catch (err) {
    if (err instanceof StageTimeoutError) emit(unknown(`plugin timed out after ${o.timeout}s while ${err.stage}`), o.maxOutput);
    if (err instanceof MarkerError || err instanceof UnknownUserError) emit(unknown(err.message), o.maxOutput);
    throw err;
  }
  const where = `${o.stateDir}${o.crontab ? ` or ${o.crontab}` : o.user ? ` or the crontab of ${o.user}` : ''}`;
  emit(hostVerdict(view.jobs, { missing: o.missing, where, problems: view.problems, blind: view.blind, host: view.host }), o.maxOutput);
});
