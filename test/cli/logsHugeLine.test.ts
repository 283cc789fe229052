// `env-sync logs` on a 2 GiB rotation that is one line (a sparse file: a job line's head, then NULs
// to 2 GiB), then a line after it. Read as one string, such a line died with a RangeError stack trace
// after 640 MB; read in bounded chunks, it is cut at 64 KiB with a note saying how much was left out.
// The bound is asserted, not timed: node runs with a 64 MB heap, and its peak resident size
// (VmHWM, read from /proc/self/status as it exits) stays far below the file.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plugin } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';
import { CHECKER, ensureUser, STRANGER, withUsers } from '../support/users.js';
import { MAX_SHOWN_LINE_BYTES } from '../../src/cli/logs.js';

const TWO_GIB = 2 ** 31;

describe('env-sync logs on a 2 GiB one-line log file', function () {
  this.timeout(300_000);
  withUsers(STRANGER, CHECKER);
  let tmp: ReturnType<typeof makeTempDir>;
  let syslog: string;
  let hwm: string;

  before(() => {
    tmp = makeTempDir('env-sync-huge-');
    syslog = join(tmp.dir, 'syslog');
    // The stranger's file: a line of the job that goes on for 2 GiB, then one ordinary line.
    writeFileSync(syslog, 'Nov 26 00:00:02 h env-sync/pull_big[2]: ');
    truncateSync(syslog, TWO_GIB);
    appendFileSync(syslog, '\nNov 26 00:00:03 h env-sync/pull_big[2]: after the long line\n');
    const stranger = ensureUser(STRANGER);
    chownSync(syslog, stranger.uid, stranger.gid);
    hwm = join(tmp.dir, 'hwm.cjs');
    writeFileSync(
      hwm,
      `process.on('exit', () => { const s = require('fs').readFileSync('/proc/self/status', 'utf8'); require('fs').writeSync(2, 'VmHWM ' + /VmHWM:\\s+(\\d+) kB/.exec(s)[1] + '\\n'); });\n`,
    );
  });
  after(() => {
    tmp?.cleanup();
  });

  it('prints the cut line with a note and the next line, exits 0, no stack trace, in bounded memory', () => {
    const r = spawnSync(
      'setpriv',
      [
        `--reuid=${CHECKER}`,
        `--regid=${CHECKER}`,
        '--clear-groups',
        plugin('env-sync'),
        'logs',
        'pull_big',
        '--syslog',
        syslog,
        '--rotated',
        '0',
        '--state-dir',
        join(tmp.dir, 'state'),
      ],
      {
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_OPTIONS: `--max-old-space-size=64 --require ${hwm}` },
      },
    );
    const stderr = r.stderr.replace(/^VmHWM \d+\n/m, '');
    expect(r.status, stderr).to.equal(0);
    expect(stderr).not.to.match(/\n\s+at \S/);
    expect(stderr).not.to.contain('RangeError');
    const lines = r.stdout.split('\n');
    expect(lines.length, r.stdout.slice(0, 200)).to.equal(3);
    expect(lines[0]!.startsWith('Nov 26 00:00:02 h env-sync/pull_big[2]: \\x00\\x00')).to.equal(true);
    expect(lines[0]!.endsWith(` … [line cut: ${TWO_GIB - MAX_SHOWN_LINE_BYTES} more bytes not shown]`), lines[0]!.slice(-120)).to.equal(true);
    expect(lines[1]).to.equal('Nov 26 00:00:03 h env-sync/pull_big[2]: after the long line');
    const peakKiB = Number(/^VmHWM (\d+)$/m.exec(r.stderr)?.[1]);
    expect(peakKiB, r.stderr).to.be.above(0);
    expect(peakKiB, 'peak resident KiB').to.be.below(256 * 1024);
  });
});
