import { compareText } from '../common/compare.js';
import { ArgumentError, parsePluginArgs } from '../check/cli.js';
import { judgeHost } from '../check/hostJobs.js';
import { MarkerError } from '../markers/read.js';
import { severity, STATE_NAMES, worst, type PluginResult } from '../output/pluginOutput.js';
import type { Metric } from '../output/perfdata.js';
import { emit, runPlugin, unknown } from '../output/pluginRuntime.js';
import { writeAll } from '../output/writeAll.js';
import { StageTimeoutError } from '../syslog/types.js';


runPlugin(async () => {
  let opts;
  try {
    const parsed = await parsePluginArgs(process.argv.slice(2), process.env, 'all');
    if ('text' in parsed) {
      writeAll(1, parsed.text);
      process.exit(3);
    }
    opts = parsed;
  } catch (err) {
    emit(unknown(err instanceof ArgumentError ? err.message : `bad arguments: ${(err as Error).message}`));
  }
  setTimeout(() => emit(unknown(`plugin timed out after ${opts.timeoutSeconds}s while judging the jobs`), opts.maxOutput), opts.timeoutSeconds * 1000).unref();
  const now = new Date();
  let view;
  try {
    view = await judgeHost({ ...opts, neverRun: opts.missing, deadline: Date.now() + opts.timeoutSeconds * 1000, skipEvidence: true }, now);
  } catch (err) {
    if (err instanceof MarkerError || err instanceof StageTimeoutError) emit(unknown(err.message), opts.maxOutput);
    throw err;
  }
  if (view.jobs.length === 0) {
    emit({ state: opts.missing, summary: `no jobs found in ${opts.stateDir}${opts.crontab ? ` or ${opts.crontab}` : opts.user ? ` or the crontab of ${opts.user}` : ''}`, longOutput: view.problems, perfdata: [] }, opts.maxOutput);
  }
  const jobs = [...view.jobs].sort((a, b) => severity(b.result.state) - severity(a.result.state) || compareText(a.job, b.job));
  const counts = [0, 0, 0, 0];
  for (const j of jobs) counts[j.result.state]!++;
  const running = jobs.filter((j) => j.facts?.running.some((r) => r.liveness === 'alive')).length;
  const never = jobs.filter((j) => j.neverRun).length;
  const byState = [2, 3, 1, 0]
    .filter((s) => counts[s])
    .map((s) => `${counts[s]} ${STATE_NAMES[s]}${s ? ` (${jobs.filter((j) => j.result.state === s).slice(0, 5).map((j) => j.job).join(', ')}${counts[s]! > 5 ? ', …' : ''})` : ''}`);
  const extra = [running ? `${running} running` : '', never ? `${never} never run` : ''].filter(Boolean).join(', ');
  const perfdata: Metric[] = [];
  for (const j of view.jobs) {
    for (const m of j.result.perfdata) if (m.label === 'age' || m.label === 'consecutive_failures') perfdata.push({ ...m, label: `${j.job}_${m.label === 'age' ? 'age' : 'failures'}` });
  }
  const result: PluginResult = {
    state: worst(jobs.map((j) => j.result.state)),
    summary: `${jobs.length} jobs: ${byState.join(', ')}${extra ? `; ${extra}` : ''}`,
    longOutput: [...jobs.map((j) => `[${STATE_NAMES[j.result.state]}] ${j.result.summary}`), ...view.problems],
    perfdata,
  };
  emit(result, opts.maxOutput);
});
