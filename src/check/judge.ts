// The judgement, apart from all I/O and from the explaining: facts in, findings and metrics out.
// The job's runs in one shape (observedRun.ts), then each rule of rules/ in turn adds its Results (as
// Checkmk's checks yield them); the worst one leads the summary. The words are words.ts's.
import { severity, worst, type State } from '../common/states.js';
import type { Metric } from '../output/perfdata.js';
import { jobMetrics } from './jobMetrics.js';
import { isFailed, judgedRun } from './judgedRun.js';
import { judgeContext } from './rules/context.js';
import { noRecord, RULES } from './rules/index.js';
import { withPause } from './rules/pause.js';
import type { CheckFacts, CheckPolicy, Judgement, Result } from './types.js';
import { headline } from './words.js';

export { checkLevels, type Levels } from './levels.js';
export { isFailed };

/** The job's judgement; while it is paused, the pause's finding leads and the rest are said at OK (rules/pause.ts). */
export function judge(facts: CheckFacts, policy: CheckPolicy, now: Date): Judgement {
  return withPause(judgeRecords(facts, policy, now), facts, now);
}

function judgeRecords(facts: CheckFacts, policy: CheckPolicy, now: Date): Judgement {
  const ctx = judgeContext(facts, policy, now);
  if (ctx.noRecord) {
    const results = noRecord(ctx, []);
    return {
      job: policy.job,
      results,
      metrics: [],
      headline: headline(policy.job, results[0]!.text),
      judged: null,
      syslogOnlyRun: null,
      noRecord: true,
      running: ctx.running,
    };
  }
  const results: Result[] = [];
  // Pushed one by one, not spread: 13 rules a job, 500 jobs a host-wide view, most finding nothing.
  for (const rule of RULES) for (const r of rule(ctx, results)) results.push(r);
  return {
    job: policy.job,
    results,
    metrics: jobMetrics(ctx),
    headline: null,
    judged: judgedRun(facts.jobState, facts.running),
    syslogOnlyRun: facts.syslogOnly?.primary ? facts.syslogOnly.run : null,
    noRecord: false,
    running: ctx.running,
  };
}

/** The findings worst first (stable: equally bad ones keep the order the rules found them in). */
export function ordered(j: Judgement): Result[] {
  return [...j.results].sort((a, b) => severity(b.state) - severity(a.state));
}

/** The job's state, the first line's words and the perfdata: what host-wide views show of a job. */
export function summarise(j: Judgement): { state: State; summary: string; perfdata: Metric[] } {
  const state = worst(j.results.map((r) => r.state));
  return {
    state,
    summary:
      j.headline ??
      `${j.job} ${ordered(j)
        .map((r) => r.text)
        .join('; ')}`,
    perfdata: j.metrics,
  };
}
