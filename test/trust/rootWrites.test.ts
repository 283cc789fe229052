// Issue 25, finding 2: root running env-sync-run (and env-sync's writing commands) by hand, in a
// state directory the job's user owns. The job's user, as the attacker, swaps the job directory root
// has just made for a link at the moment between its mkdir and the next step (a test-only pause
// point, ENV_SYNC_TEST_PAUSE_AT, stands in for winning the race); and every root run is traced with
// strace, and no write under a directory the job's user owns may go by a path.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJobState } from '../../src/markers/read.js';
import { plugin, repoRoot, run, shq, waitUntil } from '../support/proc.js';
import { auditLog, STRACE_ARGS } from '../support/straceAudit.js';
import { makeTempDir } from '../support/tmp.js';
import { asUser, ensureUser, JOB_USER } from '../support/users.js';

const WRAPPER = plugin('env-sync-run');
const ENV_SYNC = plugin('env-sync');
const DEAD_PID = 2147483647;

describe("root by hand in a state directory the job's user owns (issue 25, finding 2)", function () {
  this.timeout(300_000);
  let tmp: { dir: string; cleanup: () => void };
  let job: { uid: number; gid: number };
  let state: string;

  before(function () {
    if (process.getuid?.() !== 0) throw new Error('these tests run the wrapper as root: run them as root');
    if (spawnSync('strace', ['-V']).error) throw new Error('strace is missing: apt-get install -y strace');
    job = ensureUser(JOB_USER);
  });
  beforeEach(() => {
    tmp = makeTempDir('env-sync-rootw-');
    state = join(tmp.dir, 'state');
    mkdirSync(state, { mode: 0o755 });
    chmodSync(state, 0o755);
    chownSync(state, job.uid, job.gid);
  });
  afterEach(() => tmp.cleanup());

  /** A shell command run as the job's user: the attacker. */
  const asJob = (script: string, input?: string) => {
    const [cmd, args] = asUser(JOB_USER, 'sh', ['-c', script]);
    const r = spawnSync(cmd, args, { encoding: 'utf8', input });
    if (r.status !== 0) throw new Error(`as ${JOB_USER}: ${script}: ${r.stderr}`);
  };

  it('the job directory swapped for a link between its mkdir and its chmod: root changes nothing through the link, refuses it, and the sync still runs with its status', async () => {
    // Root's own directory, 0700: what the old chmod-by-path made 0755 through the link.
    const victim = join(tmp.dir, 'victim');
    mkdirSync(victim, { mode: 0o700 });
    chmodSync(victim, 0o700);
    const go = join(tmp.dir, 'go');
    const child = spawn(WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'racy', '--', 'sh', '-c', 'echo synced; exit 3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ENV_SYNC_TEST_PAUSE_AT: `job-dir-made:${go}` },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    // Root has made the directory and waits at the pause point: the attacker's moment.
    await waitUntil('root to make the job directory', () => existsSync(join(state, 'racy')), 60_000);
    asJob(`mv ${shq(join(state, 'racy'))} ${shq(join(state, 'racy.aside'))} && ln -s ${shq(victim)} ${shq(join(state, 'racy'))}`);
    writeFileSync(go, '');
    expect(await exited).to.equal(3);
    expect(out).to.equal('synced\n');
    expect(err).to.include(`${join(state, 'racy')} is a symbolic link; markers are never written through links`);
    const st = statSync(victim);
    expect(st.mode & 0o7777, "the victim's mode").to.equal(0o700);
    expect([st.uid, st.gid], "the victim's owner").to.deep.equal([0, 0]);
    expect(readdirSync(victim), 'nothing written into the victim').to.deep.equal([]);
  });

  it("strace: every write root makes under the job's user's directories, in every path the wrapper, env-sync config inventory and env-sync metrics take, goes through a descriptor", async () => {
    const textDir = join(tmp.dir, 'textfile');
    mkdirSync(textDir, { mode: 0o755 });
    chownSync(textDir, job.uid, job.gid);
    const syslog = join(tmp.dir, 'syslog');
    writeFileSync(syslog, '');
    const crontab = join(tmp.dir, 'crontab');
    writeFileSync(crontab, '30 1 * * * /usr/bin/env-sync-run --job pull_a -- /usr/local/bin/sync -f pull_a.cfg\n');
    const runLike = (runId: string, extra: Record<string, unknown>) =>
      JSON.stringify({
        schema: 2,
        runId,
        job: 'x',
        part: null,
        host: 'h',
        user: JOB_USER,
        wrapperPid: DEAD_PID,
        wrapperStartTicks: null,
        childPid: null,
        childStartTicks: null,
        bootId: null,
        argv: ['sync'],
        cwd: '/',
        cronCommand: null,
        cronCwd: null,
        start: '2026-12-01T00:00:00.000Z',
        end: null,
        durationSeconds: null,
        outcome: 'running',
        exitCode: null,
        signal: null,
        timeoutSeconds: null,
        message: null,
        output: { lines: 0, bytes: 0, tail: [] },
        ...extra,
      });
    // What the job's user left: a corrupt state file, a dead run's marker and lock, an end kept in a name.
    asJob(
      `mkdir ${shq(join(state, 'corrupt'))} ${shq(join(state, 'dead'))} ${shq(join(state, 'late'))} && echo garbage > ${shq(join(state, 'corrupt', 'state.json'))}`,
    );
    asJob(`cat > ${shq(join(state, 'dead', 'running-20261201T000000Z-aaaaaa.json'))}`, runLike('20261201T000000Z-aaaaaa', { job: 'dead' }));
    asJob(
      `cat > ${shq(join(state, 'dead', 'run.lock'))}`,
      JSON.stringify({
        schema: 2,
        runId: '20261201T000000Z-aaaaaa',
        pid: DEAD_PID,
        startTicks: null,
        bootId: null,
        host: 'h',
        start: '2026-12-01T00:00:00.000Z',
      }),
    );
    asJob(`cat > ${shq(join(state, 'late', 'unrecorded-20261201T000000Z-bbbbbb.failure.4.ENOSPC.json'))}`, runLike('20261201T000000Z-bbbbbb', { job: 'late' }));

    const commands: Array<[string, string[]]> = [
      [WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'fresh', '--textfile-dir', textDir, '--', 'sh', '-c', 'echo synced']],
      [WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'fresh', '--textfile-dir', textDir, '--', 'sh', '-c', 'exit 2']],
      [WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'corrupt', '--', 'true']],
      [WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'dead', '--', 'true']],
      [WRAPPER, ['--no-syslog', '--state-dir', state, '--job', 'late', '--', 'true']],
      [ENV_SYNC, ['config', 'inventory', '--crontab', crontab, '--state-dir', state]],
      [ENV_SYNC, ['metrics', '--state-dir', state, '--syslog', syslog, '--crontab', crontab, '--textfile-dir', textDir]],
    ];
    for (const [i, [cmd, args]] of commands.entries()) {
      const log = join(tmp.dir, `strace.${i}`);
      const r = await run('strace', [...STRACE_ARGS, '-o', log, cmd, ...args], { cwd: tmp.dir });
      const what = `${cmd.split('/').pop()} ${args.join(' ')}`;
      // The corrupt state is set aside, and the wrapper says so (nothing else is a warning here).
      const said = args.includes('corrupt')
        ? r.stderr.replace(/^env-sync-run: WARNING: \S+state\.json cannot be read \([^\n]*; kept it aside as [^\n]*\n/m, '')
        : r.stderr;
      expect(said, what).to.not.match(/WARNING|symbolic link|cannot/);
      const audit = auditLog(readFileSync(log, 'utf8'), [state, textDir], tmp.dir);
      expect(audit.byPath, `${what}: writes by path`).to.deep.equal([]);
      expect(audit.byDescriptor, `${what}: writes seen through descriptors`).to.be.greaterThan(0);
    }

    // The paths were taken: each kind of write happened.
    expect(readJobState(state, 'fresh', null)!.history.map((h) => h.outcome)).to.deep.equal(['success', 'failure']);
    expect(statSync(join(state, 'fresh')).uid, "the job directory root made is the job's user's").to.equal(job.uid);
    expect(readdirSync(join(state, 'corrupt')).some((n) => n.startsWith('state.json.corrupt-'))).to.equal(true);
    expect(readJobState(state, 'dead', null)!.history.map((h) => [h.runId, h.outcome])).to.deep.include(['20261201T000000Z-aaaaaa', 'interrupted']);
    expect(readdirSync(join(state, 'dead')).filter((n) => n.startsWith('running-'))).to.deep.equal([]);
    expect(readJobState(state, 'late', null)!.history.map((h) => [h.runId, h.outcome, h.exitCode])).to.deep.include(['20261201T000000Z-bbbbbb', 'failure', 4]);
    expect(readdirSync(join(state, 'late')).filter((n) => n.startsWith('unrecorded-'))).to.deep.equal([]);
    expect(existsSync(join(state, 'inventory.json'))).to.equal(true);
    expect(readdirSync(textDir).sort()).to.deep.equal(['env_sync_fresh.prom', 'env_sync_verdicts.prom']);
  });

  it("strace: the package's postinst and postrm purge, as root, write nothing by path inside /var/lib/env-sync (a private mount namespace)", function () {
    const log = join(tmp.dir, 'strace.maint');
    const maint = (name: string) => join(repoRoot, 'packaging', 'deb', name);
    const script = [
      'set -e',
      'mount -t tmpfs tmpfs /var/lib',
      'mount -t tmpfs tmpfs /etc/default',
      `printf 'ENV_SYNC_JOB_USER=${JOB_USER}\\n' > /etc/default/env-sync-checks`,
      `install -d -o ${JOB_USER} -g ${JOB_USER} -m 0775 /var/lib/env-sync`,
      // What the job's user keeps there: job directories, markers, a link it planted.
      `setpriv --reuid=${JOB_USER} --regid=${JOB_USER} --clear-groups sh -c 'mkdir /var/lib/env-sync/pull_a && echo {} > /var/lib/env-sync/pull_a/state.json && ln -s /etc /var/lib/env-sync/pull_b'`,
      `strace ${STRACE_ARGS.join(' ')} -o ${shq(`${log}.postinst`)} ${shq(maint('postinst'))} configure`,
      'stat -c "%U %a" /var/lib/env-sync',
      `strace ${STRACE_ARGS.join(' ')} -o ${shq(`${log}.postrm`)} ${shq(maint('postrm'))} purge`,
      'test ! -e /var/lib/env-sync && echo purged',
      'test -d /etc && echo etc-kept',
    ].join('\n');
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000, cwd: tmp.dir });
    expect(r.stdout.trim().split('\n'), r.stderr).to.deep.equal([`${JOB_USER} 755`, 'purged', 'etc-kept']);
    const postinst = auditLog(readFileSync(`${log}.postinst`, 'utf8'), ['/var/lib/env-sync'], tmp.dir);
    expect(postinst.byPath, 'postinst: writes by path').to.deep.equal([]);
    const postrm = auditLog(readFileSync(`${log}.postrm`, 'utf8'), ['/var/lib/env-sync'], tmp.dir);
    expect(postrm.byPath, 'postrm: writes by path').to.deep.equal([]);
    expect(postrm.byDescriptor, 'postrm: removals through descriptors').to.be.greaterThan(0);
  });

  it("the audit itself: the old code's writes by path are found, descriptor writes are not", function () {
    const s = '/srv/state';
    const log = [
      `100 mkdir("${s}/pull_a", 0755) = 0`,
      `100 chmod("${s}/pull_a", 0755) = 0`,
      `100 openat(AT_FDCWD, "${s}/pull_a/.state.json.100.ab.tmp", O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0644) = 21`,
      `100 rename("${s}/pull_a/.state.json.100.ab.tmp", "${s}/pull_a/state.json") = 0`,
      `100 unlink("${s}/pull_a/running-1.json" <unfinished ...>`,
      `100 link("relative.tmp", "run.lock") = 0`,
      `100 openat(AT_FDCWD, "${s}/pull_a", O_RDONLY|O_NOFOLLOW|O_DIRECTORY|O_CLOEXEC) = 22`,
      `100 openat(AT_FDCWD, "/proc/self/fd/22/.x.tmp", O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0644) = 23`,
      `100 rename("/proc/self/fd/22/.x.tmp", "/proc/self/fd/22/x") = 0`,
      `100 unlinkat(22, "y", 0) = 0`,
      `100 fchownat(23, "", 1001, 1001, AT_EMPTY_PATH) = 0`,
      `100 openat(AT_FDCWD, "${s}/pull_a/state.json", O_RDONLY|O_NOFOLLOW|O_CLOEXEC) = 24`,
      `100 openat(AT_FDCWD, "/etc/passwd", O_WRONLY|O_CREAT, 0644) = 25`,
    ].join('\n');
    const audit = auditLog(log, [s], `${s}/pull_a`);
    expect(audit.byPath).to.have.length(6);
    expect(audit.byPath.join('\n')).to.include('chmod(').and.include('mkdir(').and.include('link("relative.tmp"');
    expect(audit.byDescriptor).to.equal(4);
  });
});
