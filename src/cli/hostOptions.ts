// What every `env-sync` command reads of the host, from its options.
import type { Values } from '../common/options.js';
import type { HostOptions } from '../check/hostJobs.js';
import { configuredJobUser } from '../markers/configuredUser.js';
import { jobTrust } from '../markers/trust.js';

// `env-sync logs` has no default --user: it reads a crontab only when told which.
type Common = Pick<
  Values<'env-sync status'>,
  'stateDir' | 'syslog' | 'rotated' | 'log' | 'journalNamespace' | 'journalFile' | 'bootIdFile' | 'rebootLockDir' | 'crontab' | 'grace'
> &
  Partial<
    Pick<
      Values<'env-sync status'>,
      'ageWarning' | 'ageCritical' | 'runtimeWarning' | 'runtimeCritical' | 'missing' | 'durationLow' | 'durationHigh' | 'outputLow' | 'outputHigh'
    >
  > & { user: string | undefined };

/** A person waits for `env-sync`; a minute is the bound on its syslog reading. */
export const CLI_DEADLINE_SECONDS = 60;

export class CliError extends Error {}

export function hostOptions(a: Common, skipEvidence: boolean): HostOptions {
  return {
    stateDir: a.stateDir,
    syslog: a.syslog,
    rotated: a.rotated,
    log: a.log,
    journalNamespace: a.journalNamespace,
    journalFile: a.journalFile,
    bootIdFile: a.bootIdFile,
    rebootLockDir: a.rebootLockDir,
    crontab: a.crontab,
    // The crontab of the jobs' user is read only when no file is given (reading another user's needs
    // root): --user, else the one the host names (ENV_SYNC_JOB_USER), else the state directory's owner.
    user: a.crontab ? undefined : (a.user ?? crontabUser(a.stateDir)),
    grace: a.grace,
    ageWarning: a.ageWarning,
    ageCritical: a.ageCritical,
    runtimeWarning: a.runtimeWarning,
    runtimeCritical: a.runtimeCritical,
    missing: a.missing ?? 1,
    durationLow: a.durationLow,
    durationHigh: a.durationHigh,
    outputLow: a.outputLow,
    outputHigh: a.outputHigh,
    deadline: Date.now() + CLI_DEADLINE_SECONDS * 1000,
    skipEvidence,
    trust: a.user !== undefined ? { user: a.user } : {},
  };
}

/** Whose crontab env-sync reads when --user is not given: the jobs' user as every executable finds it. */
function crontabUser(stateDir: string): string | undefined {
  const named = configuredJobUser();
  if (named) return named;
  try {
    return jobTrust(stateDir, null).user?.name;
  } catch {
    return undefined;
  }
}
