// The files as Prometheus gets them: real env-sync-run runs writing their own textfiles
// (--textfile-dir, under cron's strictest umask), a real `env-sync metrics --textfile-dir` writing the
// verdicts, and a real node_exporter serving them on 127.0.0.1 as its own user.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJobState, readRunningMarkers } from '../../src/markers/read.js';
import type { RunningMarker } from '../../src/markers/types.js';
import { ALL_DEFS } from '../../src/metrics/definitions.js';
import { renderFamilies, type MetricDef } from '../../src/metrics/exposition.js';
import { runFactsTextfile, VERDICT_TEXTFILE, writeTextfileAtomic } from '../../src/metrics/textfile.js';
import { freePort } from '../support/icinga2.js';
import { plugin, run, waitUntil } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';
import { checkMetrics, parseExposition, seriesKey, seriesMap, startNodeExporter, type RunningNodeExporter } from './prometheusTools.js';
import { DEFAULT_USER, withoutUser } from '../support/withoutUser.js';

const WRAPPER = plugin('env-sync-run');
const JOBS = ['pull_ok', 'push_bad', 'copy_data', 'pull_long'];
const PULL_OK_SCHEDULE = '18 0 * * *';

describe('metrics: a real node_exporter serves the files', function () {
  this.timeout(90_000);
  let cleanup: () => void;
  let state: string;
  let textDir: string;
  let syslog: string;
  let crontab: string;
  let exporter: RunningNodeExporter | undefined;
  let long: ChildProcess | undefined;
  let longMarker: RunningMarker;
  let written: Map<string, number>;

  // As cron runs it, with a umask that would keep node_exporter's user out of a file made with the default mode.
  const wrapArgs = (args: string[]) => ['-c', 'umask 077; exec "$@"', 'sh', WRAPPER, '--no-syslog', '--state-dir', state, '--textfile-dir', textDir, ...args];
  const wrap = (args: string[]) => run('sh', wrapArgs(args));

  before(async () => {
    let dir: string;
    ({ dir, cleanup } = makeTempDir('env-sync-node-exporter-'));
    state = join(dir, 'state');
    textDir = join(dir, 'textfile');
    syslog = join(dir, 'syslog');
    crontab = join(dir, 'crontab');
    mkdirSync(state, { mode: 0o755 });
    mkdirSync(textDir, { mode: 0o755 });
    writeFileSync(syslog, '');
    writeFileSync(crontab, `# Puppet Name: pull_ok\n${PULL_OK_SCHEDULE} /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_ok.cfg\n`);

    expect((await wrap(['--job', 'pull_ok', '--', 'true'])).code).to.equal(0);
    expect((await wrap(['--job', 'push_bad', '--', 'sh', '-c', 'echo "pg_restore: error" >&2; exit 3'])).code).to.equal(3);
    expect((await wrap(['--job', 'copy_data', '--part', 'assets', '--', 'true'])).code).to.equal(0);
    expect((await wrap(['--job', 'copy_data', '--part', 'mysql-normal', '--', 'sh', '-c', 'exit 1'])).code).to.equal(1);
    long = spawn('sh', wrapArgs(['--job', 'pull_long', '--', 'sleep', '300']), { stdio: 'ignore' });
    await waitUntil('the running marker of pull_long', () => readRunningMarkers(state, 'pull_long', null).length === 1, 20_000);
    longMarker = readRunningMarkers(state, 'pull_long', null)[0]!;
    // A second start while it runs is refused and recorded as skipped (--overlap skip).
    expect((await wrap(['--job', 'pull_long', '--', 'sleep', '300'])).code).to.equal(75);

    // The runs are root's, as on a host without env-sync's default --user.
    const metrics = await run(
      ...withoutUser(DEFAULT_USER, 'sh', [
        '-c',
        'umask 077; exec "$@"',
        'sh',
        plugin('env-sync'),
        'metrics',
        '--state-dir',
        state,
        '--syslog',
        syslog,
        '--crontab',
        crontab,
        '--textfile-dir',
        textDir,
      ]),
    );
    expect({ code: metrics.code, stdout: metrics.stdout, stderr: metrics.stderr }).to.deep.equal({ code: 0, stdout: '', stderr: '' });

    expect(readdirSync(textDir).sort()).to.deep.equal([...JOBS.map(runFactsTextfile), VERDICT_TEXTFILE].sort());
    written = new Map();
    for (const f of readdirSync(textDir)) for (const [k, v] of seriesMap(readFileSync(join(textDir, f), 'utf8'))) written.set(k, v);
    exporter = await startNodeExporter(textDir, await freePort());
  });

  after(async () => {
    if (long?.pid !== undefined && long.exitCode === null) {
      const exited = new Promise((r) => long!.once('exit', r));
      process.kill(long.pid, 'SIGTERM');
      await exited;
    }
    await exporter?.stop();
    cleanup?.();
  });

  const served = async () => seriesMap(await exporter!.metrics());
  const key = (name: string, labels: Record<string, string>) => seriesKey(name, labels);

  // A duplicated series or a HELP that differs between files is dropped without a scrape error;
  // node_exporter 1.5 counts it in promhttp_metric_handler_errors_total{cause="gathering"}, which a
  // scrape shows as it was before that scrape's own errors: so it is read from a second scrape.
  const gatheringErrorsAfterAScrape = async () => {
    await exporter!.metrics();
    return (await served()).get(key('promhttp_metric_handler_errors_total', { cause: 'gathering' }));
  };

  it('serves every series of every file with its value, with no scrape error and no gathering error', async () => {
    const m = await served();
    expect(m.get(key('node_textfile_scrape_error', {}))).to.equal(0);
    expect(await gatheringErrorsAfterAScrape(), exporter!.log()).to.equal(0);
    const missing = [...written].filter(([k, v]) => m.get(k) !== v);
    expect(missing).to.deep.equal([]);
    expect(written.size).to.be.greaterThan(60);
  });

  it('the values are the runs that happened: success, failure with its exit code, a failed part, a run in progress', async () => {
    const m = await served();
    const ok = readJobState(state, 'pull_ok', null)!;
    expect(m.get(key('env_sync_last_run_success', { job_name: 'pull_ok' }))).to.equal(1);
    expect(m.get(key('env_sync_last_run_exit_code', { job_name: 'pull_ok' }))).to.equal(0);
    expect(m.get(key('env_sync_last_success_timestamp_seconds', { job_name: 'pull_ok' }))).to.equal(Date.parse(ok.lastSuccess!.end!) / 1000);
    expect(m.get(key('env_sync_last_run_start_timestamp_seconds', { job_name: 'pull_ok' }))).to.equal(Date.parse(ok.last!.start) / 1000);
    expect(m.get(key('env_sync_last_run_duration_seconds', { job_name: 'pull_ok' }))).to.equal(ok.last!.durationSeconds);
    expect(m.get(key('env_sync_running', { job_name: 'pull_ok' }))).to.equal(0);

    expect(m.get(key('env_sync_last_run_success', { job_name: 'push_bad' }))).to.equal(0);
    expect(m.get(key('env_sync_last_run_exit_code', { job_name: 'push_bad' }))).to.equal(3);
    expect(m.get(key('env_sync_last_run_outcome', { job_name: 'push_bad', outcome: 'failure' }))).to.equal(1);
    expect(m.get(key('env_sync_consecutive_failures', { job_name: 'push_bad' }))).to.equal(1);
    expect(m.has(key('env_sync_last_success_timestamp_seconds', { job_name: 'push_bad' }))).to.equal(false);

    expect(m.get(key('env_sync_last_run_success', { job_name: 'copy_data', part: 'assets' }))).to.equal(1);
    expect(m.get(key('env_sync_last_run_success', { job_name: 'copy_data', part: 'mysql-normal' }))).to.equal(0);
    expect(m.get(key('env_sync_last_run_exit_code', { job_name: 'copy_data', part: 'mysql-normal' }))).to.equal(1);

    expect(m.get(key('env_sync_running', { job_name: 'pull_long' }))).to.equal(1);
    expect(m.get(key('env_sync_running_since_timestamp_seconds', { job_name: 'pull_long' }))).to.equal(Date.parse(longMarker.start) / 1000);
    const skipped = readJobState(state, 'pull_long', null)!.lastSkipped!;
    expect(m.get(key('env_sync_last_skipped_timestamp_seconds', { job_name: 'pull_long' }))).to.equal(Date.parse(skipped.start) / 1000);
    expect(m.get(key('env_sync_last_start_attempt_timestamp_seconds', { job_name: 'pull_long' }))).to.equal(Date.parse(skipped.start) / 1000);
    expect(m.has(key('env_sync_last_run_start_timestamp_seconds', { job_name: 'pull_long' }))).to.equal(false);

    // env-sync metrics' verdicts, check_env_sync's states: OK, CRITICAL for the failure and for the
    // failed part, WARNING for the start skipped while a run was alive.
    const verdict = (job: string) => m.get(key('env_sync_verdict_state', { job_name: job }));
    expect(JOBS.map(verdict)).to.deep.equal([0, 2, 2, 1]);
    const checks = [];
    for (const job of JOBS) checks.push((await run(plugin('check_env_sync'), ['-j', job, '--state-dir', state, '--syslog', syslog])).code);
    expect(checks).to.deep.equal(JOBS.map(verdict));
    expect(m.get(key('env_sync_verdict_wrapper_alive', { job_name: 'pull_long' }))).to.equal(1);
    expect(m.has(key('env_sync_verdict_wrapper_alive', { job_name: 'pull_ok' }))).to.equal(false);
    const generated = m.get(key('env_sync_verdict_generated_timestamp_seconds', {}))!;
    const next = m.get(key('env_sync_verdict_next_run_timestamp_seconds', { job_name: 'pull_ok' }))!;
    expect(next).to.be.above(generated);
    expect(next - generated).to.be.at.most(25 * 3600);
    expect(m.get(key('env_sync_verdict_schedule_grace_seconds', { job_name: 'pull_ok' }))).to.equal(3600);
    expect(m.has(key('env_sync_verdict_next_run_timestamp_seconds', { job_name: 'push_bad' }))).to.equal(false);
  });

  it('promtool check metrics passes on every file the wrapper and env-sync metrics wrote', async () => {
    for (const f of readdirSync(textDir)) {
      const r = await checkMetrics(readFileSync(join(textDir, f), 'utf8'));
      expect({ file: f, code: r.code, out: r.stdout + r.stderr }).to.deep.equal({ file: f, code: 0, out: '' });
    }
  });

  it('serves the HELP and TYPE of the one table for each of our families', async () => {
    const text = await exporter!.metrics();
    const ours = ALL_DEFS.filter((d) => text.includes(`\n${d.name}`));
    expect(ours.map((d) => d.name)).to.deep.equal(ALL_DEFS.map((d) => d.name));
    for (const d of ours) {
      expect(text, d.name).to.contain(`# HELP ${d.name} ${d.help}\n# TYPE ${d.name} ${d.type}\n`);
    }
  });

  it('label values with a quote, a backslash and a line feed come back from node_exporter as they were written', async () => {
    const def: MetricDef = { name: 'env_sync_test_escaping', type: 'gauge', help: 'Escaping test.', labels: ['job_name'], required: ['job_name'] };
    const hostile = 'a"b\\c\nd \\n';
    writeTextfileAtomic(textDir, 'env_sync_test_escaping.prom', renderFamilies([def], [{ def, labels: { job_name: hostile }, value: 7 }]));
    try {
      const samples = parseExposition(await exporter!.metrics()).filter((s) => s.name === def.name);
      expect(samples).to.deep.equal([{ name: def.name, labels: { job_name: hostile }, value: 7 }]);
    } finally {
      rmSync(join(textDir, 'env_sync_test_escaping.prom'));
    }
  });

  // Last: the gathering error counter only grows.
  it('the check above sees a duplicated series: the same job file under a second name is an error node_exporter counts', async () => {
    const copy = join(textDir, 'env_sync_copy.prom');
    writeFileSync(copy, readFileSync(join(textDir, runFactsTextfile('pull_ok'))));
    try {
      expect(await gatheringErrorsAfterAScrape()).to.be.greaterThan(0);
      expect(exporter!.log()).to.contain(
        'collected metric \\"env_sync_last_run_success\\" { label:<name:\\"job_name\\" value:\\"pull_ok\\" > gauge:<value:1 > } was collected before with the same name and label values',
      );
    } finally {
      rmSync(copy);
    }
  });
});
