// Issue 30, a dead scheduler: Debian's real cron, started and killed by the test, and what
// check_env_sync_all and env-sync status say of it. Debian's cron has no option for another pid
// file, so it runs in a mount and pid namespace of its own (unshare), with tmpfs over /run (its
// /run/crond.pid), over /etc/cron.d and the crontab spool, and an empty /etc/crontab: the host's
// cron, if one runs, and the host's jobs are left alone, and every process of the namespace ends
// with it. The checks run inside (nsenter), as the monitoring user unless said.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plugin, run, shq, type Result } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { asUser, CHECKER, ensureUser } from '../support/users.js';

const CRON = '/usr/sbin/cron';

/** A cron line due `days` days from now (its day and month written out): never within 24 hours. */
function daysAhead(days: number): string {
  const at = new Date(Date.now() + days * 86_400_000);
  return `${at.getMinutes()} ${at.getHours()} ${at.getDate()} ${at.getMonth() + 1} *`;
}

const line = (schedule: string, job: string) => `${schedule} /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${job}.cfg\n`;

describe('the dead scheduler: the real cron daemon stopped and started (issue 30)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;
  let state: string;
  let holder: ChildProcess;
  let init: number;
  let due: string;
  let far: string;

  before(async () => {
    for (const [tool, pkg] of [
      [CRON, 'cron'],
      ['/usr/bin/nsenter', 'util-linux'],
    ] as const)
      expect(spawnSync('test', ['-x', tool]).status, `${tool} is missing: apt-get install -y ${pkg} (scripts/test-deps.sh)`).to.equal(0);
    ensureUser(CHECKER);
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    due = join(dir, 'crontab-due');
    far = join(dir, 'crontab-far');
    // Every minute and daily: both due within any 24 hours; the third only in three days.
    writeFileSync(due, line('* * * * *', 'pull_minutely') + line('17 4 * * *', 'pull_daily') + line(daysAhead(3), 'pull_far'));
    writeFileSync(far, line(daysAhead(3), 'pull_far'));
    for (const f of [due, far]) chmodSync(f, 0o644);
    writeFileSync(join(dir, 'empty'), '');
    const setup = [
      'set -e',
      'mount -t tmpfs -o mode=755 tmpfs /run',
      'mount -t tmpfs -o mode=755 tmpfs /etc/cron.d',
      '[ ! -d /var/spool/cron/crontabs ] || mount -t tmpfs -o mode=730 tmpfs /var/spool/cron/crontabs',
      `mount --bind ${shq(join(dir, 'empty'))} /etc/crontab`,
      // A syslog socket in /dev itself (rsyslog without systemd): cron's lines stay out of the host's log.
      '[ ! -S /dev/log ] || mount --bind /dev/null /dev/log',
      'echo ready',
      'exec sleep infinity',
    ].join('\n');
    holder = spawn('unshare', ['--mount', '--propagation', 'private', '--pid', '--mount-proc', '--kill-child', 'sh', '-c', setup], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    holder.stderr!.on('data', (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
      holder.on('exit', (code) => reject(new Error(`the namespace ended (${code}): ${err}`)));
    });
    // The namespace's first process, a child of unshare: nsenter joins its namespaces.
    init = Number(readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim().split(' ')[0]);
    expect(init).to.be.greaterThan(0);
  });
  after(async () => {
    if (holder && holder.exitCode === null) {
      const ended = new Promise((r) => holder.once('exit', r));
      // unshare ignores SIGTERM while it waits for its child; killed, --kill-child takes the
      // namespace's first process with it, and so every process in the namespace.
      holder.kill('SIGKILL');
      await ended;
    }
    cleanup?.();
  });

  /** A shell script in the namespace, as root. */
  const inside = (script: string): Promise<Result> => run('nsenter', ['-t', String(init), '-m', '-p', '--', 'sh', '-c', script]);
  const words = (cmd: string, args: string[]) => [cmd, ...args].map(shq).join(' ');

  /** check_env_sync_all in the namespace, as the monitoring user (or root). */
  async function checkAll(args: string[], as: 'checker' | 'root' = 'checker'): Promise<Result> {
    const all = [plugin('check_env_sync_all'), '--state-dir', state, '--syslog', '/dev/null', '--missing', 'ok', ...args];
    const [cmd, argv] = as === 'root' ? [all[0]!, all.slice(1)] : asUser(CHECKER, all[0]!, all.slice(1));
    return inside(words(cmd, argv));
  }

  /** Starts cron and returns its pid once its pid file names a live cron. */
  async function startCron(): Promise<number> {
    const r = await inside(
      `rm -f /run/crond.pid; ${CRON} </dev/null >/dev/null 2>&1 || exit 1; for i in $(seq 1 600); do p=$(cat /run/crond.pid 2>/dev/null); [ -n "$p" ] && [ "$(cat /proc/$p/comm 2>/dev/null)" = cron ] && { echo $p; exit 0; }; sleep 0.05; done; exit 2`,
    );
    expect(r.code, r.stderr).to.equal(0);
    return Number(r.stdout.trim());
  }

  /** Kills it as the OOM killer does (SIGKILL: the pid file stays) and waits until it no longer runs. */
  async function killCron(pid: number): Promise<void> {
    const r = await inside(
      `kill -KILL ${pid}; for i in $(seq 1 600); do s=$(cut -d' ' -f3 /proc/${pid}/stat 2>/dev/null); [ -z "$s" ] || [ "$s" = Z ] && exit 0; sleep 0.05; done; exit 2`,
    );
    expect(r.code, r.stderr).to.equal(0);
  }

  it('no cron yet (no pid file, no process): CRITICAL naming cron and the jobs due in the next 24h, not the job due in three days; env-sync status says the same first', async () => {
    const r = await checkAll(['--crontab', due]);
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout).to.match(
      /^ENV_SYNC CRITICAL - cron is not running; 2 jobs due in the next 24h: pull_minutely \(\d\d:\d\d\) and pull_daily \((\w+ \d+ )?\d\d:\d\d\); 3 jobs: 3 OK/,
    );
    expect(r.stdout.split('\n')[0]).not.to.contain('pull_far (');
    expect(r.stdout).to.contain('[CRITICAL] cron is not running: no /run/crond.pid and no cron process of root; start it (systemctl start cron)');
    const s = await inside(words(plugin('env-sync'), ['status', '--state-dir', state, '--syslog', '/dev/null', '--crontab', due, '--missing', 'ok']));
    expect(s.code, s.stderr).to.equal(2);
    expect(s.stdout).to.match(/^SCHEDULER CRITICAL: cron is not running; 2 jobs due in the next 24h: pull_minutely/);
  });

  it('cron started: OK again, saying which pid was seen; killed as the OOM killer kills (the pid file stays): CRITICAL, the pid named gone', async () => {
    const pid = await startCron();
    const up = await checkAll(['--crontab', due]);
    expect(up.code, up.stdout + up.stderr).to.equal(0);
    expect(up.stdout).to.match(/^ENV_SYNC OK - 3 jobs: 3 OK/);
    expect(up.stdout).to.contain(`[OK] cron is running: pid ${pid} (cron) from /run/crond.pid`);
    const s = await inside(words(plugin('env-sync'), ['status', '--state-dir', state, '--syslog', '/dev/null', '--crontab', due, '--missing', 'ok']));
    expect(s.code, s.stderr).to.equal(0);
    expect(s.stdout).not.to.contain('SCHEDULER');

    await killCron(pid);
    expect((await inside('cat /run/crond.pid')).stdout.trim()).to.equal(String(pid));
    const down = await checkAll(['--crontab', due]);
    expect(down.code, down.stdout).to.equal(2);
    expect(down.stdout).to.match(/^ENV_SYNC CRITICAL - cron is not running; 2 jobs due in the next 24h: pull_minutely/);
    expect(down.stdout).to.contain(`[CRITICAL] cron is not running: /run/crond.pid names pid ${pid}, which is gone;`);
  });

  it('a stale pid file whose pid is now another process counts as not running; so does a cron-named process that started after the file was written', async () => {
    const other = await inside(`sleep 600 >/dev/null 2>&1 & echo $! > /run/crond.pid; cat /run/crond.pid`);
    const r = await checkAll(['--crontab', due]);
    expect(r.code, r.stdout).to.equal(2);
    expect(r.stdout).to.contain(`/run/crond.pid names pid ${other.stdout.trim()}, which is now sleep, not cron`);
    // The pid given to a later process named cron (its program file is called cron; argv[0] is not):
    // it started after the pid file was written, so it is not the daemon that wrote it.
    const later = await inside(
      `cp /bin/sleep ${shq(join(dir, 'cron'))} && bash -c 'exec -a not-the-daemon "$0" 600' ${shq(join(dir, 'cron'))} >/dev/null 2>&1 & p=$!; ` +
        `for i in $(seq 1 600); do [ "$(cat /proc/$p/comm 2>/dev/null)" = cron ] && break; sleep 0.05; done; echo $p > /run/crond.pid; touch -d '1 hour ago' /run/crond.pid; echo $p`,
    );
    const pid = later.stdout.trim();
    expect(pid).to.match(/^\d+$/);
    const r2 = await checkAll(['--crontab', due]);
    expect(r2.code, r2.stdout).to.equal(2);
    expect(r2.stdout).to.contain(`/run/crond.pid names pid ${pid}, which is now a cron started after the file was written`);
  });

  it('cron not running and no job due in the window: WARNING, not CRITICAL; a longer --scheduler-window reaches it; --scheduler none does not look', async () => {
    const r = await checkAll(['--crontab', far]);
    expect(r.code, r.stdout).to.equal(1);
    expect(r.stdout).to.match(/^ENV_SYNC WARNING - cron is not running; none of the 1 cron job is due in the next 24h; 1 jobs: 1 OK/);
    const wide = await checkAll(['--crontab', far, '--scheduler-window', '4d']);
    expect(wide.code, wide.stdout).to.equal(2);
    expect(wide.stdout).to.match(/^ENV_SYNC CRITICAL - cron is not running; 1 job due in the next 4d: pull_far \(/);
    const off = await checkAll(['--crontab', due, '--scheduler', 'none']);
    expect(off.code, off.stdout).to.equal(0);
    expect(off.stdout).not.to.contain('cron is');
  });

  // hidepid: the monitoring user cannot see root's processes, so a dead cron and a live one look the
  // same to it. It says so (and the fix) rather than raise a false CRITICAL; asked for by name
  // (--scheduler cron) the check it cannot make is UNKNOWN. Root sees through hidepid.
  it('/proc mounted hidepid=2: "cannot be seen" with the fix, never CRITICAL, whether cron runs or not; UNKNOWN with --scheduler cron; root still sees', async () => {
    const pid = await startCron();
    const r = await inside('mount -o remount,hidepid=2 /proc');
    expect(r.code, r.stderr).to.equal(0);
    const hidden = new RegExp(
      `^ENV_SYNC OK - whether cron is running cannot be seen \\(/proc is mounted with hidepid=(2|invisible), so ${CHECKER} cannot see other users' processes; remount /proc with gid=G`,
    );
    const running = await checkAll(['--crontab', due]);
    expect(running.code, running.stdout).to.equal(0);
    expect(running.stdout).to.match(hidden);
    const asked = await checkAll(['--crontab', due, '--scheduler', 'cron']);
    expect(asked.code, asked.stdout).to.equal(3);
    expect(asked.stdout).to.match(/^ENV_SYNC UNKNOWN - whether cron is running cannot be seen/);
    const asRoot = await checkAll(['--crontab', due], 'root');
    expect(asRoot.stdout).to.contain(`[OK] cron is running: pid ${pid} (cron) from /run/crond.pid`);

    await killCron(pid);
    const dead = await checkAll(['--crontab', due]);
    expect(dead.code, dead.stdout).to.equal(0);
    expect(dead.stdout).to.match(hidden);
    const rootDead = await checkAll(['--crontab', due], 'root');
    expect(rootDead.code, rootDead.stdout).to.equal(2);
    expect(rootDead.stdout).to.contain(`/run/crond.pid names pid ${pid}, which is gone`);
  });
});
