// Every record of the job whose start or end is ahead of this host's clock: a clock that was wrong
// when it was written (a restored VM, an RTC before NTP), or is wrong now. One finding for them all.
import { WARNING } from '../../common/states.js';
import { duration } from '../../common/timeWords.js';
import { aheadBy, type Recorded } from '../../markers/sequence.js';
import type { ObservedRun } from '../observedRun.js';
import { recordedInFuture } from '../words.js';
import type { Rule } from './context.js';

export const futureRecords: Rule = ({ runs, now }) => {
  // Each record's times read from the run observe() already dated, not parsed again: every job of a
  // host-wide view comes through here.
  const seen = new Map<string, { r: Recorded; ahead: number }>();
  const look = (o: ObservedRun | null) => {
    const r = o?.recorded;
    if (!o || !r) return;
    const ahead = aheadBy(Math.max(o.start ? o.start.getTime() : Date.parse(r.start), o.end ? o.end.getTime() : -Infinity), now);
    const id = o.id ?? '';
    if (ahead && !seen.has(id)) seen.set(id, { r, ahead });
  };
  // The markers' own last run, even where an unwrapped run's lines are the job's record.
  look(runs.markersLast);
  look(runs.lastSuccess);
  look(runs.lastSkipped);
  for (const o of runs.parts) look(o);
  for (const o of runs.history) look(o);
  const finished = seen.size;
  for (const o of runs.inProgress) look(o);
  if (seen.size === 0) return [];
  const [id, { r, ahead }] = [...seen].reduce((a, b) => (b[1].ahead > a[1].ahead ? b : a));
  const when = r.end && Date.parse(r.end) > Date.parse(r.start) ? `ended ${r.end}` : `started ${r.start}`;
  return [{ state: WARNING, text: recordedInFuture({ id, more: seen.size - 1, when, ahead: duration(ahead / 1000), finished: finished > 0 }) }];
};
