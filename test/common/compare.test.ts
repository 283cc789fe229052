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

  it('any length, across the pool it reads from /dev/urandom a block at a time', () => {
    for (const n of [1, 3, 63, 64, 65, 200]) expect(randomHex(n)).to.match(new RegExp(`^[0-9a-f]{${2 * n}}$`));
    const long = Array.from({ length: 40 }, () => randomHex(7));
    expect(new Set(long).size).to.equal(40);
  });
});
