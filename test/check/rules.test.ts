// Each rule of the judgement alone: facts in, that rule's findings out (state and words), nothing
// from the other rules. The table test of judge() (judge.test.ts) checks them together.
import { expect } from 'chai';
import { checkLevels } from '../../src/check/levels.js';
import { jobMetrics } from '../../src/check/jobMetrics.js';
import { judgeContext, type JudgeContext } from '../../src/check/rules/context.js';
import { age } from '../../src/check/rules/age.js';
import { failedParts } from '../../src/check/rules/failedParts.js';
import { futureRecords } from '../../src/check/rules/futureRecords.js';
import { RULES, type Rule } from '../../src/check/rules/index.js';
import { lastRun } from '../../src/check/rules/lastRun.js';
import { missedRun } from '../../src/check/rules/missedRun.js';
import { noRecord } from '../../src/check/rules/noRecord.js';
import { rebootLock } from '../../src/check/rules/rebootLock.js';
import { runsInProgress } from '../../src/check/rules/runsInProgress.js';
import { skippedStart } from '../../src/check/rules/skippedStart.js';
import { staleMarkers } from '../../src/check/rules/staleMarkers.js';
import { stateDirMissing } from '../../src/check/rules/stateDirMissing.js';
import { syslogRun } from '../../src/check/rules/syslogRun.js';
import { unrecordedEnds } from '../../src/check/rules/unrecordedEnds.js';
import type { CheckFacts, CheckPolicy, Result } from '../../src/check/types.js';
import { parseRange } from '../../src/common/range.js';
import { applyRun } from '../../src/markers/store.js';
import { emptyJobState, type JobState, type Outcome, type Run, type RunningMarker } from '../../src/markers/types.js';
import { NO_FACTS, policyFor } from '../support/checkFacts.js';
import { makeRun } from '../support/runs.js';

const NOW = new Date(2026, 10, 24, 8, 0, 0);
const H = 3600_000;
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * H);

function run(startHoursAgo: number, outcome: Outcome | 'running', extra: Partial<Run> = {}): Run {
  const start = hoursAgo(startHoursAgo);
  const ended = outcome !== 'running';
  return makeRun('pull_x', {
    runId: `r-${startHoursAgo}-${outcome}`,
    wrapperPid: 4100,
    childPid: 4101,
    bootId: 'boot-a',
    argv: [],
    start: start.toISOString(),
    end: ended ? new Date(start.getTime() + 23 * 60_000).toISOString() : null,
    durationSeconds: ended ? 23 * 60 : null,
    outcome,
    exitCode: outcome === 'success' ? 0 : outcome === 'failure' ? 1 : null,
    output: { lines: 0, bytes: 0, tail: [] },
    ...extra,
  });
}
const marker = (r: Run): RunningMarker => ({ ...r, schema: 3 });
const history = (...runs: Run[]): JobState => runs.reduce((s, r) => applyRun(s, r, new Date(r.end ?? r.start)), emptyJobState('pull_x'));
/** An unwrapped run from the script's own lines, 23 minutes long when it ended. */
function scriptRun(startHoursAgo: number, outcome: 'success' | 'failure' | 'running') {
  const start = hoursAgo(startHoursAgo);
  return { start, end: outcome === 'running' ? null : new Date(start.getTime() + 23 * 60_000), outcome, argv: 'x', errorLine: null, lines: [] };
}
const syslogOnly = (r: ReturnType<typeof scriptRun>, extra: Partial<NonNullable<CheckFacts['syslogOnly']>> = {}): CheckFacts['syslogOnly'] => ({
  run: r,
  lastSuccessEnd: null,
  primary: true,
  ...extra,
});
const finishLine = (h: number, outcome: string, exitCode: number | null) => {
  const time = hoursAgo(h);
  return {
    time,
    runId: 'r-syslog',
    part: null,
    outcome,
    exitCode,
    line: { file: '/var/log/syslog', time, host: 'h', tag: 'env-sync-run', pid: 1, message: '' },
  };
};
const STALE = { dir: '/var/lib/env-sync/pull_x', owner: 'root', fix: 'chown -R govuk-backup: /var/lib/env-sync/pull_x' };
const OWN_LOCK = '/etc/unattended-reboot/no-reboot/reboot_lock-env-sync_pull_x';

const POLICY = policyFor('pull_x');
const ctxOf = (facts: Partial<CheckFacts>, policy: Partial<CheckPolicy> = {}): JudgeContext =>
  judgeContext({ ...NO_FACTS, ...facts }, { ...POLICY, ...policy }, NOW);

interface Row {
  what: string;
  facts: Partial<CheckFacts>;
  policy?: Partial<CheckPolicy>;
  /** The findings of the rules before this one (for a rule that looks at them). */
  earlier?: Result[];
  /** Each finding: its state and its words. */
  want: Array<[number, RegExp]>;
}

const TABLES: Array<[string, Rule, Row[]]> = [
  [
    'noRecord',
    noRecord,
    [
      {
        what: 'nothing anywhere: the --missing state, where it looked',
        facts: {},
        want: [
          [
            2,
            /^no record of this job: nothing in \/var\/lib\/env-sync\/pull_x\/ and no govuk_env_sync\.sh run of pull_x\.cfg in \/var\/log\/syslog or its rotations$/,
          ],
        ],
      },
      { what: '--missing ok', facts: {}, policy: { missing: 0 }, want: [[0, /^no record of this job/]] },
      {
        what: 'the log cannot be read: UNKNOWN with the fix',
        facts: { syslogProblems: [{ path: '/var/log/syslog', problem: 'permission denied', fix: 'add user nagios to group adm' }] },
        want: [[3, /^no marker in \/var\/lib\/env-sync and \/var\/log\/syslog cannot be read \(permission denied\); add user nagios to group adm$/]],
      },
      {
        what: 'no state directory: its problem in place of the job directory',
        facts: { stateDirProblem: 'state directory /x does not exist' },
        want: [[2, /^no record of this job: state directory \/x does not exist, no govuk_env_sync\.sh run/]],
      },
    ],
  ],
  [
    'stateDirMissing',
    stateDirMissing,
    [
      { what: 'a state directory that exists: nothing', facts: { jobState: history(run(8, 'success')) }, want: [] },
      {
        what: 'none: WARNING with its fix',
        facts: { stateDirProblem: 'state directory /x does not exist; create it' },
        want: [[1, /^state directory \/x does not exist; create it$/]],
      },
    ],
  ],
  [
    'runsInProgress',
    runsInProgress,
    [
      { what: 'no run in progress', facts: { jobState: history(run(8, 'success')) }, want: [] },
      {
        what: 'alive within --max-runtime',
        facts: { running: [{ marker: marker(run(1, 'running')), liveness: 'alive' }] },
        policy: { runtimeCritical: parseRange('6h', '--max-runtime') },
        want: [[0, /^running since 07:00 \(for 1h\)$/]],
      },
      {
        what: 'alive past --runtime-warning',
        facts: { running: [{ marker: marker(run(3, 'running')), liveness: 'alive' }] },
        policy: { runtimeWarning: parseRange('2h', '--runtime-warning') },
        want: [[1, /^running since 05:00 \(for 3h\) \(over --runtime-warning 2h\)$/]],
      },
      {
        what: 'orphaned within the limit: WARNING all the same',
        facts: { running: [{ marker: marker(run(2, 'running')), liveness: 'orphaned' }] },
        want: [[1, /^run started 06:00: its wrapper pid 4100 is gone but its sync pid 4101 is still running \(for 2h\); its end will not be recorded$/]],
      },
      {
        what: 'orphaned past --max-runtime: CRITICAL',
        facts: { running: [{ marker: marker(run(7, 'running')), liveness: 'orphaned' }] },
        policy: { runtimeCritical: parseRange('6h', '--max-runtime') },
        want: [[2, /is still running \(for 7h\) \(over --runtime-critical 6h\); its end will not be recorded$/]],
      },
      {
        what: 'of an earlier boot',
        facts: { running: [{ marker: marker(run(2, 'running')), liveness: 'other-boot' }] },
        want: [[2, /^run started 06:00 was interrupted by a reboot \(boot id changed\) and recorded no end$/]],
      },
      {
        what: 'wrapper and sync gone',
        facts: { running: [{ marker: marker(run(2, 'running')), liveness: 'dead' }] },
        want: [[2, /^run started 06:00: its wrapper pid 4100 died and recorded no end, and its sync pid 4101 has ended since: outcome unknown$/]],
      },
      {
        what: 'wrapper gone before the sync started',
        facts: { running: [{ marker: marker(run(2, 'running', { childPid: null })), liveness: 'dead' }] },
        want: [[2, /^run started 06:00 died: wrapper pid 4100 is gone and recorded no end$/]],
      },
      {
        what: 'two runs: a finding each, in the markers’ order',
        facts: {
          running: [
            { marker: marker(run(2, 'running')), liveness: 'dead' },
            { marker: marker(run(1, 'running', { runId: 'b' })), liveness: 'alive' },
          ],
        },
        want: [
          [2, /outcome unknown$/],
          [0, /^running since 07:00/],
        ],
      },
    ],
  ],
  [
    'lastRun',
    lastRun,
    [
      { what: 'a success', facts: { jobState: history(run(8, 'success')) }, want: [[0, /^last run succeeded at 00:23 after 23m$/]] },
      {
        what: 'a success while a run is going: said by the run in progress instead',
        facts: { jobState: history(run(8, 'success')), running: [{ marker: marker(run(1, 'running')), liveness: 'alive' }] },
        want: [],
      },
      {
        what: 'a failure after a success, past -c: the age limit said here',
        facts: { jobState: history(run(32, 'success'), run(8, 'failure')) },
        policy: { ageCritical: parseRange('26h', '-c') },
        want: [[2, /^failed with exit 1 at 00:23 after 23m; last success 1 day ago \(over --age-critical 26h\)$/]],
      },
      {
        what: 'two failures and no success',
        facts: { jobState: history(run(32, 'failure'), run(8, 'failure')) },
        want: [[2, /^failed with exit 1 at 00:23 after 23m; no success on record, 2 failures in a row$/]],
      },
      {
        what: 'a failure after a success stamped in the future',
        facts: { jobState: history(run(-48, 'success'), run(8, 'failure')) },
        want: [[2, /; its last success is recorded in the future$/]],
      },
      {
        what: 'a timeout',
        facts: { jobState: history(run(8, 'timeout', { timeoutSeconds: 6 * 3600, exitCode: 124 })) },
        want: [[2, /^timed out at 00:23 after 6h \(--timeout\); no success on record$/]],
      },
      {
        what: "an unwrapped job's later run from syslog is the record: the markers' last is history",
        facts: { jobState: history(run(30, 'failure')), unwrapped: true, syslogOnly: syslogOnly(scriptRun(8, 'success')) },
        want: [],
      },
    ],
  ],
  [
    'failedParts',
    failedParts,
    [
      {
        what: "a failed part before a later part's success",
        facts: { jobState: history(run(9, 'failure', { part: 'mysql' }), run(8, 'success', { part: 'pg' })) },
        want: [[2, /^part mysql failed with exit 1 at yesterday 23:23 after 23m$/]],
      },
      { what: 'the failed part is the last run: said by lastRun', facts: { jobState: history(run(8, 'failure', { part: 'mysql' })) }, want: [] },
      { what: 'every part passed', facts: { jobState: history(run(9, 'success', { part: 'a' }), run(8, 'success', { part: 'b' })) }, want: [] },
    ],
  ],
  [
    'unrecordedEnds',
    unrecordedEnds,
    [
      {
        what: 'a full disk: the df hint',
        facts: { jobState: history(run(8, 'success')), unrecorded: [{ runId: 'r1', path: '/s/pull_x/u.json', cause: 'no space left on device' }] },
        want: [
          [
            1,
            /^could not record the end of run r1: no space left on device \(free space: df -h \/var\/lib\/env-sync\); its end is kept in the name of \/s\/pull_x\/u\.json until a later run records it$/,
          ],
        ],
      },
      {
        what: 'a read-only file system: no df hint',
        facts: { jobState: history(run(8, 'success')), unrecorded: [{ runId: 'r1', path: '/s/u.json', cause: 'read-only file system' }] },
        want: [[1, /^could not record the end of run r1: read-only file system; its end/]],
      },
    ],
  ],
  [
    'syslogRun',
    syslogRun,
    [
      { what: 'no run from syslog', facts: { jobState: history(run(8, 'success')) }, want: [] },
      {
        what: 'a run from syslog that is not the record (a wrapped job)',
        facts: { jobState: history(run(8, 'success')), syslogOnly: syslogOnly(scriptRun(30, 'failure'), { primary: false }) },
        want: [],
      },
      { what: 'a success', facts: { syslogOnly: syslogOnly(scriptRun(8, 'success')) }, want: [[0, /^last run succeeded at 00:23 after 23m$/]] },
      {
        what: 'a failure after an older success',
        facts: { syslogOnly: syslogOnly(scriptRun(8, 'failure'), { lastSuccessEnd: hoursAgo(31) }) },
        want: [[2, /^failed at 00:23 after 23m; last success 1 day ago$/]],
      },
      { what: 'a failure, no success in the logs', facts: { syslogOnly: syslogOnly(scriptRun(8, 'failure')) }, want: [[2, /; no success in the logs read$/]] },
      {
        what: 'no end line, its script runs on, past --max-runtime',
        facts: { syslogOnly: syslogOnly(scriptRun(7, 'running'), { live: true }) },
        policy: { runtimeCritical: parseRange('6h', '--max-runtime') },
        want: [[2, /^running since 01:00 \(for 7h\) \(over --runtime-critical 6h\)$/]],
      },
      {
        what: 'no end line and no script running its cfg',
        facts: { syslogOnly: syslogOnly(scriptRun(2, 'running'), { live: false }) },
        want: [[2, /^run started 06:00 ended without a Completed or Error running line: .*; no success in the logs read$/]],
      },
      {
        what: 'no end line, its journal lines from an earlier boot',
        facts: { syslogOnly: syslogOnly(scriptRun(2, 'running'), { live: null, otherBoot: '0123456789abcdef' }) },
        want: [[2, /^run started 06:00 was interrupted by a reboot \(its journal lines are from boot 0123456789ab…, not this boot\) and logged no end$/]],
      },
      {
        what: "no end line, other users' processes hidden",
        facts: { syslogOnly: syslogOnly(scriptRun(2, 'running'), { live: null, hidden: '/proc is mounted with hidepid=2' }) },
        want: [[3, /^cannot tell whether the run started 06:00 still runs \(no Completed or Error running line yet\): \/proc is mounted with hidepid=2$/]],
      },
    ],
  ],
  [
    'staleMarkers',
    staleMarkers,
    [
      { what: 'a job directory its user owns', facts: { jobState: history(run(8, 'success')) }, want: [] },
      {
        what: 'a later failure in syslog',
        facts: { jobState: history(run(30, 'success')), staleMarkers: { ...STALE, later: finishLine(8, 'failure', 1) } },
        want: [
          [
            2,
            /^a later run failed with exit 1 at 00:00 \(syslog; the markers are stale: \/var\/lib\/env-sync\/pull_x is owned by root, .*chown -R govuk-backup: \/var\/lib\/env-sync\/pull_x\)$/,
          ],
        ],
      },
      {
        what: 'a later timeout with no exit code',
        facts: { jobState: history(run(30, 'success')), staleMarkers: { ...STALE, later: finishLine(8, 'timeout', null) } },
        want: [[2, /^a later run ended: timeout at 00:00 \(syslog;/]],
      },
      {
        what: 'a later success in syslog: never better than WARNING',
        facts: { jobState: history(run(30, 'failure')), staleMarkers: { ...STALE, later: finishLine(8, 'success', 0) } },
        want: [[1, /^markers are stale; syslog says a later run succeeded at 00:00: \/var\/lib\/env-sync\/pull_x is owned by root/]],
      },
      {
        what: 'no later run',
        facts: { jobState: history(run(8, 'success')), staleMarkers: { ...STALE, later: null } },
        want: [[1, /^the next run will not be recorded: /]],
      },
    ],
  ],
  [
    'age',
    age,
    [
      { what: 'a fresh success', facts: { jobState: history(run(8, 'success')) }, policy: { ageCritical: parseRange('26h', '-c') }, want: [] },
      {
        what: 'a success past -w',
        facts: { jobState: history(run(25.9, 'success')) },
        policy: { ageWarning: parseRange('25h', '-w'), ageCritical: parseRange('26h', '-c') },
        want: [[1, /^last success 1 day ago \(over --age-warning 25h\)$/]],
      },
      {
        what: "past -c, but a failure's words named that success: said once, there",
        facts: { jobState: history(run(32, 'success'), run(8, 'failure')) },
        policy: { ageCritical: parseRange('26h', '-c') },
        want: [],
      },
      {
        what: "past -c, an unwrapped run's failure named that success",
        facts: { syslogOnly: syslogOnly(scriptRun(8, 'failure'), { lastSuccessEnd: hoursAgo(31) }) },
        policy: { ageCritical: parseRange('26h', '-c') },
        want: [],
      },
      {
        what: 'no success, -c set',
        facts: { jobState: history(run(8, 'skipped-overlap')) },
        policy: { ageCritical: parseRange('26h', '-c') },
        want: [[2, /^no successful run on record$/]],
      },
      {
        what: 'no success, -w only',
        facts: { jobState: history(run(8, 'skipped-overlap')) },
        policy: { ageWarning: parseRange('25h', '-w') },
        want: [[1, /^no successful run on record$/]],
      },
      {
        what: 'no success and something CRITICAL said already: nothing more',
        facts: { jobState: history(run(8, 'failure')) },
        policy: { ageCritical: parseRange('26h', '-c') },
        earlier: [{ state: 2, text: 'failed' }],
        want: [],
      },
      {
        what: 'the only success is in the future',
        facts: { jobState: history(run(-48, 'success')) },
        policy: { ageCritical: parseRange('26h', '-c') },
        want: [[2, /^no successful run on record that is not in the future$/]],
      },
      { what: 'no limit set', facts: { jobState: history(run(8, 'failure')) }, want: [] },
    ],
  ],
  [
    'missedRun',
    missedRun,
    [
      { what: 'no schedule', facts: { jobState: history(run(32, 'success')) }, want: [] },
      {
        what: 'nothing started since the due time, past the grace',
        facts: { jobState: history(run(32, 'success')), previousScheduled: hoursAgo(7.7) },
        policy: { schedule: '18 0 * * *' },
        want: [[2, /^missed the run due at 00:18 \(schedule '18 0 \* \* \*', grace 1h\): nothing started since$/]],
      },
      {
        what: 'within the grace',
        facts: { jobState: history(run(32, 'success')), previousScheduled: hoursAgo(0.5) },
        policy: { schedule: '* * * * *' },
        want: [],
      },
      {
        what: 'a run started since',
        facts: { jobState: history(run(7.6, 'success')), previousScheduled: hoursAgo(7.7) },
        policy: { schedule: '18 0 * * *' },
        want: [],
      },
      {
        what: 'a run in progress started since',
        facts: {
          jobState: history(run(32, 'success')),
          running: [{ marker: marker(run(7.6, 'running')), liveness: 'alive' }],
          previousScheduled: hoursAgo(7.7),
        },
        policy: { schedule: '18 0 * * *' },
        want: [],
      },
      {
        what: 'an unwrapped run from syslog started since',
        facts: { syslogOnly: syslogOnly(scriptRun(7.6, 'success')), previousScheduled: hoursAgo(7.7) },
        policy: { schedule: '18 0 * * *' },
        want: [],
      },
      {
        what: 'the only start since is in the future',
        facts: { jobState: history(run(32, 'success'), run(-48, 'success')), previousScheduled: hoursAgo(7.7) },
        policy: { schedule: '18 0 * * *' },
        want: [[2, /^missed the run due at 00:18/]],
      },
    ],
  ],
  [
    'skippedStart',
    skippedStart,
    [
      {
        what: 'a skipped start after the last run',
        facts: { jobState: history(run(9, 'success'), run(8, 'skipped-overlap', { message: 'run x was still running' })) },
        want: [[1, /^start at 00:00 skipped: run x was still running$/]],
      },
      { what: 'one before the last run', facts: { jobState: history(run(9, 'skipped-overlap'), run(8, 'success')) }, want: [] },
      {
        what: 'with no reason recorded',
        facts: { jobState: history(run(8, 'skipped-overlap')) },
        want: [[1, /^start at 00:00 skipped: another run was still running$/]],
      },
    ],
  ],
  [
    'futureRecords',
    futureRecords,
    [
      { what: 'every record in the past', facts: { jobState: history(run(8, 'success')) }, want: [] },
      {
        what: 'a success 2 days ahead',
        facts: { jobState: history(run(-48, 'success')) },
        want: [
          [
            1,
            /^run r--48-success recorded in the future: check the clock \(it ended \S+, 2d ahead of this host's clock\); the age and the schedule are judged from the newest record that is not in the future$/,
          ],
        ],
      },
      {
        what: 'only a run in progress ahead: nothing judged from it',
        facts: { running: [{ marker: marker(run(-1, 'running')), liveness: 'alive' }] },
        want: [[1, /^run r--1-running recorded in the future: check the clock \(it started \S+, 1h ahead of this host's clock\)$/]],
      },
      {
        what: 'two ahead: the furthest, and how many more',
        facts: { jobState: history(run(-2, 'failure'), run(-48, 'success')) },
        want: [[1, /^run r--48-success \(and 1 more\) recorded in the future/]],
      },
    ],
  ],
  [
    'rebootLock',
    rebootLock,
    [
      { what: 'no lock file', facts: { jobState: history(run(8, 'success')) }, want: [] },
      {
        what: "the job's own file held by no with_reboot_lock",
        facts: { jobState: history(run(8, 'success')), rebootLock: { path: OWN_LOCK, ageSeconds: 7 * 3600, held: false } },
        want: [
          [1, /^stale with_reboot_lock file \/etc\/unattended-reboot\/no-reboot\/reboot_lock-env-sync_pull_x \(7h old\): .*; remove it if no sync is running$/],
        ],
      },
      {
        what: 'held by a live with_reboot_lock',
        facts: { jobState: history(run(8, 'success')), rebootLock: { path: OWN_LOCK, ageSeconds: 600, held: true } },
        want: [],
      },
      {
        what: 'cannot be seen (hidepid), no run going: stale, saying it is a guess',
        facts: { jobState: history(run(8, 'success')), rebootLock: { path: OWN_LOCK, ageSeconds: 600, held: null, hidden: 'hidepid=2' } },
        want: [[1, /remove it if no sync is running \(no run of the job is going, but whether a with_reboot_lock holds it cannot be seen: hidepid=2\)$/]],
      },
      {
        what: 'cannot be seen, a wrapped run going',
        facts: {
          running: [{ marker: marker(run(1, 'running')), liveness: 'alive' }],
          rebootLock: { path: OWN_LOCK, ageSeconds: 600, held: null, hidden: 'h' },
        },
        want: [],
      },
      {
        what: 'cannot be seen, an unwrapped run going',
        facts: {
          syslogOnly: syslogOnly(scriptRun(1, 'running'), { live: null, hidden: 'h' }),
          rebootLock: { path: OWN_LOCK, ageSeconds: 600, held: null, hidden: 'h' },
        },
        want: [],
      },
      // Changed with the one answer to "is the job running" (observedRun.ts jobRunning): a run of an
      // earlier boot holds nothing in this one.
      {
        what: 'cannot be seen, an unwrapped run of an earlier boot: stale',
        facts: {
          syslogOnly: syslogOnly(scriptRun(9, 'running'), { otherBoot: 'b0' }),
          rebootLock: { path: OWN_LOCK, ageSeconds: 600, held: null, hidden: 'h' },
        },
        want: [[1, /^stale with_reboot_lock file/]],
      },
      {
        what: 'the shared file a day old, nothing going',
        facts: {
          jobState: history(run(8, 'success')),
          rebootLock: { path: '/etc/unattended-reboot/no-reboot/reboot_lock', ageSeconds: 30 * 3600, shared: true },
        },
        want: [[1, /^stale shared with_reboot_lock file \/etc\/unattended-reboot\/no-reboot\/reboot_lock \(30h old\): /]],
      },
      {
        what: 'the shared file an hour old',
        facts: { jobState: history(run(8, 'success')), rebootLock: { path: '/etc/unattended-reboot/no-reboot/reboot_lock', ageSeconds: 3600, shared: true } },
        want: [],
      },
      // Changed likewise: an unwrapped run going may be the one holding the shared file.
      {
        what: 'the shared file a day old while an unwrapped run is going',
        facts: {
          syslogOnly: syslogOnly(scriptRun(30, 'running'), { live: true }),
          rebootLock: { path: '/etc/unattended-reboot/no-reboot/reboot_lock', ageSeconds: 30 * 3600, shared: true },
        },
        want: [],
      },
    ],
  ],
];

describe('the rules of the judgement, each alone', () => {
  for (const [name, rule, rows] of TABLES) {
    describe(name, () => {
      for (const row of rows) {
        it(row.what, () => {
          const found = rule(ctxOf(row.facts, row.policy), row.earlier ?? []);
          expect(
            found.map((r) => r.state),
            found.map((r) => r.text).join('\n'),
          ).to.deep.equal(row.want.map(([s]) => s));
          for (const [i, [, words]] of row.want.entries()) expect(found[i]!.text).to.match(words);
        });
      }
    });
  }

  it('RULES runs every rule above (but noRecord, which speaks alone) once, each under its own name', () => {
    const names = RULES.map((r) => r.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const [name, rule] of TABLES) if (rule !== noRecord) expect(RULES, name).to.include(rule);
  });
});

describe('the metrics, apart from the findings', () => {
  const labels = (ctx: JudgeContext) => jobMetrics(ctx).map((m) => `${m.label}=${m.value}`);
  it('a success: age, duration, exit code, failures, not running', () => {
    expect(labels(ctxOf({ jobState: history(run(8, 'success')) }))).to.deep.equal([
      `age=${8 * 3600 - 23 * 60}`,
      'duration=1380',
      'exit_code=0',
      'consecutive_failures=0',
      'running=0',
    ]);
  });
  it('a run going: its running time as the duration, with the runtime ranges', () => {
    const ctx = ctxOf({ running: [{ marker: marker(run(2, 'running')), liveness: 'orphaned' }] }, { runtimeCritical: parseRange('6h', '--max-runtime') });
    expect(jobMetrics(ctx)).to.deep.equal([
      checkLevels(7200, { warn: undefined, crit: parseRange('6h', '--max-runtime'), option: '--runtime' }, { label: 'duration', uom: 's', min: 0 }).metric,
      { label: 'running', value: 1, min: 0, max: 1 },
    ]);
  });
  it("an unwrapped run's duration from its lines; no exit code or failure count (no markers)", () => {
    expect(labels(ctxOf({ syslogOnly: syslogOnly(scriptRun(8, 'failure')) }))).to.deep.equal(['duration=1380', 'running=0']);
  });
});
