// Runs recorded as in progress: going (against the runtime limits), or gone without an end.
import { CRITICAL, WARNING, worst } from '../../common/states.js';
import { clock, duration } from '../../common/timeWords.js';
import type { Result } from '../types.js';
import { interruptedByReboot, orphanedRun, runningSince, wrapperDiedBeforeSync, wrapperDiedSyncEnded } from '../words.js';
import { runtimeOf, type Rule } from './context.js';

export const runsInProgress: Rule = (ctx) =>
  ctx.runs.inProgress.map((r): Result => {
    const started = clock(r.start, ctx.now);
    if (r.liveness === 'alive') {
      const { secs, lv } = runtimeOf(ctx, r);
      return { state: lv.state, text: runningSince({ since: started, for: duration(secs), over: lv.words }) };
    }
    if (r.liveness === 'orphaned') {
      // The wrapper was killed (OOM killer, kill -9) but the sync runs on: no end will be recorded,
      // so this is never OK, and past the runtime limit it is as bad as any overrun.
      const { secs, lv } = runtimeOf(ctx, r);
      return {
        state: worst([WARNING, lv.state]),
        text: orphanedRun({ started, wrapperPid: r.wrapperPid!, childPid: r.childPid, for: duration(secs), over: lv.words }),
      };
    }
    if (r.liveness === 'other-boot') return { state: CRITICAL, text: interruptedByReboot({ started }) };
    if (r.childPid) return { state: CRITICAL, text: wrapperDiedSyncEnded({ started, wrapperPid: r.wrapperPid!, childPid: r.childPid }) };
    return { state: CRITICAL, text: wrapperDiedBeforeSync({ started, wrapperPid: r.wrapperPid! }) };
  });
