import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanBackwards } from '../../src/syslog/scan.js';
import { makeTempDir } from '../support/tmp.js';
import { syslogLine } from '../support/proc.js';

const NOW = new Date(2026, 10, 24, 8, 0, 0);
const numbered = (from: number, count: number, tag: string, endsAt: Date) =>
  Array.from({ length: count }, (_, i) => syslogLine(new Date(endsAt.getTime() - (count - i) * 1000), `${tag}[1]: line ${from + i}`)).join('\n') + '\n';

describe('syslog rotated while a check reads it', function () {
  this.timeout(60_000);
  const tmp = makeTempDir('rotation');
  after(() => tmp.cleanup());

  it('reads every line once: the live file through its open fd, then the old FILE.1 under its new name FILE.2.gz (real logrotate)', async () => {
    const logrotate = ['/usr/sbin/logrotate', '/sbin/logrotate'].find(existsSync);
    if (!logrotate) throw new Error('logrotate is missing: apt-get install -y logrotate (or bash scripts/test-deps.sh)');
    const f = join(tmp.dir, 'syslog');
    // Many lines, and tiny chunks, so the rotation lands in the middle of reading the live file.
    writeFileSync(`${f}.1`, numbered(0, 300, 'old', new Date(NOW.getTime() - 86400_000)));
    writeFileSync(f, numbered(300, 3000, 'live', new Date(NOW.getTime() - 60_000)));
    const conf = join(tmp.dir, 'logrotate.conf');
    writeFileSync(conf, `${f} {\n  rotate 4\n  daily\n  compress\n  delaycompress\n  missingok\n}\n`);
    let rotated = false;
    const seen: number[] = [];
    const result = await scanBackwards({ syslog: f, rotated: 1, now: NOW, chunkSize: 4096 }, (e) => {
      seen.push(Number(e.message.split(' ')[1]));
      if (seen.length === 100 && !rotated) {
        const r = spawnSync(logrotate, ['-f', '-s', join(tmp.dir, 'state'), conf]);
        expect(r.status, r.stderr?.toString()).to.equal(0);
        appendFileSync(f, numbered(9000, 5, 'new', NOW)); // rsyslog carries on in a new live file
        rotated = true;
      }
      return false;
    });
    expect(rotated).to.equal(true);
    expect(existsSync(`${f}.2.gz`), 'logrotate compressed the old syslog.1').to.equal(true);
    // Newest first, each line exactly once: 3299 … 300 from the live file, then 299 … 0.
    expect(seen).to.deep.equal(Array.from({ length: 3300 }, (_, i) => 3299 - i));
    expect(result.filesRead.map((p) => p.slice(tmp.dir.length + 1))).to.deep.equal(['syslog', 'syslog.2.gz']);
  });
});
