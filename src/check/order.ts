// check_env_sync_order: a copy job (e.g. copy_data_to_staging) must be followed by its completion job
// (data_sync_complete); until it is, staging's signon points at production.
import { ago, clock, duration } from '../common/timeWords.js';
import type { PluginResult } from '../output/pluginOutput.js';
import type { JobState } from '../markers/types.js';
import { decidingRun, isFailed } from './judgedRun.js';

export interface OrderOptions {
  first: string;
  then: string;
  withinSeconds: number;
}

function successEnd(s: JobState | null): Date | null {
  const r = s?.lastSuccess;
  return r ? new Date(r.end ?? r.start) : null;
}

/** Pure: the two jobs' states in, the verdict out. */
export function evaluateOrder(first: JobState | null, then: JobState | null, o: OrderOptions, now: Date): PluginResult {
  const f = successEnd(first);
  const t = successEnd(then);
  const crit = { text: String(o.withinSeconds), start: 0, end: o.withinSeconds, inside: false };
  // A copy with any failed part is a failed copy, whatever the parts after it did: the environment is
  // half-synced, and running the completion job would not make it whole.
  const failed = decidingRun(first);
  if (failed && isFailed(failed)) {
    const part = failed.part ? ` (part ${failed.part})` : '';
    const end = failed.end ? ` at ${clock(new Date(failed.end), now)}` : '';
    const code = failed.exitCode !== null ? ` with exit ${failed.exitCode}` : '';
    return {
      state: 2,
      summary: `${o.first}'s last copy failed${part}${code}${end}: the copy is incomplete, whatever ${o.then} does`,
      longOutput: [`Re-run what failed (check_env_sync -j ${o.first} shows the evidence and the Re-run line), then ${o.then}`],
      perfdata: [],
    };
  }
  if (!f) {
    return { state: 0, summary: `${o.first} has no successful run on record: nothing for ${o.then} to follow`, longOutput: [], perfdata: [] };
  }
  if (t && t.getTime() >= f.getTime()) {
    const gap = (t.getTime() - f.getTime()) / 1000;
    return {
      state: 0,
      summary: `${o.then} followed ${o.first}: ${o.first} succeeded at ${clock(f, now)}, ${o.then} at ${clock(t, now)} (${duration(gap)} later)`,
      longOutput: [],
      perfdata: [{ label: 'gap', value: gap, uom: 's', crit, min: 0 }],
    };
  }
  const waited = (now.getTime() - f.getTime()) / 1000;
  const since = t ? `last ran ${ago(t, now)}, before the copy` : 'has never succeeded';
  const fix = `Run ${o.then} now (until it runs the environment is half-synced: e.g. signon points at production)`;
  // THEN ran after the copy and failed: nothing is coming to wait for.
  const thenRun = decidingRun(then);
  if (thenRun && isFailed(thenRun) && new Date(thenRun.start).getTime() >= f.getTime()) {
    const end = thenRun.end ? ` at ${clock(new Date(thenRun.end), now)}` : '';
    const code = thenRun.exitCode !== null ? ` with exit ${thenRun.exitCode}` : ` (${thenRun.outcome})`;
    return {
      state: 2,
      summary: `${o.first} succeeded at ${clock(f, now)} but ${o.then} failed${code}${end}, after the copy: the environment is half-synced`,
      longOutput: [
        `Re-run ${o.then} (check_env_sync -j ${o.then} shows the evidence and the Re-run line); until it succeeds the environment is half-synced (e.g. signon points at production)`,
      ],
      perfdata: [{ label: 'gap', value: waited, uom: 's', crit, min: 0 }],
    };
  }
  if (waited > o.withinSeconds) {
    return {
      state: 2,
      summary: `${o.first} succeeded at ${clock(f, now)} (${ago(f, now)}) but ${o.then} ${since}: not followed within ${duration(o.withinSeconds)}`,
      longOutput: [fix],
      perfdata: [{ label: 'gap', value: waited, uom: 's', crit, min: 0 }],
    };
  }
  return {
    state: 1,
    summary: `${o.first} succeeded at ${clock(f, now)}; waiting for ${o.then} (${duration(waited)} of ${duration(o.withinSeconds)})`,
    longOutput: [fix],
    perfdata: [{ label: 'gap', value: waited, uom: 's', crit, min: 0 }],
  };
}
