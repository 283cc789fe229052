import { expect } from 'chai';
import { hostVerdict, type JobVerdict } from '../../src/check/aggregate.js';
import { checkLevels, judge, summarise } from '../../src/check/judge.js';
import { formatMetric } from '../../src/output/perfdata.js';
import type { CheckFacts, CheckPolicy } from '../../src/check/types.js';
import { verdict } from '../../src/check/verdict.js';
import { withUnrecorded } from '../../src/check/gather.js';
import { parseRange, perfRange } from '../../src/common/range.js';
import { clock, duration } from '../../src/common/timeWords.js';
import { applyRun } from '../../src/markers/store.js';
import { emptyJobState, type JobState, type Outcome, type Run } from '../../src/markers/types.js';
import { NO_FACTS, policyFor } from '../support/checkFacts.js';
import { makeRun } from '../support/runs.js';

// The judgement alone: facts in, state and words out, no file or process touched. Rows in the manner
// of the Monitoring Plugins' table tests; the plugin tests run the same rules end to end.
const NOW = new Date(2026, 10, 24, 8, 0, 0);
const H = 3600_000;

function runAt(startHoursAgo: number, outcome: Outcome | 'running', minutes = 23, extra: Partial<Run> = {}): Run {
  const start = new Date(NOW.getTime() - startHoursAgo * H);
  const ended = outcome !== 'running';
  return makeRun('pull_x', {
    runId: `r-${startHoursAgo}-${outcome}`,
    wrapperPid: 4100,
    childPid: 4101,
    bootId: 'boot-a',
    start: start.toISOString(),
    end: ended ? new Date(start.getTime() + minutes * 60_000).toISOString() : null,
    durationSeconds: ended ? minutes * 60 : null,
    outcome,
    exitCode: outcome === 'success' ? 0 : outcome === 'failure' ? 1 : null,
    signal: outcome === 'signal' ? 'SIGKILL' : null,
    timeoutSeconds: outcome === 'timeout' ? 6 * 3600 : null,
    output: { lines: 1, bytes: 10, tail: [outcome === 'failure' ? 'pg_restore: error: relation "events" does not exist' : 'done'] },
    ...extra,
  });
}

/** An unwrapped run from the script's own lines: started hours ago, ended after 23 minutes (or not). */
function scriptRun(startHoursAgo: number, outcome: 'success' | 'failure' | null) {
  const start = new Date(NOW.getTime() - startHoursAgo * H);
  return {
    start,
    end: outcome ? new Date(start.getTime() + 23 * 60_000) : null,
    outcome: outcome ?? ('running' as const),
    argv: '/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg',
    errorLine: null,
    lines: [],
  };
}

/** The wrapper's `event=finish` line for a run the markers missed. */
function finish(hoursAgo: number, outcome: string, exitCode: number) {
  const time = new Date(NOW.getTime() - hoursAgo * H);
  return {
    time,
    runId: 'r-syslog',
    part: null,
    outcome,
    exitCode,
    line: {
      file: '/var/log/syslog',
      time,
      host: 'h',
      tag: 'env-sync-run',
      pid: 1,
      message: `event=finish job=pull_x run=r-syslog outcome=${outcome} exit=${exitCode}`,
    },
  };
}

function history(...runs: Run[]): JobState {
  return runs.reduce((s, r) => applyRun(s, r, new Date(r.end ?? r.start)), emptyJobState('pull_x'));
}

/** The same state as a schema 2 wrapper wrote it: no sequence anywhere. */
function schema2(st: JobState): JobState {
  const strip = <T extends { seq?: number | null }>(r: T): T => {
    const { seq: _, ...rest } = r;
    return rest as T;
  };
  const { seq: _, ...rest } = st;
  return {
    ...rest,
    schema: 2,
    last: st.last && strip(st.last),
    lastSuccess: st.lastSuccess && strip(st.lastSuccess),
    lastSkipped: st.lastSkipped && strip(st.lastSkipped),
    history: st.history.map(strip),
    parts: Object.fromEntries(Object.entries(st.parts).map(([k, v]) => [k, strip(v)])),
  } as JobState;
}

const OPTS = policyFor('pull_x');
const WRAPPER_PATH = '/opt/env-sync-checks/plugins/env-sync-run';
const HOW = { syslog: '/var/log/syslog', stateDir: '/var/lib/env-sync', defaultStateDir: '/var/lib/env-sync', envSyncRun: WRAPPER_PATH };
const evaluate = (facts: CheckFacts, policy: CheckPolicy, now: Date) => verdict(facts, judge(facts, policy, now), 0, { ...HOW, stateDir: policy.stateDir });

/** A long pattern written over several lines: the parts' sources joined into one RegExp. */
const re = (...parts: RegExp[]) => new RegExp(parts.map((p) => p.source).join(''));

interface Row {
  what: string;
  facts: Partial<CheckFacts>;
  policy: Partial<CheckPolicy>;
  state: number;
  summary: RegExp;
}

const TABLE: Row[] = [
  {
    what: 'a success last night',
    facts: { jobState: history(runAt(8, 'success')) },
    policy: {},
    state: 0,
    summary: /^pull_x last run succeeded at 00:23 after 23m$/,
  },
  {
    what: 'a failure after an older success',
    facts: { jobState: history(runAt(32, 'success'), runAt(8, 'failure')) },
    policy: {},
    state: 2,
    summary: /^pull_x failed with exit 1 at 00:23 after 23m; last success 1 day ago$/,
  },
  {
    what: 'two failures in a row',
    facts: { jobState: history(runAt(32, 'failure'), runAt(8, 'failure')) },
    policy: {},
    state: 2,
    summary: /^pull_x failed with exit 1 at 00:23 after 23m; no success on record, 2 failures in a row$/,
  },
  {
    what: 'a timeout',
    facts: { jobState: history(runAt(8, 'timeout', 360)) },
    policy: {},
    state: 2,
    summary: /^pull_x timed out at 06:00 after 6h \(--timeout\); no success on record$/,
  },
  {
    what: 'a kill by signal',
    facts: { jobState: history(runAt(8, 'signal')) },
    policy: {},
    state: 2,
    summary: /^pull_x was killed by SIGKILL at 00:23 after 23m; no success on record$/,
  },
  // The failure's own words name the age of the last success once; the age limit it passed is said there, not again.
  {
    what: 'a failure after a success older than -c 26 (seconds)',
    facts: { jobState: history(runAt(32, 'success'), runAt(8, 'failure')) },
    policy: { ageCritical: parseRange('26', '-c') },
    state: 2,
    summary: /^pull_x failed with exit 1 at 00:23 after 23m; last success 1 day ago \(over --age-critical 26\)$/,
  },
  {
    what: 'a failure after a success older than -w 25h',
    facts: { jobState: history(runAt(32, 'success'), runAt(8, 'failure')) },
    policy: { ageWarning: parseRange('25h', '-w') },
    state: 2,
    summary: /^pull_x failed with exit 1 at 00:23 after 23m; last success 1 day ago \(over --age-warning 25h\)$/,
  },
  {
    what: "an unwrapped job's failure after a success older than -c 26h (syslog alone)",
    facts: {
      syslogOnly: {
        run: { start: new Date(NOW.getTime() - 8 * H), end: new Date(NOW.getTime() - 7 * H), outcome: 'failure', argv: 'x', errorLine: null, lines: [] },
        lastSuccessEnd: new Date(NOW.getTime() - 31 * H),
        primary: true,
      },
    },
    policy: { ageCritical: parseRange('26h', '-c') },
    state: 2,
    summary: /^pull_x failed at 01:00 after 1h; last success 1 day ago \(over --age-critical 26h\)$/,
  },
  {
    what: 'a success 30 hours ago against -w 25h -c 26h',
    facts: { jobState: history(runAt(30.5, 'success')) },
    policy: { ageWarning: parseRange('25h', '-w'), ageCritical: parseRange('26h', '-c') },
    state: 2,
    summary: /^pull_x last success 1 day ago \(over --age-critical 26h\); last run succeeded at yesterday 01:53 after 23m$/,
  },
  {
    what: 'a success 25.5 hours ago against -w 25h -c 26h',
    facts: { jobState: history(runAt(25.9, 'success')) },
    policy: { ageWarning: parseRange('25h', '-w'), ageCritical: parseRange('26h', '-c') },
    state: 1,
    summary: /^pull_x last success 1 day ago \(over --age-warning 25h\); last run succeeded at yesterday 06:29 after 23m$/,
  },
  {
    what: 'a run in progress within --max-runtime',
    facts: { running: [{ marker: { ...runAt(1, 'running'), schema: 1 }, liveness: 'alive' }] },
    policy: { runtimeCritical: parseRange('6h', '--max-runtime') },
    state: 0,
    summary: /^pull_x running since 07:00 \(for 1h\)$/,
  },
  {
    what: 'a run in progress past --max-runtime',
    facts: { running: [{ marker: { ...runAt(7, 'running'), schema: 1 }, liveness: 'alive' }] },
    policy: { runtimeCritical: parseRange('6h', '--max-runtime') },
    state: 2,
    summary: /^pull_x running since 01:00 \(for 7h\) \(over --runtime-critical 6h\)$/,
  },
  // Never a silent clamp: the run's time is 0s, and the clock is said to be wrong.
  {
    what: 'a run started "in the future" (clock stepped back)',
    facts: { running: [{ marker: { ...runAt(-1, 'running'), schema: 1 }, liveness: 'alive' }] },
    policy: { runtimeCritical: parseRange('6h', '--max-runtime') },
    state: 1,
    summary: re(
      /^pull_x run r--1-running recorded in the future: check the clock \(it started \S+, 1h ahead of this host's clock\); /,
      /running since 09:00 \(for 0s\)$/,
    ),
  },
  {
    what: 'a run whose wrapper died before its sync started',
    facts: { running: [{ marker: { ...runAt(2, 'running', 0, { childPid: null }), schema: 1 }, liveness: 'dead' }] },
    policy: {},
    state: 2,
    summary: /^pull_x run started 06:00 died: wrapper pid 4100 is gone and recorded no end$/,
  },
  {
    what: 'a run whose wrapper and sync are both gone',
    facts: { running: [{ marker: { ...runAt(2, 'running'), schema: 1 }, liveness: 'dead' }] },
    policy: {},
    state: 2,
    summary: /^pull_x run started 06:00: its wrapper pid 4100 died and recorded no end, and its sync pid 4101 has ended since: outcome unknown$/,
  },
  {
    what: 'a run whose wrapper was killed while its sync runs on',
    facts: { running: [{ marker: { ...runAt(2, 'running'), schema: 1 }, liveness: 'orphaned' }] },
    policy: { runtimeCritical: parseRange('6h', '--max-runtime') },
    state: 1,
    summary: /^pull_x run started 06:00: its wrapper pid 4100 is gone but its sync pid 4101 is still running \(for 2h\); its end will not be recorded$/,
  },
  {
    what: 'an orphaned sync past --max-runtime',
    facts: { running: [{ marker: { ...runAt(7, 'running'), schema: 1 }, liveness: 'orphaned' }] },
    policy: { runtimeCritical: parseRange('6h', '--max-runtime') },
    state: 2,
    summary: re(
      /^pull_x run started 01:00: its wrapper pid 4100 is gone but its sync pid 4101 is still running \(for 7h\) \(over --runtime-critical 6h\); /,
      /its end will not be recorded$/,
    ),
  },
  {
    what: 'a run interrupted by a reboot',
    facts: { running: [{ marker: { ...runAt(2, 'running'), schema: 1 }, liveness: 'other-boot' }] },
    policy: {},
    state: 2,
    summary: /^pull_x run started 06:00 was interrupted by a reboot \(boot id changed\) and recorded no end$/,
  },
  {
    what: 'no record, --missing critical',
    facts: {},
    policy: {},
    state: 2,
    summary: re(
      /^pull_x: no record of this job: nothing in \/var\/lib\/env-sync\/pull_x\/ and no govuk_env_sync.sh run of pull_x.cfg in \/var\/log\/syslog /,
      /or its rotations$/,
    ),
  },
  {
    what: 'no record, --missing ok',
    facts: {},
    policy: { missing: 0 },
    state: 0,
    summary: /^pull_x: no record of this job: /,
  },
  {
    what: 'an unwrapped run that logged Starting and nothing since, and nothing runs its cfg',
    facts: { syslogOnly: { run: scriptRun(2, null), lastSuccessEnd: null, live: false, primary: true } },
    policy: {},
    state: 2,
    summary: re(
      /^pull_x run started 06:00 ended without a Completed or Error running line: no govuk_env_sync.sh runs its cfg any more, so it exited early; /,
      /no success in the logs read$/,
    ),
  },
  {
    what: 'an unwrapped run that ended without its end line, after a success older than -c 26h',
    facts: { syslogOnly: { run: scriptRun(2, null), lastSuccessEnd: new Date(NOW.getTime() - 31 * H), live: false, primary: true } },
    policy: { ageCritical: parseRange('26h', '-c') },
    state: 2,
    summary: re(
      /^pull_x run started 06:00 ended without a Completed or Error running line: no govuk_env_sync.sh runs its cfg any more, so it exited early; /,
      /last success 1 day ago \(over --age-critical 26h\)$/,
    ),
  },
  {
    what: 'an unwrapped run that logged Starting and still runs',
    facts: { syslogOnly: { run: scriptRun(2, null), lastSuccessEnd: null, live: true, primary: true } },
    policy: {},
    state: 0,
    summary: /^pull_x running since 06:00 \(for 2h\)$/,
  },
  {
    what: "an unwrapped run with no end, other users' processes hidden",
    facts: {
      syslogOnly: {
        run: scriptRun(2, null),
        lastSuccessEnd: null,
        live: null,
        hidden: "/proc is mounted with hidepid=invisible, so nagios cannot see other users' processes; …",
        primary: true,
      },
    },
    policy: {},
    state: 3,
    summary: re(
      /^pull_x cannot tell whether the run started 06:00 still runs \(no Completed or Error running line yet\): \/proc is mounted with /,
      /hidepid=invisible/,
    ),
  },
  {
    what: "an unwrapped job: a failed cron run after a wrapped re-run's success",
    facts: {
      jobState: history(runAt(30, 'success')),
      unwrapped: true,
      syslogOnly: { run: scriptRun(8, 'failure'), lastSuccessEnd: new Date(NOW.getTime() - 30 * H + 23 * 60_000), primary: true },
    },
    policy: {},
    state: 2,
    summary: /^pull_x failed at 00:23 after 23m; last success 1 day ago$/,
  },
  {
    what: "a job directory left root's: a later failure from syslog",
    facts: {
      jobState: history(runAt(30, 'success')),
      staleMarkers: { dir: '/var/lib/env-sync/pull_x', owner: 'root', fix: 'chown -R govuk-backup: /var/lib/env-sync/pull_x', later: finish(8, 'failure', 1) },
    },
    policy: {},
    state: 2,
    summary: re(
      /^pull_x a later run failed with exit 1 at 00:00 \(syslog; /,
      /the markers are stale: \/var\/lib\/env-sync\/pull_x is owned by root, so the job's runs cannot record their markers there; /,
      /chown -R govuk-backup: \/var\/lib\/env-sync\/pull_x\); last run succeeded at yesterday 02:23 after 23m$/,
    ),
  },
  {
    what: "a job directory left root's: a later success from syslog",
    facts: {
      jobState: history(runAt(30, 'failure')),
      staleMarkers: { dir: '/var/lib/env-sync/pull_x', owner: 'root', fix: 'chown -R govuk-backup: /var/lib/env-sync/pull_x', later: finish(8, 'success', 0) },
    },
    policy: {},
    state: 2,
    summary: re(
      /^pull_x failed with exit 1 at yesterday 02:23 after 23m; no success on record; markers are stale; /,
      /syslog says a later run succeeded at 00:00: \/var\/lib\/env-sync\/pull_x is owned by root/,
    ),
  },
  {
    what: "a job directory left root's, no later run in syslog",
    facts: {
      jobState: history(runAt(8, 'success')),
      staleMarkers: { dir: '/var/lib/env-sync/pull_x', owner: 'root', fix: 'chown -R govuk-backup: /var/lib/env-sync/pull_x', later: null },
    },
    policy: {},
    state: 1,
    summary: /^pull_x the next run will not be recorded: \/var\/lib\/env-sync\/pull_x is owned by root/,
  },
  {
    what: "the job's reboot lock held by a live with_reboot_lock",
    facts: {
      jobState: history(runAt(8, 'success')),
      rebootLock: { path: '/etc/unattended-reboot/no-reboot/reboot_lock-env-sync_pull_x', ageSeconds: 600, held: true },
    },
    policy: {},
    state: 0,
    summary: /^pull_x last run succeeded at 00:23 after 23m$/,
  },
  {
    what: "the job's reboot lock held by no one while an unwrapped run is logged as going",
    facts: {
      syslogOnly: { run: scriptRun(2, null), lastSuccessEnd: null, live: true, primary: true },
      rebootLock: { path: '/etc/unattended-reboot/no-reboot/reboot_lock-env-sync_pull_x', ageSeconds: 600, held: false },
    },
    policy: {},
    state: 1,
    summary: /^pull_x stale with_reboot_lock file/,
  },
  {
    what: 'no record and no state directory',
    facts: {
      stateDirProblem:
        'state directory /nonexistent does not exist; create it: install -d -o govuk-backup -m 0755 /nonexistent (or give the right --state-dir)',
    },
    policy: {},
    state: 2,
    summary: re(
      /^pull_x: no record of this job: state directory \/nonexistent does not exist; /,
      /create it: install -d -o govuk-backup -m 0755 \/nonexistent \(or give the right --state-dir\), no govuk_env_sync.sh run of pull_x.cfg in /,
      /\/var\/log\/syslog or its rotations$/,
    ),
  },
  {
    what: 'a stale reboot lock',
    facts: {
      jobState: history(runAt(8, 'success')),
      rebootLock: { path: '/etc/unattended-reboot/no-reboot/reboot_lock-env-sync_pull_x', ageSeconds: (7 * H) / 1000 },
    },
    policy: {},
    state: 1,
    summary: re(
      /^pull_x stale with_reboot_lock file \/etc\/unattended-reboot\/no-reboot\/reboot_lock-env-sync_pull_x \(7h old\): the host will not reboot /,
      /for updates and the next run will wait for it; /,
      /remove it if no sync is running; last run succeeded at 00:23 after 23m$/,
    ),
  },
  {
    what: 'a shared reboot_lock a day old',
    facts: {
      jobState: history(runAt(8, 'success')),
      rebootLock: { path: '/etc/unattended-reboot/no-reboot/reboot_lock', ageSeconds: (30 * H) / 1000, shared: true },
    },
    policy: {},
    state: 1,
    summary: re(
      /^pull_x stale shared with_reboot_lock file \/etc\/unattended-reboot\/no-reboot\/reboot_lock \(30h old\): the host will not reboot for /,
      /updates and every job using the old with_reboot_lock waits for it; /,
      /remove it if no sync is running; last run succeeded at 00:23 after 23m$/,
    ),
  },
  {
    what: 'a shared reboot_lock an hour old (another job may be running)',
    facts: { jobState: history(runAt(8, 'success')), rebootLock: { path: '/etc/unattended-reboot/no-reboot/reboot_lock', ageSeconds: H / 1000, shared: true } },
    policy: {},
    state: 0,
    summary: /^pull_x last run succeeded at 00:23 after 23m$/,
  },
  // Issue 25, finding 8: the end kept in the running marker's name; gather has put the run in jobState (withUnrecorded).
  {
    what: 'a failure whose end could not be recorded (disk full)',
    facts: {
      jobState: history(runAt(32, 'success'), runAt(8, 'failure')),
      unrecorded: [{ runId: 'r-8-failure', path: '/var/lib/env-sync/pull_x/unrecorded-r-8-failure.failure.1.ENOSPC.json', cause: 'no space left on device' }],
    },
    policy: {},
    state: 2,
    summary: re(
      /^pull_x failed with exit 1 at 00:23 after 23m; last success 1 day ago; /,
      /could not record the end of run r-8-failure: no space left on device \(free space: df -h \/var\/lib\/env-sync\); /,
      /its end is kept in the name of \/var\/lib\/env-sync\/pull_x\/unrecorded-r-8-failure\.failure\.1\.ENOSPC\.json until a later run records it$/,
    ),
  },
  {
    what: 'a success whose end could not be recorded (read-only)',
    facts: {
      jobState: history(runAt(8, 'success')),
      unrecorded: [{ runId: 'r-8-success', path: '/var/lib/env-sync/pull_x/unrecorded-r-8-success.success.0.EROFS.json', cause: 'read-only file system' }],
    },
    policy: {},
    state: 1,
    summary: re(
      /^pull_x could not record the end of run r-8-success: read-only file system; its end is kept in the name of \S+ until a later run records it; /,
      /last run succeeded at 00:23 after 23m$/,
    ),
  },
  {
    what: 'a missed scheduled run',
    facts: { jobState: history(runAt(32, 'success')), previousScheduled: new Date(NOW.getTime() - 7.7 * H) },
    policy: { schedule: '18 0 * * *' },
    state: 2,
    summary: re(
      /^pull_x missed the run due at 00:18 \(schedule '18 0 \* \* \*', grace 1h\): nothing started since; /,
      /last run succeeded at yesterday 00:23 after 23m$/,
    ),
  },

  // The clock (security issue 25, finding 3): records are ordered by the marker's own sequence, and a
  // record in the future is said, never clamped to an age of 0.
  {
    what: 'a failure recorded after a success, the failure stamped earlier (clock stepped back): the sequence decides',
    facts: { jobState: history(runAt(8, 'success'), runAt(32, 'failure')) },
    policy: {},
    state: 2,
    summary: /^pull_x failed with exit 1 at yesterday 00:23 after 23m; last success 8 hours ago$/,
  },
  {
    what: 'a success recorded 2 days ahead, then a real failure',
    facts: { jobState: history(runAt(-48, 'success'), runAt(8, 'failure')) },
    policy: {},
    state: 2,
    summary: re(
      /^pull_x failed with exit 1 at 00:23 after 23m; its last success is recorded in the future; /,
      /run r--48-success recorded in the future: check the clock \(it ended \S+, 2d ahead of this host's clock\); /,
      /the age and the schedule are judged from the newest record that is not in the future$/,
    ),
  },
  {
    what: 'a success 2 days ahead, a real one 30 hours ago, then a real failure, -c 26h: the age of the real one',
    facts: { jobState: history(runAt(30, 'success'), runAt(-48, 'success'), runAt(8, 'failure')) },
    policy: { ageCritical: parseRange('26h', '-c') },
    state: 2,
    summary: /^pull_x failed with exit 1 at 00:23 after 23m; last success 1 day ago \(over --age-critical 26h\); run r--48-success recorded in the future/,
  },
  {
    what: '--max-age from the newest success not in the future: a real one 30.5 hours ago, a later one 2 days ahead',
    facts: { jobState: history(runAt(30.5, 'success'), runAt(-48, 'success')) },
    policy: { ageWarning: parseRange('25h', '-w'), ageCritical: parseRange('26h', '-c') },
    state: 2,
    summary: re(
      /^pull_x last success 1 day ago \(over --age-critical 26h\); run r--48-success recorded in the future: check the clock .*; /,
      /last run succeeded at Nov 26 08:23 after 23m$/,
    ),
  },
  {
    what: '--max-age with no success but one 2 days ahead',
    facts: { jobState: history(runAt(-48, 'success')) },
    policy: { ageCritical: parseRange('26h', '-c') },
    state: 2,
    summary: /^pull_x no successful run on record that is not in the future; run r--48-success recorded in the future: check the clock/,
  },
  {
    what: 'the missed-run rule from the newest start not in the future: the only start since the due time is 2 days ahead',
    facts: { jobState: history(runAt(32, 'success'), runAt(-48, 'success')), previousScheduled: new Date(NOW.getTime() - 7.7 * H) },
    policy: { schedule: '18 0 * * *' },
    state: 2,
    summary: re(
      /^pull_x missed the run due at 00:18 \(schedule '18 0 \* \* \*', grace 1h\): nothing started since; /,
      /run r--48-success recorded in the future: check the clock/,
    ),
  },
  {
    what: 'a skipped start recorded after the last run, stamped before it: the sequence decides',
    facts: { jobState: history(runAt(8, 'success'), runAt(9, 'skipped-overlap', 0, { message: 'run x was still running' })) },
    policy: {},
    state: 1,
    summary: /^pull_x start at yesterday 23:00 skipped: run x was still running; last run succeeded at 00:23 after 23m$/,
  },
  // Schema 2 markers carry no sequence: ordered by time, as before.
  {
    what: 'schema 2: a failure after an older success (no sequence: by time)',
    facts: { jobState: schema2(history(runAt(32, 'success'), runAt(8, 'failure'))) },
    policy: {},
    state: 2,
    summary: /^pull_x failed with exit 1 at 00:23 after 23m; last success 1 day ago$/,
  },
  {
    what: 'schema 2: a success after an older failure (no sequence: by time)',
    facts: { jobState: schema2(history(runAt(32, 'failure'), runAt(8, 'success'))) },
    policy: {},
    state: 0,
    summary: /^pull_x last run succeeded at 00:23 after 23m$/,
  },
  {
    what: 'schema 2 state, then a schema 3 failure stamped before its success: the numbered record is the later one',
    facts: { jobState: applyRun(schema2(history(runAt(8, 'success'))), runAt(32, 'failure'), NOW) },
    policy: {},
    state: 2,
    summary: /^pull_x failed with exit 1 at yesterday 00:23 after 23m; last success 8 hours ago$/,
  },
];
/** The table as [what, facts, policy, state, summary] rows, as test/metrics/verdictAgreement.test.ts takes them. */
const ROWS: Array<[string, Partial<CheckFacts>, Partial<CheckPolicy>, number, RegExp]> = TABLE.map((r) => [r.what, r.facts, r.policy, r.state, r.summary]);

describe('judge(): facts in, verdict out', () => {
  for (const [what, facts, opts, state, summary] of ROWS) {
    it(`${['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'][state]} for ${what}`, () => {
      const r = evaluate({ ...NO_FACTS, ...facts }, { ...OPTS, ...opts }, NOW);
      expect(r.state, r.summary).to.equal(state);
      expect(r.summary, r.summary).to.match(summary);
    });
  }
  it("shows a settled success's output tail from the marker when syslog was not read", () => {
    const r = evaluate({ ...NO_FACTS, jobState: history(runAt(8, 'success')) }, OPTS, NOW);
    expect(r.longOutput.slice(0, 2)).to.deep.equal(['Evidence (run r-8-success, last lines of its output, kept in the marker):', '  done']);
  });
  it('says a run printed nothing rather than leave an empty evidence heading', () => {
    const silent = runAt(8, 'success', 23, { output: { lines: 0, bytes: 0, tail: [] } });
    const r = evaluate({ ...NO_FACTS, jobState: history(silent) }, OPTS, NOW);
    expect(r.longOutput[1]).to.equal('  (the run printed nothing; its syslog lines: env-sync logs pull_x)');
  });
  it('gives the same state, summary and metrics from the judgement alone as the whole verdict (host-wide views)', () => {
    for (const facts of [{ jobState: history(runAt(8, 'failure')) }, { jobState: history(runAt(30.5, 'success')) }, {}]) {
      const full = evaluate({ ...NO_FACTS, ...facts }, { ...OPTS, ageCritical: parseRange('26h', '-c') }, NOW);
      const brief = summarise(judge({ ...NO_FACTS, ...facts }, { ...OPTS, ageCritical: parseRange('26h', '-c') }, NOW));
      expect({ ...brief, longOutput: full.longOutput }).to.deep.equal(full);
    }
  });
});

describe('withUnrecorded(): a run whose end could not be written takes its place in the state', () => {
  const kept = (run: Run) => ({ run, cause: 'ENOSPC', file: `unrecorded-${run.runId}.${run.outcome}.${run.exitCode}.ENOSPC.json` });
  it('a newer failure replaces the older success as the last run', () => {
    const st = withUnrecorded('pull_x', history(runAt(32, 'success')), [kept(runAt(8, 'failure'))], NOW)!;
    expect([st.last!.runId, st.lastSuccess!.runId, st.consecutiveFailures]).to.deep.equal(['r-8-failure', 'r-32-success', 1]);
  });
  it('with no state at all, the run is the state', () => {
    expect(withUnrecorded('pull_x', null, [kept(runAt(8, 'failure'))], NOW)!.last!.runId).to.equal('r-8-failure');
  });
  it('changes nothing for a run already recorded, or older than the last recorded one', () => {
    const st = history(runAt(32, 'success'), runAt(8, 'failure'));
    expect(withUnrecorded('pull_x', st, [kept(runAt(8, 'failure'))], NOW)).to.equal(st);
    expect(withUnrecorded('pull_x', st, [kept(runAt(20, 'failure'))], NOW)).to.equal(st);
  });
});

describe("the Re-run line: the command as cron ran it, as the job's user, or sudo env-sync rerun", () => {
  const CRON =
    '/usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_pull_x /usr/bin/envdir /etc/govuk_env_sync/env.d /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg';
  const ENV = 'runuser -P -u govuk-backup -- env -i HOME=/home/govuk-backup LOGNAME=govuk-backup SHELL=/bin/sh PATH=/usr/bin:/bin /bin/sh -c';
  const INNER = `/usr/bin/envdir /etc/govuk_env_sync/env.d ${WRAPPER_PATH} --job pull_x -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg`;
  const inventoryEntry = (command: string, redacted = false) => ({
    job: 'pull_x',
    schedule: '18 0 * * *',
    command,
    env: {},
    lineNo: 7,
    wrapped: false,
    redacted,
  });
  const ROWS: Array<[string, Partial<CheckFacts>, Partial<CheckPolicy>, string[]]> = [
    [
      'the cron command the wrapper recorded, less ionice and with_reboot_lock, in its directory',
      { jobState: history(runAt(8, 'failure', 23, { cronCommand: CRON, cronCwd: '/home/govuk-backup' })) },
      {},
      [
        `Re-run: ${ENV} 'cd /home/govuk-backup && ${INNER}'`,
        `  (as govuk-backup, from the cron command recorded in /var/lib/env-sync/pull_x/state.json; or: sudo env-sync rerun pull_x, which shows the command and asks)`,
      ],
    ],
    [
      'a non-default state directory kept, so the re-run clears the alert',
      { jobState: history(runAt(8, 'failure', 23, { cronCommand: CRON, cronCwd: '/home/govuk-backup' })) },
      { stateDir: '/srv/env-sync' },
      [
        `Re-run: ${ENV} 'cd /home/govuk-backup && /usr/bin/envdir /etc/govuk_env_sync/env.d ${WRAPPER_PATH} --job pull_x --state-dir /srv/env-sync -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg'`,
      ],
    ],
    [
      'an unwrapped job from the job inventory: the crontab line',
      {
        syslogOnly: {
          run: { start: new Date(NOW.getTime() - 8 * H), end: new Date(NOW.getTime() - 7 * H), outcome: 'failure', argv: 'x', errorLine: null, lines: [] },
          lastSuccessEnd: null,
          primary: true,
        },
        inventory: inventoryEntry(`PGHOST=db1 ${CRON} >>~/sync.log 2>&1`),
      },
      {},
      [
        `Re-run: ${ENV} 'cd /home/govuk-backup && PGHOST=db1 /usr/bin/envdir /etc/govuk_env_sync/env.d ${WRAPPER_PATH} --job pull_x -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg >>~/sync.log 2>&1'`,
      ],
    ],
    [
      'an inventory line with a secret redacted: never shown as runnable',
      {
        syslogOnly: {
          run: { start: new Date(NOW.getTime() - 8 * H), end: new Date(NOW.getTime() - 7 * H), outcome: 'failure', argv: 'x', errorLine: null, lines: [] },
          lastSuccessEnd: null,
          primary: true,
        },
        inventory: inventoryEntry(`PGPASSWORD=*** ${CRON}`, true),
      },
      {},
      [
        'Re-run: sudo env-sync rerun pull_x (reads the crontab as root, shows the command and asks; no full command here: a secret was redacted from the job inventory (crontab line 7))',
      ],
    ],
    [
      'syslog alone: a command read from syslog is never shown',
      {
        syslogOnly: {
          run: {
            start: new Date(NOW.getTime() - 8 * H),
            end: new Date(NOW.getTime() - 7 * H),
            outcome: 'failure',
            argv: '/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_z.cfg ; cp /bin/bash /tmp/rootsh',
            errorLine: null,
            lines: [],
          },
          lastSuccessEnd: null,
          primary: true,
        },
      },
      {},
      [
        'Re-run: sudo env-sync rerun pull_x (reads the crontab as root, shows the command and asks; no full command here: no crontab line, job inventory or recorded cron command names this job (a command read from syslog is never shown as runnable))',
      ],
    ],
    [
      'a marker naming another user is not used to re-run',
      { jobState: history(runAt(8, 'failure', 23, { cronCommand: CRON, user: 'root' })) },
      {},
      [
        "Re-run: sudo env-sync rerun pull_x (reads the crontab as root, shows the command and asks; no full command here: /var/lib/env-sync/pull_x/state.json names user root, not the job's user govuk-backup: its command is not used to re-run)",
      ],
    ],
    [
      "the job's user unknown: no full command",
      { jobState: history(runAt(8, 'failure', 23, { cronCommand: CRON })), trust: { user: null, source: 'none' } },
      {},
      [
        "Re-run: sudo env-sync rerun pull_x (reads the crontab as root, shows the command and asks; no full command here: the job's user is not known (its records are root's): give --user USER, or name it once for the host as ENV_SYNC_JOB_USER= in /etc/default/env-sync-checks)",
      ],
    ],
  ];
  for (const [what, facts, policy, lines] of ROWS) {
    it(what, () => {
      const r = evaluate({ ...NO_FACTS, ...facts }, { ...OPTS, ...policy }, NOW);
      const at = r.longOutput.findIndex((l) => l.startsWith('Re-run'));
      expect(r.longOutput.slice(at, at + lines.length)).to.deep.equal(lines);
    });
  }
});

describe('words an engineer reads at 3am', () => {
  const ROWS_CLOCK: Array<[Date, string]> = [
    [new Date(2026, 10, 24, 0, 41), '00:41'],
    [new Date(2026, 10, 23, 0, 41), 'yesterday 00:41'],
    [new Date(2026, 10, 22, 0, 41), 'Nov 22 00:41'],
    [new Date(2026, 0, 3, 23, 5), 'Jan 3 23:05'],
  ];
  for (const [at, words] of ROWS_CLOCK) it(`clock: ${words}`, () => expect(clock(at, NOW)).to.equal(words));
  const ROWS_DURATION: Array<[number, string]> = [
    [-5, '0s'],
    [59, '59s'],
    [60, '1m'],
    [3599, '59m'],
    [3600, '1h'],
    [5400, '1h 30m'],
    [47 * 3600, '47h'],
    [50 * 3600, '2d 2h'],
  ];
  for (const [s, words] of ROWS_DURATION) it(`duration: ${s}s is ${words}`, () => expect(duration(s)).to.equal(words));
});

describe('checkLevels(): a value against its ranges, in one call', () => {
  const r = (t: string) => parseRange(t, '-x');
  const ROWS: Array<[number, string | undefined, string | undefined, number, string]> = [
    [10, undefined, undefined, 0, ''],
    [10, '20', '30', 0, ''],
    [25, '20', '30', 1, ' (over --age-warning 20)'],
    [31, '20', '30', 2, ' (over --age-critical 30)'],
    [31, undefined, '30', 2, ' (over --age-critical 30)'],
    [5, '10:', undefined, 1, ' (over --age-warning 10:)'],
    [15, '@10:20', undefined, 1, ' (over --age-warning @10:20)'],
    [30 * 3600, '25h', '26h', 2, ' (over --age-critical 26h)'],
  ];
  for (const [value, warn, crit, state, words] of ROWS) {
    it(`${value} against -w ${warn ?? '-'} -c ${crit ?? '-'}: state ${state}`, () => {
      const lv = checkLevels(
        value,
        { warn: warn ? r(warn) : undefined, crit: crit ? r(crit) : undefined, option: '--age' },
        { label: 'age', uom: 's', min: 0 },
      );
      expect(lv.state).to.equal(state);
      expect(lv.words).to.equal(words);
      expect(formatMetric(lv.metric)).to.equal(`age=${value}s;${warn ? perfRange(r(warn)) : ''};${crit ? perfRange(r(crit)) : ''};0`);
    });
  }
});

describe('hostVerdict(): the host-wide verdict over judged jobs', () => {
  const job = (name: string, state: 0 | 1 | 2 | 3, extra: Partial<JobVerdict> = {}): JobVerdict => ({
    job: name,
    state,
    summary: `${name} summary`,
    perfdata: [
      { label: 'age', value: 60, uom: 's', min: 0 },
      { label: 'consecutive_failures', value: state === 2 ? 1 : 0, min: 0 },
    ],
    cron: null,
    facts: null,
    neverRun: false,
    running: false,
    ...extra,
  });
  const ROWS: Array<[string, JobVerdict[], number, string]> = [
    ['no jobs: the --missing state, saying where it looked', [], 1, 'no jobs found in /var/lib/env-sync'],
    ['all OK', [job('b', 0), job('a', 0)], 0, '2 jobs: 2 OK'],
    ['CRITICAL outranks UNKNOWN, which outranks WARNING', [job('w', 1), job('u', 3), job('c', 2)], 2, '3 jobs: 1 CRITICAL (c), 1 UNKNOWN (u), 1 WARNING (w)'],
    ['UNKNOWN outranks WARNING', [job('w', 1), job('u', 3)], 3, '2 jobs: 1 UNKNOWN (u), 1 WARNING (w)'],
    ['the first five names of a state, then …', ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => job(n, 2)), 2, '6 jobs: 6 CRITICAL (a, b, c, d, e, …)'],
    [
      'running and never-run jobs counted',
      [job('r', 0, { running: true }), job('n', 1, { neverRun: true })],
      1,
      '2 jobs: 1 WARNING (n), 1 OK; 1 running, 1 never run',
    ],
  ];
  for (const [what, jobs, state, summary] of ROWS) {
    it(what, () => {
      const v = hostVerdict(jobs, { missing: 1, where: '/var/lib/env-sync', problems: [] });
      expect(v.state).to.equal(state);
      expect(v.summary).to.equal(summary);
    });
  }
  it("lists one line a job, worst first then by name, and each job's age and failures as perfdata", () => {
    const v = hostVerdict([job('b', 0), job('a', 2), job('c', 1)], { missing: 1, where: '-', problems: ['crontab of govuk-backup not read'] });
    expect(v.longOutput).to.deep.equal(['[CRITICAL] a summary', '[WARNING] c summary', '[OK] b summary', 'crontab of govuk-backup not read']);
    expect(v.perfdata.map((m) => m.label)).to.deep.equal(['b_age', 'b_failures', 'a_age', 'a_failures', 'c_age', 'c_failures']);
  });
});

// The rows and the plugin's way of taking them, for the tests that must agree with it (test/metrics/verdictAgreement.test.ts).
export { evaluate, NOW, OPTS, ROWS };
