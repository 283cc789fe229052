// The job's overlap lock for one run (--overlap skip|wait|allow): taken, or the start refused and
// recorded as skipped-overlap because another run of the job is alive.
import { formatEvent } from '../common/wrapperEvent.js';
import type { JobState, LockRecord, Run } from '../markers/types.js';
import type { MarkerGuard } from './markerGuard.js';
import { EXIT_SKIPPED, type Overlap } from './options.js';
import type { RunReporter } from './report.js';
import type { RunStore } from './runStore.js';

export type LockOutcome =
  /** This run holds the lock (`held`), or runs without one (--overlap allow, or the markers failed); `tookOver`: locks of dead runs it replaced. */
  | { skipped: false; held: boolean; tookOver: LockRecord[] }
  /** Another run is alive: this start was recorded as skipped (`state`: the job's state as written, if it was). */
  | { skipped: true; run: Run; state: JobState | undefined };

export async function takeOverlapLock(
  o: { job: string; overlap: Overlap },
  run: Run,
  store: RunStore,
  guard: MarkerGuard,
  reporter: RunReporter,
): Promise<LockOutcome> {
  if (o.overlap === 'allow') return { skipped: false, held: false, tookOver: [] };
  const lock = await guard.run('take the run lock', async () => {
    store.prepare();
    return store.lock(o.overlap === 'wait');
  });
  if (!lock) return { skipped: false, held: false, tookOver: [] };
  if (lock.acquired) return { skipped: false, held: true, tookOver: lock.tookOver };
  const h = lock.holder;
  const skipped: Run = {
    ...run,
    end: new Date().toISOString(),
    durationSeconds: 0,
    outcome: 'skipped-overlap',
    exitCode: EXIT_SKIPPED,
    message:
      lock.liveness === 'orphaned'
        ? `run ${h.runId} (started ${h.start}) of this job is still running: its wrapper pid ${h.pid} is gone but its sync pid ${h.childPid} still runs`
        : `run ${h.runId} (pid ${h.pid}, started ${h.start}) of this job was still running`,
  };
  process.stderr.write(`env-sync-run: ${o.job}: not started: ${skipped.message} (exit ${EXIT_SKIPPED})\n`);
  reporter.event(
    formatEvent('skip', o.job, [
      ['run', run.runId],
      ['outcome', 'skipped-overlap'],
      ['exit', EXIT_SKIPPED],
      ['running', h.runId],
    ]),
  );
  const state = await guard.run('record the skipped run', () => store.record(skipped));
  return { skipped: true, run: skipped, state };
}
