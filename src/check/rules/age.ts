// The age of the last success against --age-warning / --max-age; with a limit and no success at all,
// that (unless something worse is already said).
import { ago } from '../../common/timeWords.js';
import { CRITICAL, WARNING } from '../../common/states.js';
import { lastSuccessAgo, noSuccessfulRun } from '../words.js';
import type { Rule } from './context.js';

export const age: Rule = (ctx, earlier) => {
  if (ctx.age) {
    // A failure's words named this success and the limit it passed: said once.
    if (!ctx.age.state || ctx.ageSaid) return [];
    return [{ state: ctx.age.state, text: lastSuccessAgo({ ago: ago(ctx.lastSuccessEnd!, ctx.now), over: ctx.age.words }) }];
  }
  const { ageWarning, ageCritical } = ctx.policy;
  if (!(ageWarning || ageCritical) || earlier.some((r) => r.state === CRITICAL)) return [];
  return [{ state: ageCritical ? CRITICAL : WARNING, text: noSuccessfulRun({ inFuture: !!ctx.facts.jobState?.lastSuccess }) }];
};
