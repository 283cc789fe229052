// The same job judged by every view must reach the same state: one option table gives them one
// --grace default (1h), where env-sync once had 2h; one pipeline gives them one judgement. End to
// end here, the built executables on a real state directory; test/check/sixViews.test.ts holds the
// views to it over generated histories, in process.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTicks } from '../../src/common/host.js';
import { ensureJobDir, recordRun } from '../../src/markers/store.js';
import type { Run } from '../../src/markers/types.js';
import { postingOptions, startFakeIcingaApi } from '../support/fakeIcingaApi.js';
import { frozenClock } from '../support/faketime.js';
import { makeTestPki } from '../support/tls.js';
import { plugin, run } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { DEFAULT_USER, withoutUser } from '../support/withoutUser.js';

const NOW = new Date('2026-11-24T06:00:00Z');

function succeededAt(job: string, start: string, end: string): Run {
  return {
    runId: `run-${start}`,
    job,
    part: null,
    host: 'db-admin-1',
    user: 'govuk-backup',
    wrapperPid: 4100,
    wrapperStartTicks: null,
    childPid: 4101,
    bootId: null,
    argv: ['/usr/local/bin/govuk_env_sync.sh', '-f', `/etc/govuk_env_sync/${job}.cfg`],
    cwd: '/',
    cronCommand: null,
    cronCwd: null,
    start,
    end,
    durationSeconds: (Date.parse(end) - Date.parse(start)) / 1000,
    outcome: 'success',
    exitCode: 0,
    signal: null,
    timeoutSeconds: null,
    message: null,
    output: { lines: 0, bytes: 0, tail: [] },
  };
}

describe('one job, three views, one state', function () {
  this.timeout(30_000);
  const cases: Array<[string, string, number]> = [
    // Due at 04:30, nothing started: 90 minutes late is past the 1h grace.
    ['90 minutes late', '30 4 * * *', 2],
    // Due at 05:30, nothing started yet: 30 minutes late is within the grace.
    ['30 minutes late', '30 5 * * *', 0],
  ];
  for (const [what, schedule, state] of cases) {
    it(`a run ${what} is ${['OK', 'WARNING', 'CRITICAL'][state]} in check_env_sync, check_env_sync_all and env-sync status`, async () => {
      const { dir, cleanup } = makeTempDir();
      try {
        const stateDir = stateDirIn(dir);
        const job = 'pull_late';
        ensureJobDir(stateDir, job);
        const holder = { runId: 't', pid: process.pid, startTicks: processStartTicks(process.pid), bootId: null, host: 'test', start: NOW.toISOString() };
        recordRun({ stateDir, job, bootId: null, holder }, succeededAt(job, '2026-11-23T04:30:00.000Z', '2026-11-23T04:50:00.000Z'));
        const crontab = join(dir, 'crontab');
        writeFileSync(crontab, `${schedule} /usr/local/bin/env-sync-run -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${job}.cfg\n`);
        const env = { ...process.env, ...frozenClock(NOW) };
        const common = ['--state-dir', stateDir, '--syslog', join(dir, 'no-syslog'), '--reboot-lock-dir', join(dir, 'no-locks')];
        const one = await run(plugin('check_env_sync'), ['--job', job, '--schedule', schedule, ...common], { env });
        // Whether this machine's cron runs is not what this test judges (test/check/schedulerFacts.test.ts is).
        const all = await run(plugin('check_env_sync_all'), ['--crontab', crontab, '--scheduler', 'none', ...common], { env });
        // The record is root's, as on a host without env-sync status's default --user (govuk-backup).
        const status = await run(
          ...withoutUser(DEFAULT_USER, plugin('env-sync'), ['status', '--json', '--crontab', crontab, '--scheduler', 'none', ...common]),
          { env },
        );
        expect(one.code, one.stdout).to.equal(state);
        expect(all.code, all.stdout).to.equal(state);
        expect((JSON.parse(status.stdout) as { jobs: Array<{ state: number }> }).jobs.map((j) => j.state)).to.deep.equal([state]);
        expect(status.code).to.equal(state);
      } finally {
        cleanup();
      }
    });
  }
});

describe('one job, six views, one answer, end to end', function () {
  this.timeout(60_000);
  it("a failed wrapped run: the passive result env-sync-run posts, check_env_sync, check_env_sync_all's line, status, show and metrics say the same", async () => {
    const { dir, cleanup } = makeTempDir();
    const pki = makeTestPki(dir, 'icinga');
    const api = await startFakeIcingaApi(pki);
    try {
      const stateDir = stateDirIn(dir);
      const job = 'pull_six_views';
      const icinga = postingOptions(api, pki, dir);
      const wrapped = await run(plugin('env-sync-run'), [
        '--no-syslog-copy',
        '--state-dir',
        stateDir,
        '--syslog-file',
        '/dev/null',
        '--job',
        job,
        ...icinga,
        '--',
        'sh',
        '-c',
        'echo "pg_restore: error: relation events does not exist"; exit 3',
      ]);
      expect(wrapped.code, wrapped.stderr).to.equal(3);
      expect(api.seen, wrapped.stderr).to.have.length(1);
      const posted = api.seen[0]!.body as { exit_status: number; plugin_output: string };
      const crontab = join(dir, 'crontab');
      writeFileSync(crontab, `18 0 * * * /usr/bin/env-sync-run --job ${job} -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${job}.cfg\n`);
      const common = ['--state-dir', stateDir, '--syslog', '/dev/null', '--missing', 'critical'];
      const one = await run(plugin('check_env_sync'), ['--job', job, ...common]);
      const all = await run(plugin('check_env_sync_all'), ['--crontab', crontab, ...common]);
      const status = await run(plugin('env-sync'), ['status', '--json', '--crontab', crontab, ...common]);
      const show = await run(plugin('env-sync'), ['show', job, '--json', '--crontab', crontab, ...common]);
      const metrics = await run(plugin('env-sync'), ['metrics', '--crontab', crontab, ...common]);
      const summary = /^ENV_SYNC CRITICAL - ([^|\n]*)/m.exec(one.stdout)?.[1];
      expect(one.code, one.stdout).to.equal(2);
      expect(summary, one.stdout).to.match(new RegExp(`^${job} failed with exit 3 at `));
      expect(posted.exit_status).to.equal(2);
      expect(posted.plugin_output.split('\n')[0]).to.equal(`ENV_SYNC CRITICAL - ${summary}`);
      expect(all.code, all.stdout).to.equal(2);
      expect(all.stdout.split('\n')).to.include(`[CRITICAL] ${summary}`);
      const row = (JSON.parse(status.stdout) as { jobs: Array<{ job: string; state: number; summary: string }> }).jobs.find((j) => j.job === job);
      expect(row, status.stdout).to.deep.include({ state: 2, summary });
      expect(status.code).to.equal(2);
      expect((JSON.parse(show.stdout) as { verdict: { state: number; summary: string } }).verdict).to.deep.include({ state: 2, summary });
      expect(metrics.code, metrics.stderr).to.equal(0);
      expect(metrics.stdout).to.match(new RegExp(`^env_sync_verdict_state\\{job_name="${job}"\\} 2$`, 'm'));
      expect(readFileSync(join(stateDir, job, 'state.json'), 'utf8')).to.include('"outcome": "failure"');
    } finally {
      await api.close();
      cleanup();
    }
  });
});
