// env-sync pause / resume end to end: the real executables, as root, the job's user, the monitoring
// user and a stranger; the wrapper holding back a start (a stand-in command that would mark a file);
// every view while paused; and the end of a pause under a moved clock (libfaketime).
import { expect } from 'chai';
import { chownSync, chmodSync, existsSync, lchownSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { frozenClock } from '../support/faketime.js';
import { plugin, run, type Result } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { asUser, CHECKER, ensureUser, JOB_USER, STRANGER } from '../support/users.js';

const ENV_SYNC = plugin('env-sync');
const WRAPPER = plugin('env-sync-run');
const CHECK = plugin('check_env_sync');
const CHECK_ALL = plugin('check_env_sync_all');
const H = 3600_000;

describe('env-sync pause and resume (real executables and users)', function () {
  this.timeout(120_000);
  const made: Array<() => void> = [];
  let ids: Record<string, { uid: number; gid: number }> = {};
  let dir: string;
  let state: string;
  let cleanup: () => void;
  before(() => {
    for (const u of [JOB_USER, STRANGER, CHECKER]) {
      const e = ensureUser(u);
      ids = { ...ids, [u]: e };
      made.push(e.remove);
    }
  });
  after(() => {
    for (const remove of made) remove();
  });
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir('env-sync-pause-'));
    state = stateDirIn(dir);
    chownSync(state, ids[JOB_USER]!.uid, ids[JOB_USER]!.gid);
    mkdirSync(join(dir, 'marks'));
    chownSync(join(dir, 'marks'), ids[JOB_USER]!.uid, ids[JOB_USER]!.gid);
  });
  afterEach(() => cleanup());

  /** A command as `user` (root when null), with the clock frozen at `at` when given. */
  function as(user: string | null, cmd: string, args: string[], at?: Date): Promise<Result> {
    // libfaketime is preloaded into the command only, after setpriv: root's shared memory would refuse the user.
    const clock = at ? Object.entries(frozenClock(at)).map(([k, v]) => `${k}=${v}`) : [];
    const [c, a] = user ? asUser(user, 'env', [...clock, cmd, ...args]) : ['env', [...clock, cmd, ...args]];
    return run(c, a, { env: { ...process.env, ENV_SYNC_STATE_DIR: state }, cwd: dir });
  }
  // The stand-in sync runs as the job's user: it marks a file in a directory of its own.
  const marked = (job: string) => join(dir, 'marks', `ran-${job}`);
  /** The wrapper, as cron runs it: the job's user; the stand-in sync marks a file (and fails with `exit`). */
  const wrapped = (job: string, exit = 0, at?: Date) =>
    as(JOB_USER, WRAPPER, ['--no-syslog', '--job', job, '--', '/bin/sh', '-c', `touch ${marked(job)}; exit ${exit}`], at);
  const check = (job: string, at?: Date) => as(CHECKER, CHECK, ['-j', job, '--syslog', '/dev/null', '--user', JOB_USER], at);
  const pauseFile = (job: string) => join(state, job, 'pause.json');

  it('as root: the pause file is written, given to the state directory’s owner; the wrapper records the start as paused, exits 0 and runs nothing', async () => {
    const p = await as(null, ENV_SYNC, ['pause', 'pull_x', '--until', '2d', '--reason', 'DB migration (CHG-123)']);
    expect(p.code, p.stderr).to.equal(0);
    expect(p.stdout).to.match(/^pull_x paused until .* \(for 2d more\) by root: DB migration \(CHG-123\)\n/);
    const st = statSync(pauseFile('pull_x'));
    expect([st.uid, st.mode & 0o777]).to.deep.equal([ids[JOB_USER]!.uid, 0o644]);
    const saved = JSON.parse(readFileSync(pauseFile('pull_x'), 'utf8'));
    expect(saved).to.include({ schema: 1, job: 'pull_x', by: 'root', reason: 'DB migration (CHG-123)' });
    expect(Date.parse(saved.until) - Date.parse(saved.since)).to.equal(48 * H);

    const w = await wrapped('pull_x', 3);
    expect(w.code, w.stderr).to.equal(0);
    expect(existsSync(marked('pull_x')), 'the sync ran').to.equal(false);
    expect(w.stderr).to.match(/env-sync-run: pull_x: not started: paused until .* by root: DB migration \(CHG-123\) \(exit 0\)/);
    const recorded = JSON.parse(readFileSync(join(state, 'pull_x', 'state.json'), 'utf8'));
    expect(recorded.lastPaused).to.include({ outcome: 'paused', exitCode: 0, user: JOB_USER });
    expect(recorded.last).to.equal(null);
    expect(recorded.history).to.deep.equal([]);
  });

  it('every view says paused, with who, until when and why, at OK', async () => {
    // Every command at one frozen instant: the words of the pause's end are then known (at 22:00 by
    // the real clock, 5h ahead is tomorrow's 03:00, said with its day).
    const at = new Date('2026-03-10T09:00:00Z');
    // A failure first: a pause silences it, and says it.
    expect((await wrapped('pull_x', 3, at)).code).to.equal(3);
    expect((await wrapped('pull_y', 0, at)).code).to.equal(0);
    const p = await as(JOB_USER, ENV_SYNC, ['pause', 'pull_x', '--until', '5h', '--reason', 'target DB rebuilt'], at);
    expect(p.code, p.stderr).to.equal(0);
    const c = await check('pull_x', at);
    expect(c.code, c.stdout).to.equal(0);
    expect(c.stdout).to.match(
      new RegExp(`^ENV_SYNC OK - pull_x paused until 14:00 \\(for 5h more\\) by ${JOB_USER}: target DB rebuilt; failed with exit 3 at 09:00`),
    );
    const all = await as(CHECKER, CHECK_ALL, ['--syslog', '/dev/null', '--user', JOB_USER], at);
    expect(all.code, all.stdout).to.equal(0);
    expect(all.stdout).to.match(/\[OK\] pull_x paused until .* target DB rebuilt/);
    const status = await as(CHECKER, ENV_SYNC, ['status', '--syslog', '/dev/null', '--user', JOB_USER], at);
    expect(status.code, status.stdout).to.equal(0);
    expect(status.stdout).to.match(/Why:\n {2}pull_x paused until .* by env-sync-test-job: target DB rebuilt/);
    const json = JSON.parse((await as(CHECKER, ENV_SYNC, ['status', '--json', '--syslog', '/dev/null', '--user', JOB_USER], at)).stdout);
    expect(json.jobs.find((j: { job: string }) => j.job === 'pull_x').paused).to.include({ by: JOB_USER, reason: 'target DB rebuilt', allJobs: false });
    expect(json.jobs.find((j: { job: string }) => j.job === 'pull_y').paused).to.equal(undefined);
    const show = await as(CHECKER, ENV_SYNC, ['show', 'pull_x', '--syslog', '/dev/null', '--user', JOB_USER], at);
    expect(show.code, show.stdout).to.equal(0);
    expect(show.stdout).to.match(/^ENV_SYNC OK - pull_x paused until .* target DB rebuilt; failed with exit 3/);
  });

  it('as the job’s user: pause and resume; the next start runs the sync', async () => {
    expect((await as(JOB_USER, ENV_SYNC, ['pause', 'pull_x', '--until', '1d', '--reason', 'r'])).code).to.equal(0);
    expect(statSync(pauseFile('pull_x')).uid).to.equal(ids[JOB_USER]!.uid);
    expect((await wrapped('pull_x')).code).to.equal(0);
    expect(existsSync(marked('pull_x'))).to.equal(false);
    const r = await as(JOB_USER, ENV_SYNC, ['resume', 'pull_x']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('resumed pull_x: the next start runs the sync\n');
    expect(existsSync(pauseFile('pull_x'))).to.equal(false);
    expect((await wrapped('pull_x')).code).to.equal(0);
    expect(existsSync(marked('pull_x'))).to.equal(true);
    // A pause root set, the job's user may end (the job's directory is its own).
    expect((await as(null, ENV_SYNC, ['pause', 'pull_x', '--until', '1d', '--reason', 'r'])).code).to.equal(0);
    expect((await as(JOB_USER, ENV_SYNC, ['resume', 'pull_x'])).code).to.equal(0);
    expect(existsSync(pauseFile('pull_x'))).to.equal(false);
  });

  for (const who of [CHECKER, STRANGER]) {
    it(`refused as ${who === CHECKER ? 'the monitoring user' : 'a stranger'}: nothing written, and a pause of root's stays`, async () => {
      expect((await wrapped('pull_x')).code).to.equal(0);
      const p = await as(who, ENV_SYNC, ['pause', 'pull_x', '--until', '1d', '--reason', 'r']);
      expect(p.code).to.equal(2);
      expect(p.stderr).to.equal(
        `env-sync: only root or the job's user ${JOB_USER} (the owner of ${state}) may pause pull_x; you are ${who}: run it with sudo, or as ${JOB_USER} (sudo -u ${JOB_USER} env-sync pause …)\n`,
      );
      expect(existsSync(pauseFile('pull_x'))).to.equal(false);
      expect((await as(null, ENV_SYNC, ['pause', '--all', '--until', '1d', '--reason', 'r'])).code).to.equal(0);
      const r = await as(who, ENV_SYNC, ['resume', '--all']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(`may resume every job; you are ${who}`);
      expect(existsSync(join(state, 'pause-all.json'))).to.equal(true);
    });
  }

  it('--all pauses every job (pause-all.json); resume JOB says the job is still paused; resume --all ends every pause', async () => {
    for (const job of ['pull_x', 'pull_y']) expect((await wrapped(job)).code).to.equal(0);
    const p = await as(JOB_USER, ENV_SYNC, ['pause', '--all', '--until', '3h', '--reason', 'staging rebuilt']);
    expect(p.code, p.stderr).to.equal(0);
    expect(p.stdout).to.match(/^paused \(every job\) until .* by env-sync-test-job: staging rebuilt\n/);
    expect(existsSync(join(state, 'pause-all.json'))).to.equal(true);
    expect((await as(JOB_USER, ENV_SYNC, ['pause', 'pull_y', '--until', '1h', '--reason', 'own'])).code).to.equal(0);
    const all = await as(CHECKER, CHECK_ALL, ['--syslog', '/dev/null', '--user', JOB_USER]);
    expect(all.stdout).to.match(/\[OK\] pull_x paused \(every job\) until .* staging rebuilt/);
    // The pause that ends last counts: every job's (3h), not pull_y's own (1h).
    expect(all.stdout).to.match(/\[OK\] pull_y paused \(every job\) until .* staging rebuilt/);
    for (const job of ['pull_x', 'pull_y']) {
      const w = await wrapped(job, 0);
      expect(w.code).to.equal(0);
      expect(w.stderr).to.include(`${job}: not started: paused (every job)`);
    }
    const one = await as(JOB_USER, ENV_SYNC, ['resume', 'pull_y']);
    expect(one.stdout).to.match(
      /^resumed pull_y: the next start runs the sync\npull_y is still paused \(every job\) until .*: env-sync resume --all ends that\n$/,
    );
    expect((await as(JOB_USER, ENV_SYNC, ['pause', 'pull_y', '--until', '1h', '--reason', 'own'])).code).to.equal(0);
    const r = await as(JOB_USER, ENV_SYNC, ['resume', '--all']);
    expect(r.stdout).to.equal('resumed every job, pull_y: the next start runs the sync\n');
    expect(existsSync(join(state, 'pause-all.json')) || existsSync(pauseFile('pull_y'))).to.equal(false);
    expect((await wrapped('pull_x')).code).to.equal(0);
    expect(existsSync(marked('pull_x'))).to.equal(true);
  });

  it('refuses --until over --max-pause, in the past, or not a time, and a pause without a job or a reason, each naming the fix', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [
        ['pull_x', '--until', '8d', '--reason', 'r'],
        64,
        /--until 8d is 8d away, over --max-pause 7d: a pause must end; give a nearer --until \(or a larger --max-pause\)/,
      ],
      [['pull_x', '--until', '3d', '--max-pause', '2d', '--reason', 'r'], 64, /--until 3d is 3d away, over --max-pause 2d/],
      [['pull_x', '--until', '2020-01-01 10:00', '--reason', 'r'], 64, /--until 2020-01-01 10:00 is in the past \(2020-01-01T\S+\): give a later time/],
      [
        ['pull_x', '--until', 'next week', '--reason', 'r'],
        64,
        /--until: "next week" is not a duration or a date; give a duration from now \(2d, 36h, 90m\) or a date and time/,
      ],
      [['pull_x', '--until', '2d'], 64, /--reason TEXT is required: say why/],
      [['pull_x', '--reason', 'r'], 64, /--until WHEN is required: a pause always ends/],
      [['--until', '2d', '--reason', 'r'], 64, /give the job to pause, or --all: env-sync pause JOB --until 2d --reason 'why'/],
      [['pull_x', '--all', '--until', '2d', '--reason', 'r'], 64, /give a JOB or --all, not both/],
    ];
    for (const [args, code, re] of cases) {
      const r = await as(JOB_USER, ENV_SYNC, ['pause', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(code);
      expect(r.stderr, args.join(' ')).to.match(re);
      expect(r.stderr).to.not.match(/\n\s+at /);
    }
    expect(existsSync(join(state, 'pull_x'))).to.equal(false);
  });

  describe('a pause another user could have written does not count (docs/security.md)', () => {
    const planted = (job: string | null) =>
      JSON.stringify({
        schema: 1,
        job,
        by: 'root',
        sudoUser: null,
        since: new Date().toISOString(),
        until: new Date(Date.now() + 24 * H).toISOString(),
        reason: 'planted',
        downtimes: [],
      });

    it('a stranger plants pause-all.json in a state directory left writable by everyone: the sync runs, the check is never OK "paused"', async () => {
      expect((await wrapped('pull_x', 3)).code).to.equal(3);
      chmodSync(state, 0o777);
      const plant = await as(STRANGER, '/bin/sh', ['-c', `printf '%s' '${planted(null)}' > ${join(state, 'pause-all.json')}`]);
      expect(plant.code, plant.stderr).to.equal(0);
      const w = await wrapped('pull_x', 3);
      expect(w.code).to.equal(3);
      expect(existsSync(marked('pull_x'))).to.equal(true);
      expect(w.stderr).to.match(
        /is writable by everyone, so another user could have changed it; refusing to trust it.*\(the pause does not count; the sync runs\)/,
      );
      const c = await check('pull_x');
      expect(c.stdout).to.not.include('planted');
      expect(c.code).to.not.equal(0);
    });

    it('a pause file owned by a stranger in the job’s directory: the sync runs; the check stays CRITICAL and says why the pause does not count', async () => {
      expect((await wrapped('pull_x', 3)).code).to.equal(3);
      writeFileSync(pauseFile('pull_x'), planted('pull_x'), { mode: 0o644 });
      chownSync(pauseFile('pull_x'), ids[STRANGER]!.uid, ids[STRANGER]!.gid);
      const w = await wrapped('pull_x', 3);
      expect(w.code).to.equal(3);
      expect(w.stderr).to.include(`is owned by ${STRANGER}`);
      const c = await check('pull_x');
      expect(c.code, c.stdout).to.equal(2);
      expect(c.stdout).to.match(/a pause file is not believed, so the job is judged as if not paused: \S+pause\.json: is owned by env-sync-test-stranger/);
    });

    it('pause.json a symbolic link (to a pause file that would be believed): not followed; the sync runs', async () => {
      expect((await wrapped('pull_x', 0)).code).to.equal(0);
      const elsewhere = join(dir, 'elsewhere');
      mkdirSync(elsewhere);
      writeFileSync(join(elsewhere, 'pause.json'), planted('pull_x'), { mode: 0o644 });
      symlinkSync(join(elsewhere, 'pause.json'), pauseFile('pull_x'));
      lchownSync(pauseFile('pull_x'), ids[JOB_USER]!.uid, ids[JOB_USER]!.gid);
      const w = await wrapped('pull_x', 0);
      expect(w.code).to.equal(0);
      expect(w.stderr).to.include('is a symbolic link; refusing to trust it');
      expect(JSON.parse(readFileSync(join(state, 'pull_x', 'state.json'), 'utf8')).history).to.have.length(2);
      expect((await check('pull_x')).stdout).to.match(
        /^ENV_SYNC WARNING - pull_x a pause file is not believed, .*is a symbolic link; refusing to trust it.*; last run succeeded /,
      );
    });
  });

  it('ends by itself at --until (libfaketime): OK, then WARNING in the last hour, then the usual verdict; the wrapper runs the sync again', async () => {
    // A fixed instant, not the real time: from 21:00 UTC, 3h ahead is tomorrow, said with its day.
    const t0 = new Date('2026-03-10T09:00:00Z');
    expect((await wrapped('pull_x', 3, new Date(t0.getTime() - H))).code).to.equal(3);
    const p = await as(JOB_USER, ENV_SYNC, ['pause', 'pull_x', '--until', '3h', '--reason', 'rebuild'], t0);
    expect(p.code, p.stderr).to.equal(0);
    const at = (hours: number) => new Date(t0.getTime() + hours * H);
    const early = await check('pull_x', at(1));
    expect(early.code, early.stdout).to.equal(0);
    expect(early.stdout.split('|')[0]).to.equal(
      `ENV_SYNC OK - pull_x paused until ${hhmm(at(3))} (for 2h more) by ${JOB_USER}: rebuild; failed with exit 3 at ${hhmm(at(-1))} after 0s; no success on record`,
    );
    const late = await check('pull_x', at(2.5));
    expect(late.code, late.stdout).to.equal(1);
    expect(late.stdout).to.match(
      /^ENV_SYNC WARNING - pull_x paused until \S+ \(for 30m more\) by env-sync-test-job: rebuild; the pause ends in 30m: the job is judged as usual from then/,
    );
    rmSync(marked('pull_x'));
    const w = await wrapped('pull_x', 0, at(2.5));
    expect([w.code, existsSync(marked('pull_x'))]).to.deep.equal([0, false]);
    const after = await check('pull_x', at(3.1));
    expect(after.code, after.stdout).to.equal(2);
    expect(after.stdout).to.match(/^ENV_SYNC CRITICAL - pull_x failed with exit 3/);
    expect(after.stdout).to.not.include('paused');
    const again = await wrapped('pull_x', 0, at(3.2));
    expect(again.code, again.stderr).to.equal(0);
    expect(existsSync(marked('pull_x')), 'the sync ran after the pause').to.equal(true);
    expect((await check('pull_x', at(3.3))).code).to.equal(0);
  });
});

/** `HH:MM` in UTC, as the frozen clock (TZ=UTC) prints today's times. */
function hhmm(d: Date): string {
  return d.toISOString().slice(11, 16);
}
