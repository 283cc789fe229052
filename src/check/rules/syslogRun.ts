// An unwrapped job's last run, from govuk_env_sync.sh's own lines (when they are the job's record).
import { CRITICAL, OK, UNKNOWN } from '../../common/states.js';
import { clock, duration } from '../../common/timeWords.js';
import { failedSince, noSuccessInLogs, runningSince, scriptRunEndedUnlogged, scriptRunHidden, scriptRunInterruptedByReboot, whatHappened } from '../words.js';
import { runtimeOf, runWords, sinceWords, type Rule } from './context.js';

export const syslogRun: Rule = (ctx) => {
  const r = ctx.runs.script;
  if (!r) return [];
  const so = ctx.facts.syslogOnly!;
  const since = () => (so.lastSuccessEnd ? sinceWords(ctx, so.lastSuccessEnd) : noSuccessInLogs());
  const started = clock(r.start, ctx.now);
  if (r.outcome === 'failure') return [{ state: CRITICAL, text: failedSince({ happened: whatHappened(runWords(r, ctx.now)), since: since(), inARow: 0 }) }];
  if (r.outcome === 'success') return [{ state: OK, text: whatHappened(runWords(r, ctx.now)) }];
  switch (r.liveness) {
    case 'other-boot':
      return [{ state: CRITICAL, text: scriptRunInterruptedByReboot({ started, boot: so.otherBoot! }) }];
    case 'dead':
      // The script has `exit 1` paths that log nothing; nothing runs its cfg any more.
      return [{ state: CRITICAL, text: scriptRunEndedUnlogged({ started, since: since() }) }];
    case 'unseen':
      return [{ state: UNKNOWN, text: scriptRunHidden({ started, why: so.hidden! }) }];
    default: {
      const { secs, lv } = runtimeOf(ctx, r);
      return [{ state: lv.state, text: runningSince({ since: started, for: duration(secs), over: lv.words }) }];
    }
  }
};
