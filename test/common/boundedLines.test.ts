import { expect } from 'chai';
import fc from 'fast-check';
import { BoundedLineSplitter, type BoundedLine } from '../../src/common/boundedLines.js';

function split(chunks: Buffer[], max: number): BoundedLine[] {
  const out: BoundedLine[] = [];
  const s = new BoundedLineSplitter(max, (l) => out.push(l));
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

describe('lines in bounded memory (BoundedLineSplitter)', () => {
  it('gives lines whole when they fit, across chunk boundaries, and the last one without a newline', () => {
    expect(split([Buffer.from('ab\ncd'), Buffer.from('e\n\nf')], 10)).to.deep.equal([
      { text: 'ab', cut: 0 },
      { text: 'cde', cut: 0 },
      { text: '', cut: 0 },
      { text: 'f', cut: 0 },
    ]);
  });
  it('keeps the first maxBytes of a longer line and counts the rest, however it is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z]{0,40}$/), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 30 }),
        (lines, max, chunk) => {
          const text = Buffer.from(lines.join('\n'));
          const chunks: Buffer[] = [];
          for (let i = 0; i < text.length; i += chunk) chunks.push(text.subarray(i, i + chunk));
          const got = split(chunks, max);
          const want = lines.map((l) => ({ text: l.slice(0, max), cut: Math.max(0, l.length - max) }));
          // An empty last line (text ending in a newline, or nothing at all) is no line.
          if (lines[lines.length - 1] === '') want.pop();
          expect(got).to.deep.equal(want);
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });
});
