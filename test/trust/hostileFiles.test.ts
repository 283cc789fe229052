// Files that are not what they should be, in the places the checks read: a rotated log renamed
// away during the read, a directory or a FIFO in its place, a crontab that is /dev/zero or a FIFO.
// Every answer is one status line (exit 0-3, nothing on stderr), bounded in time by -t.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { scanBackwards } from '../../src/syslog/scan.js';
import { plugin, run, syslogLine } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const NOW = new Date();
const CHECK = plugin('check_env_sync');
const ALL = plugin('check_env_sync_all');
const FIRST_LINE = /^ENV_SYNC (OK|WARNING|CRITICAL|UNKNOWN) - [^\n]+\n/;

describe('hostile files where the checks read', function () {
  this.timeout(60_000);
  let dir: string;
  let state: string;
  let syslog: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    syslog = join(dir, 'syslog');
    writeFileSync(syslog, `${syslogLine(new Date(NOW.getTime() - 3600_000), 'CRON[1]: (root) CMD (true)')}\n`);
    writeFileSync(`${syslog}.1`, `${syslogLine(new Date(NOW.getTime() - 7200_000), 'CRON[1]: (root) CMD (true)')}\n`);
  });
  afterEach(() => cleanup());

  const check = (args: string[]) => run(CHECK, ['--state-dir', state, '--syslog', syslog, '--reboot-lock-dir', join(dir, 'locks'), ...args]);
  const oneLine = (r: { code: number | null; stdout: string; stderr: string }) => {
    expect(r.stdout, r.stderr).to.match(FIRST_LINE);
    expect(r.stderr).to.equal('');
    expect(r.code).to.be.within(0, 3);
  };

  it('skips a rotated file that logrotate renames away between the listing and its open, and reads on', async () => {
    writeFileSync(
      `${syslog}.2.gz`,
      gzipSync(`${syslogLine(new Date(NOW.getTime() - 86400_000), 'govuk_env_sync.sh: Starting "x -f /etc/govuk_env_sync/pull_x.cfg"')}\n`),
    );
    writeFileSync(`${syslog}.3.gz`, gzipSync(`${syslogLine(new Date(NOW.getTime() - 2 * 86400_000), 'CRON[1]: old')}\n`));
    const seen: string[] = [];
    const result = await scanBackwards(
      {
        syslog,
        rotated: 3,
        now: NOW,
        // As syslog.1 starts being read, syslog.2.gz goes (logrotate's rename, or an administrator).
        onFile: (path) => path.endsWith('.1') && renameSync(`${syslog}.2.gz`, join(dir, 'moved.gz')),
      },
      (e) => {
        seen.push(e.message);
        return false;
      },
    );
    expect(result.problems).to.deep.equal([]);
    expect(result.filesRead.map((p) => p.slice(dir.length + 1))).to.deep.equal(['syslog', 'syslog.1', 'syslog.3.gz']);
    expect(seen).to.deep.equal(['(root) CMD (true)', '(root) CMD (true)', 'old']);
  });

  it('names a rotated file that is a directory, and still judges from the rest', async () => {
    mkdirSync(`${syslog}.2.gz`);
    const r = await check(['--job', 'pull_x', '--rotated', '2']);
    oneLine(r);
    expect(r.stdout).to.contain(`${syslog}.2.gz cannot be read (is a directory, not a log file); move it away`);
  });

  it('never blocks on a rotated file that is a FIFO: -t is not needed, the FIFO is named', async () => {
    expect(spawnSync('mkfifo', [`${syslog}.2.gz`]).status).to.equal(0);
    const started = Date.now();
    const r = await check(['--job', 'pull_x', '--rotated', '2', '-t', '3']);
    oneLine(r);
    expect(r.stdout).to.contain(`${syslog}.2.gz cannot be read (is not a regular file)`);
    expect(Date.now() - started, 'bounded by -t at the most').to.be.below(30_000);
  });

  it('names a live syslog that is a FIFO or a directory instead of hanging or crashing', async () => {
    const fifo = join(dir, 'fifo-log');
    expect(spawnSync('mkfifo', [fifo]).status).to.equal(0);
    for (const path of [fifo, dir]) {
      const r = await run(CHECK, ['--job', 'pull_x', '--state-dir', state, '--syslog', path, '-t', '3']);
      oneLine(r);
      expect(r.stdout).to.match(/^ENV_SYNC UNKNOWN - pull_x: no marker in .* and .* cannot be read \((is not a regular file|is a directory, not a log file)\)/);
    }
  });

  it('names a rotated .gz that is not gzip instead of crashing', async () => {
    writeFileSync(`${syslog}.2.gz`, 'not gzip at all\n');
    const r = await check(['--job', 'pull_x', '--rotated', '2']);
    oneLine(r);
    expect(r.stdout).to.contain(`${syslog}.2.gz cannot be read (`);
  });

  for (const [what, make] of [
    ['/dev/zero', () => '/dev/zero'],
    [
      'a FIFO',
      () => {
        const f = join(dir, 'crontab-fifo');
        spawnSync('mkfifo', [f]);
        return f;
      },
    ],
    ['a directory', () => dir],
    [
      'a 2 MiB file',
      () => {
        const f = join(dir, 'huge-crontab');
        writeFileSync(f, Buffer.alloc(2 * 1024 * 1024, 'a'));
        return f;
      },
    ],
  ] as Array<[string, () => string]>) {
    it(`refuses a crontab that is ${what} at once, naming it`, async () => {
      const crontab = make();
      const started = Date.now();
      const r = await run(ALL, ['--state-dir', state, '--syslog', syslog, '--crontab', crontab, '-t', '5']);
      oneLine(r);
      expect(r.stdout).to.contain(`cannot read --crontab ${crontab} (`);
      expect(Date.now() - started).to.be.below(30_000);
    });
  }

  it('reads /dev/null (the null device, and no other device) as an empty log and an empty crontab', async () => {
    const one = await run(CHECK, ['--state-dir', state, '--syslog', '/dev/null', '--job', 'pull_x']);
    oneLine(one);
    expect(one.stdout).to.match(
      /^ENV_SYNC CRITICAL - pull_x: no record of this job: .* no govuk_env_sync\.sh run of pull_x\.cfg in \/dev\/null or its rotations/,
    );
    const all = await run(ALL, ['--state-dir', state, '--syslog', '/dev/null', '--crontab', '/dev/null']);
    oneLine(all);
    expect(all.stdout).to.not.contain('cannot read');
    const logs = await run(plugin('env-sync'), ['logs', 'pull_x', '--state-dir', state, '--syslog', '/dev/null', '--crontab', '/dev/null']);
    expect(logs.stderr).to.not.contain('not a regular file');
    // Another character device is still refused.
    const tty = await run(CHECK, ['--state-dir', state, '--syslog', '/dev/zero', '--job', 'pull_x']);
    expect(tty.stdout).to.contain('/dev/zero cannot be read (is not a regular file)');
  });

  it('refuses a boot id file that is a FIFO without blocking (no boot id: liveness by pid alone)', async () => {
    const fifo = join(dir, 'boot-fifo');
    expect(spawnSync('mkfifo', [fifo]).status).to.equal(0);
    const r = await check(['--job', 'pull_x', '--boot-id-file', fifo, '-t', '3']);
    oneLine(r);
    expect(existsSync(fifo)).to.equal(true);
  });
});
