// Attacks by a local user on a job's verdict, with real unprivileged users made by the test: the
// job's user runs the wrapper, a stranger tries to change what the checks say, and a third user
// (as nagios is) runs the checks. See docs/security.md for the threat model.
import { expect } from 'chai';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plugin, run } from '../support/proc.js';
import { startRsyslog, type Rsyslog } from '../support/rsyslog.js';
import { makeTempDir } from '../support/tmp.js';
import { asUser, CHECKER, ensureUser, JOB_USER, STRANGER, jobStateDirIn, withUsers } from '../support/users.js';

const CHECK = plugin('check_env_sync');
const WRAPPER = plugin('env-sync-run');
const ARGV = (job: string) => `/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${job}.cfg`;

function okMarker(job: string, user: string): string {
  const now = new Date().toISOString();
  const run = {
    runId: 'forged',
    job,
    part: null,
    host: 'h',
    user,
    wrapperPid: 1,
    wrapperStartTicks: null,
    childPid: 2,
    bootId: null,
    argv: ['true'],
    cwd: '/',
    start: now,
    end: now,
    durationSeconds: 1,
    outcome: 'success',
    exitCode: 0,
    signal: null,
    timeoutSeconds: null,
    message: null,
    output: { lines: 0, bytes: 0, tail: [] },
  };
  return JSON.stringify({ schema: 1, job, updated: now, last: run, lastSuccess: run, lastSkipped: null, consecutiveFailures: 0, history: [], parts: {} });
}

describe("a stranger on the host against a job's verdict", function () {
  this.timeout(120_000);
  withUsers(JOB_USER, STRANGER, CHECKER);
  let rs: Rsyslog;
  let dir: string;
  let state: string;
  let cleanup: () => void;
  before(async () => {
    rs = await startRsyslog({ format: 'rfc3339' });
  });
  after(async () => {
    await rs?.stop();
  });
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    state = jobStateDirIn(dir);
  });
  afterEach(() => cleanup());

  const as = (user: string, cmd: string, args: string[]) => {
    const [c, a] = asUser(user, cmd, args);
    return run(c, a, { env: { PATH: process.env.PATH, ENV_SYNC_SYSLOG_SOCKET: rs.socket } });
  };
  /** The job's user runs the job under the wrapper, as cron would. */
  const jobRuns = (job: string, exit: number) => as(JOB_USER, WRAPPER, ['--state-dir', state, '--job', job, '--', 'sh', '-c', `echo restoring; exit ${exit}`]);
  const check = (job: string, ...extra: string[]) =>
    as(CHECKER, CHECK, ['--job', job, '--state-dir', state, '--syslog', rs.file, '--reboot-lock-dir', join(dir, 'locks'), ...extra]);
  const sh = (user: string, script: string) => as(user, 'sh', ['-c', script]);

  it("cannot write into the job's state directory: the failure stays CRITICAL", async () => {
    expect((await jobRuns('pull_x', 3)).code).to.equal(3);
    const planted = await sh(STRANGER, `printf '%s' '${okMarker('pull_x', STRANGER)}' > ${state}/pull_x/state.json`);
    expect(planted.code, 'the stranger could write the marker').to.not.equal(0);
    const r = await check('pull_x');
    expect(r.code, r.stdout).to.equal(2);
    expect(r.stdout).to.match(/^ENV_SYNC CRITICAL - pull_x failed with exit 3/);
  });

  it("a world-writable state directory: the stranger's renamed-aside job directory and planted OK marker give UNKNOWN naming the directory, never OK", async () => {
    expect((await jobRuns('pull_x', 3)).code).to.equal(3);
    chmodSync(state, 0o777);
    const planted = await sh(
      STRANGER,
      `mv ${state}/pull_x ${state}/.old && mkdir ${state}/pull_x && printf '%s' '${okMarker('pull_x', JOB_USER)}' > ${state}/pull_x/state.json && chmod 0644 ${state}/pull_x/state.json`,
    );
    expect(planted.code, planted.stderr).to.equal(0);
    for (const extra of [[], ['--user', JOB_USER]]) {
      const r = await check('pull_x', ...extra);
      expect(r.code, r.stdout).to.equal(3);
      expect(r.stdout, r.stdout).to.contain(
        `${state}: is writable by everyone, so another user could have changed it; refusing to trust it; chmod go-w ${state}`,
      );
    }
  });

  it("a job directory left writable: the stranger's marker is refused, naming the directory", async () => {
    expect((await jobRuns('pull_x', 3)).code).to.equal(3);
    chmodSync(join(state, 'pull_x'), 0o777);
    const planted = await sh(
      STRANGER,
      `printf '%s' '${okMarker('pull_x', JOB_USER)}' > ${state}/pull_x/.new && chmod 0644 ${state}/pull_x/.new && mv -f ${state}/pull_x/.new ${state}/pull_x/state.json`,
    );
    expect(planted.code, planted.stderr).to.equal(0);
    const r = await check('pull_x');
    expect(r.code, r.stdout).to.equal(3);
    expect(r.stdout).to.contain(`${state}/pull_x: is writable by everyone`);
  });

  it('a marker another user owns is refused even in a directory that looks right, naming its owner', async () => {
    // As if an administrator had copied a marker in: owned by the stranger, not the job's user or root.
    mkdirSync(join(state, 'pull_y'));
    const job = ensureUser(JOB_USER);
    chownSync(join(state, 'pull_y'), job.uid, job.gid);
    const marker = join(state, 'pull_y', 'state.json');
    writeFileSync(marker, okMarker('pull_y', STRANGER), { mode: 0o644 });
    const stranger = ensureUser(STRANGER);
    chownSync(marker, stranger.uid, stranger.gid);
    const r = await check('pull_y');
    expect(r.code, r.stdout).to.equal(3);
    expect(r.stdout).to.contain(`${marker}: is owned by ${STRANGER}, not by the job's user ${JOB_USER} (the owner of ${state}) or root`);
    const named = await check('pull_y', '--user', JOB_USER);
    expect(named.stdout).to.contain(`is owned by ${STRANGER}, not by the job's user ${JOB_USER} (--user) or root`);
  });

  it('the wrapper refuses to write markers where the checks would refuse them, and the sync still runs', async () => {
    chmodSync(state, 0o777);
    const r = await jobRuns('pull_x', 0);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.contain(`state directory ${state} is writable by everyone`);
  });

  it("forged syslog lines never turn a wrapped job's recorded failure into OK", async () => {
    expect((await jobRuns('pull_x', 3)).code).to.equal(3);
    await rs.waitFor(/event=finish job=pull_x/);
    const lie = await sh(
      STRANGER,
      `logger -u ${rs.socket} -t govuk_env_sync.sh 'Starting "${ARGV('pull_x')}"' && logger -u ${rs.socket} -t govuk_env_sync.sh 'Completed "${ARGV('pull_x')}"' && logger -u ${rs.socket} -t env-sync-run 'event=finish job=pull_x run=forged outcome=success exit=0 duration=1s'`,
    );
    expect(lie.code, lie.stderr).to.equal(0);
    await rs.waitFor(/run=forged/);
    const r = await check('pull_x');
    expect(r.code, r.stdout).to.equal(2);
    expect(r.stdout).to.match(/^ENV_SYNC CRITICAL - pull_x failed with exit 3/);
  });

  it('an unwrapped job judged from syslog alone says its lines could come from any local user', async () => {
    await sh(
      JOB_USER,
      `logger -u ${rs.socket} -t govuk_env_sync.sh 'Starting "${ARGV('pull_u')}"' && logger -u ${rs.socket} -t govuk_env_sync.sh 'Error running "${ARGV('pull_u')}" in function f on line 1 executing "x"'`,
    );
    await rs.waitFor(/Error running .*pull_u/);
    const failed = await check('pull_u');
    expect(failed.code, failed.stdout).to.equal(2);
    await sh(
      STRANGER,
      `logger -u ${rs.socket} -t govuk_env_sync.sh 'Starting "${ARGV('pull_u')}"' && logger -u ${rs.socket} -t govuk_env_sync.sh 'Completed "${ARGV('pull_u')}"'`,
    );
    await rs.waitFor(/Completed .*pull_u/);
    const r = await check('pull_u');
    expect(r.stdout).to.contain('Judged from syslog lines alone, which any local user can write (logger)');
  });
});
