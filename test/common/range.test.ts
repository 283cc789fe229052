import { expect } from 'chai';
import fc from 'fast-check';
import { alerts, parseRange, perfRange } from '../../src/common/range.js';
import { parseDuration } from '../../src/common/duration.js';

// Rows in the manner of the Monitoring Plugins' test_utils: a range, then values and whether each alerts.
const TABLE: Array<[string, Array<[number, boolean]>]> = [
  [
    '10',
    [
      [-1, true],
      [0, false],
      [5, false],
      [10, false],
      [10.1, true],
      [11, true],
    ],
  ],
  [
    '10:',
    [
      [9.9, true],
      [10, false],
      [1e9, false],
    ],
  ],
  [
    '~:10',
    [
      [-1e9, false],
      [10, false],
      [10.1, true],
    ],
  ],
  [
    '10:20',
    [
      [9, true],
      [10, false],
      [15, false],
      [20, false],
      [21, true],
    ],
  ],
  [
    '@10:20',
    [
      [9, false],
      [10, true],
      [15, true],
      [20, true],
      [21, false],
    ],
  ],
  [
    '-10:-5',
    [
      [-11, true],
      [-10, false],
      [-5, false],
      [0, true],
    ],
  ],
  [
    '26h',
    [
      [26 * 3600, false],
      [26 * 3600 + 1, true],
    ],
  ],
  [
    '90m:',
    [
      [5399, true],
      [5400, false],
    ],
  ],
  [
    '@1h:2h',
    [
      [3599, false],
      [3600, true],
      [7200, true],
      [7201, false],
    ],
  ],
  [
    '2d',
    [
      [172800, false],
      [172801, true],
    ],
  ],
  [
    '1h30m',
    [
      [5400, false],
      [5401, true],
    ],
  ],
];

describe('threshold ranges (Monitoring Plugins semantics)', () => {
  for (const [text, rows] of TABLE) {
    it(`"${text}"`, () => {
      const r = parseRange(text, '--x');
      for (const [value, alert] of rows) expect(alerts(r, value), `${text} with ${value}`).to.equal(alert);
    });
  }
  const BAD: Array<[string, RegExp]> = [
    ['abc', /is not a range/],
    ['10:5', /start is greater than the end/],
    ['@', /empty range|not a range/],
    ['~', /not a range/],
    ['', /empty range/],
    [':', /not a range/],
    ['-5m', /duration cannot be negative/],
    ['1e99h', /not a range/],
    ['10h:5h', /start is greater/],
  ];
  for (const [text, msg] of BAD) {
    it(`rejects ${JSON.stringify(text)} naming the option`, () => {
      expect(() => parseRange(text, '--age-critical'))
        .to.throw(Error, /^--age-critical: /)
        .and.to.match(msg);
    });
  }
  it('prints ranges for perfdata in seconds', () => {
    expect(perfRange(parseRange('26h', '-c'))).to.equal('93600');
    expect(perfRange(parseRange('10:', '-c'))).to.equal('10:');
    expect(perfRange(parseRange('~:10', '-c'))).to.equal('~:10');
    expect(perfRange(parseRange('@1m:2m', '-c'))).to.equal('@60:120');
  });
  it('never throws anything but a clean Error for any input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        try {
          const r = parseRange(s, '--w');
          expect(r.start).to.be.at.most(r.end);
        } catch (err) {
          expect(err).to.be.instanceOf(Error);
          expect((err as Error).message).to.match(/^--w: /);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('durations', () => {
  const GOOD: Array<[string, number]> = [
    ['45', 45],
    ['30s', 30],
    ['90m', 5400],
    ['26h', 93600],
    ['2d', 172800],
    ['1h30m', 5400],
    ['0.5h', 1800],
  ];
  for (const [t, s] of GOOD) it(`${t} is ${s}s`, () => expect(parseDuration(t, '--grace')).to.equal(s));
  for (const t of ['-5m', '1e99h', 'abc', '', '5 m', '99999999999d']) {
    it(`rejects ${JSON.stringify(t)}`, () => expect(() => parseDuration(t, '--grace')).to.throw(/^--grace: /));
  }
  it('never throws anything but a clean Error, never returns a negative or non-finite value (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        try {
          const v = parseDuration(s, '--t');
          expect(Number.isFinite(v) && v >= 0).to.equal(true);
        } catch (err) {
          expect((err as Error).message).to.match(/^--t: /);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
