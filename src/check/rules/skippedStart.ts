// An overlapping start refused since the last run (--overlap skip).
import { WARNING } from '../../common/states.js';
import { clock } from '../../common/timeWords.js';
import { recordOrder } from '../../markers/sequence.js';
import { skippedStart as words } from '../words.js';
import type { Rule } from './context.js';

export const skippedStart: Rule = ({ runs, now }) => {
  const skipped = runs.lastSkipped;
  if (!skipped || (runs.last && recordOrder(skipped.recorded!, runs.last.recorded!) <= 0)) return [];
  return [{ state: WARNING, text: words({ at: clock(skipped.start, now), why: skipped.message }) }];
};
