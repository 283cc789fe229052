// What every rule of the judgement is given: the facts, the policy, the time, the job's runs in one
// shape (observedRun.ts), and what is worked out once for all rules (the last success, its age
// against the limits, whether the job is running). Pure.
import { aheadBy, recordOrder, type Recorded } from '../../markers/sequence.js';
import { ago, clock, duration } from '../../common/timeWords.js';
import { isFailed } from '../judgedRun.js';
import { attemptsWords, timeoutLimit } from './attempts.js';
import { checkLevels, elapsed, type Levelled, type Levels } from '../levels.js';
import { jobRunning, observe, type ObservedRun, type ObservedRuns, type StartedRun } from '../observedRun.js';
import type { CheckFacts, CheckPolicy, Result } from '../types.js';
import { lastSuccessAgo, type RunWords } from '../words.js';

export interface JudgeContext {
  facts: CheckFacts;
  policy: CheckPolicy;
  now: Date;
  runs: ObservedRuns;
  /** The job has no marker, no run in progress and no run from syslog: only the noRecord rule speaks. */
  noRecord: boolean;
  /** jobRunning(): a run in progress (or one that cannot be seen not to be). */
  running: boolean;
  /** When the last success that is not in the future ended, from the markers or syslog, the later. */
  lastSuccessEnd: Date | null;
  /** Its age against --age-warning / --max-age; null with no success. */
  age: Levelled | null;
  runtime: Levels;
  /** The markers' last run failed and no success was recorded after it. */
  lastFailed: boolean;
  /** The age limit passed is said in a failure's words (they name the success it was measured on), so the age rule says nothing more. */
  ageSaid: boolean;
}

/**
 * A rule of the judgement: the findings it has about the job (none, one or several), as Checkmk's
 * check functions yield Results. `earlier` are the findings of the rules before it in RULES.
 */
export type Rule = (ctx: JudgeContext, earlier: readonly Result[]) => Result[];

/**
 * When the newest success that did not end in the future ended: the age (--max-age) is measured from
 * it. A run whose clock was stepped back while it ran started "in the future" but ended by the
 * corrected clock; its end counts (its start is still said to be in the future).
 */
function lastSuccessNotInFuture(runs: ObservedRuns, now: Date): Date | null {
  // A loop over the runs observe() already dated, not lists of candidates: host-wide views ask this
  // of every job, and each record's times would otherwise be parsed again.
  let best: StartedRun | null = null;
  const consider = (o: StartedRun | null) => {
    const r = o?.recorded;
    if (!o || !r || aheadBy(endedAt(o, r), now)) return;
    if (best === null || recordOrder(r, best.recorded!) > 0) best = o;
  };
  consider(runs.lastSuccess);
  for (const h of runs.history) if (h.outcome === 'success') consider(h);
  const b = best as StartedRun | null;
  return b ? new Date(endedAt(b, b.recorded!)) : null;
}

/** When a record ended (its start when it has no end), from the run observe() made of it. */
function endedAt(o: StartedRun, r: Recorded): number {
  if (o.end) return o.end.getTime();
  return r.end == null ? o.start.getTime() : Date.parse(r.end);
}

export function judgeContext(facts: CheckFacts, policy: CheckPolicy, now: Date): JudgeContext {
  const runs = observe(facts);
  // The later of the markers' last success and syslog's, for a job with both (an unwrapped cron line
  // with a wrapped re-run by hand); neither when it is in the future (a wrong clock's, not an age of 0).
  const syslogSuccess = facts.syslogOnly?.lastSuccessEnd ?? null;
  const markers = lastSuccessNotInFuture(runs, now);
  const syslog = syslogSuccess && !aheadBy(syslogSuccess.getTime(), now) ? syslogSuccess : null;
  const lastSuccessEnd = markers && syslog ? new Date(Math.max(markers.getTime(), syslog.getTime())) : syslog ? new Date(syslog.getTime()) : markers;
  const ageLevels: Levels = { warn: policy.ageWarning, crit: policy.ageCritical, option: '--age' };
  const age = lastSuccessEnd ? checkLevels(elapsed(lastSuccessEnd, now), ageLevels, { label: 'age', uom: 's', min: 0 }) : null;
  const last = runs.last;
  // Recorded after it, by the marker's sequence: a success stamped days ahead by a wrong clock does
  // not hide a failure recorded since.
  const successSince = !!runs.lastSuccess && !!last && recordOrder(runs.lastSuccess.recorded!, last.recorded!) >= 0;
  const lastFailed = !!last && isFailed(last) && !successSince;
  // The success a failure's words name: the markers' failure names lastSuccessEnd; an unwrapped run's
  // failure (or its end that was never logged) names syslog's last success.
  const script = runs.script;
  const scriptFailed = script && (script.outcome === 'failure' || script.liveness === 'dead');
  const named = lastFailed ? lastSuccessEnd : scriptFailed ? syslogSuccess : null;
  return {
    facts,
    policy,
    now,
    runs,
    noRecord: !facts.jobState && facts.running.length === 0 && !runs.script,
    running: jobRunning(facts),
    lastSuccessEnd,
    age,
    runtime: { warn: policy.runtimeWarning, crit: policy.runtimeCritical, option: '--runtime' },
    lastFailed,
    ageSaid: !!named && named.getTime() === lastSuccessEnd?.getTime(),
  };
}

/** `last success 2 days ago`, with the age limit it passed when it is the success the age is measured on. */
export function sinceWords(ctx: JudgeContext, end: Date): string {
  const measured = end.getTime() === ctx.lastSuccessEnd?.getTime();
  return lastSuccessAgo({ ago: ago(end, ctx.now), over: measured ? (ctx.age?.words ?? '') : '' });
}

/** A run's facts in words, for words.ts. */
export function runWords(r: ObservedRun, now: Date): RunWords {
  const limit = timeoutLimit(r);
  return {
    outcome: r.outcome,
    part: r.part,
    exitCode: r.exitCode,
    // Only an interrupted run's words say when it started, only a timed-out one's its limit: the
    // others (every OK job of a host-wide view) skip the clock and duration words nobody reads.
    started: r.start && r.outcome === 'interrupted' ? clock(r.start, now) : '',
    at: r.end ? clock(r.end, now) : null,
    took: r.durationSeconds !== null ? duration(r.durationSeconds) : null,
    signal: r.signal,
    limit: r.outcome === 'timeout' ? duration(limit.seconds) : '',
    limitOption: limit.option,
    attempts: attemptsWords(r),
    message: r.message,
  };
}

/** A run's running time and its levels against --runtime-warning / --max-runtime. */
export function runtimeOf(ctx: JudgeContext, r: StartedRun): { secs: number; lv: Levelled } {
  const secs = elapsed(r.start, ctx.now);
  return { secs, lv: checkLevels(secs, ctx.runtime, { label: 'duration', uom: 's', min: 0 }) };
}
