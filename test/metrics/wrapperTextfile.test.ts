// env-sync-run --textfile-dir on real files: the job's textfile at the start and at the end of a run,
// what it holds against the markers, and that a file it cannot write never changes the sync's exit.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTicks } from '../../src/common/host.js';
import { runningPath } from '../../src/markers/paths.js';
import { readJobState, readRunningMarkers } from '../../src/markers/read.js';
import { recordRun, writeRunning, type StoreContext } from '../../src/markers/store.js';
import { emptyJobState } from '../../src/markers/types.js';
import { runFactsText } from '../../src/metrics/runFacts.js';
import type { RunReporter } from '../../src/wrapper/report.js';
import { jobTextfile } from '../../src/wrapper/textfile.js';
import { plugin, run, waitUntil } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { asUser, ensureUser, JOB_USER } from '../support/users.js';
import { NODE_EXPORTER_USER, seriesKey, seriesMap } from './prometheusTools.js';
import { makeRun, runningMarker } from '../support/runs.js';

const WRAPPER = plugin('env-sync-run');

describe("metrics: env-sync-run --textfile-dir writes the job's textfile", function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  let state: string;
  let textDir: string;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir('env-sync-wrapper-textfile-'));
    state = stateDirIn(dir);
    textDir = join(dir, 'textfile');
    mkdirSync(textDir, { mode: 0o755 });
  });
  afterEach(() => cleanup());

  const wrap = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    run(WRAPPER, ['--no-syslog', '--state-dir', state, ...args], { env: { ...process.env, ...env } });
  const file = (job: string) => join(textDir, `env_sync_${job}.prom`);
  const value = (job: string, name: string, labels: Record<string, string> = {}) =>
    seriesMap(readFileSync(file(job), 'utf8')).get(seriesKey(name, { job_name: job, ...labels }));

  it('at the start: the run in progress and since when; at the end: the run, exactly as the markers say, mode 0644 under umask 077', async () => {
    const go = join(dir, 'go');
    // umask 077 as a strict cron may have: node_exporter's user must still read the file.
    const child = spawn(
      'sh',
      [
        '-c',
        'umask 077; exec "$@"',
        'sh',
        WRAPPER,
        '--no-syslog',
        '--state-dir',
        state,
        '--textfile-dir',
        textDir,
        '--job',
        'pull_x',
        '--',
        'sh',
        '-c',
        `while [ ! -e ${go} ]; do sleep 0.05; done`,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      await waitUntil('the textfile of the run in progress', () => existsSync(file('pull_x')) && value('pull_x', 'env_sync_running') === 1, 20_000);
      const marker = readRunningMarkers(state, 'pull_x', null)[0]!;
      expect(value('pull_x', 'env_sync_running_since_timestamp_seconds')).to.equal(Date.parse(marker.start) / 1000);
      expect(value('pull_x', 'env_sync_last_run_success')).to.equal(undefined);
      expect(statSync(file('pull_x')).mode & 0o777).to.equal(0o644);
    } finally {
      writeFileSync(go, '');
    }
    expect(await exited).to.equal(0);
    const text = readFileSync(file('pull_x'), 'utf8');
    expect(text).to.equal(runFactsText(readJobState(state, 'pull_x', null)!, []));
    expect(value('pull_x', 'env_sync_last_run_success')).to.equal(1);
    expect(value('pull_x', 'env_sync_running')).to.equal(0);
    expect(statSync(file('pull_x')).mode & 0o777).to.equal(0o644);
    expect(readdirSync(textDir)).to.deep.equal(['env_sync_pull_x.prom']);
  });

  it('a failure, then a start refused while a run is alive: the exit code, the streak, the skipped start', async () => {
    expect((await wrap(['--textfile-dir', textDir, '--job', 'push_y', '--', 'sh', '-c', 'exit 3'])).code).to.equal(3);
    expect(value('push_y', 'env_sync_last_run_exit_code')).to.equal(3);
    expect(value('push_y', 'env_sync_consecutive_failures')).to.equal(1);
    const go = join(dir, 'go');
    const long = spawn(
      WRAPPER,
      ['--no-syslog', '--state-dir', state, '--textfile-dir', textDir, '--job', 'push_y', '--', 'sh', '-c', `while [ ! -e ${go} ]; do sleep 0.05; done`],
      { stdio: 'ignore' },
    );
    const exited = new Promise((r) => long.once('exit', r));
    try {
      await waitUntil('the running marker', () => readRunningMarkers(state, 'push_y', null).length === 1, 20_000);
      expect((await wrap(['--textfile-dir', textDir, '--job', 'push_y', '--', 'true'])).code).to.equal(75);
      const skipped = readJobState(state, 'push_y', null)!.lastSkipped!;
      expect(value('push_y', 'env_sync_last_skipped_timestamp_seconds')).to.equal(Date.parse(skipped.start) / 1000);
      expect(value('push_y', 'env_sync_running')).to.equal(1);
      expect(value('push_y', 'env_sync_last_run_exit_code')).to.equal(3);
    } finally {
      writeFileSync(go, '');
      await exited;
    }
    expect(value('push_y', 'env_sync_running')).to.equal(0);
    expect(value('push_y', 'env_sync_consecutive_failures')).to.equal(0);
  });

  it('takes the directory from ENV_SYNC_TEXTFILE_DIR (an envdir file changes no cron line)', async () => {
    expect((await wrap(['--job', 'pull_env', '--', 'true'], { ENV_SYNC_TEXTFILE_DIR: textDir })).code).to.equal(0);
    expect(value('pull_env', 'env_sync_last_run_success')).to.equal(1);
  });

  it('without it writes nothing', async () => {
    expect((await wrap(['--job', 'pull_x', '--', 'true'], { ENV_SYNC_TEXTFILE_DIR: '' })).code).to.equal(0);
    expect(readdirSync(textDir)).to.deep.equal([]);
  });

  it('a directory it cannot write: the sync runs and keeps its exit status, its markers are written, one warning names the directory and the fix', async () => {
    const missing = join(dir, 'no-such-dir');
    for (const [cmd, code] of [
      ['exit 0', 0],
      ['exit 3', 3],
    ] as const) {
      const r = await wrap(['--textfile-dir', missing, '--job', 'pull_x', '--', 'sh', '-c', `echo through; ${cmd}`]);
      expect(r.code).to.equal(code);
      expect(r.stdout).to.equal('through\n');
      const warnings = r.stderr.split('\n').filter((l) => l.includes('WARNING'));
      expect(warnings).to.deep.equal([
        `env-sync-run: WARNING: metrics textfile not written: textfile directory ${missing} does not exist; create it (install -d -m 0755 ${missing}) or correct --textfile-dir; the sync goes on, Prometheus does not see this run`,
      ]);
      expect(readJobState(state, 'pull_x', null)!.last!.exitCode).to.equal(code);
    }
    expect(existsSync(missing)).to.equal(false);
  });

  it("the job called verdicts: runs, with a warning, and never replaces env-sync metrics' file", async () => {
    writeFileSync(join(textDir, 'env_sync_verdicts.prom'), 'kept\n');
    const r = await wrap(['--textfile-dir', textDir, '--job', 'verdicts', '--', 'true']);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.contain(
      'WARNING: metrics textfile not written: job verdicts has no textfile: env_sync_verdicts.prom is the file of env-sync metrics; run the job under another name (--job)',
    );
    expect(readFileSync(join(textDir, 'env_sync_verdicts.prom'), 'utf8')).to.equal('kept\n');
  });

  it("the set-up docs/prometheus.md gives: node_exporter's directory root's, group the jobs' user, 0775; the wrapper as that user writes there and node_exporter's user reads it", async () => {
    const user = ensureUser(JOB_USER);
    try {
      chownSync(state, user.uid, user.gid);
      chownSync(textDir, 0, user.gid);
      chmodSync(textDir, 0o775);
      const [cmd, args] = asUser(JOB_USER, WRAPPER, ['--no-syslog', '--state-dir', state, '--textfile-dir', textDir, '--job', 'pull_x', '--', 'true']);
      const r = await run(cmd, args);
      expect({ code: r.code, stderr: r.stderr }).to.deep.equal({ code: 0, stderr: '' });
      expect(statSync(file('pull_x')).uid).to.equal(user.uid);
      const [catCmd, catArgs] = asUser(NODE_EXPORTER_USER, 'cat', [file('pull_x')]);
      const read = await run(catCmd, catArgs);
      expect(read.code, read.stderr).to.equal(0);
      expect(read.stdout).to.contain('env_sync_last_run_success{job_name="pull_x"} 1');
      // Without the group's write permission: a warning that says so, and the sync's own status.
      chmodSync(textDir, 0o755);
      const [cmd2, args2] = asUser(JOB_USER, WRAPPER, [
        '--no-syslog',
        '--state-dir',
        state,
        '--textfile-dir',
        textDir,
        '--job',
        'pull_x',
        '--',
        'sh',
        '-c',
        'exit 5',
      ]);
      const denied = await run(cmd2, args2);
      expect(denied.code).to.equal(5);
      expect(denied.stderr).to.equal(
        `env-sync-run: WARNING: metrics textfile not written: cannot write into textfile directory ${textDir} (EACCES); make it writable by this user or correct --textfile-dir; the sync goes on, Prometheus does not see this run\n`,
      );
    } finally {
      user.remove();
    }
  });

  it('an empty --textfile-dir is a usage error naming the option', async () => {
    const r = await wrap(['--textfile-dir', '', '--job', 'pull_x', '--', 'true']);
    expect(r.code).to.equal(125);
    expect(r.stderr).to.contain('--textfile-dir: give the directory node_exporter reads (--collector.textfile.directory)');
  });
});

describe("metrics: the wrapper's textfile from what the run holds", () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir('env-sync-held-textfile-')));
  afterEach(() => cleanup());

  const warnings: string[] = [];
  const reporter = { warn: (m: string) => warnings.push(m) } as unknown as RunReporter;
  const BOOT = 'boot-now';

  it("this run's marker and recorded state are not read back; other runs in progress are read, one whose wrapper is gone is left out", async () => {
    const state = stateDirIn(dir);
    const textDir = join(dir, 'textfile');
    mkdirSync(textDir);
    const ctx: StoreContext = {
      stateDir: state,
      job: 'pull_x',
      bootId: BOOT,
      holder: { runId: 'holder', pid: process.pid, startTicks: null, bootId: BOOT, host: 'db1', start: new Date().toISOString() },
    };
    const me = { pid: process.pid, ticks: processStartTicks(process.pid) };
    // Another part's run, alive (its wrapper is this test process), and one whose wrapper is gone.
    const other = runningMarker('pull_x', { part: 'b', wrapperPid: me.pid, wrapperStartTicks: me.ticks, bootId: BOOT, start: '2026-11-24T00:10:00.000Z' });
    const gone = runningMarker('pull_x', {
      part: 'c',
      wrapperPid: me.pid,
      wrapperStartTicks: null,
      bootId: 'an-earlier-boot',
      start: '2026-11-24T00:05:00.000Z',
    });
    const { schema: _o, ...otherRun } = other;
    const { schema: _g, ...goneRun } = gone;
    writeRunning(ctx, otherRun);
    writeRunning(ctx, goneRun);
    // This run's marker on disk says something else: the writer must take the run it is handed.
    const own = { ...runningMarker('pull_x', { part: 'a', wrapperPid: me.pid, wrapperStartTicks: me.ticks, bootId: BOOT, start: '2026-11-24T00:18:00.000Z' }) };
    const { schema: _s, ...ownRun } = own;
    writeRunning(ctx, { ...ownRun, start: '2026-11-23T00:00:00.000Z', part: 'z' });
    const write = jobTextfile({ textfileDir: textDir, stateDir: state, job: 'pull_x' }, BOOT);
    await write(reporter, { running: ownRun });
    const file = join(textDir, 'env_sync_pull_x.prom');
    expect(readFileSync(file, 'utf8')).to.equal(runFactsText(emptyJobState('pull_x'), [other, own]));
    const start = seriesMap(readFileSync(file, 'utf8'));
    expect(start.get(seriesKey('env_sync_running', { job_name: 'pull_x' }))).to.equal(2);
    expect(start.get(seriesKey('env_sync_running', { job_name: 'pull_x', part: 'a' }))).to.equal(1);
    expect(start.get(seriesKey('env_sync_running', { job_name: 'pull_x', part: 'z' }))).to.equal(undefined);
    expect(start.get(seriesKey('env_sync_running_since_timestamp_seconds', { job_name: 'pull_x' }))).to.equal(Date.parse(other.start) / 1000);

    // At the end: the state handed over, not state.json (which a later run may already have changed).
    const saved = recordRun(ctx, makeRun('pull_x', { runId: own.runId, part: 'a', exitCode: 3, outcome: 'failure' }));
    expect(existsSync(runningPath(state, 'pull_x', own.runId))).to.equal(false);
    const handed = { ...saved, consecutiveFailures: 7 };
    await write(reporter, { state: handed });
    expect(readFileSync(file, 'utf8')).to.equal(runFactsText(handed, [other]));
    expect(warnings).to.deep.equal([]);
  });
});
