// A scheduled run that never started (--schedule, --grace).
import { CRITICAL } from '../../common/states.js';
import { clock, duration } from '../../common/timeWords.js';
import { aheadBy } from '../../markers/sequence.js';
import { isGoing, type StartedRun } from '../observedRun.js';
import { missedRun as words } from '../words.js';
import type { Rule } from './context.js';

export const missedRun: Rule = (ctx) => {
  const due = ctx.facts.previousScheduled;
  if (!due) return [];
  const { runs, now, policy } = ctx;
  // Starts the clock can vouch for: a record in the future says nothing of whether the run due ran
  // (every record is in the history; a run alive now did start, whatever its marker says).
  const notAhead = (r: StartedRun) => !aheadBy(r.start.getTime(), now);
  const records = [runs.last, runs.lastSkipped, runs.lastPaused, ...runs.history].filter((r): r is StartedRun => !!r && notAhead(r));
  const starts = [...records, ...runs.inProgress.filter((r) => isGoing(r) || notAhead(r)), ...(runs.script && notAhead(runs.script) ? [runs.script] : [])].map(
    (r) => r.start.getTime(),
  );
  // A minute of slack: cron starts the job a little after the minute it is due.
  const startedSince = starts.some((t) => t >= due.getTime() - 60_000);
  const overdue = now.getTime() > due.getTime() + policy.grace * 1000;
  if (startedSince || !overdue) return [];
  return [{ state: CRITICAL, text: words({ due: clock(due, now), schedule: policy.schedule, grace: duration(policy.grace) }) }];
};
