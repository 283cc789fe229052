// env-sync-run and a pause (env-sync pause): a start while the job is paused is recorded as
// `paused` and the sync is not run (exit 0). A pause file the job's user or root did not write does
// not count: the sync runs, and the wrapper says why on stderr and in syslog.
import { formatEvent } from '../common/wrapperEvent.js';
import { pausedBy, pausedWords } from '../check/rules/pause.js';
import { readPauses } from '../markers/pause.js';
import { jobTrust } from '../markers/trust.js';
import type { Run } from '../markers/types.js';
import type { WrapperOptions } from './options.js';
import type { WrapperDeps, WrapperResult } from './run.js';

/** The run recorded as paused, when the job is paused now; null when the sync is to run. */
export async function pausedRun(opts: WrapperOptions, deps: WrapperDeps, run: Run): Promise<WrapperResult | null> {
  const { reporter } = deps;
  const now = new Date();
  let found: ReturnType<typeof readPauses>;
  try {
    found = readPauses(opts.stateDir, opts.job, jobTrust(opts.stateDir, opts.job), now);
  } catch (err) {
    // The state directory's own trouble is the markers' to report; a pause that cannot be read never stops a sync.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') reporter.warn(`cannot read the pause of ${opts.job} (${(err as Error).message}); the sync runs`);
    return null;
  }
  if (found?.problem) reporter.warn(`${found.problem} (the pause does not count; the sync runs)`);
  const p = found?.active;
  if (!p) return null;
  const words = pausedWords(p, now);
  const paused: Run = { ...run, end: now.toISOString(), durationSeconds: 0, outcome: 'paused', exitCode: 0, message: words };
  process.stderr.write(`env-sync-run: ${opts.job}: not started: ${words} (exit 0)\n`);
  reporter.event(
    formatEvent(
      'paused',
      opts.job,
      [
        ['run', run.runId],
        ['until', p.until],
        ['by', pausedBy(p)],
      ],
      p.reason,
    ),
  );
  try {
    deps.store.prepare();
    deps.store.record(paused);
  } catch (err) {
    reporter.warn(`cannot record the paused start in ${opts.stateDir} (${(err as Error).message})`);
  }
  if (deps.poster) await deps.poster(paused, reporter);
  await reporter.close();
  return { exitCode: 0, run: paused };
}
