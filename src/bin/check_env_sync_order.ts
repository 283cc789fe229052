import { evaluateOrder } from '../check/order.js';
import { MarkerError, readJobState } from '../markers/read.js';
import { jobTrust, UnknownUserError } from '../markers/trust.js';
import { emit, pluginArgs, pluginDeadline, runPlugin, unknown } from '../output/pluginRuntime.js';

runPlugin(async () => {
  const o = await pluginArgs('check_env_sync_order');
  pluginDeadline(o.timeout, o.maxOutput, () => `reading markers in ${o.stateDir}`);
  try {
    const read = (job: string) => readJobState(o.stateDir, job, jobTrust(o.stateDir, job, { user: o.user }));
    emit(evaluateOrder(read(o.first), read(o.then), { first: o.first, then: o.then, withinSeconds: o.within }, new Date()), o.maxOutput);
  } catch (err) {
    if (err instanceof MarkerError || err instanceof UnknownUserError) emit(unknown(err.message), o.maxOutput);
    throw err;
  }
});
