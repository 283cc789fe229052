import { gather } from '../check/gather.js';
import { verdict } from '../check/verdict.js';
import { scheduleProblem } from '../cron/schedule.js';
import { MarkerError } from '../markers/read.js';
import { UnknownUserError } from '../markers/trust.js';
import type { PluginResult } from '../output/pluginOutput.js';
import { emit, pluginArgs, pluginDeadline, runPlugin, unknown } from '../output/pluginRuntime.js';
import { StageTimeoutError } from '../syslog/types.js';

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
  const now = new Date();
  try {
    const facts = await gather({ ...o, trust: { user: o.user }, deadline, onStage: (s) => (stage = s) }, now);
    emit(withRunbook(verdict(facts, { ...o, graceSeconds: o.grace }, now, o.verbose), o.runbookUrl), o.maxOutput);
  } catch (err) {
    if (err instanceof MarkerError) emit(unknown(`${o.job}: ${err.message}`), o.maxOutput);
    if (err instanceof UnknownUserError) emit(unknown(err.message), o.maxOutput);
    if (err instanceof StageTimeoutError) emit(unknown(`plugin timed out after ${o.timeout}s while ${err.stage}`), o.maxOutput);
    emit(unknown(`${o.job}: internal error while ${stage}: ${(err as Error)?.message ?? String(err)}`), o.maxOutput);
  }
});
