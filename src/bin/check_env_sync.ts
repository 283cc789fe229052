import { ArgumentError, parsePluginArgs } from '../check/cli.js';
import { evaluate } from '../check/evaluate.js';
import { gather, validateSchedule } from '../check/gather.js';
import { MarkerError } from '../markers/read.js';
import { emit, runPlugin, unknown } from '../output/pluginRuntime.js';
import { writeAll } from '../output/writeAll.js';
import { StageTimeoutError } from '../syslog/types.js';

runPlugin(async () => {
  let opts;
  try {
    const parsed = await parsePluginArgs(process.argv.slice(2));
    if ('text' in parsed) {
      writeAll(1, parsed.text);
      process.exit(3); // -h and -V exit UNKNOWN, as the Monitoring Plugins do
    }
    opts = parsed;
  } catch (err) {
    emit(unknown(err instanceof ArgumentError ? err.message : `bad arguments: ${(err as Error).message}`));
  }
  let stage = 'starting';
  setTimeout(() => emit(unknown(`plugin timed out after ${opts.timeoutSeconds}s while ${stage}`), opts.maxOutput), opts.timeoutSeconds * 1000).unref();
  if (opts.schedule) {
    const bad = await validateSchedule(opts.schedule);
    if (bad) emit(unknown(`--schedule: ${JSON.stringify(opts.schedule)} is not a cron schedule (${bad}); use 5 fields like '18 0 * * *'`), opts.maxOutput);
  }
  const now = new Date();
  try {
    const facts = await gather({ ...opts, deadline: Date.now() + opts.timeoutSeconds * 1000, onStage: (s) => (stage = s) }, now);
    emit(evaluate(facts, opts, now), opts.maxOutput);
  } catch (err) {
    if (err instanceof MarkerError) emit(unknown(`${opts.job}: ${err.message}`), opts.maxOutput);
    if (err instanceof StageTimeoutError) emit(unknown(`plugin timed out after ${opts.timeoutSeconds}s while ${err.stage}`), opts.maxOutput);
    emit(unknown(`${opts.job}: internal error while ${stage}: ${(err as Error)?.message ?? String(err)}`), opts.maxOutput);
  }
});
