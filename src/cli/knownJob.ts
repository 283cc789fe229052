// A job named to `env-sync show|rerun|logs` must be one the host knows: a directory in the state
// directory, a line of the crontab or of the job inventory, or a record found in the log. Any other
// name is a usage error (exit 64) that offers the nearest known names: a misspelt job is not
// judged "no record" (which reads like a real alert), re-run, or followed for ever.
import { nearestNames } from '../common/nearest.js';
import { hostJobList, type HostJobList, type HostOptions } from '../check/hostJobs.js';
import { UsageError } from './usage.js';

type ListOptions = Pick<HostOptions, 'stateDir' | 'crontab' | 'user' | 'trust'>;

/**
 * The usage error for a job the host does not know, or null when it knows it. `alsoLooked`: where
 * else the command looked (the log), for the message.
 */
export async function unknownJob(job: string, o: ListOptions, alsoLooked: string): Promise<UsageError | null> {
  let list: HostJobList | null = null;
  let listProblem: string | null = null;
  try {
    list = await hostJobList(o);
  } catch (e) {
    listProblem = (e as Error).message;
  }
  if (list?.names.includes(job)) return null;
  const near = nearestNames(job, list?.names ?? []);
  const blind = [listProblem, ...(list?.problems ?? []), list?.blind].filter((p): p is string => !!p);
  return new UsageError(
    `unknown job ${job}: not in ${o.stateDir} (no job directory), not in ${o.crontab ?? (o.user ? `the crontab of ${o.user}` : 'the job inventory')}, and ${alsoLooked}` +
      (near.length ? `; did you mean ${near.join(', ')}?` : '; env-sync status lists the jobs') +
      (blind.length ? ` (${blind.join('; ')})` : ''),
  );
}
