// The alert's Re-run line, pasted as root on a host set up as Puppet's task.pp sets it up: the job's
// cron line run as cron runs it (/bin/sh -c as the job's user with cron's environment) through
// ionice, with_reboot_lock (rendered from ../shared/govuk-puppet/with_reboot_lock.erb), envdir with
// the env.d the real govuk_env_sync.sh needs under set -u, and env-sync-run inside envdir. The job's
// user, the checking user (as nagios) and a stranger are unprivileged users the test makes. The real
// script runs a push of files to S3 with stand-ins for aws and send_nsca, inside a private mount
// namespace (test/support/hostChain.ts). Each Re-run line is pasted into a pty (script(1)) as root,
// answering y where asked; the next check must be OK.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envDir, filesPushCfg, makeHostChain, PLUGINS, type HostChain } from '../support/hostChain.js';
import { startRsyslog, type Rsyslog } from '../support/rsyslog.js';
import { makeTempDir } from '../support/tmp.js';
import { CHECKER, ensureUser, STRANGER } from '../support/users.js';
import { shq as q } from '../support/proc.js';

// The job's user is named as on the real hosts, so that env-sync's default --user is right for it
// (made by the test where it does not exist, and removed again).
const JOB_USER = 'govuk-backup';

describe('the Re-run line works when pasted, for every kind of job (the real chain)', function () {
  this.timeout(300_000);
  const made: Array<() => void> = [];
  let tmp: ReturnType<typeof makeTempDir>;
  let rs: Rsyslog;
  let host: HostChain;
  let home: string;
  let envd: string;
  let crontab: string;
  let state2: string;
  let job: { uid: number; gid: number };

  before(async function () {
    for (const tool of ['/usr/bin/crontab', '/usr/bin/sudo', '/usr/bin/envdir', '/usr/bin/script', '/usr/bin/ionice']) {
      if (!existsSync(tool)) throw new Error(`${tool} is missing: bash scripts/test-deps.sh (packages cron, sudo, daemontools, bsdutils, util-linux)`);
    }
    const madeJob = ensureUser(JOB_USER);
    job = madeJob;
    // The user's own crontab, if it had one, is put back afterwards.
    const ownCrontab = spawnSync('crontab', ['-u', JOB_USER, '-l'], { encoding: 'utf8' });
    made.push(madeJob.remove, () =>
      ownCrontab.status === 0 ? spawnSync('crontab', ['-u', JOB_USER, '-'], { input: ownCrontab.stdout }) : spawnSync('crontab', ['-u', JOB_USER, '-r']),
    );
    for (const u of [CHECKER, STRANGER]) made.push(ensureUser(u).remove);
    tmp = makeTempDir('env-sync-chain-');
    rs = await startRsyslog({ format: 'rfc3339' });
    host = makeHostChain(tmp.dir, { jobUser: job, rsyslogSocket: rs.socket });
    // The job's user's home (cron runs its lines there), with a script that needs $PGHOST and ~/.
    home = join(tmp.dir, 'home-job');
    mkdirSync(join(home, 'bin'), { recursive: true });
    writeFileSync(
      join(home, 'bin', 'home-sync.sh'),
      `#!/bin/sh\n[ "$PGHOST" = db1 ] || { echo "PGHOST is '$PGHOST', not db1" >&2; exit 4; }\n[ -e ${host.control}/home-fails ] && { echo "home sync failed" >&2; exit 5; }\necho "synced from $PGHOST in $(pwd)"\n`,
      { mode: 0o755 },
    );
    chownSync(home, job.uid, job.gid);
    // A user that was here before the test gets its own home back.
    const before = spawnSync('getent', ['passwd', JOB_USER], { encoding: 'utf8' }).stdout.split(':')[5];
    expect(spawnSync('usermod', ['-d', home, JOB_USER]).status, 'usermod -d').to.equal(0);
    if (!madeJob.made && before) made.push(() => spawnSync('usermod', ['-d', before, JOB_USER]));
    envd = envDir(tmp.dir);
    state2 = join(tmp.dir, 'state2');
    mkdirSync(state2, { mode: 0o755 });
    chownSync(state2, job.uid, job.gid);
    const cfg = (name: string) => filesPushCfg(tmp.dir, name, home, job);
    crontab = [
      'MAILTO=""',
      '# Puppet Name: pull_x',
      `18 0 * * * /usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_pull_x /usr/bin/envdir ${envd} /usr/local/bin/env-sync-run --timeout 6h -- /usr/local/bin/govuk_env_sync.sh -f ${cfg('pull_x')}`,
      '# Puppet Name: pull_u',
      `19 0 * * * /usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_pull_u /usr/bin/envdir ${envd} /usr/local/bin/govuk_env_sync.sh -f ${cfg('pull_u')}`,
      '# Puppet Name: pull_home',
      '20 0 * * * PGHOST=db1 /usr/local/bin/env-sync-run --job pull_home -- ~/bin/home-sync.sh',
      `ENV_SYNC_STATE_DIR=${state2}`,
      '# Puppet Name: pull_s2',
      `21 0 * * * /usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_pull_s2 /usr/bin/envdir ${envd} /usr/local/bin/env-sync-run -- /usr/local/bin/govuk_env_sync.sh -f ${cfg('pull_s2')}`,
      'ENV_SYNC_STATE_DIR=/var/lib/env-sync',
      '# Puppet Name: pull_secret',
      `22 0 * * * PGPASSWORD=hunter2 /usr/bin/envdir ${envd} /usr/local/bin/env-sync-run -- /usr/local/bin/govuk_env_sync.sh -f ${cfg('pull_secret')}`,
      '',
    ].join('\n');
    const file = join(tmp.dir, 'crontab');
    writeFileSync(file, crontab);
    const installed = spawnSync('crontab', ['-u', JOB_USER, file], { encoding: 'utf8' });
    expect(installed.status, installed.stderr).to.equal(0);
    // Jenkins' workspace for the old way: `bash sync production staging`, which needs its directory.
    mkdirSync(join(tmp.dir, 'jenkins'), { mode: 0o755 });
    writeFileSync(
      join(tmp.dir, 'jenkins', 'sync'),
      `#!/bin/bash\necho "copying $JOBLIST from $1 to $2"\n[ -e ${host.control}/part-fails ] && { echo "ERROR 1045 (28000): Access denied" >&2; exit 1; }\nexit 0\n`,
      { mode: 0o755 },
    );
    chownSync(join(tmp.dir, 'jenkins'), job.uid, job.gid);
  });
  after(async () => {
    await rs?.stop();
    tmp?.cleanup();
    for (const undo of made.reverse()) undo();
  });

  /** One crontab line's command, run as cron runs it: /bin/sh -c as the job's user with cron's environment, in its home. */
  const cronRun = (command: string, env: Record<string, string> = {}) => {
    const vars = Object.entries({ HOME: home, LOGNAME: JOB_USER, SHELL: '/bin/sh', PATH: '/usr/bin:/bin', ...env })
      .map(([k, v]) => q(`${k}=${v}`))
      .join(' ');
    return host.run(`cd ${q(home)} && exec setpriv --reuid=${JOB_USER} --regid=${JOB_USER} --init-groups env -i ${vars} /bin/sh -c ${q(command)}`);
  };
  const cronLine = (name: string) => {
    const line = crontab.split('\n')[crontab.split('\n').findIndex((l) => l === `# Puppet Name: ${name}`) + 1]!;
    return line.split(' ').slice(5).join(' ');
  };
  /** The check as user nagios would run it (the checking user), in the host's namespace. */
  const check = (args: string[]) =>
    host.run(
      `exec setpriv --reuid=${CHECKER} --regid=${CHECKER} --init-groups /usr/local/bin/check_env_sync ${args.map(q).join(' ')} --syslog ${q(rs.file)} --reboot-lock-dir ${q(host.lockDir)}`,
    );
  const firstRerun = (out: string) => {
    const line = out.split('\n').find((l) => /^Re-run( part [^:]+)?: /.test(l));
    expect(line, out).to.not.equal(undefined);
    return line!.slice(line!.indexOf(': ') + 2).replace(/ \(reads the crontab as root.*$/, '');
  };
  /** The line pasted into a terminal as root: a pty, with y typed should it ask. */
  const paste = (line: string) => host.run(`cd / && script -qec ${q(line)} /dev/null`, { input: 'y\n' });

  it('a wrapped job (the real govuk_env_sync.sh, ionice, with_reboot_lock, envdir): CRITICAL, then its Re-run line pasted as root, then OK', async () => {
    writeFileSync(join(host.control, 'aws-fails'), '');
    const failed = await cronRun(cronLine('pull_x'));
    expect(failed.code, failed.stdout + failed.stderr).to.equal(1);
    expect(failed.stdout + failed.stderr, failed.stdout + failed.stderr).to.contain('AccessDenied');
    await rs.waitFor(/event=finish job=pull_x/);
    const crit = await check(['--job', 'pull_x']);
    expect(crit.code, crit.stdout).to.equal(2);
    const line = firstRerun(crit.stdout);
    expect(line).to.match(
      new RegExp(
        `^runuser -P -u ${JOB_USER} -- env -i HOME=${home} LOGNAME=${JOB_USER} SHELL=/bin/sh PATH=/usr/bin:/bin MAILTO= /bin/sh -c 'cd ${home} && /usr/bin/envdir ${envd} /usr/local/bin/env-sync-run --timeout 6h -- /usr/local/bin/govuk_env_sync.sh -f `,
      ),
    );
    rmSync(join(host.control, 'aws-fails'));
    const pasted = await paste(line);
    expect(pasted.code, pasted.stdout + pasted.stderr).to.equal(0);
    const ok = await check(['--job', 'pull_x']);
    expect(ok.code, ok.stdout).to.equal(0);
    // The wrapper refreshed the job inventory from its user's crontab, for the checking user.
    const inv = JSON.parse(readFileSync(join(host.stateOnDisk, 'inventory.json'), 'utf8')) as { user: string; jobs: Array<{ job: string }> };
    expect(inv.user).to.equal(JOB_USER);
    expect(inv.jobs.map((j) => j.job)).to.deep.equal(['pull_x', 'pull_u', 'pull_home', 'pull_s2', 'pull_secret']);
  });

  it('an unwrapped job, checked as the checking user through the inventory: its Re-run line (with env-sync-run added) pasted, then OK; the host-wide check lists it', async () => {
    writeFileSync(join(host.control, 'aws-fails'), '');
    const failed = await cronRun(cronLine('pull_u'));
    expect(failed.code).to.equal(1);
    await rs.waitFor(/Error running .*pull_u.cfg/);
    const all = await host.run(
      `exec setpriv --reuid=${CHECKER} --regid=${CHECKER} --init-groups /usr/local/bin/check_env_sync_all --syslog ${q(rs.file)} --reboot-lock-dir ${q(host.lockDir)}`,
    );
    expect(all.code, all.stdout).to.equal(2);
    expect(all.stdout).to.match(/^\[CRITICAL\] pull_u failed at /m);
    const crit = await check(['--job', 'pull_u']);
    expect(crit.code, crit.stdout).to.equal(2);
    const line = firstRerun(crit.stdout);
    expect(line, line).to.contain(
      `/bin/sh -c 'cd ${home} && /usr/bin/envdir ${envd} ${join(PLUGINS, 'env-sync-run')} --job pull_u -- /usr/local/bin/govuk_env_sync.sh -f `,
    );
    rmSync(join(host.control, 'aws-fails'));
    const pasted = await paste(line);
    expect(pasted.code, pasted.stdout + pasted.stderr).to.equal(0);
    const ok = await check(['--job', 'pull_u']);
    expect(ok.code, ok.stdout).to.equal(0);
  });

  it('a crontab line with VAR=value and ~/: its Re-run line keeps both', async () => {
    writeFileSync(join(host.control, 'home-fails'), '');
    const failed = await cronRun(cronLine('pull_home'));
    expect(failed.code, failed.stderr).to.equal(5);
    const crit = await check(['--job', 'pull_home']);
    expect(crit.code, crit.stdout).to.equal(2);
    const line = firstRerun(crit.stdout);
    expect(line).to.contain("PGHOST=db1 /usr/local/bin/env-sync-run --job pull_home -- ~/bin/home-sync.sh'");
    rmSync(join(host.control, 'home-fails'));
    const pasted = await paste(line);
    expect(pasted.code, pasted.stdout + pasted.stderr).to.equal(0);
    expect(pasted.stdout).to.contain(`synced from db1 in ${home}`);
    expect((await check(['--job', 'pull_home'])).code).to.equal(0);
  });

  it('a non-default state directory (the crontab sets ENV_SYNC_STATE_DIR): the re-run writes there, so the alert clears', async () => {
    writeFileSync(join(host.control, 'aws-fails'), '');
    const failed = await cronRun(cronLine('pull_s2'), { ENV_SYNC_STATE_DIR: state2 });
    expect(failed.code).to.equal(1);
    const crit = await check(['--job', 'pull_s2', '--state-dir', state2]);
    expect(crit.code, crit.stdout).to.equal(2);
    const line = firstRerun(crit.stdout);
    expect(line).to.contain(`ENV_SYNC_STATE_DIR=${state2}`);
    expect(line).to.contain(`/usr/local/bin/env-sync-run --state-dir ${state2} -- /usr/local/bin/govuk_env_sync.sh`);
    rmSync(join(host.control, 'aws-fails'));
    const pasted = await paste(line);
    expect(pasted.code, pasted.stdout + pasted.stderr).to.equal(0);
    expect((await check(['--job', 'pull_s2', '--state-dir', state2])).code).to.equal(0);
  });

  it('a crontab line with a secret: the Re-run line is sudo env-sync rerun, which reads the crontab as root, asks, and runs it', async () => {
    writeFileSync(join(host.control, 'aws-fails'), '');
    const failed = await cronRun(cronLine('pull_secret'));
    expect(failed.code).to.equal(1);
    const crit = await check(['--job', 'pull_secret']);
    expect(crit.code, crit.stdout).to.equal(2);
    const line = firstRerun(crit.stdout);
    expect(line).to.equal('sudo env-sync rerun pull_secret');
    expect(crit.stdout).not.to.contain('hunter2');
    rmSync(join(host.control, 'aws-fails'));
    const pasted = await paste(line);
    expect(pasted.code, pasted.stdout + pasted.stderr).to.equal(0);
    expect(pasted.stdout).to.contain('Run it now? [y/N]');
    expect((await check(['--job', 'pull_secret'])).code).to.equal(0);
  });

  it('a Jenkins part that needs its working directory: its Re-run line, pasted from /, runs it there', async () => {
    writeFileSync(join(host.control, 'part-fails'), '');
    // Started as Jenkins starts a build step: a program that is not a shell runs `sh -xe step.sh`.
    const step = join(tmp.dir, 'jenkins-step.sh');
    writeFileSync(
      step,
      `cd ${tmp.dir}/jenkins\nJOBLIST=mysql-normal /usr/local/bin/env-sync-run --job copy_data_to_staging --part mysql-normal -- bash sync production staging\n`,
      { mode: 0o755 },
    );
    const failed = await host.run(`exec setpriv --reuid=${JOB_USER} --regid=${JOB_USER} --init-groups perl -e 'exit(system(@ARGV) >> 8)' sh -xe ${q(step)}`);
    expect(failed.code, failed.stderr).to.equal(1);
    const crit = await check(['--job', 'copy_data_to_staging']);
    expect(crit.code, crit.stdout).to.equal(2);
    const line = firstRerun(crit.stdout);
    expect(line).to.contain(
      `/bin/sh -c 'cd ${tmp.dir}/jenkins && JOBLIST=mysql-normal ${join(PLUGINS, 'env-sync-run')} --job copy_data_to_staging --part mysql-normal -- bash sync production staging'`,
    );
    rmSync(join(host.control, 'part-fails'));
    const pasted = await paste(line);
    expect(pasted.code, pasted.stdout + pasted.stderr).to.equal(0);
    expect((await check(['--job', 'copy_data_to_staging'])).code).to.equal(0);
  });

  it("a marker the job's user edited to name root and another command does not change who runs, or what", async () => {
    const marker = join(host.stateOnDisk, 'pull_x', 'state.json');
    const s = JSON.parse(readFileSync(marker, 'utf8')) as { last: Record<string, unknown> };
    s.last.user = 'root';
    s.last.cronCommand = `id -u > ${host.control}/who; touch ${host.control}/planted-ran`;
    // As the job's user can: its own file.
    const edited = await host.run(`exec setpriv --reuid=${JOB_USER} --regid=${JOB_USER} --init-groups sh -c ${q(`cat > ${marker}`)}`, {
      input: JSON.stringify(s),
    });
    expect(edited.code, edited.stderr).to.equal(0);
    chmodSync(host.control, 0o777);
    // With the crontab (root reads it): the crontab's command, as the job's user.
    const viaCrontab = await host.run(`/usr/local/bin/env-sync rerun pull_x --dry-run --user ${JOB_USER}`);
    expect(viaCrontab.code, viaCrontab.stderr).to.equal(0);
    expect(viaCrontab.stdout).to.match(new RegExp(`^runuser -P -u ${JOB_USER} -- env -i `));
    expect(viaCrontab.stdout).not.to.contain('planted-ran');
    // With only the marker to go by: refused, naming the file, and nothing runs.
    rmSync(join(host.stateOnDisk, 'inventory.json'));
    const refused = await host.run(`/usr/local/bin/env-sync rerun pull_x --exec --user ${JOB_USER} --crontab /dev/null`);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.contain(`${host.stateDir}/pull_x/state.json names user root, not the job's user ${JOB_USER}`);
    expect(existsSync(join(host.control, 'planted-ran'))).to.equal(false);
    const check2 = await check(['--job', 'pull_x']);
    expect(check2.stdout).to.contain(`state.json names user root, not the job's user ${JOB_USER}: its command is not used to re-run`);
  });

  it('text a stranger logs into syslog never runs: its Re-run line is sudo env-sync rerun, which finds nothing to run', async () => {
    const injected = `/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_z.cfg ; cp /bin/bash ${host.control}/rootsh && chmod 4755 ${host.control}/rootsh`;
    const lie = await host.run(
      `exec setpriv --reuid=${STRANGER} --regid=${STRANGER} --init-groups sh -c ${q(`logger -t govuk_env_sync.sh 'Starting "${injected}"' && logger -t govuk_env_sync.sh 'Error running "${injected}" in function x on line 1 executing "y"'`)}`,
    );
    expect(lie.code, lie.stderr).to.equal(0);
    await rs.waitFor(/Error running .*rootsh/);
    const crit = await check(['--job', 'pull_z']);
    expect(crit.code, crit.stdout).to.equal(2);
    const reruns = crit.stdout.split('\n').filter((l) => l.startsWith('Re-run'));
    expect(reruns).to.have.length(1);
    expect(reruns[0]).to.match(/^Re-run: sudo env-sync rerun pull_z \(/);
    expect(reruns[0]).not.to.contain('rootsh');
    const pasted = await paste(firstRerun(crit.stdout));
    expect(pasted.code).to.not.equal(0);
    expect(existsSync(join(host.control, 'rootsh'))).to.equal(false);
  });
});
