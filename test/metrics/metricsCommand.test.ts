// `env-sync metrics` end to end: real wrapped runs and a crontab in, the verdict file out, each job's
// state the one check_env_sync gives with the same thresholds and schedule.
import { expect } from 'chai';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nextScheduledRun, previousScheduledRun } from '../../src/cron/schedule.js';
import { readJobState } from '../../src/markers/read.js';
import { plugin, run, waitUntil } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { checkMetrics, seriesKey, seriesMap } from './prometheusTools.js';
import { DEFAULT_USER, withoutUser } from '../support/withoutUser.js';

const ENV_SYNC = plugin('env-sync');
const SCHEDULES: Record<string, string> = { pull_ok: '18 0 * * *', push_bad: '30 1 * * *', pull_new: '5 5 * * *' };

describe('metrics: env-sync metrics', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  let state: string;
  let common: string[];

  before(async () => {
    ({ dir, cleanup } = makeTempDir('env-sync-metrics-cmd-'));
    state = stateDirIn(dir);
    writeFileSync(join(dir, 'syslog'), '');
    writeFileSync(
      join(dir, 'crontab'),
      Object.entries(SCHEDULES)
        .map(([job, s]) => `# Puppet Name: ${job}\n${s} /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${job}.cfg\n`)
        .join(''),
    );
    const wrap = (job: string, code: number) =>
      run(plugin('env-sync-run'), ['--no-syslog', '--state-dir', state, '--job', job, '--', 'sh', '-c', `exit ${code}`]);
    expect((await wrap('pull_ok', 0)).code).to.equal(0);
    expect((await wrap('push_bad', 3)).code).to.equal(3);
    // --max-age 1s below: pull_ok's success is then surely older than that.
    const end = Date.parse(readJobState(state, 'pull_ok', null)!.lastSuccess!.end!);
    await waitUntil('a success over 1s old', () => Date.now() > end + 1500);
    // The runs are root's, as on a host without env-sync's default --user: metrics runs there (withoutUser).
    common = ['--state-dir', state, '--syslog', join(dir, 'syslog'), '--crontab', join(dir, 'crontab')];
  });
  after(() => cleanup?.());

  it("each job's state is check_env_sync's with the same threshold and schedule; a crontab job never run is --missing's warning", async () => {
    const r = await run(...withoutUser(DEFAULT_USER, ENV_SYNC, ['metrics', ...common, '--max-age', '1s']));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    const m = seriesMap(r.stdout);
    const states: Record<string, number | undefined> = {};
    const plugins: Record<string, number | null> = {};
    for (const [job, schedule] of Object.entries(SCHEDULES)) {
      states[job] = m.get(seriesKey('env_sync_verdict_state', { job_name: job }));
      const missing = job === 'pull_new' ? ['--missing', 'warning'] : [];
      plugins[job] = (
        await run(plugin('check_env_sync'), [
          '-j',
          job,
          '--state-dir',
          state,
          '--syslog',
          join(dir, 'syslog'),
          '--schedule',
          schedule,
          '--max-age',
          '1s',
          ...missing,
        ])
      ).code;
    }
    expect(states).to.deep.equal(plugins);
    expect(states).to.deep.equal({ pull_ok: 2, push_bad: 2, pull_new: 1 });
    // Without the threshold pull_ok is OK again: the option reaches the judge.
    const plain = seriesMap((await run(...withoutUser(DEFAULT_USER, ENV_SYNC, ['metrics', ...common]))).stdout);
    expect(plain.get(seriesKey('env_sync_verdict_state', { job_name: 'pull_ok' }))).to.equal(0);
  });

  it('the schedule from the crontab: the next run after the verdict, the due time before it, the grace', async () => {
    const r = await run(...withoutUser(DEFAULT_USER, ENV_SYNC, ['metrics', ...common, '--grace', '90m']));
    const m = seriesMap(r.stdout);
    const generated = new Date(m.get(seriesKey('env_sync_verdict_generated_timestamp_seconds', {}))! * 1000);
    const next = await nextScheduledRun(SCHEDULES.pull_ok!, generated);
    expect(m.get(seriesKey('env_sync_verdict_next_run_timestamp_seconds', { job_name: 'pull_ok' }))).to.equal(next!.getTime() / 1000);
    const previous = await previousScheduledRun(SCHEDULES.pull_ok!, generated);
    expect(m.get(seriesKey('env_sync_verdict_previous_run_timestamp_seconds', { job_name: 'pull_ok' }))).to.equal(previous.getTime() / 1000);
    expect(m.get(seriesKey('env_sync_verdict_schedule_grace_seconds', { job_name: 'pull_ok' }))).to.equal(5400);
    expect(m.has(seriesKey('env_sync_verdict_wrapper_alive', { job_name: 'pull_ok' }))).to.equal(false);
  });

  it('what it prints passes promtool check metrics', async () => {
    const r = await run(...withoutUser(DEFAULT_USER, ENV_SYNC, ['metrics', ...common]));
    const lint = await checkMetrics(r.stdout);
    expect({ code: lint.code, out: lint.stdout + lint.stderr }).to.deep.equal({ code: 0, out: '' });
  });

  it('--textfile-dir (or ENV_SYNC_TEXTFILE_DIR): writes env_sync_verdicts.prom there, 0644 under umask 077, and prints nothing', async () => {
    const textDir = join(dir, 'textfile');
    mkdirSync(textDir, { mode: 0o755 });
    const r = await run('sh', ['-c', 'umask 077; exec "$@"', 'sh', ENV_SYNC, 'metrics', ...common, '--textfile-dir', textDir]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).to.deep.equal({ code: 0, stdout: '', stderr: '' });
    expect(readdirSync(textDir)).to.deep.equal(['env_sync_verdicts.prom']);
    const path = join(textDir, 'env_sync_verdicts.prom');
    expect(statSync(path).mode & 0o777).to.equal(0o644);
    expect(seriesMap(readFileSync(path, 'utf8')).get(seriesKey('env_sync_verdict_state', { job_name: 'push_bad' }))).to.equal(2);
    writeFileSync(path, '');
    const fromEnv = await run(...withoutUser(DEFAULT_USER, ENV_SYNC, ['metrics', ...common]), { env: { ...process.env, ENV_SYNC_TEXTFILE_DIR: textDir } });
    expect(fromEnv.code).to.equal(0);
    expect(readFileSync(path, 'utf8')).to.contain('env_sync_verdict_state{job_name="push_bad"} 2');
  });

  it('a directory it cannot write into: exit 2, naming the directory and the fix', async () => {
    const missing = join(dir, 'nope');
    const r = await run(...withoutUser(DEFAULT_USER, ENV_SYNC, ['metrics', ...common, '--textfile-dir', missing]));
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).to.deep.equal({
      code: 2,
      stdout: '',
      stderr: `env-sync: textfile directory ${missing} does not exist; create it (install -d -m 0755 ${missing}) or correct --textfile-dir\n`,
    });
  });
});
