import { ArgumentError, parsePluginArgs } from '../check/cli.js';
import { evaluate } from '../check/evaluate.js';
import { gather, validateSchedule } from '../check/gather.js';
import { MarkerError } from '../markers/read.js';
import { render, type PluginResult } from '../output/pluginOutput.js';
import { StageTimeoutError } from '../syslog/types.js';

// Whatever happens, the plugin prints one Monitoring Plugins result and exits 0-3.
function emit(result: PluginResult, maxOutput = 4096): never {
  process.stdout.write(render(result, maxOutput));
  process.exit(result.state);
}
const unknown = (summary: string, long: string[] = []): PluginResult => ({ state: 3, summary, longOutput: long, perfdata: [] });

async function main(): Promise<void> {
  let opts;
  try {
    const parsed = parsePluginArgs(process.argv.slice(2));
    if ('text' in parsed) {
      process.stdout.write(parsed.text);
      process.exit(3); // -h and -V exit UNKNOWN, as the Monitoring Plugins do
    }
    opts = parsed;
  } catch (err) {
    emit(unknown(err instanceof ArgumentError ? err.message : `bad arguments: ${(err as Error).message}`));
  }
  let stage = 'starting';
  const timer = setTimeout(() => emit(unknown(`plugin timed out after ${opts.timeoutSeconds}s while ${stage}`), opts.maxOutput), opts.timeoutSeconds * 1000);
  timer.unref();
  if (opts.schedule) {
    const bad = await validateSchedule(opts.schedule);
    if (bad) emit(unknown(`--schedule: ${JSON.stringify(opts.schedule)} is not a cron schedule (${bad}); use 5 fields like '18 0 * * *'`), opts.maxOutput);
  }
  const now = new Date();
  try {
    const facts = await gather(
      { ...opts, deadline: Date.now() + opts.timeoutSeconds * 1000, onStage: (s) => (stage = s) },
      now,
    );
    emit(evaluate(facts, opts, now), opts.maxOutput);
  } catch (err) {
    if (err instanceof MarkerError) emit(unknown(`${opts.job}: ${err.message}`), opts.maxOutput);
    if (err instanceof StageTimeoutError) emit(unknown(`plugin timed out after ${opts.timeoutSeconds}s while ${err.stage}`), opts.maxOutput);
    emit(unknown(`${opts.job}: internal error while ${stage}: ${(err as Error)?.message ?? String(err)}`), opts.maxOutput);
  }
}

main().catch((err) => emit(unknown(`internal error: ${(err as Error)?.message ?? String(err)}`)));
