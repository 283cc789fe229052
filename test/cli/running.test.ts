// `env-sync running [JOB…]` over real wrapped runs: a sync stand-in, run by env-sync-run as the job's
// user, that waits on a FIFO until the test lets it end. Asked as root and as the job's user, it says
// what the checks say (env-sync status --json's `running`), and exits 0 / 1 / 64 / 2.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunningMarkers } from '../../src/markers/read.js';
import { fifoSync, type FifoSync } from '../support/fifo.js';
import { plugin, run, waitUntil } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { asUser, ensureUser, JOB_USER } from '../support/users.js';

const ENV_SYNC = plugin('env-sync');
const WRAPPER = plugin('env-sync-run');

describe('env-sync running: whether a job runs, as the checks judge it', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  let state: string;
  let host: string[];
  let uid: number;
  let gid: number;
  const wrappers: ChildProcess[] = [];

  beforeEach(async () => {
    ({ uid, gid } = ensureUser(JOB_USER));
    ({ dir, cleanup } = makeTempDir('env-sync-running-'));
    state = stateDirIn(dir);
    chownSync(state, uid, gid);
    const syslog = join(dir, 'syslog');
    const crontab = join(dir, 'crontab');
    writeFileSync(syslog, '');
    writeFileSync(crontab, '');
    // The host's own syslog and crontab play no part: an empty one of each.
    host = ['--state-dir', state, '--syslog', syslog, '--log', 'syslog', '--crontab', crontab];
    // A job that ran and ended: known, not running.
    const done = await run(...asUser(JOB_USER, WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'pull_done', '--', 'true']));
    expect(done.code, done.stderr).to.equal(0);
  });
  afterEach(() => {
    for (const w of wrappers.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    cleanup();
  });

  /** env-sync-run as the job's user, its sync waiting on a FIFO; resolves once its running marker is there. */
  async function startRun(job: string, sync: FifoSync): Promise<{ wrapper: ChildProcess; exited: Promise<number | null> }> {
    const wrapper = spawn(...asUser(JOB_USER, WRAPPER, ['--no-syslog', '--state-dir', state, '--job', job, '--', ...sync.command]), { stdio: 'ignore' });
    wrappers.push(wrapper);
    const exited = new Promise<number | null>((r) => wrapper.once('exit', (code) => r(code)));
    await waitUntil(`the running marker of ${job}`, () => readRunningMarkers(state, job, null).length === 1, 20_000);
    return { wrapper, exited };
  }

  const running = (args: string[], asJobUser = false) => {
    const words = ['running', ...args, ...host];
    return asJobUser ? run(...asUser(JOB_USER, ENV_SYNC, words)) : run(ENV_SYNC, words);
  };
  const outcome = async (args: string[], asJobUser = false) => {
    const r = await running(args, asJobUser);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  };
  /** The jobs env-sync status --json says are running: the checks' own answer. */
  async function statusRunning(): Promise<string[]> {
    const r = await run(ENV_SYNC, ['status', '--json', ...host]);
    return (JSON.parse(r.stdout) as { jobs: Array<{ job: string; running: boolean }> }).jobs
      .filter((j) => j.running)
      .map((j) => j.job)
      .sort();
  }

  it('while a run waits: 0 and the job with its start, as root and as the job user, for the host or the job named; 1 and nothing for a job not running; after its end 1 and nothing', async () => {
    const sync = fifoSync(dir);
    const { exited } = await startRun('pull_x', sync);
    const start = new Date(readRunningMarkers(state, 'pull_x', null)[0]!.start).toISOString();
    try {
      for (const asJobUser of [false, true]) {
        expect(await outcome([], asJobUser), `as ${asJobUser ? JOB_USER : 'root'}`).to.deep.equal({ code: 0, stdout: `pull_x ${start}\n`, stderr: '' });
        expect(await outcome(['pull_x'], asJobUser)).to.deep.equal({ code: 0, stdout: `pull_x ${start}\n`, stderr: '' });
        expect(await outcome(['pull_done', 'pull_x'], asJobUser)).to.deep.equal({ code: 0, stdout: `pull_x ${start}\n`, stderr: '' });
        expect(await outcome(['pull_done'], asJobUser)).to.deep.equal({ code: 1, stdout: '', stderr: '' });
        expect(await outcome(['--quiet', 'pull_x'], asJobUser)).to.deep.equal({ code: 0, stdout: '', stderr: '' });
        expect(await outcome(['-q', 'pull_done'], asJobUser)).to.deep.equal({ code: 1, stdout: '', stderr: '' });
      }
      expect(await statusRunning()).to.deep.equal(['pull_x']);
    } finally {
      sync.release();
    }
    expect(await exited).to.equal(0);
    for (const asJobUser of [false, true]) {
      expect(await outcome([], asJobUser)).to.deep.equal({ code: 1, stdout: '', stderr: '' });
      expect(await outcome(['pull_x'], asJobUser)).to.deep.equal({ code: 1, stdout: '', stderr: '' });
    }
    expect(await statusRunning()).to.deep.equal([]);
  });

  it('two runs: one line each, in name order; a wrapper killed while its sync goes on still runs (as the checks say: the sync is alive), and stops running when the sync ends', async () => {
    const a = fifoSync(dir, 'a.fifo');
    const b = fifoSync(dir, 'b.fifo');
    const runA = await startRun('pull_a', a);
    const runB = await startRun('push_b', b);
    try {
      const r = await outcome([]);
      expect(r.code).to.equal(0);
      expect(r.stdout.split('\n').map((l) => l.split(' ')[0])).to.deep.equal(['pull_a', 'push_b', '']);
      runA.wrapper.kill('SIGKILL');
      await runA.exited;
      expect(await outcome(['pull_a'])).to.deep.equal({
        code: 0,
        stdout: `pull_a ${new Date(readRunningMarkers(state, 'pull_a', null)[0]!.start).toISOString()}\n`,
        stderr: '',
      });
      expect(await statusRunning()).to.deep.equal(['pull_a', 'push_b']);
      a.release();
      const syncPid = readRunningMarkers(state, 'pull_a', null)[0]!.childPid!;
      await waitUntil('the sync of pull_a to end', () => ended(syncPid), 20_000);
      expect(await outcome(['pull_a'])).to.deep.equal({ code: 1, stdout: '', stderr: '' });
      expect(await statusRunning()).to.deep.equal(['push_b']);
    } finally {
      b.release();
    }
    expect(await runB.exited).to.equal(0);
  });

  it('a job the host does not know, a name that is not a job name, an unknown option: 64 and what to give', async () => {
    const unknown = await outcome(['pull_dnoe']);
    expect(unknown.code).to.equal(64);
    expect(unknown.stdout).to.equal('');
    expect(unknown.stderr).to.match(/^env-sync: unknown job pull_dnoe: .*did you mean pull_done\?/);
    const invalid = await outcome(['../x']);
    expect(invalid.code).to.equal(64);
    expect(invalid.stderr).to.match(/^env-sync: invalid job name: "\.\.\/x"/);
    expect((await outcome(['--bogus'])).code).to.equal(64);
  });

  it('a job whose records cannot be read: 2, naming it, unless a job asked about is seen running', async () => {
    mkdirSync(join(state, 'pull_bad'));
    writeFileSync(join(state, 'pull_bad', 'state.json'), '{ not json');
    chownSync(join(state, 'pull_bad'), uid, gid);
    chownSync(join(state, 'pull_bad', 'state.json'), uid, gid);
    const bad = await outcome(['pull_bad']);
    expect(bad.code).to.equal(2);
    expect(bad.stdout).to.equal('');
    expect(bad.stderr).to.match(/^env-sync: pull_bad: .*state\.json.*; whether it runs cannot be told\n$/);
    expect((await outcome(['pull_done'])).code).to.equal(1);
    const sync = fifoSync(dir);
    const { exited } = await startRun('pull_x', sync);
    try {
      const r = await outcome([]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^pull_x \S+\n$/);
    } finally {
      sync.release();
    }
    await exited;
  });
});

/** Whether the process has exited: gone, or a zombie no one has reaped yet. */
function ended(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
