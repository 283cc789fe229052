// A value against its warning and critical ranges, as Checkmk's check_levels: the state, the words
// that say which limit it passed, and its metric, from one call.
import { alerts, type Range } from '../common/range.js';
import { CRITICAL, OK, WARNING, type State } from '../common/states.js';
import type { Metric } from '../output/perfdata.js';
import { overLimit } from './words.js';

export interface Levels {
  warn: Range | undefined;
  crit: Range | undefined;
  /** The options' common stem, for the words: `--age` (…-warning, …-critical). */
  option: string;
}

export interface Levelled {
  state: State;
  words: string;
  metric: Metric;
}

/**
 * A value against its warning and critical ranges: its state, the words that say which limit it
 * passed, and its metric with the same ranges — one call, as Checkmk's check_levels.
 */
export function checkLevels(value: number, levels: Levels, metric: Pick<Metric, 'label' | 'uom' | 'min'>): Levelled {
  const { warn, crit, option } = levels;
  const state: State = crit && alerts(crit, value) ? CRITICAL : warn && alerts(warn, value) ? WARNING : OK;
  const words = state === CRITICAL ? overLimit(option, 'critical', crit!.text) : state === WARNING ? overLimit(option, 'warning', warn!.text) : '';
  // The fields in the order perfdata and `env-sync show --json` have always had them.
  return { state, words, metric: { label: metric.label, value, uom: metric.uom, warn, crit, min: metric.min } };
}

/**
 * Seconds from a recorded wall-clock time to now, never negative: after the clock is stepped back
 * (NTP, a wrong clock corrected) a run started "in the future" has run 0s, not -3600s, which every
 * range would alert on. Durations of finished runs come from the wrapper's monotonic clock instead.
 */
export function elapsed(from: Date, now: Date): number {
  return Math.max(0, (now.getTime() - from.getTime()) / 1000);
}
