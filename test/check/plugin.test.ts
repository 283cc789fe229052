import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJobState, readRunningMarkers } from '../../src/markers/read.js';
import { statePath } from '../../src/markers/paths.js';
import { writeFileAtomic } from '../../src/markers/atomicWrite.js';
import { scanBackwards } from '../../src/syslog/scan.js';
import { StageTimeoutError } from '../../src/syslog/types.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { asNobody, fixture, plugin, run, syslogStamp, waitUntil } from '../support/proc.js';
import { startRsyslog, type Rsyslog } from '../support/rsyslog.js';
import { ensureUser, JOB_USER, withUsers } from '../support/users.js';

const CHECK = plugin('check_env_sync');
const WRAPPER = plugin('env-sync-run');
const SAMPLE = fixture('sample_govuk_env_sync.sh');
// The text ends in no blank (Icinga 2 keeps all before the | as the output); metrics are one blank apart.
const METRIC = String.raw`[^ =|]+=[-0-9.]+[a-zA-Z%]*(;[-~@0-9.:]*){0,4}`;
const FIRST_LINE = new RegExp(String.raw`^ENV_SYNC (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]*[^ |\n](\|${METRIC}( ${METRIC})*)?$`);

describe('check_env_sync on markers written by the real wrapper', function () {
  this.timeout(60_000);
  let rs: Rsyslog;
  let dir: string;
  let state: string;
  let bootFile: string;
  let cleanup: () => void;
  before(async () => {
    rs = await startRsyslog();
  });
  after(async () => rs?.stop());
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    bootFile = join(dir, 'boot_id');
    writeFileSync(bootFile, 'boot-a\n');
  });
  afterEach(() => cleanup());

  const env = () => ({ ...process.env, ENV_SYNC_SYSLOG_SOCKET: rs.socket, ENV_SYNC_STATE_DIR: state, ENV_SYNC_SYSLOG: rs.file });
  const cfg = (name: string, body: string) => {
    const p = join(dir, `${name}.cfg`);
    writeFileSync(p, body);
    return p;
  };
  const wrap = (args: string[]) => run(WRAPPER, ['--boot-id-file', bootFile, ...args], { env: env() });
  const check = async (args: string[]) => {
    const r = await run(CHECK, ['--boot-id-file', bootFile, '--reboot-lock-dir', join(dir, 'no-reboot'), ...args], { env: env() });
    const first = r.stdout.split('\n')[0]!;
    expect(first, r.stdout).to.match(FIRST_LINE);
    expect(r.stderr).to.equal('');
    expect(r.code).to.be.within(0, 3);
    return { code: r.code, first, out: r.stdout };
  };
  /** Moves a recorded run back in time (the wrapper can only write "now"). */
  const age = (job: string, hours: number) => {
    const s = readJobState(state, job, null)!;
    const shift = (r: typeof s.last) =>
      r && {
        ...r,
        start: new Date(Date.parse(r.start) - hours * 3600_000).toISOString(),
        end: r.end && new Date(Date.parse(r.end) - hours * 3600_000).toISOString(),
      };
    // The history too: it holds the same runs (the missed-run rule reads every start in it).
    writeFileAtomic(
      statePath(state, job),
      JSON.stringify({
        ...s,
        last: shift(s.last),
        lastSuccess: shift(s.lastSuccess),
        history: s.history.map((h) => ({
          ...h,
          start: new Date(Date.parse(h.start) - hours * 3600_000).toISOString(),
          end: h.end && new Date(Date.parse(h.end) - hours * 3600_000).toISOString(),
        })),
      }),
    );
  };

  it('OK for a run that succeeded, with perfdata and the re-run command', async () => {
    await wrap(['--', SAMPLE, '-f', cfg('pull_ok', 'behaviour=success\n')]);
    const r = await check(['-j', 'pull_ok', '-w', '25h', '-c', '26h']);
    expect(r.code).to.equal(0);
    expect(r.first).to.match(
      /^ENV_SYNC OK - pull_ok last run succeeded at (yesterday )?\d\d:\d\d after \d+s\|age=[0-9.]+s;90000;93600;0 duration=[0-9.]+s;;;0 exit_code=0 consecutive_failures=0;;;0 running=0;;;0;1$/,
    );
    // Run by the test, not by cron: no cron command to show in full, and the records are root's.
    expect(r.out).to.contain(
      "Re-run: sudo env-sync rerun pull_ok (reads the crontab as root, shows the command and asks; no full command here: the job's user is not known (its records are root's): give --user USER, or name it once for the host as ENV_SYNC_JOB_USER= in /etc/default/env-sync-checks)",
    );
  });

  it('CRITICAL for a failed run, with the error lines from syslog and the file they came from', async () => {
    await wrap(['--', SAMPLE, '-f', cfg('pull_fail', 'behaviour=fail\nexit_code=3\n')]);
    await rs.waitFor(/event=finish job=pull_fail/);
    const r = await check(['-j', 'pull_fail']);
    expect(r.code).to.equal(2);
    expect(r.first).to.match(/^ENV_SYNC CRITICAL - pull_fail failed with exit 3 at (yesterday )?\d\d:\d\d after \d+s; no success on record\|/);
    expect(r.out).to.contain(`${rs.file}: `);
    expect(r.out).to.match(/govuk_env_sync.sh: Error running ".*pull_fail.cfg" in function restore_postgresql on line 212/);
    expect(r.out).to.match(/env-sync\/pull_fail: pg_restore: error: could not execute query/);
    expect(r.out).to.contain('Re-run: sudo env-sync rerun pull_fail (');
  });

  it('CRITICAL for a timeout, a signal and a command that cannot start', async () => {
    await wrap(['--job', 'slow', '--timeout', '1', '--kill-after', '1', '--', SAMPLE, '-f', cfg('slow', 'behaviour=hang\n')]);
    expect((await check(['-j', 'slow'])).first).to.match(/^ENV_SYNC CRITICAL - slow timed out at .* after 1s \(--timeout\)/);
    await wrap(['--job', 'killed', '--', 'sh', '-c', 'kill -TERM $$']);
    expect((await check(['-j', 'killed'])).first).to.match(/^ENV_SYNC CRITICAL - killed was killed by SIGTERM/);
    await wrap(['--job', 'nocmd', '--', join(dir, 'missing-script')]);
    expect((await check(['-j', 'nocmd'])).first).to.match(/^ENV_SYNC CRITICAL - nocmd could not start at .*: command not found/);
  });

  it('OK while a run is in progress within limits, CRITICAL past --max-runtime, CRITICAL once its wrapper and its sync are gone', async () => {
    const child = spawn(WRAPPER, ['--boot-id-file', bootFile, '--job', 'long', '--', 'sleep', '30'], { env: env(), stdio: 'ignore' });
    await waitUntil('running marker', () => readRunningMarkers(state, 'long', null).some((m) => m.childPid));
    const ok = await check(['-j', 'long', '--max-runtime', '1h']);
    expect(ok.code).to.equal(0);
    expect(ok.first).to.match(/^ENV_SYNC OK - long running since (yesterday )?\d\d:\d\d \(for \d+s\)\|.* running=1;;;0;1$/);
    await new Promise((r) => setTimeout(r, 1100));
    const over = await check(['-j', 'long', '--max-runtime', '1']);
    expect(over.code).to.equal(2);
    expect(over.first).to.contain('(over --runtime-critical 1)');
    const childPid = readRunningMarkers(state, 'long', null)[0]!.childPid!;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    process.kill(childPid, 'SIGKILL');
    const dead = await check(['-j', 'long']);
    expect(dead.code).to.equal(2);
    expect(dead.first).to.match(
      /run started (yesterday )?\d\d:\d\d: its wrapper pid \d+ died and recorded no end, and its sync pid \d+ has ended since: outcome unknown/,
    );
  });

  it('CRITICAL when the host rebooted during the run (boot id changed)', async () => {
    const child = spawn(WRAPPER, ['--boot-id-file', bootFile, '--job', 'rebooted', '--', 'sleep', '30'], { env: env(), stdio: 'ignore' });
    await waitUntil('running marker', () => readRunningMarkers(state, 'rebooted', null).some((m) => m.childPid));
    const sleepPid = readRunningMarkers(state, 'rebooted', null)[0]!.childPid!;
    writeFileSync(bootFile, 'boot-b\n');
    const r = await check(['-j', 'rebooted']);
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    // The wrapper's child (its own process group) outlives a SIGKILLed wrapper: end it by the pid recorded.
    process.kill(-sleepPid, 'SIGKILL');
    expect(r.code).to.equal(2);
    expect(r.first).to.contain('was interrupted by a reboot (boot id changed)');
  });

  it('WARNING for a skipped overlapping start', async () => {
    const first = spawn(WRAPPER, ['--boot-id-file', bootFile, '--job', 'ov', '--', 'sleep', '2'], { env: env(), stdio: 'ignore' });
    const firstExit = new Promise((r) => first.once('exit', r));
    await waitUntil('first run', () => readRunningMarkers(state, 'ov', null).length > 0);
    expect((await wrap(['--job', 'ov', '--', 'true'])).code).to.equal(75);
    await firstExit;
    // The skip happened while the first run was alive; after it ended the skip is the older record.
    // Renumbered as recorded after the run (record order is the marker's sequence, not the clock).
    const s = readJobState(state, 'ov', null)!;
    expect(s.lastSkipped!.seq).to.be.lessThan(s.last!.seq!);
    writeFileAtomic(statePath(state, 'ov'), JSON.stringify({ ...s, seq: s.seq + 1, lastSkipped: { ...s.lastSkipped!, seq: s.seq + 1 } }));
    const r = await check(['-j', 'ov']);
    expect(r.code).to.equal(1);
    expect(r.first).to.match(/skipped: run \S+ \(pid \d+, started .*\) of this job was still running/);
  });

  it('WARNING and CRITICAL on the age of the last success (--age-warning / --max-age)', async () => {
    await wrap(['--job', 'stale', '--', 'true']);
    age('stale', 30);
    const w = await check(['-j', 'stale', '-w', '1d', '-c', '2d']);
    expect(w.code).to.equal(1);
    expect(w.first).to.match(
      /^ENV_SYNC WARNING - stale last success 1 day ago \(over --age-warning 1d\); last run succeeded .*\|age=1080\d\d(\.\d+)?s;86400;172800;0/,
    );
    const c = await check(['-j', 'stale', '--max-age', '26h']);
    expect(c.code).to.equal(2);
    expect(c.first).to.contain('(over --age-critical 26h)');
  });

  it('CRITICAL when a scheduled run was missed, OK within the grace', async () => {
    await wrap(['--job', 'sched', '--', 'true']);
    age('sched', 48);
    const due = new Date(Date.now() - 3 * 3600_000);
    const cron = `${due.getMinutes()} ${due.getHours()} * * *`;
    const missed = await check(['-j', 'sched', '--schedule', cron, '--grace', '2h']);
    expect(missed.code).to.equal(2);
    expect(missed.first).to.match(/missed the run due at .* \(schedule '.*', grace 2h\): nothing started since/);
    const within = await check(['-j', 'sched', '--schedule', cron, '--grace', '4h']);
    expect(within.code).to.equal(0);
  });

  it('--missing chooses the state for a job with no record at all', async () => {
    expect((await check(['-j', 'never'])).code).to.equal(2);
    const u = await check(['-j', 'never', '--missing', 'unknown']);
    expect(u.code).to.equal(3);
    expect(u.first).to.contain('no record of this job');
  });

  it('WARNING for a stale with_reboot_lock file while no run is alive', async () => {
    await wrap(['--job', 'locked', '--', 'true']);
    const lockDir = join(dir, 'no-reboot');
    mkdirSync(lockDir);
    const lock = join(lockDir, 'reboot_lock-env-sync_locked');
    writeFileSync(lock, '');
    utimesSync(lock, new Date(Date.now() - 5 * 3600_000), new Date(Date.now() - 5 * 3600_000));
    const r = await check(['-j', 'locked']);
    expect(r.code).to.equal(1);
    expect(r.first).to.contain(`stale with_reboot_lock file ${lock} (5h old)`);
  });

  it('WARNING for the old shared reboot_lock file once it is a day old (older with_reboot_lock versions)', async () => {
    await wrap(['--job', 'shared', '--', 'true']);
    const lockDir = join(dir, 'no-reboot');
    mkdirSync(lockDir);
    const lock = join(lockDir, 'reboot_lock');
    writeFileSync(lock, '');
    utimesSync(lock, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    expect((await check(['-j', 'shared'])).code, 'another job may hold it for its run').to.equal(0);
    utimesSync(lock, new Date(Date.now() - 30 * 3600_000), new Date(Date.now() - 30 * 3600_000));
    const r = await check(['-j', 'shared']);
    expect(r.code).to.equal(1);
    expect(r.first).to.contain(`stale shared with_reboot_lock file ${lock} (30h old)`);
  });

  it('judges an unwrapped job from syslog only, and says so', async () => {
    const c = cfg('unwrapped', 'behaviour=fail\n');
    await run(SAMPLE, ['-f', c], { env: env() });
    await rs.waitFor(/Error running .*unwrapped.cfg/);
    const r = await check(['-j', 'unwrapped']);
    expect(r.code).to.equal(2);
    expect(r.out).to.contain('Judged from syslog lines alone, which any local user can write');
    // A command read from syslog is never shown as runnable.
    expect(r.out).to.contain('Re-run: sudo env-sync rerun unwrapped (');
    expect(r.out).not.to.match(new RegExp(`Re-run: .*${SAMPLE}`));
  });

  it('judges the same failed run from syslog, from syslog.1 after a real logrotate, and from syslog.2.gz with --rotated 2', async () => {
    const logrotate = ['/usr/sbin/logrotate', '/sbin/logrotate'].find((p) => existsSync(p));
    if (!logrotate) throw new Error('logrotate is missing: apt-get install -y logrotate (or bash scripts/test-deps.sh)');
    await wrap(['--', SAMPLE, '-f', cfg('pull_rot', 'behaviour=fail\n')]);
    await rs.waitFor(/event=finish job=pull_rot/);
    const logs = join(dir, 'log');
    mkdirSync(logs);
    const syslog = join(logs, 'syslog');
    copyFileSync(rs.file, syslog);
    const conf = join(dir, 'logrotate.conf');
    writeFileSync(conf, `${syslog} {\n  rotate 4\n  daily\n  compress\n  delaycompress\n  missingok\n}\n`);
    const rotate = () => {
      const r = spawnSync(logrotate, ['-f', '-s', join(dir, 'logrotate.state'), conf]);
      expect(r.status, r.stderr?.toString()).to.equal(0);
      writeFileSync(syslog, `${syslogStamp()} db1 CRON[1]: (root) CMD (true)\n`);
    };
    const evidenceFrom = async (rotated: string) => {
      const r = await check(['-j', 'pull_rot', '--syslog', syslog, '--rotated', rotated]);
      expect(r.code).to.equal(2);
      return r.out
        .split('\n')
        .filter((l) => l.includes('Error running'))
        .map((l) => l.slice(0, l.indexOf(':')));
    };
    expect(await evidenceFrom('1')).to.deep.equal([syslog]);
    rotate();
    expect(await evidenceFrom('1')).to.deep.equal([`${syslog}.1`]);
    rotate();
    expect(await evidenceFrom('1')).to.deep.equal([]);
    expect(await evidenceFrom('2')).to.deep.equal([`${syslog}.2.gz`]);
  });

  it('keeps output with |, control characters and very long lines to one clean, bounded first line', async () => {
    await wrap([
      '--job',
      'noisy',
      '--',
      'sh',
      '-c',
      `printf 'error: a|b \\033[31mred\\033[0m \\001\\002 %s\\n' "$(head -c 20000 /dev/zero | tr '\\0' x)"; exit 1`,
    ]);
    const full = await check(['-j', 'noisy', '--max-output', '65536']);
    expect(full.out).to.contain('marker output tail: error: a¦b red …(line cut)');
    for (const max of ['4096', '1024']) {
      const r = await check(['-j', 'noisy', '--max-output', max]);
      expect(Buffer.byteLength(r.out)).to.be.at.most(Number(max));
      // eslint-disable-next-line no-control-regex
      expect(r.out).not.to.match(/[\u0000-\u0009\u000b-\u001f]/);
      expect(r.first.split('|')).to.have.length(2);
      expect(r.out).to.contain('error: a¦b ');
    }
  });
});

describe('check_env_sync on markers it must not trust, and bad arguments', function () {
  this.timeout(30_000);
  withUsers(JOB_USER);
  let dir: string;
  let state: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    state = join(dir, 'state');
    mkdirSync(join(state, 'pull_x'), { recursive: true });
  });
  afterEach(() => cleanup());
  const check = (args: string[]) => run(CHECK, ['--state-dir', state, '--syslog', join(dir, 'syslog'), ...args]);

  const MARKERS: Array<[string, string, RegExp]> = [
    ['corrupt', '{"schema":1,"job":"pull_x",,,', /is not valid JSON \(truncated or corrupt\); move it away/],
    ['truncated', '{"schema":1,"job":"pull_x","last":{"runId":"r', /is not valid JSON/],
    ['empty', '', /is empty/],
    ['binary', '\u0000\u0001\u0002\u00ff', /is not valid JSON/],
    ['future-schema', '{"schema":7,"job":"pull_x"}', /marker schema 7, newer than this check understands \(3\); upgrade env-sync-checks/],
  ];
  for (const [what, content, msg] of MARKERS) {
    it(`UNKNOWN for a ${what} marker, naming the file and the fix`, async () => {
      const p = join(state, 'pull_x', 'state.json');
      writeFileSync(p, content);
      const r = await check(['-j', 'pull_x']);
      expect(r.code).to.equal(3);
      expect(r.stdout.split('\n')[0])
        .to.match(/^ENV_SYNC UNKNOWN - pull_x: /)
        .and.to.contain(p)
        .and.to.match(msg);
      expect(r.stderr).to.equal('');
    });
  }

  it('UNKNOWN when the state directory cannot be read, naming it (as nobody)', async () => {
    writeFileSync(join(state, 'pull_x', 'state.json'), '{}');
    chmodSync(join(state, 'pull_x'), 0o700);
    const [cmd, args] = asNobody(CHECK, ['-j', 'pull_x', '--state-dir', state, '--syslog', join(dir, 'syslog')]);
    const r = await run(cmd, args);
    expect(r.code).to.equal(3);
    expect(r.stdout).to.match(/^ENV_SYNC UNKNOWN - pull_x: .*state\/pull_x.*permission denied; make it readable/);
  });

  it('UNKNOWN when syslog cannot be read and there is no marker, with the adm group fix (as nobody)', async () => {
    const log = join(dir, 'syslog');
    writeFileSync(log, 'Nov 24 00:00:00 h x: y\n');
    chmodSync(log, 0o640);
    // Debian's syslog is root:adm 0640: the fix names adm; a host whose logs are another group's gets that group named.
    chownSync(log, 0, Number(spawnSync('getent', ['group', 'adm'], { encoding: 'utf8' }).stdout.split(':')[2]));
    const [cmd, args] = asNobody(CHECK, ['-j', 'other', '--state-dir', state, '--syslog', log]);
    const r = await run(cmd, args);
    expect(r.code).to.equal(3);
    expect(r.stdout).to.contain(`${log} cannot be read (permission denied); add user nobody to group adm to read ${log}`);
    chownSync(log, 0, ensureUser(JOB_USER).gid);
    const [cmd2, args2] = asNobody(CHECK, ['-j', 'other', '--state-dir', state, '--syslog', log]);
    const other = await run(cmd2, args2);
    expect(other.stdout).to.contain(`${log} cannot be read (permission denied); add user nobody to group ${JOB_USER} to read ${log}`);
  });

  const ARGS: Array<[string[], RegExp]> = [
    [[], /--job JOB is required/],
    [['-j', 'a/b'], /invalid job name/],
    [['-j', 'x', '-w', 'abc'], /--age-warning: "abc" is not a range/],
    [['-j', 'x', '-c', '10:5'], /start is greater than the end/],
    [['-j', 'x', '-c', '@'], /--age-critical: /],
    [['-j', 'x', '-c', '~'], /--age-critical: /],
    [['-j', 'x', '--grace=-5m'], /--grace: /],
    [['-j', 'x', '--max-age', '1e99h'], /--age-critical: /],
    [['-j', 'x', '--missing', 'maybe'], /--missing: "maybe" must be one of/],
    [['-j', 'x', '--schedule', 'every night'], /--schedule: "every night" is not a cron schedule/],
    [['-j', 'x', '--bogus'], /unknown option --bogus/],
    [['-j', 'x', '-t', '0'], /--timeout: "0" must be a whole number/],
  ];
  for (const [args, msg] of ARGS) {
    it(`UNKNOWN for bad arguments: ${args.join(' ') || '(none)'}`, async () => {
      const r = await check(args);
      expect(r.code).to.equal(3);
      expect(r.stdout)
        .to.match(/^ENV_SYNC UNKNOWN - /)
        .and.to.match(msg);
      expect(r.stderr).to.equal('');
    });
  }

  it('-h and -V print help and the version and exit UNKNOWN, as the Monitoring Plugins do', async () => {
    const h = await check(['-h']);
    expect(h.code).to.equal(3);
    expect(h.stdout).to.contain('--max-output');
    const v = await check(['-V']);
    expect(v.stdout.trim()).to.equal(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version);
  });

  it('a reading deadline that passes becomes a timeout naming the stage', async () => {
    writeFileSync(join(dir, 'syslog'), 'Nov 24 00:00:00 h x: y\n');
    try {
      await scanBackwards({ syslog: join(dir, 'syslog'), rotated: 1, now: new Date(), deadline: Date.now() - 1 }, () => false);
      expect.fail('no timeout');
    } catch (err) {
      expect(err).to.be.instanceOf(StageTimeoutError);
      expect((err as StageTimeoutError).stage).to.equal(`reading ${join(dir, 'syslog')}`);
    }
  });
});
