// Verdicts on a host set up as Puppet leaves it (issue 16): the real govuk_env_sync.sh and
// with_reboot_lock (../shared/govuk-puppet), cron's step as the job's user through ionice,
// with_reboot_lock and envdir, Debian's rsyslog writing RFC 3339 stamps, logrotate with
// delaycompress, and the checks run as an unprivileged checking user (as nagios). The script's
// cloud and database commands are stand-ins on PATH (test/support/hostChain.ts: aws, send_nsca),
// inside a private mount namespace. The job's user and the checking user are made by the test.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envDir, filesPushCfg, makeHostChain, unreachableTempCfg, type HostChain } from '../support/hostChain.js';
import { startRsyslog, type Rsyslog } from '../support/rsyslog.js';
import { makeTempDir } from '../support/tmp.js';
import { CHECKER, ensureUser } from '../support/users.js';
import { shq as q } from '../support/proc.js';

// The job's user, made by this test with its home in the test's directory.
const JOB_USER = 'env-sync-test-host';

describe('verdicts on a real host: the real script under the real cron chain, rsyslog and logrotate', function () {
  this.timeout(300_000);
  const made: Array<() => void> = [];
  let tmp: ReturnType<typeof makeTempDir>;
  let rs: Rsyslog;
  let host: HostChain;
  let home: string;
  let envd: string;
  let crontab: string;
  let job: { uid: number; gid: number };

  before(async function () {
    for (const tool of ['/usr/bin/crontab', '/usr/bin/envdir', '/usr/bin/ionice', '/usr/sbin/logrotate']) {
      if (!existsSync(tool)) throw new Error(`${tool} is missing: bash scripts/test-deps.sh (packages cron, daemontools, util-linux, logrotate)`);
    }
    tmp = makeTempDir('env-sync-host-');
    home = join(tmp.dir, 'home-job');
    // A user of this test's own, made with its home here: cron and env-sync rerun run jobs there.
    if (spawnSync('id', [JOB_USER]).status === 0) throw new Error(`user ${JOB_USER} exists already (left by an earlier run?): userdel ${JOB_USER}`);
    const madeJob = ensureUser(JOB_USER, home);
    job = madeJob;
    made.push(madeJob.remove, () => spawnSync('crontab', ['-u', JOB_USER, '-r']));
    made.push(ensureUser(CHECKER).remove);
    rs = await startRsyslog({ format: 'rfc3339' });
    host = makeHostChain(tmp.dir, { jobUser: job, rsyslogSocket: rs.socket });
    mkdirSync(home, { recursive: true });
    chownSync(home, job.uid, job.gid);
    envd = envDir(tmp.dir);
    const chain = (name: string, cfg: string, wrapped: boolean) =>
      `/usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_${name} /usr/bin/envdir ${envd} ${wrapped ? '/usr/local/bin/env-sync-run -- ' : ''}/usr/local/bin/govuk_env_sync.sh -f ${cfg}`;
    const lines: string[] = ['MAILTO=""'];
    const add = (name: string, cfg: string, wrapped: boolean) => lines.push(`# Puppet Name: ${name}`, `18 0 * * * ${chain(name, cfg, wrapped)}`);
    add('pull_early', unreachableTempCfg(tmp.dir, 'pull_early'), false);
    for (const [name, wrapped] of [
      ['pull_live', false],
      ['pull_root', true],
      ['pull_u', false],
      ['pull_x', true],
      ['pull_rot', false],
    ] as const)
      add(name, filesPushCfg(tmp.dir, name, home, job), wrapped);
    crontab = `${lines.join('\n')}\n`;
    const file = join(tmp.dir, 'crontab');
    writeFileSync(file, crontab);
    const installed = spawnSync('crontab', ['-u', JOB_USER, file], { encoding: 'utf8' });
    expect(installed.status, installed.stderr).to.equal(0);
  });
  after(async () => {
    await rs?.stop();
    tmp?.cleanup();
    for (const undo of made.reverse()) undo();
  });
  afterEach(() => {
    for (const f of ['aws-fails', 'aws-wait']) rmSync(join(host.control, f), { force: true });
  });

  const cronLine = (name: string) => {
    const all = crontab.split('\n');
    return all[all.indexOf(`# Puppet Name: ${name}`) + 1]!.split(' ').slice(5).join(' ');
  };
  /** The job's cron line as cron runs it: /bin/sh -c as the job's user with cron's environment, in its home. */
  const cronRun = (name: string) => {
    const vars = Object.entries({ HOME: home, LOGNAME: JOB_USER, SHELL: '/bin/sh', PATH: '/usr/bin:/bin' })
      .map(([k, v]) => q(`${k}=${v}`))
      .join(' ');
    return host.run(`cd ${q(home)} && exec setpriv --reuid=${JOB_USER} --regid=${JOB_USER} --init-groups env -i ${vars} /bin/sh -c ${q(cronLine(name))}`);
  };
  const asChecker = (exe: string, args: string[], before = '') =>
    host.run(`${before}exec setpriv --reuid=${CHECKER} --regid=${CHECKER} --init-groups /usr/local/bin/${exe} ${args.map(q).join(' ')}`);
  const check = (args: string[], before = '') => asChecker('check_env_sync', [...args, '--syslog', rs.file, '--reboot-lock-dir', host.lockDir], before);
  const status = async () => {
    const r = await host.run(`/usr/local/bin/env-sync status --json --user ${JOB_USER} --syslog ${q(rs.file)} --reboot-lock-dir ${q(host.lockDir)}`);
    return JSON.parse(r.stdout) as {
      problems: string[];
      jobs: Array<{ job: string; state: number; lastRun: { outcome: string } | null; consecutiveFailures: number }>;
    };
  };
  /** The lines under Evidence, up to the Re-run line. */
  const evidence = (out: string) => {
    const lines = out.split('\n');
    const from = lines.findIndex((l) => l.startsWith('Evidence'));
    const to = lines.findIndex((l, i) => i > from && l.startsWith('Re-run'));
    return lines.slice(from + 1, to === -1 ? undefined : to);
  };

  it("item 2: an unwrapped run that exited with no Completed or Error line (the script's temppath exit 1) is CRITICAL, not running for ever; a stale with_reboot_lock file does not bring the OK back; hidepid is said, not guessed", async () => {
    const ran = await cronRun('pull_early');
    expect(ran.code, ran.stdout + ran.stderr).to.equal(1);
    expect(ran.stdout).to.contain('Could not access');
    await rs.waitFor(/govuk_env_sync\.sh: Starting .*pull_early\.cfg/);
    expect(rs.read()).not.to.match(/(Completed|Error running) .*pull_early\.cfg/);
    // A lock file left behind, as by a with_reboot_lock killed before its trap ran.
    writeFileSync(join(host.lockDir, 'reboot_lock-env-sync_pull_early'), '');
    const r = await check(['--job', 'pull_early']);
    expect(r.code, r.stdout).to.equal(2);
    expect(r.stdout).to.match(
      /^ENV_SYNC CRITICAL - pull_early run started (yesterday )?\d\d:\d\d ended without a Completed or Error running line: no govuk_env_sync\.sh runs its cfg any more, so it exited early/,
    );
    expect(r.stdout).to.contain(`[WARNING] stale with_reboot_lock file ${host.lockDir}/reboot_lock-env-sync_pull_early`);
    expect(r.stdout.split('\n')[0]).to.contain('running=0;');
    // item 11: env-sync status knows the run the check knows.
    const row = (await status()).jobs.find((j) => j.job === 'pull_early')!;
    expect(row).to.deep.include({ state: 2, consecutiveFailures: 1 });
    expect(row.lastRun?.outcome).to.equal('ended-unrecorded');
    // /proc mounted hidepid: the checking user cannot see the job's processes, and says so.
    const hidden = await check(['--job', 'pull_early'], 'mount -t proc -o hidepid=invisible proc /proc && ');
    expect(hidden.code, hidden.stdout).to.equal(3);
    expect(hidden.stdout).to.match(
      /^ENV_SYNC UNKNOWN - pull_early cannot tell whether the run started (yesterday )?\d\d:\d\d still runs \(no Completed or Error running line yet\): \/proc is mounted with hidepid=invisible, so env-sync-test-checker cannot see other users' processes/,
    );
    rmSync(join(host.lockDir, 'reboot_lock-env-sync_pull_early'));
  });

  it('item 2: an unwrapped run still going is OK "running", and its with_reboot_lock file, held by a live with_reboot_lock, is not stale', async () => {
    const fifo = join(host.control, 'aws-wait');
    expect(spawnSync('mkfifo', ['-m', '0666', fifo]).status).to.equal(0);
    const going = cronRun('pull_live');
    await rs.waitFor(/govuk_env_sync\.sh: Starting .*pull_live\.cfg/);
    const r = await check(['--job', 'pull_live']);
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.match(/^ENV_SYNC OK - pull_live running since (yesterday )?\d\d:\d\d/);
    expect(r.stdout).not.to.contain('stale with_reboot_lock');
    expect(existsSync(join(host.lockDir, 'reboot_lock-env-sync_pull_live'))).to.equal(true);
    // Let the upload go on, and every later aws call through.
    expect(spawnSync('sh', ['-c', `echo go > ${fifo} && rm ${fifo}`], { timeout: 30_000 }).status).to.equal(0);
    expect((await going).code).to.equal(0);
    await rs.waitFor(/Completed .*pull_live\.cfg/);
    const done = await check(['--job', 'pull_live']);
    expect(done.code, done.stdout).to.equal(0);
    expect(done.stdout).to.match(/^ENV_SYNC OK - pull_live last run succeeded/);
  });

  it("item 3: a run by hand as root leaves the job directory its user's; one left root's (by an older version) is named, and syslog's later runs are judged", async () => {
    // Cron's runs came first (they made the script's own log file in /var/log/govuk_env_sync).
    expect((await cronRun('pull_root')).code).to.equal(0);
    const byHand = await host.run(
      `cd ${q(home)} && PATH=/usr/bin:/bin /usr/bin/envdir ${envd} /usr/local/bin/env-sync-run --job pull_root -- /usr/local/bin/govuk_env_sync.sh -f ${join(tmp.dir, 'etc', 'pull_root.cfg')}`,
    );
    expect(byHand.code, byHand.stderr).to.equal(0);
    const dir = join(host.stateOnDisk, 'pull_root');
    for (const p of [dir, join(dir, 'state.json')]) expect(statSync(p).uid, p).to.equal(job.uid);
    expect((await cronRun('pull_root')).code).to.equal(0);
    const first = await check(['--job', 'pull_root']);
    expect(first.code, first.stdout).to.equal(0);

    // As an older version (or a mkdir as root) left it: the cron runs cannot record anything.
    expect(spawnSync('chown', ['-R', 'root:root', dir]).status).to.equal(0);
    writeFileSync(join(host.control, 'aws-fails'), '');
    const failed = await cronRun('pull_root');
    expect(failed.code).to.equal(1);
    expect(failed.stderr).to.contain('the sync runs anyway but check_env_sync will not see this run');
    await rs.waitFor(/event=finish job=pull_root .*outcome=failure/);
    const crit = await check(['--job', 'pull_root']);
    expect(crit.code, crit.stdout).to.equal(2);
    expect(crit.stdout).to.match(
      new RegExp(
        `^ENV_SYNC CRITICAL - pull_root a later run failed with exit 1 at (yesterday )?\\d\\d:\\d\\d \\(syslog; the markers are stale: ${host.stateDir}/pull_root is owned by root, so the job's runs cannot record their markers there; chown -R ${JOB_USER}: ${host.stateDir}/pull_root\\)`,
      ),
    );

    rmSync(join(host.control, 'aws-fails'));
    expect((await cronRun('pull_root')).code).to.equal(0);
    // Its own finish line: the fourth success of the job in syslog (cron, by hand, cron, this one).
    await rs.waitFor(/(event=finish job=pull_root .*outcome=success[\s\S]*){4}/);
    const warn = await check(['--job', 'pull_root']);
    expect(warn.code, warn.stdout).to.equal(1);
    expect(warn.stdout).to.match(/^ENV_SYNC WARNING - pull_root markers are stale; syslog says a later run succeeded at (yesterday )?\d\d:\d\d: /);

    expect(spawnSync('chown', ['-R', `${JOB_USER}:`, dir]).status).to.equal(0);
    expect((await cronRun('pull_root')).code).to.equal(0);
    const ok = await check(['--job', 'pull_root']);
    expect(ok.code, ok.stdout).to.equal(0);
  });

  it('item 5: an unwrapped job re-run by hand (wrapped, with env-sync rerun --exec) and failing from cron again is CRITICAL; re-run again, OK', async () => {
    expect((await cronRun('pull_u')).code).to.equal(0);
    expect((await check(['--job', 'pull_u'])).code).to.equal(0);
    for (const round of [1, 2]) {
      writeFileSync(join(host.control, 'aws-fails'), '');
      expect((await cronRun('pull_u')).code).to.equal(1);
      const crit = await check(['--job', 'pull_u']);
      expect(crit.code, `round ${round}: ${crit.stdout}`).to.equal(2);
      expect(crit.stdout).to.match(/^ENV_SYNC CRITICAL - pull_u failed at /);
      rmSync(join(host.control, 'aws-fails'));
      const rerun = await host.run(`cd / && /usr/local/bin/env-sync rerun pull_u --exec --user ${JOB_USER}`);
      expect(rerun.code, rerun.stdout + rerun.stderr).to.equal(0);
      const ok = await check(['--job', 'pull_u']);
      expect(ok.code, `round ${round}: ${ok.stdout}`).to.equal(0);
      // Cron's next run comes a day later; here, past the quarter second a syslog stamp may lag by.
      await new Promise((r) => setTimeout(r, 1100));
    }
    // item 11: the row is the cron run's, not the re-run's marker alone.
    const row = (await status()).jobs.find((j) => j.job === 'pull_u')!;
    expect(row.state).to.equal(0);
    expect(row.lastRun?.outcome).to.equal('success');
  });

  it("item 10: the evidence is the judged run's own lines, each distinct line once", async () => {
    writeFileSync(join(host.control, 'aws-fails'), '');
    expect((await cronRun('pull_x')).code).to.equal(1);
    const first = readFileSync(join(host.control, 'aws-calls'), 'utf8').trim();
    expect((await cronRun('pull_x')).code).to.equal(1);
    const second = readFileSync(join(host.control, 'aws-calls'), 'utf8').trim();
    await rs.waitFor(new RegExp(`upload failed \\(call ${second}\\)`));
    const r = await check(['--job', 'pull_x', '-vv']);
    expect(r.code, r.stdout).to.equal(2);
    const ev = evidence(r.stdout);
    expect(ev.join('\n'), r.stdout).to.contain(`upload failed (call ${second})`);
    expect(ev.join('\n'), 'a line of the run before, a second earlier').not.to.contain(`upload failed (call ${first})`);
    // The script logs its error to syslog and prints it on stdout (which the wrapper copies under
    // env-sync/pull_x): one line, saying where else it appeared; and not again from the marker's tail.
    const errors = ev.filter((l) => l.includes('Error running'));
    expect(errors, ev.join('\n')).to.have.length(1);
    expect(errors[0], ev.join('\n')).to.match(/\(and 1 more time, as (govuk_env_sync\.sh|env-sync\/pull_x)\)$/);
    expect(
      ev.filter((l) => l.includes(`upload failed (call ${second})`)),
      ev.join('\n'),
    ).to.have.length(1);
  });

  it('item 9: a state directory that does not exist is said, with the fix, by the check and by env-sync status', async () => {
    const r = await check(['--job', 'pull_u', '--state-dir', '/nonexistent']);
    expect(r.stdout).to.contain('state directory /nonexistent does not exist; create it: install -d -o');
    expect(r.code, r.stdout).to.be.at.least(1);
    const s = await host.run(`/usr/local/bin/env-sync status --json --user ${JOB_USER} --state-dir /nonexistent --syslog ${q(rs.file)}`);
    const problems = (JSON.parse(s.stdout) as { problems: string[] }).problems;
    expect(
      problems.some((p) => p.startsWith(`state directory /nonexistent does not exist; create it: install -d -o ${JOB_USER} -m 0755 /nonexistent`)),
      problems.join('\n'),
    ).to.equal(true);
    const all = await asChecker('check_env_sync_all', ['--state-dir', '/nonexistent', '--syslog', rs.file]);
    expect(all.stdout).to.match(/^ENV_SYNC \w+ - no jobs found in \/nonexistent: state directory \/nonexistent does not exist/);
  });

  it("item 8: after two rotations (logrotate, delaycompress) an unwrapped job's success is found in syslog.2.gz by default; --rotated 1 stays a hard limit", async () => {
    expect((await cronRun('pull_rot')).code).to.equal(0);
    await rs.waitFor(/Completed .*pull_rot\.cfg/);
    const conf = join(tmp.dir, 'logrotate.conf');
    // Debian's /etc/logrotate.d/rsyslog for syslog, with rsyslogd told to reopen by its pid file.
    writeFileSync(
      conf,
      `${rs.file} {\n  rotate 7\n  daily\n  missingok\n  notifempty\n  delaycompress\n  compress\n  postrotate\n    kill -HUP $(cat ${join(rs.dir, 'rsyslogd.pid')})\n  endscript\n}\n`,
    );
    for (const n of [1, 2]) {
      const filler = `filler line ${n} ${Date.now()}`;
      expect(spawnSync('logger', ['-u', rs.socket, '-t', 'CRON', filler]).status).to.equal(0);
      await rs.waitFor(new RegExp(filler));
      const rot = spawnSync('/usr/sbin/logrotate', ['-f', '-s', join(tmp.dir, 'logrotate.state'), conf], { encoding: 'utf8' });
      expect(rot.status, rot.stderr).to.equal(0);
    }
    expect(existsSync(`${rs.file}.2.gz`)).to.equal(true);
    const marker = spawnSync('sh', ['-c', `zcat ${rs.file}.2.gz | grep -c 'Completed .*pull_rot.cfg'`], { encoding: 'utf8' });
    expect(marker.stdout.trim()).to.equal('1');
    const found = await check(['--job', 'pull_rot']);
    expect(found.code, found.stdout).to.equal(0);
    expect(found.stdout).to.match(/^ENV_SYNC OK - pull_rot last run succeeded/);
    expect(found.stdout).to.contain(`${rs.file}.2.gz:`);
    const limited = await check(['--job', 'pull_rot', '--rotated', '1']);
    expect(limited.code, limited.stdout).to.equal(2);
    expect(limited.stdout).to.match(/^ENV_SYNC CRITICAL - pull_rot: no record of this job/);
    const all = await asChecker('check_env_sync_all', ['--crontab', join(tmp.dir, 'crontab'), '--syslog', rs.file, '--reboot-lock-dir', host.lockDir]);
    expect(all.stdout).to.match(/^\[OK\] pull_rot last run succeeded/m);
  });
});
