// Jobs run in parts: a part whose last run failed keeps the job CRITICAL even if a later part passed.
import { CRITICAL } from '../../common/states.js';
import { isFailed } from '../judgedRun.js';
import { partFailed, whatHappened } from '../words.js';
import { runWords, type Rule } from './context.js';

export const failedParts: Rule = (ctx) => {
  const last = ctx.runs.last;
  if (!last) return [];
  return ctx.runs.parts
    .filter((p) => isFailed(p) && p.id !== last.id)
    .map((p) => ({ state: CRITICAL, text: partFailed({ part: p.part ?? '', happened: whatHappened({ ...runWords(p, ctx.now), part: null }) }) }));
};
