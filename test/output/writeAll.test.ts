import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/proc.js';

// writeAll runs in a child whose stdout is a real pipe, as a plugin's is under NRPE.
const writer = (bytes: number) =>
  `import(${JSON.stringify(join(repoRoot, 'build/src/output/writeAll.js'))}).then(({ writeAll }) => { writeAll(1, Buffer.alloc(${bytes}, 'x')); process.stderr.write('done'); })`;

describe('writeAll (plugin output without process.stdout)', () => {
  it('writes a buffer larger than a pipe holds, whole, to a reader that keeps up', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" -e "$0" | wc -c`, writer(5 << 20)], { encoding: 'utf8' });
    expect(r.stdout.trim()).to.equal(String(5 << 20));
    expect(r.stderr).to.equal('done');
  });
  it('returns quietly when the reader has gone away (EPIPE)', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" -e "$0" | head -c 10 > /dev/null`, writer(5 << 20)], { encoding: 'utf8' });
    expect(r.status).to.equal(0);
    expect(r.stderr).to.equal('done');
  });
});
