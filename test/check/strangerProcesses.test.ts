// Issue 25, finding 6: the /proc probes counted every user's processes. A stranger running a process
// whose command line looks like `govuk_env_sync.sh -f …/JOB.cfg` turned an unwrapped job's CRITICAL
// (a run that logged Starting and no end, and no longer runs) into OK "running"; one named
// `with_reboot_lock env-sync_JOB` hid the stale-lock WARNING. The look-alikes here are started as the
// stranger (setpriv); the same look-alikes started as the job's user are the control that shows the
// probe sees them at all. The check runs as the monitoring user.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { plugin, run, shq, syslogLine, waitUntil } from '../support/proc.js';
import { asUser, CHECKER, ensureUser, JOB_USER, STRANGER } from '../support/users.js';

const CHECK = plugin('check_env_sync');
const CFG_DIR = '/etc/govuk_env_sync';

describe("process probes: only the job user's and root's processes count (issue 25, finding 6)", function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  let state: string;
  let syslog: string;
  let lockDir: string;
  let bin: string;
  const started: ChildProcess[] = [];

  before(() => {
    for (const u of [JOB_USER, STRANGER, CHECKER]) ensureUser(u);
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    lockDir = join(dir, 'no-reboot');
    mkdirSync(lockDir);
    bin = join(dir, 'bin');
    mkdirSync(bin);
    chmodSync(bin, 0o755);
    // Look-alikes that wait on their stdin: closed by the test, they end; no grandchild to reap.
    for (const name of ['govuk_env_sync.sh', 'with_reboot_lock']) {
      writeFileSync(join(bin, name), '#!/bin/bash\nread -r _\n');
      chmodSync(join(bin, name), 0o755);
    }
    const now = Date.now();
    const script = (pid: number, at: number, what: string, cfg: string) =>
      syslogLine(new Date(at), `govuk_env_sync.sh[${pid}]: ${what} "/usr/local/bin/govuk_env_sync.sh -f ${CFG_DIR}/${cfg}.cfg"`);
    syslog = join(dir, 'syslog');
    writeFileSync(
      syslog,
      [
        // pull_gone: started an hour ago, logged no end (the script's plain `exit 1` paths log nothing).
        script(4242, now - 3600_000, 'Starting', 'pull_gone'),
        // pull_lock: ran and succeeded; its with_reboot_lock file was left behind.
        script(4343, now - 3 * 3600_000, 'Starting', 'pull_lock'),
        script(4343, now - 2 * 3600_000, 'Completed', 'pull_lock'),
      ].join('\n') + '\n',
    );
    chmodSync(syslog, 0o644);
    const lock = join(lockDir, 'reboot_lock-env-sync_pull_lock');
    writeFileSync(lock, '');
    utimesSync(lock, new Date(now - 5 * 3600_000), new Date(now - 5 * 3600_000));
  });
  afterEach(() => {
    for (const c of started.splice(0)) {
      c.stdin?.end();
      if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
    }
  });
  after(() => cleanup());

  /** A look-alike process as `user`, returned once /proc shows it with that user's uid and its argv. */
  async function lookAlike(user: string, name: string, args: string[]): Promise<void> {
    const [cmd, argv] = asUser(user, 'bash', [join(bin, name), ...args]);
    const child = spawn(cmd, argv, { stdio: ['pipe', 'ignore', 'ignore'] });
    started.push(child);
    const uid = ensureUser(user).uid;
    await waitUntil(`${user}'s ${name} in /proc`, () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
        return status.includes(`\nUid:\t${uid}\t${uid}\t`) && cmdline.includes(`${name}\0`);
      } catch {
        return false;
      }
    });
  }

  const check = (job: string) =>
    run(
      ...asUser(CHECKER, CHECK, [
        '-j',
        job,
        '--user',
        JOB_USER,
        '--log',
        'syslog',
        '--syslog',
        syslog,
        '--state-dir',
        state,
        '--reboot-lock-dir',
        lockDir,
        '--boot-id-file',
        '/proc/sys/kernel/random/boot_id',
      ]),
    );

  it('with no process: the unwrapped run that logged no end is CRITICAL', async () => {
    const r = await check('pull_gone');
    expect(r.stdout).to.match(
      /^ENV_SYNC CRITICAL - pull_gone run started (yesterday )?\d\d:\d\d ended without a Completed or Error running line: no govuk_env_sync\.sh runs its cfg any more/,
    );
  });

  it('the stranger\'s `govuk_env_sync.sh -f …/pull_gone.cfg` does not make it OK "running"', async () => {
    await lookAlike(STRANGER, 'govuk_env_sync.sh', ['-f', `${CFG_DIR}/pull_gone.cfg`]);
    const r = await check('pull_gone');
    expect(r.code, r.stdout).to.equal(2);
    expect(r.stdout).to.contain('no govuk_env_sync.sh runs its cfg any more');
  });

  it("control: the same process as the job's user is its run still going (OK running)", async () => {
    await lookAlike(JOB_USER, 'govuk_env_sync.sh', ['-f', `${CFG_DIR}/pull_gone.cfg`]);
    const r = await check('pull_gone');
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.match(/^ENV_SYNC OK - pull_gone running since (yesterday )?\d\d:\d\d/);
  });

  it("the stranger's `with_reboot_lock env-sync_pull_lock` does not hide the stale-lock WARNING", async () => {
    expect((await check('pull_lock')).stdout, 'no process: stale').to.contain('stale with_reboot_lock file');
    await lookAlike(STRANGER, 'with_reboot_lock', ['env-sync_pull_lock']);
    const r = await check('pull_lock');
    expect(r.code, r.stdout).to.equal(1);
    expect(r.stdout).to.contain(`stale with_reboot_lock file ${lockDir}/reboot_lock-env-sync_pull_lock (5h old)`);
  });

  it("control: the job's user's with_reboot_lock holds the file (no WARNING)", async () => {
    await lookAlike(JOB_USER, 'with_reboot_lock', ['env-sync_pull_lock']);
    const r = await check('pull_lock');
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).not.to.contain('stale with_reboot_lock');
  });

  // hidepid: the monitoring user sees only its own processes, so whether the job's run still goes
  // cannot be seen, and the check says so (UNKNOWN, with the fix) rather than call it dead. A private
  // /proc in a mount and pid namespace, remounted hidepid=2, leaves the host's /proc as it is; the
  // namespace's processes end with its first process.
  it("hidepid=2: the check as the monitoring user says it cannot see other users' processes and what that means (the run: UNKNOWN; the lock file: stale from the runs alone, said); root sees the run", async () => {
    const job = ensureUser(JOB_USER);
    const checkArgs = ['-j', 'pull_gone', '--user', JOB_USER, '--log', 'syslog', '--syslog', syslog, '--state-dir', state, '--reboot-lock-dir', lockDir]
      .map(shq)
      .join(' ');
    const script = [
      'mount -o remount,hidepid=2 /proc || exit 97',
      `sleep 600 | setpriv --reuid=${job.uid} --regid=${job.gid} --clear-groups bash ${shq(join(bin, 'govuk_env_sync.sh'))} -f ${CFG_DIR}/pull_gone.cfg &`,
      'pid=$!',
      // Polls until the look-alike runs as the job's user (setpriv has exec'd bash).
      `until grep -q "^Uid:.${job.uid}.${job.uid}" /proc/$pid/status 2>/dev/null && grep -q govuk_env_sync.sh /proc/$pid/cmdline; do sleep 0.05; done`,
      `${asUser(CHECKER, CHECK, [])
        .flat()
        .map((a) => shq(String(a)))
        .join(' ')} ${checkArgs}`,
      'echo "--- root"',
      `${shq(CHECK)} ${checkArgs}`,
      'echo "--- lock"',
      `${asUser(CHECKER, CHECK, [])
        .flat()
        .map((a) => shq(String(a)))
        .join(' ')} ${checkArgs.replace("'pull_gone'", "'pull_lock'")}`,
    ].join('\n');
    const r = await run('unshare', ['-m', '-p', '--fork', '--mount-proc', 'sh', '-c', script]);
    expect(r.code, `${r.stdout}${r.stderr}`).to.not.equal(97);
    const [asChecker, rest] = r.stdout.split('--- root\n');
    const [asRoot, lock] = rest!.split('--- lock\n');
    expect(asChecker, r.stderr).to.match(
      new RegExp(
        `^ENV_SYNC UNKNOWN - pull_gone cannot tell whether the run started (yesterday )?\\d\\d:\\d\\d still runs \\(no Completed or Error running line yet\\): /proc is mounted with hidepid=(2|invisible), so ${CHECKER} cannot see other users' processes; remount /proc with gid=G`,
      ),
    );
    expect(asRoot, "root sees through hidepid: the job user's run").to.match(/^ENV_SYNC OK - pull_gone running since/);
    // The lock file: stale by the job's runs alone, and the check says it could not look further.
    expect(lock).to.match(
      new RegExp(
        `^ENV_SYNC WARNING - pull_lock stale with_reboot_lock file .*; remove it if no sync is running \\(no run of the job is going, but whether a with_reboot_lock holds it cannot be seen: /proc is mounted with hidepid=(2|invisible), so ${CHECKER} cannot see other users' processes`,
      ),
    );
  });
});
