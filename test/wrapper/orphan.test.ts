// The wrapper SIGKILLed (the OOM killer, kill -9) while its sync runs: the sync, in its own process
// group, goes on. A real wrapper, a real orphaned child held by a FIFO, real checks (one as a user
// that cannot signal root's processes, as nagios cannot).
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { groupAlive } from '../../src/common/host.js';
import { readJobState, readRunningMarkers } from '../../src/markers/read.js';
import { plugin, run, waitUntil } from '../support/proc.js';
import { tempStateEach } from '../support/tmp.js';
import { asUser, CHECKER, ensureUser } from '../support/users.js';

const WRAPPER = plugin('env-sync-run');
const CHECK = plugin('check_env_sync');

describe('a wrapper killed while its sync runs on', function () {
  this.timeout(60_000);
  const t = tempStateEach();
  let removeChecker: () => void;
  let orphan: number | null = null;
  before(() => {
    removeChecker = ensureUser(CHECKER).remove;
  });
  after(() => removeChecker());
  afterEach(() => {
    // Whatever the test's fate, the sync it left behind goes, by the group id it recorded.
    if (orphan && groupAlive(orphan, null)) process.kill(-orphan, 'SIGKILL');
    orphan = null;
  });

  const wrap = (args: string[]) => run(WRAPPER, ['--no-syslog', '--state-dir', t.state, ...args]);
  const checkArgs = (extra: string[]) => [
    '--job',
    'pull_x',
    '--state-dir',
    t.state,
    '--syslog',
    join(t.dir, 'no-syslog'),
    '--reboot-lock-dir',
    join(t.dir, 'locks'),
    ...extra,
  ];
  const check = (...extra: string[]) => run(CHECK, checkArgs(extra));

  it('is WARNING while the sync runs (CRITICAL past --max-runtime), refuses a second copy, and is CRITICAL "outcome unknown" once the sync ends; the next run records it interrupted', async () => {
    const fifo = join(t.dir, 'release');
    expect(spawnSync('mkfifo', [fifo]).status).to.equal(0);
    const wrapper = spawn(WRAPPER, ['--no-syslog', '--state-dir', t.state, '--job', 'pull_x', '--', 'sh', '-c', `read line < ${fifo}; exit 0`], {
      stdio: 'ignore',
    });
    await waitUntil('the running marker names the sync', () => readRunningMarkers(t.state, 'pull_x', null).some((m) => m.childPid));
    const marker = readRunningMarkers(t.state, 'pull_x', null)[0]!;
    orphan = marker.childPid!;
    expect(marker.childStartTicks, 'the sync is named by pid and start time').to.be.a('number');
    wrapper.kill('SIGKILL');
    await new Promise((r) => wrapper.once('exit', r));
    expect(groupAlive(orphan, marker.childStartTicks), 'the sync outlived its wrapper').to.equal(true);

    const during = await check();
    expect(during.code, during.stdout).to.equal(1);
    expect(during.stdout).to.match(
      new RegExp(
        `^ENV_SYNC WARNING - pull_x run started (yesterday )?\\d\\d:\\d\\d: its wrapper pid ${wrapper.pid} is gone but its sync pid ${orphan} is still running \\(for \\d+s\\); its end will not be recorded`,
      ),
    );
    expect(during.stdout).to.contain('running=1;');
    // As a user that cannot signal root's processes (EPERM), as nagios: the same verdict.
    const [cmd, args] = asUser(CHECKER, CHECK, checkArgs(['--user', 'root']));
    const asChecker = await run(cmd, args);
    expect(asChecker.code, asChecker.stdout).to.equal(1);
    expect(asChecker.stdout).to.contain(`its sync pid ${orphan} is still running`);
    const over = await check('--max-runtime', '0');
    expect(over.code, over.stdout).to.equal(2);
    expect(over.stdout).to.contain('(over --runtime-critical 0)');

    // cron's next start: no second copy beside the first.
    const touched = join(t.dir, 'second-copy-ran');
    const second = await wrap(['--job', 'pull_x', '--', 'touch', touched]);
    expect(second.code, second.stderr).to.equal(75);
    expect(existsSync(touched)).to.equal(false);
    expect(second.stderr).to.contain(`its wrapper pid ${wrapper.pid} is gone but its sync pid ${orphan} still runs`);
    expect(readJobState(t.state, 'pull_x', null)!.lastSkipped?.outcome).to.equal('skipped-overlap');

    // The sync ends; nothing recorded how.
    expect(spawnSync('sh', ['-c', `echo go > ${fifo}`], { timeout: 10_000 }).status).to.equal(0);
    const synced = orphan;
    await waitUntil('the sync has ended', () => !groupAlive(synced, marker.childStartTicks));
    const after = await check();
    expect(after.code, after.stdout).to.equal(2);
    expect(after.stdout).to.match(
      new RegExp(
        `^ENV_SYNC CRITICAL - pull_x run started (yesterday )?\\d\\d:\\d\\d: its wrapper pid ${wrapper.pid} died and recorded no end, and its sync pid ${synced} has ended since: outcome unknown`,
      ),
    );

    // The next run takes the lock over and records the lost run as interrupted, with the same words.
    const third = await wrap(['--job', 'pull_x', '--', 'true']);
    expect(third.code, third.stderr).to.equal(0);
    const s = readJobState(t.state, 'pull_x', null)!;
    expect(s.history.map((h) => h.outcome)).to.deep.equal(['skipped-overlap', 'interrupted', 'success']);
    const lost = s.history[1]!;
    expect(lost.runId).to.equal(marker.runId);
    expect(readRunningMarkers(t.state, 'pull_x', null)).to.deep.equal([]);
  });

  it('--overlap wait waits for the orphaned sync, then runs', async () => {
    const fifo = join(t.dir, 'release');
    expect(spawnSync('mkfifo', [fifo]).status).to.equal(0);
    const wrapper = spawn(WRAPPER, ['--no-syslog', '--state-dir', t.state, '--job', 'pull_x', '--', 'sh', '-c', `read line < ${fifo}; exit 0`], {
      stdio: 'ignore',
    });
    await waitUntil('the running marker names the sync', () => readRunningMarkers(t.state, 'pull_x', null).some((m) => m.childPid));
    orphan = readRunningMarkers(t.state, 'pull_x', null)[0]!.childPid!;
    wrapper.kill('SIGKILL');
    await new Promise((r) => wrapper.once('exit', r));
    // The second run's command says whether the first sync was still there when it started.
    const seen = join(t.dir, 'seen');
    const pgid = orphan;
    // Each attempt at the lock leaves a temp file named with the wrapper's pid: two attempts seen
    // means the first found the lock held by the orphaned sync and the wrapper is waiting.
    const attempts = new Set<string>();
    const watcher = watch(join(t.state, 'pull_x'), (_event, name) => {
      if (name && second.pid && name.startsWith(`.run.lock.${second.pid}.`)) attempts.add(name);
    });
    const second = spawn(
      WRAPPER,
      [
        '--no-syslog',
        '--state-dir',
        t.state,
        '--job',
        'pull_x',
        '--overlap',
        'wait',
        '--',
        'sh',
        '-c',
        `if kill -0 -- -${pgid} 2>/dev/null; then echo beside > ${seen}; else echo after > ${seen}; fi`,
      ],
      { stdio: 'ignore' },
    );
    const waiting = new Promise<number | null>((r) => second.once('exit', r));
    try {
      await waitUntil('two attempts at the lock by the second wrapper', () => attempts.size >= 2);
    } finally {
      watcher.close();
    }
    expect(existsSync(seen), 'the second run started while the first sync ran').to.equal(false);
    expect(spawnSync('sh', ['-c', `echo go > ${fifo}`], { timeout: 10_000 }).status).to.equal(0);
    expect(await waiting).to.equal(0);
    expect(readFileSync(seen, 'utf8')).to.equal('after\n');
    expect(readJobState(t.state, 'pull_x', null)!.history.map((h) => h.outcome)).to.deep.equal(['interrupted', 'success']);
  });
});
