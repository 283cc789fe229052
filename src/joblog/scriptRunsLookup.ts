// A host-wide view's one scan of syslog for the script runs of all its jobs, made on first need.
import type { ScanOptions } from '../logsource/types.js';
import type { LogProblem } from '../log/line.js';
import { findScriptRuns, type ScriptRunsFound } from './scriptRuns.js';

export type ScriptRunsLookup = (job: string, cfgName?: string) => Promise<ScriptRunsFound & { problems: LogProblem[] }>;

/**
 * Answers for any of `jobs` from one backward scan, started by the first question: jobs with
 * markers of a wrapped cron line never ask, so a host of wrapped jobs never reads syslog for this.
 */
export function scriptRunsLookup(
  opts: ScanOptions,
  jobs: ReadonlyArray<{ job: string; cfgName?: string | undefined }>,
  autoRotated: boolean,
): ScriptRunsLookup {
  let scan: ReturnType<typeof findScriptRuns> | null = null;
  return async (job, cfgName) => {
    if (!jobs.some((j) => j.job === job)) {
      const alone = await findScriptRuns(opts, [{ job, cfgName }], autoRotated);
      return { ...alone.byJob.get(job)!, problems: alone.problems };
    }
    scan ??= findScriptRuns(opts, jobs, autoRotated);
    const r = await scan;
    // The problems of the one scan are said once, with the first job that asks.
    const problems = r.problems;
    r.problems = [];
    return { ...r.byJob.get(job)!, problems };
  };
}
