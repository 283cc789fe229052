// Runs the markers missed: the job's directory is not its user's to write, so only the wrapper's
// syslog lines recorded them. Those lines may make the verdict worse or the markers suspect, never better.
import { CRITICAL, WARNING } from '../../common/states.js';
import { clock } from '../../common/timeWords.js';
import { isFailed } from '../judgedRun.js';
import { markersNotWritable, staleMarkersLaterFailure, staleMarkersLaterRun, staleMarkersNextRun } from '../words.js';
import type { Rule } from './context.js';

export const staleMarkers: Rule = (ctx) => {
  const stale = ctx.facts.staleMarkers;
  if (!stale) return [];
  const why = markersNotWritable(stale);
  const later = ctx.runs.laterFinish;
  if (later && isFailed(later))
    return [{ state: CRITICAL, text: staleMarkersLaterFailure({ outcome: later.outcome, exitCode: later.exitCode, at: clock(later.end, ctx.now), why }) }];
  if (later) return [{ state: WARNING, text: staleMarkersLaterRun({ outcome: later.outcome, at: clock(later.end, ctx.now), why }) }];
  return [{ state: WARNING, text: staleMarkersNextRun({ why }) }];
};
