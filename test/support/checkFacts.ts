// The facts and policy of a check that found nothing, for the judgement's in-process tests: a test
// spreads in only what it is about ({ ...NO_FACTS, jobState }), so a new fact is added here once.
import type { CheckFacts, CheckPolicy } from '../../src/check/types.js';

export const JOB_USER = { name: 'govuk-backup', uid: 1001, gid: 1001, home: '/home/govuk-backup' };

export const NO_FACTS: CheckFacts = {
  jobState: null,
  running: [],
  rebootLock: null,
  evidence: null,
  syslogOnly: null,
  syslogProblems: [],
  previousScheduled: null,
  trust: { user: JOB_USER, source: '--user' },
  cron: null,
  inventory: null,
  inventoryProblem: null,
  stateDirProblem: null,
  unwrapped: false,
  staleMarkers: null,
};

/** The policy of `check_env_sync --job JOB` with the options' defaults that the judgement reads. */
export const policyFor = (job: string, over: Partial<CheckPolicy> = {}): CheckPolicy => ({
  job,
  stateDir: '/var/lib/env-sync',
  syslog: '/var/log/syslog',
  grace: 3600,
  missing: 2,
  ...over,
});
