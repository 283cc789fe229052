// The last run that ended, by the markers, judged against the last success.
import { CRITICAL, OK } from '../../common/states.js';
import { failedSince, lastSuccessInFuture, noSuccessOnRecord, whatHappened } from '../words.js';
import { runWords, sinceWords, type Rule } from './context.js';

export const lastRun: Rule = (ctx) => {
  const last = ctx.runs.last;
  if (!last) return [];
  const happened = whatHappened(runWords(last, ctx.now));
  if (ctx.lastFailed) {
    const since = ctx.lastSuccessEnd ? sinceWords(ctx, ctx.lastSuccessEnd) : ctx.runs.lastSuccess ? lastSuccessInFuture() : noSuccessOnRecord();
    return [{ state: CRITICAL, text: failedSince({ happened, since, inARow: ctx.facts.jobState?.consecutiveFailures ?? 0 }) }];
  }
  // A run going now is the news; the last one's success is said once it has ended.
  return ctx.running ? [] : [{ state: OK, text: happened }];
};
