// Whatever happens, a plugin prints one Monitoring Plugins result and exits 0-3: never a stack trace.
import { render, type PluginResult } from './pluginOutput.js';
import { writeAll } from './writeAll.js';

export function emit(result: PluginResult, maxOutput = 4096): never {
  writeAll(1, render(result, maxOutput));
  process.exit(result.state);
}

export function unknown(summary: string, longOutput: string[] = []): PluginResult {
  return { state: 3, summary, longOutput, perfdata: [] };
}

export function runPlugin(main: () => Promise<void>): void {
  main().catch((err) => emit(unknown(`internal error: ${(err as Error)?.message ?? String(err)}`)));
}
