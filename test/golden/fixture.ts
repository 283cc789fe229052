// A fixed host for the golden-output test: markers, syslog files, a crontab and a with_reboot_lock
// file written with fixed contents, judged at a fixed instant (libfaketime), so every executable's
// output can be compared byte for byte across a refactor.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTicks } from '../../src/common/host.js';

/** The instant every golden case is judged at (frozen with libfaketime, TZ=UTC). */
export const GOLDEN_NOW = '2026-11-24 06:00:00';
export const BOOT_ID = 'a1b2c3d4-0000-4000-8000-000000000001';

const ARGV = (job: string) => ['/usr/local/bin/govuk_env_sync.sh', '-f', `/etc/govuk_env_sync/${job}.cfg`];

interface RunSpec {
  job: string;
  runId: string;
  start: string;
  end?: string | null;
  duration?: number | null;
  outcome: string;
  exit?: number | null;
  part?: string | null;
  tail?: string[];
  pid?: number;
  startTicks?: number | null;
  bootId?: string | null;
  message?: string | null;
  argv?: string[];
}

function run(s: RunSpec): Record<string, unknown> {
  return {
    runId: s.runId,
    job: s.job,
    part: s.part ?? null,
    host: 'db-admin-1',
    user: 'govuk-backup',
    wrapperPid: s.pid ?? 4100,
    wrapperStartTicks: s.startTicks ?? null,
    childPid: 4101,
    bootId: s.bootId === undefined ? BOOT_ID : s.bootId,
    argv: s.argv ?? ARGV(s.job),
    cwd: '/home/govuk-backup',
    start: s.start,
    end: s.end ?? null,
    durationSeconds: s.duration ?? null,
    outcome: s.outcome,
    exitCode: s.exit ?? null,
    signal: null,
    timeoutSeconds: null,
    message: s.message ?? null,
    output: { lines: (s.tail ?? []).length, bytes: (s.tail ?? []).join('\n').length, tail: s.tail ?? [] },
  };
}

function history(r: Record<string, unknown>) {
  return { runId: r.runId, part: r.part, start: r.start, end: r.end, durationSeconds: r.durationSeconds, outcome: r.outcome, exitCode: r.exitCode };
}

function writeState(
  state: string,
  job: string,
  o: {
    last?: Record<string, unknown> | null;
    lastSuccess?: Record<string, unknown> | null;
    lastSkipped?: Record<string, unknown> | null;
    failures?: number;
    extraHistory?: Record<string, unknown>[];
    parts?: Record<string, Record<string, unknown>>;
  },
) {
  mkdirSync(join(state, job), { recursive: true });
  const runs = [...(o.extraHistory ?? []), o.lastSuccess, o.last, o.lastSkipped].filter((r): r is Record<string, unknown> => !!r);
  const seen = new Set<unknown>();
  const hist = runs
    .filter((r) => (seen.has(r.runId) ? false : (seen.add(r.runId), true)))
    .sort((a, b) => String(a.start).localeCompare(String(b.start)))
    .map(history);
  const body = {
    schema: 1,
    job,
    updated: '2026-11-24T05:00:00.000Z',
    last: o.last ?? null,
    lastSuccess: o.lastSuccess ?? null,
    lastSkipped: o.lastSkipped ?? null,
    consecutiveFailures: o.failures ?? 0,
    history: hist,
    parts: o.parts ?? {},
  };
  writeFileSync(join(state, job, 'state.json'), `${JSON.stringify(body, null, 1)}\n`, { mode: 0o644 });
}

function writeRunning(state: string, job: string, r: Record<string, unknown>) {
  mkdirSync(join(state, job), { recursive: true });
  writeFileSync(join(state, job, `running-${r.runId}.json`), `${JSON.stringify({ schema: 1, ...r }, null, 1)}\n`, { mode: 0o644 });
}

const rfc = (iso: string) => iso.replace('Z', '+00:00').replace(/\.(\d{3})\+/, '.$1000+');

export interface GoldenHost {
  dir: string;
  state: string;
  syslog: string;
  bootIdFile: string;
  rebootLockDir: string;
  crontab: string;
  /** A second host's state directory and crontab, of jobs with the long names real hosts have (writeLongNames). */
  long: { state: string; crontab: string; jobs: string[] };
}

/** Writes the golden host into dir. Only pid 1's start time is read from this machine (it is never printed). */
export function writeGoldenHost(dir: string): GoldenHost {
  const state = join(dir, 'state');
  const syslog = join(dir, 'syslog');
  const bootIdFile = join(dir, 'boot_id');
  const rebootLockDir = join(dir, 'no-reboot');
  const crontab = join(dir, 'crontab');
  mkdirSync(state, { recursive: true });
  mkdirSync(rebootLockDir);
  writeFileSync(bootIdFile, `${BOOT_ID}\n`);

  // pull_ok: succeeded last night.
  const ok = run({
    job: 'pull_ok',
    runId: '20261124T001800Z-aaaaaa',
    start: '2026-11-24T00:18:00.000Z',
    end: '2026-11-24T00:41:00.000Z',
    duration: 1380,
    outcome: 'success',
    exit: 0,
    tail: ['Downloading dump', 'Restore complete'],
  });
  writeState(state, 'pull_ok', { last: ok, lastSuccess: ok });
  // Its with_reboot_lock file is left behind (5 hours old).
  const lock = join(rebootLockDir, 'reboot_lock-env-sync_pull_ok');
  writeFileSync(lock, '');
  const lockTime = new Date('2026-11-24T01:00:00Z');
  utimesSync(lock, lockTime, lockTime);

  // push_failed: failed twice in a row; last success two days ago.
  const pfOk = run({
    job: 'push_failed',
    runId: '20261122T000000Z-bbbbbb',
    start: '2026-11-22T00:00:00.000Z',
    end: '2026-11-22T00:20:00.000Z',
    duration: 1200,
    outcome: 'success',
    exit: 0,
  });
  const pfPrev = run({
    job: 'push_failed',
    runId: '20261123T000000Z-bbbbb1',
    start: '2026-11-23T00:00:00.000Z',
    end: '2026-11-23T00:23:00.000Z',
    duration: 1380,
    outcome: 'failure',
    exit: 1,
  });
  const pfLast = run({
    job: 'push_failed',
    runId: '20261124T001800Z-cccccc',
    start: '2026-11-24T00:18:00.000Z',
    end: '2026-11-24T00:41:00.000Z',
    duration: 1380,
    outcome: 'failure',
    exit: 1,
    tail: [
      'Downloading dump from s3://govuk-env-sync/push_failed/latest.dump',
      'pg_restore: error: could not execute query: ERROR: relation "events" does not exist',
    ],
  });
  writeState(state, 'push_failed', { last: pfLast, lastSuccess: pfOk, failures: 2, extraHistory: [pfPrev] });

  // pull_running: its wrapper (pid 1 here, with pid 1's start time) is alive.
  const ticks = processStartTicks(1);
  writeRunning(
    state,
    'pull_running',
    run({ job: 'pull_running', runId: '20261124T053000Z-dddddd', start: '2026-11-24T05:30:00.000Z', outcome: 'running', pid: 1, startTicks: ticks }),
  );
  // pull_dead: its wrapper's pid is gone.
  writeRunning(
    state,
    'pull_dead',
    run({ job: 'pull_dead', runId: '20261124T020000Z-eeeeee', start: '2026-11-24T02:00:00.000Z', outcome: 'running', pid: 2147483647 }),
  );
  // pull_rebooted: started in an earlier boot.
  writeRunning(
    state,
    'pull_rebooted',
    run({
      job: 'pull_rebooted',
      runId: '20261124T020000Z-ffffff',
      start: '2026-11-24T02:00:00.000Z',
      outcome: 'running',
      pid: 1,
      bootId: 'a1b2c3d4-0000-4000-8000-0000000000ff',
    }),
  );

  // pull_skipped: a start refused while the last run was alive.
  const skOk = run({
    job: 'pull_skipped',
    runId: '20261124T001800Z-111111',
    start: '2026-11-24T00:18:00.000Z',
    end: '2026-11-24T03:00:00.000Z',
    duration: 9720,
    outcome: 'success',
    exit: 0,
  });
  const skSkip = run({
    job: 'pull_skipped',
    runId: '20261124T011800Z-111112',
    start: '2026-11-24T01:18:00.000Z',
    end: '2026-11-24T01:18:00.000Z',
    duration: 0,
    outcome: 'skipped-overlap',
    exit: 75,
    message: 'run 20261124T001800Z-111111 (pid 4100, started 2026-11-24T00:18:00.000Z) of this job was still running',
  });
  writeState(state, 'pull_skipped', {
    last: skOk,
    lastSuccess: skOk,
    lastSkipped: { ...skSkip, start: '2026-11-24T03:18:00.000Z', end: '2026-11-24T03:18:00.000Z' },
  });

  // copy_data_to_staging: run in parts; mysql-normal failed, postgresql-backend succeeded after it.
  const jenkins = ['bash', 'sync', 'production', 'staging'];
  const mysql = run({
    job: 'copy_data_to_staging',
    part: 'mysql-normal',
    runId: '20261123T220000Z-222221',
    start: '2026-11-23T22:00:00.000Z',
    end: '2026-11-23T22:41:00.000Z',
    duration: 2460,
    outcome: 'failure',
    exit: 1,
    argv: jenkins,
    tail: ['ERROR 1045 (28000): Access denied for user'],
  });
  const pg = run({
    job: 'copy_data_to_staging',
    part: 'postgresql-backend',
    runId: '20261123T225800Z-222222',
    start: '2026-11-23T22:58:00.000Z',
    end: '2026-11-23T23:10:00.000Z',
    duration: 720,
    outcome: 'success',
    exit: 0,
    argv: jenkins,
  });
  writeState(state, 'copy_data_to_staging', {
    last: pg,
    lastSuccess: pg,
    failures: 0,
    extraHistory: [mysql],
    parts: { 'mysql-normal': mysql, 'postgresql-backend': pg },
  });
  // data_sync_complete: followed the copy 30 minutes later.
  const dsc = run({
    job: 'data_sync_complete',
    runId: '20261123T234000Z-333333',
    start: '2026-11-23T23:35:00.000Z',
    end: '2026-11-23T23:40:00.000Z',
    duration: 300,
    outcome: 'success',
    exit: 0,
    argv: ['/usr/local/bin/data_sync_complete.sh'],
  });
  writeState(state, 'data_sync_complete', { last: dsc, lastSuccess: dsc });
  // copy_waiting: a copy that succeeded 40 minutes ago, with nothing after it.
  const cw = run({
    job: 'copy_waiting',
    runId: '20261124T050000Z-444444',
    start: '2026-11-24T05:00:00.000Z',
    end: '2026-11-24T05:20:00.000Z',
    duration: 1200,
    outcome: 'success',
    exit: 0,
    argv: jenkins,
  });
  writeState(state, 'copy_waiting', { last: cw, lastSuccess: cw });

  // Markers the checks must refuse.
  mkdirSync(join(state, 'corrupt'));
  writeFileSync(join(state, 'corrupt', 'state.json'), '{"schema": 1, "job": ');
  mkdirSync(join(state, 'future'));
  writeFileSync(join(state, 'future', 'state.json'), '{"schema": 7, "job": "future"}\n');

  // syslog: Debian 12's RFC 3339 stamps. push_failed's run, among other lines.
  const live = [
    ['2026-11-24T00:17:00.000Z', 'db-admin-1 CRON[2001]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)'],
    [
      '2026-11-24T00:18:00.100Z',
      'db-admin-1 env-sync-run[4100]: event=start job=push_failed run=20261124T001800Z-cccccc pid=4101 argv="/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/push_failed.cfg"',
    ],
    ['2026-11-24T00:18:00.200Z', 'db-admin-1 govuk_env_sync.sh: Starting "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/push_failed.cfg"'],
    ['2026-11-24T00:18:02.000Z', 'db-admin-1 env-sync/push_failed[4100]: Downloading dump from s3://govuk-env-sync/push_failed/latest.dump'],
    ['2026-11-24T00:30:00.000Z', 'db-admin-1 sshd[3001]: Accepted publickey for deploy from 10.1.2.3 port 40000 ssh2'],
    ['2026-11-24T00:40:56.000Z', 'db-admin-1 env-sync/push_failed[4100]: pg_restore: error: could not execute query: ERROR:  relation "events" does not exist'],
    [
      '2026-11-24T00:40:56.500Z',
      'db-admin-1 govuk_env_sync.sh: Error running "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/push_failed.cfg" in function restore_postgresql on line 212 executing "pg_restore -d push_failed"',
    ],
    [
      '2026-11-24T00:41:00.000Z',
      'db-admin-1 env-sync-run[4100]: event=finish job=push_failed run=20261124T001800Z-cccccc outcome=failure exit=1 duration=1380s',
    ],
    [
      '2026-11-24T02:00:00.000Z',
      'db-admin-1 env-sync-run[4200]: event=start job=pull_dead run=20261124T020000Z-eeeeee pid=4201 argv="/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_dead.cfg"',
    ],
    ['2026-11-24T02:10:00.000Z', 'db-admin-1 env-sync/pull_dead[4200]: Killed'],
    ['2026-11-24T05:59:00.000Z', 'db-admin-1 systemd[1]: Started Session 4242 of user deploy.'],
  ];
  writeFileSync(syslog, live.map(([t, rest]) => `${rfc(t!)} ${rest}`).join('\n') + '\n');
  // syslog.1: an administrator's traditional format. Unwrapped jobs: one failed, one succeeded.
  const old = [
    'Nov 23 00:05:00 db-admin-1 govuk_env_sync.sh: Starting "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_unwrapped.cfg"',
    'Nov 23 00:15:00 db-admin-1 govuk_env_sync.sh: Completed "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_unwrapped.cfg"',
    'Nov 23 22:05:00 db-admin-1 govuk_env_sync.sh: Starting "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_unwrapped.cfg"',
    'Nov 23 22:06:00 db-admin-1 govuk_env_sync.sh: Download from s3://govuk-env-sync/pull_unwrapped/latest.dump...',
    'Nov 23 22:25:00 db-admin-1 govuk_env_sync.sh: Error running "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_unwrapped.cfg" in function restore_mysql on line 330 executing "mysql -h db"',
    'Nov 23 22:30:00 db-admin-1 govuk_env_sync.sh: Starting "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_unwrapped_ok.cfg"',
    'Nov 23 22:50:00 db-admin-1 govuk_env_sync.sh: Completed "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_unwrapped_ok.cfg"',
    'Nov 23 23:59:59 db-admin-1 systemd[1]: Started Daily apt upgrade and clean activities.',
  ];
  writeFileSync(`${syslog}.1`, old.join('\n') + '\n');

  writeFileSync(
    crontab,
    [
      'MAILTO=root',
      '# Puppet Name: pull_ok',
      '18 0 * * * /usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_pull_ok /usr/bin/envdir /etc/govuk_env_sync/env.d /usr/local/bin/env-sync-run -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_ok.cfg',
      '# Puppet Name: push_failed',
      '18 0 * * * /usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_push_failed /usr/bin/envdir /etc/govuk_env_sync/env.d /usr/local/bin/env-sync-run -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/push_failed.cfg',
      '# Puppet Name: pull_unwrapped',
      '5 22 * * * /usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_pull_unwrapped /usr/bin/envdir /etc/govuk_env_sync/env.d /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_unwrapped.cfg',
      '# Puppet Name: pull_unwrapped_ok',
      '30 22 * * * /usr/local/bin/with_reboot_lock /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_unwrapped_ok.cfg',
      '# Puppet Name: pull_never',
      '30 4 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_never.cfg',
      '# Puppet Name: pull_missed',
      '0 3 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_missed.cfg',
      '',
    ].join('\n'),
  );
  return { dir, state, syslog, bootIdFile, rebootLockDir, crontab, long: writeLongNames(join(dir, 'long')) };
}

/**
 * Jobs named as on the real hosts: long names that share long prefixes and differ in the middle
 * (admin/api, production/staging), the names a table 80 columns wide must cut apart on a terminal
 * and keep whole when piped. Some are not OK, so the Why: notes show.
 */
function writeLongNames(dir: string): GoldenHost['long'] {
  const state = join(dir, 'state');
  const crontab = join(dir, 'crontab');
  mkdirSync(state, { recursive: true });
  const day = (d: number, hm: string, job: string, outcome: string, minutes: number, extra: Partial<RunSpec> = {}) => {
    const start = new Date(`2026-11-${d}T${hm}:00.000Z`);
    return run({
      job,
      runId: `202611${d}T${hm.replace(':', '')}00Z-${job.length.toString(16).padStart(2, '0')}${String(d).padStart(4, '0')}`,
      start: start.toISOString(),
      end: new Date(start.getTime() + minutes * 60_000).toISOString(),
      duration: minutes * 60,
      outcome,
      exit: outcome === 'success' ? 0 : outcome === 'timeout' ? 124 : 1,
      ...extra,
    });
  };
  /** Three nights of a job: the last two outcomes given, a success before them. */
  const nights = (job: string, hm: string, prev: string, last: string, minutes: number, extra: Partial<RunSpec> = {}) => {
    const runs = [
      day(21, hm, job, 'success', minutes),
      day(22, hm, job, 'success', minutes + 2),
      day(23, hm, job, prev, minutes + 1),
      day(24, hm, job, last, minutes + 3, extra),
    ];
    const lastSuccess = [...runs].reverse().find((r) => r.outcome === 'success') ?? null;
    let failures = 0;
    for (const r of [...runs].reverse()) {
      if (r.outcome === 'success') break;
      failures++;
    }
    writeState(state, job, { last: runs[3]!, lastSuccess, failures, extraHistory: runs.slice(0, 3) });
  };
  // name, the time cron starts it, its outcome the night before and last night, minutes it ran.
  const table: Array<[string, string, string, string, number, Partial<RunSpec>?]> = [
    [
      'pull_content_data_admin_production_daily',
      '00:18',
      'success',
      'failure',
      23,
      { tail: ['pg_restore: error: could not execute query: ERROR: relation "facts_metrics" does not exist'] },
    ],
    ['pull_content_data_admin_staging_daily', '01:18', 'success', 'success', 21],
    ['pull_content_data_api_production_daily', '00:48', 'success', 'success', 35],
    ['pull_content_data_api_staging_daily', '01:48', 'failure', 'timeout', 61],
    ['push_content_data_admin_production_daily', '03:05', 'success', 'success', 12],
    ['pull_draft_content_store_production_daily', '02:30', 'success', 'success', 8],
    ['pull_content_store_production_daily', '02:00', 'success', 'success', 9],
  ];
  for (const [job, hm, prev, last, minutes, extra] of table) nights(job, hm, prev, last, minutes, extra);
  const line = ([job, hm]: (typeof table)[number]) =>
    `${Number(hm.slice(3))} ${Number(hm.slice(0, 2))} * * * /usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_${job} /usr/bin/envdir /etc/govuk_env_sync/env.d /usr/local/bin/env-sync-run -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${job}.cfg`;
  // One more, in the crontab only: wrapped, and never run yet.
  const never = 'pull_publishing_api_production_daily';
  writeFileSync(
    crontab,
    [
      'MAILTO=root',
      ...table.flatMap((t) => [`# Puppet Name: ${t[0]}`, line(t)]),
      `# Puppet Name: ${never}`,
      `30 4 * * * /usr/local/bin/env-sync-run -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${never}.cfg`,
      '',
    ].join('\n'),
  );
  return { state, crontab, jobs: [...table.map((t) => t[0]), never] };
}
