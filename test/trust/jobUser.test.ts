import { expect } from 'chai';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJobUser, untrustedDefaults } from '../../src/markers/configuredUser.js';
import { plugin, run } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { asUser, ensureUser, JOB_USER, STRANGER, withUsers } from '../support/users.js';

// The job's user is found by one rule in every executable: --user; the crontab's owner;
// ENV_SYNC_JOB_USER in /etc/default/env-sync-checks (believed only when root's and closed to
// others); the state directory's owner; the job directory's; never root unless --user root. env-sync
// once defaulted --user to govuk-backup while the plugins took the directories' owners, so on a host
// with that user a job the plugins called OK was UNKNOWN in env-sync status.

describe('ENV_SYNC_JOB_USER in the defaults file', () => {
  const ROWS: Array<[string, string | undefined]> = [
    ['ENV_SYNC_JOB_USER=deploy\n', 'deploy'],
    ['# comment\nENV_SYNC_JOB_USER=\n', undefined],
    ['ENV_SYNC_JOB_USER="deploy"\n', 'deploy'],
    ["  export ENV_SYNC_JOB_USER='sync'  \n", 'sync'],
    ['ENV_SYNC_JOB_USER=a\nENV_SYNC_JOB_USER=b\n', 'b'],
    ['OTHER=x\n', undefined],
  ];
  for (const [text, want] of ROWS) it(`${JSON.stringify(text)} → ${String(want)}`, () => expect(parseJobUser(text)).to.equal(want));
  it('is believed only from a file root owns and no one else may write', () => {
    expect(untrustedDefaults({ uid: 0, mode: 0o100644 })).to.equal(null);
    expect(untrustedDefaults({ uid: 1001, mode: 0o100644 })).to.equal('is not owned by root');
    expect(untrustedDefaults({ uid: 0, mode: 0o100664 })).to.equal('is writable by its group');
    expect(untrustedDefaults({ uid: 0, mode: 0o100646 })).to.equal('is writable by everyone');
  });
});

describe("one job's user, one answer: check_env_sync, check_env_sync_all and env-sync status agree", function () {
  this.timeout(60_000);
  withUsers(JOB_USER, STRANGER);
  let tmp: ReturnType<typeof makeTempDir>;
  let state: string;
  let syslog: string;
  before(async () => {
    tmp = makeTempDir();
    state = stateDirIn(tmp.dir);
    syslog = join(tmp.dir, 'syslog');
    writeFileSync(syslog, '');
    chmodSync(tmp.dir, 0o755);
    // The state directory is root's (as an administrator made it); the job's directory is its user's.
    const job = ensureUser(JOB_USER);
    mkdirSync(join(state, 'pull_x'), { mode: 0o755 });
    chownSync(join(state, 'pull_x'), job.uid, job.gid);
    const [cmd, args] = asUser(JOB_USER, plugin('env-sync-run'), ['--no-syslog', '--state-dir', state, '--job', 'pull_x', '--', 'true']);
    expect((await run(cmd, args)).code).to.equal(0);
  });
  after(() => {
    tmp?.cleanup();
  });

  const views = async (env: NodeJS.ProcessEnv) => {
    const check = await run(plugin('check_env_sync'), ['--job', 'pull_x', '--state-dir', state, '--syslog', syslog], { env: { ...process.env, ...env } });
    const all = await run(plugin('check_env_sync_all'), ['--state-dir', state, '--syslog', syslog], { env: { ...process.env, ...env } });
    const status = await run(plugin('env-sync'), ['status', '--json', '--state-dir', state, '--syslog', syslog], { env: { ...process.env, ...env } });
    const row = (JSON.parse(status.stdout) as { jobs: Array<{ job: string; state: number; summary: string }> }).jobs.find((j) => j.job === 'pull_x')!;
    return { check: check.code, all: all.code, status: row.state, summary: row.summary, checkOut: check.stdout, allOut: all.stdout };
  };

  it("with no user named anywhere: all three trust the job directory's owner, all OK", async () => {
    const v = await views({ ENV_SYNC_DEFAULTS_FILE: join(tmp.dir, 'no-such-file') });
    expect([v.check, v.all, v.status], `${v.checkOut}\n${v.allOut}\n${v.summary}`).to.deep.equal([0, 0, 0]);
  });

  it("with ENV_SYNC_JOB_USER naming the job's user in a root-owned 0644 file: all OK", async () => {
    const file = join(tmp.dir, 'defaults-job');
    writeFileSync(file, `ENV_SYNC_JOB_USER=${JOB_USER}\n`, { mode: 0o644 });
    const v = await views({ ENV_SYNC_DEFAULTS_FILE: file });
    expect([v.check, v.all, v.status], `${v.checkOut}\n${v.allOut}\n${v.summary}`).to.deep.equal([0, 0, 0]);
  });

  it('with ENV_SYNC_JOB_USER naming another user: all three refuse the markers alike (UNKNOWN), naming that user', async () => {
    const file = join(tmp.dir, 'defaults-stranger');
    writeFileSync(file, `ENV_SYNC_JOB_USER=${STRANGER}\n`, { mode: 0o644 });
    const v = await views({ ENV_SYNC_DEFAULTS_FILE: file });
    expect([v.check, v.all, v.status], `${v.checkOut}\n${v.allOut}\n${v.summary}`).to.deep.equal([3, 3, 3]);
    expect(v.checkOut).to.contain(`not by the job's user ${STRANGER}`);
    expect(v.allOut).to.contain(`not by the job's user ${STRANGER}`);
    expect(v.summary).to.contain(`not by the job's user ${STRANGER}`);
  });

  it('a defaults file another user may write is not believed: the directories decide, all OK', async () => {
    const file = join(tmp.dir, 'defaults-writable');
    writeFileSync(file, `ENV_SYNC_JOB_USER=${STRANGER}\n`);
    chmodSync(file, 0o666);
    const v = await views({ ENV_SYNC_DEFAULTS_FILE: file });
    expect([v.check, v.all, v.status], `${v.checkOut}\n${v.allOut}\n${v.summary}`).to.deep.equal([0, 0, 0]);
  });
});
