// Issue 30, a dead scheduler, for timer-driven jobs: a real systemd (test/support/systemdInit.ts)
// with a real timer and service, the timer stopped and started again by the test, and what
// check_env_sync_all and env-sync status say of it through the real `systemctl show` and
// `systemd-analyze calendar`. As root, root's systemctl talks to it through its private socket; as
// the monitoring user (as NRPE runs the checks), over the system bus: this machine's dbus-daemon,
// started under the test's systemd.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { plugin, shq, type Result } from '../support/proc.js';
import { SYSTEMD, SystemdInit } from '../support/systemdInit.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { asUser, CHECKER, ensureUser } from '../support/users.js';

describe('the dead scheduler: a real systemd timer stopped and started (issue 30)', function () {
  this.timeout(120_000);
  let systemd: SystemdInit;
  let dir: string;
  let cleanup: () => void;
  let state: string;

  before(async () => {
    for (const [tool, pkg] of [
      [SYSTEMD, 'systemd'],
      ['/usr/bin/systemctl', 'systemd'],
      ['/usr/bin/systemd-analyze', 'systemd'],
      ['/usr/bin/nsenter', 'util-linux'],
    ] as const)
      expect(spawnSync('test', ['-x', tool]).status, `${tool} is missing: apt-get install -y ${pkg} (scripts/test-deps.sh)`).to.equal(0);
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    systemd = new SystemdInit();
    await systemd.start();
    // DefaultDependencies=no: the timer pulls in no sysinit.target, so nothing else of this machine's starts.
    systemd.unit('pull-daily.service', '[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/true\n');
    // Every hour: due within any 24 hours. The weekly one is given a date a year ahead: never due in the window.
    systemd.unit('pull-daily.timer', '[Unit]\nDefaultDependencies=no\n[Timer]\nOnCalendar=hourly\nUnit=pull-daily.service\n');
    const nextYear = new Date().getUTCFullYear() + 1;
    systemd.unit('pull-far.service', '[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/true\n');
    systemd.unit('pull-far.timer', `[Unit]\nDefaultDependencies=no\n[Timer]\nOnCalendar=${nextYear}-06-01 00:00:00\nUnit=pull-far.service\n`);
    const r = await systemd.sh('systemctl daemon-reload && systemctl start pull-daily.timer pull-far.timer');
    expect(r.code, r.stderr).to.equal(0);
  });
  after(async () => {
    await systemd?.stop();
    cleanup?.();
  });

  const words = (cmd: string, args: string[]) => [cmd, ...args].map(shq).join(' ');
  const common = () => ['--state-dir', state, '--syslog', '/dev/null', '--missing', 'ok', '--crontab', '/dev/null'];
  const checkAll = (args: string[]): Promise<Result> =>
    systemd.sh(words(plugin('check_env_sync_all'), ['--state-dir', state, '--syslog', '/dev/null', '--missing', 'ok', '--crontab', '/dev/null', ...args]));
  const status = (args: string[]): Promise<Result> =>
    systemd.sh(words(plugin('env-sync'), ['status', '--state-dir', state, '--syslog', '/dev/null', '--missing', 'ok', '--crontab', '/dev/null', ...args]));
  const TIMERS = ['--timer', 'pull_daily:pull-daily.timer,pull_far:pull-far'];

  it('both timers active: OK, the long output naming each timer, its job and its next run; env-sync status says nothing', async () => {
    const r = await checkAll(TIMERS);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^ENV_SYNC OK - /);
    expect(r.stdout).to.match(/\[OK\] pull-daily\.timer is active: job pull_daily next at (\w+ \d+ )?\d\d:00/);
    expect(r.stdout).to.contain('[OK] pull-far.timer is active: job pull_far next at');
    const s = await status(TIMERS);
    expect(s.code, s.stdout + s.stderr).to.equal(0);
    expect(s.stdout).not.to.contain('SCHEDULER');
  });

  it('the hourly timer stopped: CRITICAL naming the timer and its job due; started again: OK', async () => {
    expect((await systemd.sh('systemctl stop pull-daily.timer')).code).to.equal(0);
    const r = await checkAll(TIMERS);
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout).to.match(
      /^ENV_SYNC CRITICAL - systemd timer not active: pull-daily\.timer \(inactive\); 1 job due in the next 24h: pull_daily \((\w+ \d+ )?\d\d:00\)/,
    );
    expect(r.stdout).to.contain('[CRITICAL] pull-daily.timer of job pull_daily is inactive: start it (systemctl start pull-daily.timer)');
    const s = await status(TIMERS);
    expect(s.code, s.stdout + s.stderr).to.equal(2);
    expect(s.stdout).to.match(/^SCHEDULER CRITICAL: systemd timer not active: pull-daily\.timer \(inactive\); 1 job due/);
    expect((await systemd.sh('systemctl start pull-daily.timer')).code).to.equal(0);
    const again = await checkAll(TIMERS);
    expect(again.code, again.stdout + again.stderr).to.equal(0);
  });

  it('the far timer stopped (next run a year ahead, from its OnCalendar): WARNING, not CRITICAL; with systemd-analyze failing, or a unit systemd does not have: CRITICAL', async () => {
    expect((await systemd.sh('systemctl stop pull-far.timer')).code).to.equal(0);
    try {
      const r = await checkAll(TIMERS);
      expect(r.code, r.stdout + r.stderr).to.equal(1);
      expect(r.stdout).to.match(/^ENV_SYNC WARNING - systemd timer not active: pull-far\.timer \(inactive\); its job pull_far is not due in the next 24h/);
    } finally {
      expect((await systemd.sh('systemctl start pull-far.timer')).code).to.equal(0);
    }
    // A systemd-analyze that fails (here a stand-in first on PATH that exits 1, as one refusing an
    // expression does): when the far job runs is unknown, not never, so it is counted as due.
    expect((await systemd.sh('systemctl stop pull-far.timer')).code).to.equal(0);
    try {
      const stub = `${dir}/failing-analyze`;
      const made = await systemd.sh(
        `mkdir -p ${shq(stub)} && printf '#!/bin/sh\\necho "Failed to parse calendar specification" >&2\\nexit 1\\n' > ${shq(stub)}/systemd-analyze && chmod 755 ${shq(stub)}/systemd-analyze`,
      );
      expect(made.code, made.stderr).to.equal(0);
      const r = await systemd.sh(`PATH=${shq(stub)}:$PATH ${words(plugin('check_env_sync_all'), [...common(), ...TIMERS])}`);
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stdout).to.match(
        /^ENV_SYNC CRITICAL - systemd timer not active: pull-far\.timer \(inactive\); 1 job due in the next 24h: pull_far \(when: unknown\)/,
      );
    } finally {
      expect((await systemd.sh('systemctl start pull-far.timer')).code).to.equal(0);
    }
    const missing = await checkAll(['--timer', 'pull_daily:pull-daily.timer,pull_gone:pull-gone.timer']);
    expect(missing.code, missing.stdout + missing.stderr).to.equal(2);
    expect(missing.stdout).to.match(
      /^ENV_SYNC CRITICAL - systemd timer not active: pull-gone\.timer \(not-found\); 1 job due in the next 24h: pull_gone \(when: unknown\)/,
    );
  });

  it('as the monitoring user (not root): systemctl asks systemd over the system bus, and the stopped timer is CRITICAL all the same', async () => {
    const checker = ensureUser(CHECKER);
    systemd.knowUser(CHECKER);
    try {
      await systemd.startBus();
      expect((await systemd.sh('systemctl stop pull-daily.timer')).code).to.equal(0);
      // Not root, so not systemd's private socket (root's only): this answer came over D-Bus.
      const [cmd, args] = asUser(CHECKER, plugin('check_env_sync_all'), [...common(), ...TIMERS]);
      const r = await systemd.sh(words(cmd, args));
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stdout).to.match(/^ENV_SYNC CRITICAL - systemd timer not active: pull-daily\.timer \(inactive\); 1 job due in the next 24h: pull_daily /);
      const [scmd, sargs] = asUser(CHECKER, plugin('env-sync'), ['status', ...common(), ...TIMERS]);
      const s = await systemd.sh(words(scmd, sargs));
      expect(s.stdout).to.match(/^SCHEDULER CRITICAL: systemd timer not active: pull-daily\.timer/);
      expect((await systemd.sh('systemctl start pull-daily.timer')).code).to.equal(0);
      const again = await systemd.sh(words(cmd, args));
      expect(again.code, again.stdout + again.stderr).to.equal(0);
    } finally {
      await systemd.sh('systemctl start pull-daily.timer');
      checker.remove();
    }
  });

  it('no systemd to ask (this machine, outside the namespace): said, OK with auto; UNKNOWN with --scheduler systemd', async () => {
    const { run } = await import('../support/proc.js');
    const auto = await run(plugin('check_env_sync_all'), [...common(), ...TIMERS]);
    expect(auto.code, auto.stdout + auto.stderr).to.equal(0);
    expect(auto.stdout).to.match(/^ENV_SYNC OK - whether the systemd timers are active cannot be seen \(systemctl show said: /);
    const asked = await run(plugin('check_env_sync_all'), [...common(), ...TIMERS, '--scheduler', 'systemd']);
    expect(asked.code, asked.stdout + asked.stderr).to.equal(3);
  });
});
