// `env-sync running [JOB…]`: whether a job runs now, for scripts (`env-sync running -q pull_x || …`)
// and Puppet facts. "Running" is the checks' own test, taken from the host-wide verdict
// (check/aggregate.ts jobVerdict), so this never disagrees with check_env_sync_all or `env-sync status`.
import type { Values } from '../common/options.js';
import { stillRunning } from '../common/host.js';
import type { JobVerdict } from '../check/aggregate.js';
import { judgeHost } from '../check/hostJobs.js';
import { visibleText } from '../output/sanitize.js';
import type { TextOut } from '../output/writeAll.js';
import { hostOptions } from './hostOptions.js';
import { unknownJob } from './knownJob.js';
import { jobArg, UsageError } from './usage.js';

/** A job of those asked about runs. */
export const EXIT_RUNNING = 0;
/** None of them runs. */
export const EXIT_NOT_RUNNING = 1;
/** None was seen running, and one of them could not be read: no one can say it is not running. */
export const EXIT_CANNOT_TELL = 2;

/** When the oldest run in progress of a running job started: its marker's start, or its script's Starting line. */
export function runningSince(j: JobVerdict): Date | null {
  const starts = (j.facts?.running ?? []).filter((r) => stillRunning(r.liveness)).map((r) => Date.parse(r.marker.start));
  const fromLog = j.facts?.syslogOnly?.primary ? j.facts.syslogOnly.run?.start.getTime() : undefined;
  const known = [...starts, ...(fromLog === undefined ? [] : [fromLog])].filter(Number.isFinite);
  return known.length ? new Date(Math.min(...known)) : null;
}

export async function running(words: readonly string[], a: Values<'env-sync running'>, out: TextOut, err: TextOut): Promise<number> {
  const named = words.map((w) => jobArg(w, 'running'));
  const o = hostOptions(a, true);
  const view = await judgeHost(o, new Date());
  const byName = new Map(view.jobs.map((j) => [j.job, j]));
  for (const job of named) {
    if (!byName.has(job)) throw (await unknownJob(job, o, 'no run of it on record')) ?? new UsageError(`unknown job ${job}; env-sync status lists the jobs`);
  }
  const asked = named.length ? [...new Set(named)].map((job) => byName.get(job)!) : view.jobs;
  const runs = asked.filter((j) => j.running);
  for (const p of view.problems) err.write(`env-sync: ${visibleText(p)}\n`);
  // A job whose records cannot be read has no verdict (its facts are gone): it may be running.
  const unreadable = asked.filter((j) => !j.running && j.facts === null);
  for (const j of unreadable) err.write(`env-sync: ${visibleText(j.summary)}; whether it runs cannot be told\n`);
  if (!a.quiet) for (const j of runs) out.write(`${j.job} ${runningSince(j)?.toISOString() ?? '-'}\n`);
  return runs.length ? EXIT_RUNNING : unreadable.length ? EXIT_CANNOT_TELL : EXIT_NOT_RUNNING;
}
