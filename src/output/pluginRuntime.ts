// Whatever happens, a plugin prints one Monitoring Plugins result and exits 0-3: never a stack trace.
import { parseCommandLine } from '../common/commandLine.js';
import { OptionError, type CommandName, type Values } from '../common/options.js';
import { UNKNOWN } from '../common/states.js';
import { render, type PluginResult } from './pluginOutput.js';
import { writeAll } from './writeAll.js';

export function emit(result: PluginResult, maxOutput = 4096): never {
  writeAll(1, render(result, maxOutput));
  process.exit(result.state);
}

export function unknown(summary: string, longOutput: string[] = []): PluginResult {
  return { state: UNKNOWN, summary, longOutput, perfdata: [] };
}

export function runPlugin(main: () => Promise<void>): void {
  main().catch((err) => emit(unknown(`internal error: ${(err as Error)?.message ?? String(err)}`)));
}

/** A plugin's typed options; help and version are printed with exit 3, bad arguments are UNKNOWN with the fix. */
export async function pluginArgs<C extends CommandName>(cmd: C): Promise<Values<C>> {
  try {
    const parsed = await parseCommandLine(cmd, process.argv.slice(2));
    if ('text' in parsed) {
      writeAll(1, parsed.text);
      process.exit(UNKNOWN); // -h and -V exit UNKNOWN, as the Monitoring Plugins do
    }
    return parsed.values;
  } catch (err) {
    emit(unknown(err instanceof OptionError ? err.message : `bad arguments: ${(err as Error).message}`));
  }
}

/**
 * Gives up with UNKNOWN naming the stage that was slow once `seconds` have passed. The timer is set
 * at the plugin's first wait for I/O (a gzip stream, journalctl), for the same moment: a check whose
 * reads are all synchronous ends before it ever waits, and Node 20's first setTimeout costs a start
 * 0.7 ms. No timer can interrupt a synchronous read; the scans look at the returned deadline instead.
 */
export function pluginDeadline(seconds: number, maxOutput: number, stage: () => string): number {
  const deadline = Date.now() + seconds * 1000;
  setImmediate(() =>
    setTimeout(() => emit(unknown(`plugin timed out after ${seconds}s while ${stage()}`), maxOutput), Math.max(0, deadline - Date.now())).unref(),
  ).unref();
  return deadline;
}
