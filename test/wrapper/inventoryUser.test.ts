// Issue 25, finding 9: env-sync-run run by hand as root refreshed the job inventory from root's own
// crontab, and the jobs' user's unwrapped jobs vanished from check_env_sync_all (WARNING → OK) until
// the next cron run. Now the inventory is refreshed only from the jobs' user's crontab: root reads it
// with `crontab -l -u USER`, anyone else leaves it alone. Cron's spool is a private copy in a mount
// namespace, so root's crontab there is the test's and the host's are not touched.
import { expect } from 'chai';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crontabSource } from '../../src/wrapper/inventoryRefresh.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { plugin, run, shq } from '../support/proc.js';
import { asUser, CHECKER, ensureUser, JOB_USER, STRANGER } from '../support/users.js';

const WRAPPER = plugin('env-sync-run');
const CHECK_ALL = plugin('check_env_sync_all');
const SPOOL = '/var/spool/cron/crontabs';

describe("job inventory: refreshed only from the jobs' user's crontab (issue 25, finding 9)", function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  let state: string;
  let job: { uid: number; gid: number };

  beforeEach(() => {
    job = ensureUser(JOB_USER);
    for (const u of [STRANGER, CHECKER]) ensureUser(u);
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    chownSync(state, job.uid, job.gid); // as an administrator makes it: install -d -o govuk-backup
  });
  afterEach(() => cleanup());

  it("who reads which crontab: the job user its own, root the job user's with -u, anyone else none", () => {
    const stranger = ensureUser(STRANGER).uid;
    expect(crontabSource(state, null, job.uid)).to.deep.include({ args: ['-l'], user: JOB_USER });
    expect(crontabSource(state, null, 0)).to.deep.include({ args: ['-l', '-u', JOB_USER], user: JOB_USER });
    const skipped = crontabSource(state, null, stranger);
    expect(skipped)
      .to.have.property('skip')
      .that.matches(new RegExp(`runs as .*, not as the jobs' user ${JOB_USER} \\(the owner of ${state}\\)`));
    chownSync(state, 0, 0);
    expect(crontabSource(state, null, 0))
      .to.have.property('skip')
      .that.contains("the jobs' user is not known");
  });

  it("env-sync-run by hand as root, root having a crontab of its own: the inventory is the job user's crontab, and check_env_sync_all (as the checking user) still lists the unwrapped job", async () => {
    const spool = join(dir, 'spool');
    mkdirSync(spool);
    const jobTab = join(dir, 'job.crontab');
    writeFileSync(
      jobTab,
      [
        '# Puppet Name: pull_unwrapped',
        '18 0 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_unwrapped.cfg',
        '# Puppet Name: pull_wrapped',
        '30 1 * * * /usr/local/bin/env-sync-run -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_wrapped.cfg',
        '',
      ].join('\n'),
    );
    const rootTab = join(dir, 'root.crontab');
    writeFileSync(rootTab, '0 3 * * * /usr/local/bin/env-sync-run -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/root_own.cfg\n');
    for (const f of [jobTab, rootTab]) chmodSync(f, 0o644);
    const script = [
      `mount --bind ${shq(spool)} ${SPOOL} || exit 97`,
      `chown root:crontab ${SPOOL} && chmod 1730 ${SPOOL}`,
      `crontab -u ${JOB_USER} ${shq(jobTab)} && crontab ${shq(rootTab)} || exit 98`,
      // By hand, as root: the run records itself and refreshes the inventory.
      `${shq(WRAPPER)} --state-dir ${shq(state)} --job pull_wrapped --no-syslog -- true`,
    ].join('\n');
    const r = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script]);
    expect(r.code, `${r.stdout}${r.stderr}`).to.equal(0);
    const inv = JSON.parse(readFileSync(join(state, 'inventory.json'), 'utf8')) as { user: string; from: string; jobs: Array<{ job: string }> };
    expect(inv.user).to.equal(JOB_USER);
    expect(inv.from).to.equal(`crontab -l -u ${JOB_USER} (env-sync-run as root)`);
    expect(inv.jobs.map((j) => j.job)).to.deep.equal(['pull_unwrapped', 'pull_wrapped']);

    const all = await run(
      ...asUser(CHECKER, CHECK_ALL, ['--state-dir', state, '--log', 'syslog', '--syslog', join(dir, 'no-syslog'), '--reboot-lock-dir', join(dir, 'no-reboot')]),
    );
    expect(all.stdout, all.stderr).to.contain('[WARNING] pull_unwrapped never run');
  });
});
