// --textfile-dir: the job's facts for node_exporter's textfile collector, rewritten from the markers
// when a run starts and when it ends, so Prometheus sees what check_env_sync sees; --pushgateway: the
// same text pushed to a Pushgateway. The metrics code is loaded only by runs that write or push, and
// needs no schedule (no cron-parser on this path).
import { processLiveness } from '../common/host.js';
import { readJobState, readRunningMarkers } from '../markers/read.js';
import { emptyJobState, MARKER_SCHEMA, type JobState, type Run } from '../markers/types.js';
import type { PushgatewayTarget } from '../metrics/pushgateway.js';
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
  /** node_exporter's directory (--textfile-dir), or null for none. */
  textfileDir: string | null;
  /** The Pushgateway the same text goes to (--pushgateway), or null for none. */
  pushgateway?: PushgatewayTarget | null;
  stateDir: string;
  job: string;
}

/**
 * The writer for one run: the job's facts, to the textfile directory and to the Pushgateway. After
 * the file cannot be written it warns once and stops trying, as the markers do: the same broken
 * directory at the end of the run is not news. Each push is tried (the end's facts are the ones
 * that matter, and a network comes back); each failed one is a warning.
 */
export function jobTextfile(t: TextfileTarget, bootId: string | null): RunTextfile {
  let failed = false;
  return async (reporter, held = {}) => {
    const toFile = t.textfileDir !== null && !failed;
    if (!toFile && !t.pushgateway) return;
    let text: string;
    try {
      const { runFactsText } = await import('../metrics/runFacts.js');
      // The wrapper reads its own files: no other user's trust is asked of them (as runStore).
      const state = held.state ?? readJobState(t.stateDir, t.job, null) ?? emptyJobState(t.job);
      const own = held.running;
      const alive = readRunningMarkers(t.stateDir, t.job, null, undefined, own?.runId).filter(
        (m) => processLiveness(m.wrapperPid, m.wrapperStartTicks, m.bootId, bootId) === 'alive',
      );
      if (own) alive.push({ ...own, schema: MARKER_SCHEMA });
      text = runFactsText(state, alive);
    } catch (err) {
      if (toFile) fileFailed(reporter, err);
      if (t.pushgateway) reporter.warn(`run facts not pushed to the Pushgateway: ${(err as Error).message}; the sync goes on`);
      return;
    }
    if (toFile) {
      try {
        const { runFactsTextfile, writeTextfileAtomic } = await import('../metrics/textfile.js');
        writeTextfileAtomic(t.textfileDir!, runFactsTextfile(t.job), text);
      } catch (err) {
        fileFailed(reporter, err);
      }
    }
    if (t.pushgateway) {
      const { pushRunFacts } = await import('../metrics/pushgateway.js');
      const why = await pushRunFacts(t.pushgateway, t.job, text);
      if (why) reporter.warn(`run facts not pushed to the Pushgateway ${t.pushgateway.url}: ${why}; the sync goes on, Prometheus does not see this through it`);
    }
  };

  function fileFailed(reporter: RunReporter, err: unknown): void {
    failed = true;
    reporter.warn(`metrics textfile not written: ${(err as Error).message}; the sync goes on, Prometheus does not see this run`);
  }
}
