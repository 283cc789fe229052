// The forged Starting/Completed pair, from a syslog file and from the journal. A stranger (a second
// unprivileged user the test makes) logs an unwrapped job's success under the script's tag: a syslog
// file records no sender, so the forgery turns the failure into OK there (and the verdict says its
// lines could come from anyone); the journal records each line's sender (_UID, from the socket's
// credentials), so there the stranger's lines are left out and counted, and the failure stays
// CRITICAL. The checks run as a third user, as nagios does, in group systemd-journal.
import { expect } from 'chai';
import { join } from 'node:path';
import { exec } from '../support/journald.js';
import { LOGS, type TestLog, wrappedByJobUser } from '../support/logSources.js';
import { plugin } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';
import { CHECKER, ensureUser, JOB_USER, STRANGER, jobStateDirIn, withUsers } from '../support/users.js';

const CHECK = plugin('check_env_sync');
const ENV_SYNC = plugin('env-sync');
const ARGV = (job: string) => `/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${job}.cfg`;

for (const [kind, make] of LOGS) {
  describe(`a stranger's forged lines for an unwrapped job, from ${kind === 'syslog' ? 'a syslog file' : 'the journal'}`, function () {
    this.timeout(120_000);
    withUsers(JOB_USER, STRANGER, CHECKER);
    let log: TestLog;
    let tmp: ReturnType<typeof makeTempDir>;
    let state: string;
    let stranger: number;
    before(async () => {
      stranger = ensureUser(STRANGER).uid;
      log = await make();
      tmp = makeTempDir();
      // The state directory the job's user owns names the job's user (the trust rules), as on a host
      // where its other jobs are wrapped.
      state = jobStateDirIn(tmp.dir);
    });
    after(async () => {
      await log?.stop();
      tmp?.cleanup();
    });

    /** As nagios runs it: an unprivileged user in the group that may read the journal. */
    const asChecker = async (exe: string, args: string[]) => {
      const r = await exec('setpriv', [
        `--reuid=${CHECKER}`,
        `--regid=${CHECKER}`,
        '--groups=systemd-journal',
        exe,
        ...args,
        '--state-dir',
        state,
        '--reboot-lock-dir',
        join(tmp.dir, 'locks'),
        ...log.args,
      ]);
      return { code: r.code, out: r.stdout, first: r.stdout.split('\n')[0]! };
    };

    it(
      kind === 'syslog'
        ? 'turns the failure into OK, and the verdict says its lines could come from any local user'
        : 'cannot: the failure stays CRITICAL and the long output counts the lines left out',
      async () => {
        await log.log('govuk_env_sync.sh', `Starting "${ARGV('pull_u')}"`, JOB_USER);
        await log.log('govuk_env_sync.sh', `Error running "${ARGV('pull_u')}" in function restore on line 1 executing "pg_restore"`, JOB_USER);
        const failed = await asChecker(CHECK, ['-j', 'pull_u']);
        expect(failed.code, failed.out).to.equal(2);

        await log.log('govuk_env_sync.sh', `Starting "${ARGV('pull_u')}"`, STRANGER);
        await log.log('govuk_env_sync.sh', `Completed "${ARGV('pull_u')}"`, STRANGER);
        const r = await asChecker(CHECK, ['-j', 'pull_u']);
        if (kind === 'syslog') {
          expect(r.code, r.out).to.equal(0);
          expect(r.first).to.match(/^ENV_SYNC OK - pull_u last run succeeded at /);
          expect(r.out).to.contain('Judged from syslog lines alone, which any local user can write (logger)');
        } else {
          expect(r.code, r.out).to.equal(2);
          expect(r.first).to.match(/^ENV_SYNC CRITICAL - pull_u failed at (yesterday )?\d\d:\d\d /);
          expect(r.out).to.contain(`2 lines from uid ${stranger} (${STRANGER}) ignored: not the job's user ${JOB_USER} (the owner of ${state}) or root`);
          expect(r.out).to.contain("counting only those journald recorded as sent by the job's user or root");
          expect(r.out).not.to.match(/Completed/);
        }
      },
    );

    it("the job's own user's lines clear the verdict (a verified sender, in the journal)", async () => {
      await log.log('govuk_env_sync.sh', `Starting "${ARGV('pull_u')}"`, JOB_USER);
      await log.log('govuk_env_sync.sh', `Completed "${ARGV('pull_u')}"`, JOB_USER);
      const r = await asChecker(CHECK, ['-j', 'pull_u']);
      expect(r.code, r.out).to.equal(0);
      expect(r.first).to.match(/^ENV_SYNC OK - pull_u last run succeeded at /);
    });

    it("a stranger's lines alone are no record of the job", async () => {
      await log.log('govuk_env_sync.sh', `Starting "${ARGV('pull_only_stranger')}"`, STRANGER);
      await log.log('govuk_env_sync.sh', `Completed "${ARGV('pull_only_stranger')}"`, STRANGER);
      const r = await asChecker(CHECK, ['-j', 'pull_only_stranger']);
      if (kind === 'syslog') expect(r.code, r.out).to.equal(0);
      else {
        expect(r.code, r.out).to.equal(2);
        expect(r.first).to.contain('no record of this job');
        expect(r.out).to.contain(`2 lines from uid ${stranger} (${STRANGER}) ignored`);
      }
    });

    it("a wrapped job: its recorded failure stays CRITICAL either way; in the journal the stranger's lines are not even evidence", async () => {
      const ran = await wrappedByJobUser(log, state, 'pull_w', 'echo "pg_restore: error: relation missing" >&2; exit 3');
      expect(ran.code, ran.stderr).to.equal(3);
      await log.settle(/event=finish job=pull_w/);
      await log.log('env-sync/pull_w', 'pg_restore: error: planted by a stranger', STRANGER);
      await log.log('env-sync-run', 'event=finish job=pull_w run=forged outcome=success exit=0', STRANGER);
      const r = await asChecker(CHECK, ['-j', 'pull_w', '-v']);
      expect(r.code, r.out).to.equal(2);
      expect(r.first).to.match(/^ENV_SYNC CRITICAL - pull_w failed with exit 3/);
      expect(r.out).to.contain('pg_restore: error: relation missing');
      if (kind === 'syslog') expect(r.out).to.contain('planted by a stranger');
      else {
        expect(r.out).not.to.contain('planted by a stranger');
        expect(r.out).not.to.contain('run=forged');
        expect(r.out).to.contain(`2 lines from uid ${stranger} (${STRANGER}) ignored`);
      }
    });

    it("env-sync logs shows them all, and in the journal names the stranger's", async () => {
      const r = await exec('setpriv', [
        `--reuid=${CHECKER}`,
        `--regid=${CHECKER}`,
        '--groups=systemd-journal',
        ENV_SYNC,
        'logs',
        'pull_u',
        '--state-dir',
        state,
        '--user',
        JOB_USER,
        ...log.args,
      ]);
      const forged = r.stdout.split('\n').filter((l) => l.includes('Completed')).length;
      expect(forged, r.stdout + r.stderr).to.equal(2);
      const marked = r.stdout.split('\n').filter((l) => l.endsWith(`[sent by ${STRANGER}, not the job's user or root]`));
      expect(marked.length, r.stdout).to.equal(kind === 'syslog' ? 0 : 2);
    });
  });
}
