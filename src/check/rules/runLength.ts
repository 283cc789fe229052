// A successful run far shorter or longer than the job's usual, or far quieter or louder: a sync that
// "succeeded" in 2 minutes where it takes 50 copied nothing, one that took 4 times as long is heading
// for its slot's end. Judged against the median of the job's (same part's) earlier successes in the
// state's history, once there are at least MIN_SUCCESSES of them; each factor 0 turns its half off.
import { WARNING } from '../../common/states.js';
import { duration } from '../../common/timeWords.js';
import type { HistoryEntry, Run } from '../../markers/types.js';
import type { CheckFacts, CheckPolicy, Result } from '../types.js';
import type { Rule } from './context.js';
import { runUnusual } from '../words.js';

/** Earlier successes needed before a run is called unusual. */
export const MIN_SUCCESSES = 5;

export type RunLengthPolicy = Pick<CheckPolicy, 'durationLow' | 'durationHigh' | 'outputLow' | 'outputHigh'>;

export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** `512 B`, `1.2 KiB`, `310 MiB`. */
export function bytesWords(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

interface Measure {
  /** What is measured, for the words: `took`, `wrote`. */
  verb: string;
  value: number;
  usual: number[];
  low: number | undefined;
  high: number | undefined;
  lowFlag: string;
  highFlag: string;
  words: (n: number) => string;
}

/** `took 2m; its last 12 successes took 47m–52m (less than --duration-low 0.25 of their median 49m)`. */
export function unusualWords(m: Measure, which: 'low' | 'high', subject: string): string {
  const med = median(m.usual);
  const lo = Math.min(...m.usual);
  const hi = Math.max(...m.usual);
  const span = m.words(lo) === m.words(hi) ? m.words(lo) : `${m.words(lo)}–${m.words(hi)}`;
  return runUnusual({
    subject,
    verb: m.verb,
    value: m.words(m.value),
    count: m.usual.length,
    span,
    which,
    flag: which === 'low' ? m.lowFlag : m.highFlag,
    factor: (which === 'low' ? m.low : m.high)!,
    median: m.words(med),
  });
}

function judgeMeasure(m: Measure, subject: string): Result | null {
  if (m.usual.length < MIN_SUCCESSES) return null;
  const med = median(m.usual);
  // Nothing is a factor of nothing: a job that usually prints nothing is not judged by its output.
  if (!(med > 0)) return null;
  if (m.low && m.value < m.low * med) return { state: WARNING, text: unusualWords(m, 'low', subject) };
  if (m.high && m.value > m.high * med) return { state: WARNING, text: unusualWords(m, 'high', subject) };
  return null;
}

/** The successes before `run` of the same part, newest last. */
function earlierSuccesses(history: readonly HistoryEntry[], run: Run): HistoryEntry[] {
  return history.filter((h) => h.outcome === 'success' && h.runId !== run.runId && (h.part ?? null) === (run.part ?? null));
}

/** WARNING findings for the last run, when it succeeded and was far off the job's usual duration or output. */
export function runLengthRule(facts: CheckFacts, policy: RunLengthPolicy, _now: Date): Result[] {
  const st = facts.jobState;
  const run = st?.last;
  // Syslog's run is the record when it is primary: the markers' last run is history then.
  if (!st || !run || run.outcome !== 'success' || facts.syslogOnly?.primary) return [];
  const before = earlierSuccesses(st.history, run);
  const subject = run.part ? `part ${run.part}` : 'last run';
  const out: Result[] = [];
  if (run.durationSeconds !== null) {
    const usual = before.map((h) => h.durationSeconds).filter((d): d is number => d !== null);
    const r = judgeMeasure(
      {
        verb: 'took',
        value: run.durationSeconds,
        usual,
        low: policy.durationLow,
        high: policy.durationHigh,
        lowFlag: 'duration-low',
        highFlag: 'duration-high',
        words: duration,
      },
      subject,
    );
    if (r) out.push(r);
  }
  const usualBytes = before.map((h) => h.outputBytes).filter((b): b is number => b !== null && b !== undefined);
  const r = judgeMeasure(
    {
      verb: 'wrote',
      value: run.output.bytes,
      usual: usualBytes,
      low: policy.outputLow,
      high: policy.outputHigh,
      lowFlag: 'output-low',
      highFlag: 'output-high',
      words: bytesWords,
    },
    subject,
  );
  if (r) out.push(r);
  return out;
}

export const runLength: Rule = (ctx) => runLengthRule(ctx.facts, ctx.policy, ctx.now);
