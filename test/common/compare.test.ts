import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { compareText } from '../../src/common/compare.js';
import { randomHex } from '../../src/common/randomHex.js';

describe('compareText (job and run ordering)', () => {
  // localeCompare would give 9charlie, alpha, Bravo, bravo: an order that depends on the host's ICU.
  it('orders by code unit, the same on every host', () => {
    expect(['bravo', 'alpha', 'Bravo', '9charlie', 'alpha'].sort(compareText)).to.deep.equal(['9charlie', 'Bravo', 'alpha', 'alpha', 'bravo']);
  });
  it('orders ISO times as time', () => {
    expect(['2026-11-24T10:00:00.000Z', '2026-11-23T23:59:59.999Z', '2026-11-24T09:59:59.000Z'].sort(compareText)).to.deep.equal([
      '2026-11-23T23:59:59.999Z',
      '2026-11-24T09:59:59.000Z',
      '2026-11-24T10:00:00.000Z',
    ]);
  });
});

describe('randomHex (run ids, temporary names)', () => {
  it('gives 2 hex digits a byte, different each time', () => {
    const seen = new Set(Array.from({ length: 200 }, () => randomHex(4)));
    for (const h of seen) expect(h).to.match(/^[0-9a-f]{8}$/);
    expect(seen.size).to.equal(200);
  });

  it('names still differ, and nothing hangs, where /dev/urandom is an empty file (a chroot): Math.random fills in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-sync-urandom-'));
    try {
      writeFileSync(join(dir, 'empty'), '');
      const module = new URL('../../src/common/randomHex.js', import.meta.url).href;
      const script = `import(${JSON.stringify(module)}).then(({ randomHex }) => console.log(Array.from({ length: 40 }, () => randomHex(4)).join(' ')))`;
      // A mount namespace of its own, where an empty file is bind-mounted over /dev/urandom.
      const r = spawnSync(
        'unshare',
        [
          '--mount',
          '--propagation',
          'private',
          'sh',
          '-c',
          `mount --bind ${dir}/empty /dev/urandom && exec "$0" --input-type=module -e "$1"`,
          process.execPath,
          script,
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
      expect(r.error, 'unshare(1) is missing: apt-get install -y util-linux').to.equal(undefined);
      expect(r.status, r.stderr).to.equal(0);
      const names = r.stdout.trim().split(' ');
      expect(names).to.have.length(40);
      for (const n of names) expect(n).to.match(/^[0-9a-f]{8}$/);
      expect(new Set(names).size).to.equal(40);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('any length, across the pool it reads from /dev/urandom a block at a time', () => {
    for (const n of [1, 3, 63, 64, 65, 200]) expect(randomHex(n)).to.match(new RegExp(`^[0-9a-f]{${2 * n}}$`));
    const long = Array.from({ length: 40 }, () => randomHex(7));
    expect(new Set(long).size).to.equal(40);
  });
});
