import { expect } from 'chai';
import { openSync, closeSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readJobState } from '../../src/markers/read.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { plugin, run, syslogLine } from '../support/proc.js';

const CHECK = plugin('check_env_sync');

/** What Icinga gets must stay a Monitoring Plugins result whatever the log holds. */
function expectCleanResult(r: { code: number | null; stdout: string; stderr: string }, maxBytes: number) {
  expect(r.code, r.stdout).to.be.within(0, 3);
  expect(r.stderr).to.equal('');
  expect(Buffer.byteLength(r.stdout)).to.be.at.most(maxBytes);
  // eslint-disable-next-line no-control-regex
  expect(r.stdout).not.to.match(/[\u0000-\u0009\u000b-\u001f\u007f\ufffd]/);
  expect(r.stdout.split('\n')[0]!.split('|').length, 'at most one | on the first line, before perfdata').to.be.at.most(2);
}

describe('check_env_sync on hostile syslog lines', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  const binary = Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x08, 0x7c, 0x0d, 0xc3, 0x28, 0x80]);

  it('judges a wrapped run whose syslog lines are binary, 10 MiB long, or carry ANSI escapes and |', async () => {
    const state = stateDirIn(dir);
    const wrapped = await run(plugin('env-sync-run'), ['--no-syslog', '--state-dir', state, '--job', 'pull_bin', '--', 'sh', '-c', 'echo restoring; exit 5']);
    expect(wrapped.code).to.equal(5);
    // The lines carry the run's identity, as the wrapper logs them: its pid in the tag, its run id.
    const { wrapperPid: pid, runId } = readJobState(state, 'pull_bin', null)!.last!;
    const now = new Date();
    const syslog = join(dir, 'syslog');
    const fd = openSync(syslog, 'w');
    const line = (text: string | Buffer) =>
      writeSync(fd, Buffer.concat([Buffer.from(typeof text === 'string' ? text : ''), typeof text === 'string' ? Buffer.alloc(0) : text, Buffer.from('\n')]));
    line(syslogLine(now, `env-sync-run[${pid}]: event=start job=pull_bin run=${runId} pid=5 argv="sh"`));
    line(Buffer.concat([Buffer.from(syslogLine(now, `env-sync/pull_bin[${pid}]: `)), binary, binary]));
    line(binary); // not even a syslog line
    line(syslogLine(now, `env-sync/pull_bin[${pid}]: ${'y'.repeat(10 * 1024 * 1024)}`));
    line(syslogLine(now, `env-sync/pull_bin[${pid}]: pg_restore: error: a|b \u001b[31mred\u001b[0m \u001b]0;title\u0007 done\r`));
    line(syslogLine(now, `env-sync-run[${pid}]: event=finish job=pull_bin run=${runId} outcome=failure exit=5 duration=1s`));
    closeSync(fd);
    for (const max of ['4096', '1024']) {
      const r = await run(CHECK, ['--job', 'pull_bin', '--state-dir', state, '--syslog', syslog, '-vv', '--max-output', max]);
      expectCleanResult(r, Number(max));
      expect(r.code).to.equal(2);
      expect(r.stdout).to.match(/^ENV_SYNC CRITICAL - pull_bin failed with exit 5/);
      expect(r.stdout).to.contain('pg_restore: error: a¦b red');
    }
  });

  it('judges an unwrapped job from syslog lines full of binary, escapes and |', async () => {
    const now = new Date();
    const argv = '/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_raw.cfg';
    const syslog = join(dir, 'syslog');
    writeFileSync(
      syslog,
      Buffer.concat([
        Buffer.from(`${syslogLine(new Date(now.getTime() - 60_000), `govuk_env_sync.sh: Starting "${argv}"`)}\n`),
        binary,
        Buffer.from('\n'),
        Buffer.from(`${syslogLine(now, `govuk_env_sync.sh: ${'z'.repeat(10 * 1024 * 1024)} /pull_raw.cfg`)}\n`),
        Buffer.from(
          `${syslogLine(now, `govuk_env_sync.sh: Error running "${argv}" in function restore on line 1 executing "a|b \u001b[1mbold\u001b[0m\u0000"`)}\n`,
        ),
      ]),
    );
    const r = await run(CHECK, ['--job', 'pull_raw', '--state-dir', join(dir, 'empty-state'), '--syslog', syslog, '-v']);
    expectCleanResult(r, 4096);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.contain('executing "a¦b bold');
    expect(r.stdout).to.contain('Judged from syslog lines alone, which any local user can write');
  });

  it('-t fires while a huge rotated log is still being read: UNKNOWN naming the file', async () => {
    const now = new Date();
    const syslog = join(dir, 'syslog');
    writeFileSync(syslog, `${syslogLine(now, 'CRON[1]: (root) CMD (true)')}\n`);
    // 2 GiB of lines once inflated, in 32 gzip members of 64 MiB each (gunzip reads them all).
    const member = gzipSync(
      Buffer.from(`${syslogLine(now, 'kernel: [1.0] noise noise noise noise noise noise noise')}\n`.repeat(Math.floor((64 << 20) / 72))),
      { level: 1 },
    );
    const fd = openSync(`${syslog}.2.gz`, 'w');
    for (let i = 0; i < 32; i++) writeSync(fd, member);
    closeSync(fd);
    const r = await run(CHECK, ['--job', 'pull_slow', '--state-dir', join(dir, 'empty-state'), '--syslog', syslog, '--rotated', '2', '-t', '1']);
    expectCleanResult(r, 4096);
    expect(r.code).to.equal(3);
    expect(r.stdout, r.stdout).to.match(new RegExp(`^ENV_SYNC UNKNOWN - plugin timed out after 1s while reading ${syslog}\\.2\\.gz`));
  });
});
