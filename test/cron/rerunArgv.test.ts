// Who runs a re-run, and the line a person pastes: root switches user with runuser, the pasted line
// gives the job runuser's pty (-P), never root's terminal; the words are the same plan either way.
import { expect } from 'chai';
import { pasteLine, rerunArgv, type RerunPlan } from '../../src/cron/rerun.js';

const plan: RerunPlan = {
  user: { name: 'govuk-backup', uid: 1500, gid: 1500, home: '/home/govuk-backup' },
  env: [
    ['HOME', '/home/govuk-backup'],
    ['LOGNAME', 'govuk-backup'],
    ['SHELL', '/bin/sh'],
    ['PATH', '/usr/bin:/bin'],
  ],
  script: "cd /home/govuk-backup && /usr/local/bin/env-sync-run --job x -- sync 'a b'",
  source: 'the crontab line 3',
};
const inEnv = ['env', '-i', 'HOME=/home/govuk-backup', 'LOGNAME=govuk-backup', 'SHELL=/bin/sh', 'PATH=/usr/bin:/bin', '/bin/sh', '-c', plan.script];

describe("the re-run's words: rerunArgv (env-sync rerun) and pasteLine (the alerts' Re-run line)", () => {
  it('root: runuser -u, no pty (env-sync rerun gives the job pipes, src/cli/detached.ts)', () => {
    expect(rerunArgv(plan, 0)).to.deep.equal(['runuser', '-u', 'govuk-backup', '--', ...inEnv]);
  });
  it("the job's user: no switch", () => {
    expect(rerunArgv(plan, 1500)).to.deep.equal(inEnv);
  });
  it('another user: sudo -n, which fails rather than ask for a password without a terminal', () => {
    expect(rerunArgv(plan, 1000)).to.deep.equal(['sudo', '-n', '-u', 'govuk-backup', ...inEnv]);
  });
  it('the pasted line: runuser -P, every word shell-quoted', () => {
    expect(pasteLine(plan)).to.equal(
      "runuser -P -u govuk-backup -- env -i HOME=/home/govuk-backup LOGNAME=govuk-backup SHELL=/bin/sh PATH=/usr/bin:/bin /bin/sh -c 'cd /home/govuk-backup && /usr/local/bin/env-sync-run --job x -- sync '\\''a b'\\'''",
    );
  });
});
