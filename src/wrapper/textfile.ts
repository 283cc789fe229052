// --textfile-dir: the job's facts for node_exporter's textfile collector, rewritten from the markers
// when a run starts and when it ends, so Prometheus sees what check_env_sync sees. The metrics code
// is loaded only by runs that write the file, and needs no schedule (no cron-parser on this path).
import { processLiveness } from '../common/host.js';
import { readJobState, readRunningMarkers } from '../markers/read.js';
import { emptyJobState, MARKER_SCHEMA, type JobState, type Run } from '../markers/types.js';
import type { RunReporter } from './report.js';

/**
 * What the wrapper already holds of the markers, so the write does not read it back: the cold
 * reading and checking of its own files was most of what a textfile cost a run.
 */
export interface HeldMarkers {
  /** The job's state as this run has just written it (the store's record). */
  state?: JobState;
  /** This run, whose running marker it has just written: in progress, and its wrapper is alive. */
  running?: Run;
}

/** Writes the job's textfile; says what went wrong through the reporter, never throws. */
export type RunTextfile = (reporter: RunReporter, held?: HeldMarkers) => Promise<void>;

export interface TextfileTarget {
  textfileDir: string;
  stateDir: string;
  job: string;
}

/**
 * The writer for one run. After a failure it warns once and stops trying, as the markers do: the
 * same broken directory at the end of the run is not news.
 */
export function jobTextfile(t: TextfileTarget, bootId: string | null): RunTextfile {
  let failed = false;
  return async (reporter, held = {}) => {
    if (failed) return;
    try {
      const [{ runFactsText }, { runFactsTextfile, writeTextfileAtomic }] = await Promise.all([
        import('../metrics/runFacts.js'),
        import('../metrics/textfile.js'),
      ]);
      const name = runFactsTextfile(t.job);
      // The wrapper reads its own files: no other user's trust is asked of them (as runStore).
      const state = held.state ?? readJobState(t.stateDir, t.job, null) ?? emptyJobState(t.job);
      const own = held.running;
      const alive = readRunningMarkers(t.stateDir, t.job, null, undefined, own?.runId).filter(
        (m) => processLiveness(m.wrapperPid, m.wrapperStartTicks, m.bootId, bootId) === 'alive',
      );
      if (own) alive.push({ ...own, schema: MARKER_SCHEMA });
      writeTextfileAtomic(t.textfileDir, name, runFactsText(state, alive));
    } catch (err) {
      failed = true;
      reporter.warn(`metrics textfile not written: ${(err as Error).message}; the sync goes on, Prometheus does not see this run`);
    }
  };
}
