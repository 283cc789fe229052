// How `env-sync` refuses a command line. Its usage errors exit 64 (EX_USAGE of sysexits.h): `status`
// and `show` exit with a state (0-3), so a usage error must not read as one of them. The plugins say
// UNKNOWN (3) instead, as the Monitoring Plugins do, and the wrapper exits 125, apart from its
// sync's statuses.
import { validateName } from '../common/jobName.js';

export const EXIT_USAGE = 64;

/** The command line names something that is not there or cannot be: the message says what to give. */
export class UsageError extends Error {}

/** A job named on the command line, checked before any path is built from it. */
export function jobArg(job: string, command: string): string {
  try {
    return validateName(job, 'job', `env-sync ${command} JOB`);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
