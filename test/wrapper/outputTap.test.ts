import { expect } from 'chai';
import fc from 'fast-check';
import { OUTPUT_TAIL_LINE_BYTES, OUTPUT_TAIL_LINES } from '../../src/markers/types.js';
import { OutputTail, OutputTap, SYSLOG_LINE_BYTES } from '../../src/wrapper/outputTap.js';
import { cutBytes, stripControl } from '../../src/output/sanitize.js';
import { REDACTOR, redactText as redactArg, withoutCutWord } from '../../src/common/redact.js';

/** What the copies must hold, line by line: the plain definition the chunked fast path must match. */
function reference(output: Buffer): { syslog: string[]; tail: string[]; lines: number } {
  const parts: Buffer[] = [];
  let start = 0;
  for (let nl = output.indexOf(0x0a); nl !== -1; nl = output.indexOf(0x0a, start)) {
    parts.push(output.subarray(start, nl));
    start = nl + 1;
  }
  if (start < output.length) parts.push(output.subarray(start));
  const syslog = parts.map((p) => {
    const cut = p.length > SYSLOG_LINE_BYTES;
    let text = (cut ? p.subarray(0, SYSLOG_LINE_BYTES) : p).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return redactArg(cut ? `${withoutCutWord(text)} …(line cut)` : text);
  });
  return { syslog, tail: syslog.slice(-OUTPUT_TAIL_LINES).map((l) => cutBytes(stripControl(l), OUTPUT_TAIL_LINE_BYTES)), lines: parts.length };
}

const LINE = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('pg_restore: processing item 4242 TABLE DATA public.events', 'ok', 'Restoring table events … 42%', 'été ✓') },
  { weight: 1, arbitrary: fc.constantFrom('', 'with CR\r', 'fetch https://user:secret@s3.example/dump', '\u001b[31mred\u001b[0m') },
  // Lines the rules change, or nearly: the chunk they are in is redacted as one text.
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'PGPASSWORD=hunter2 pg_restore',
      "password='a b",
      'item=4242 owner',
      'mysqldump -u x -pS3CR3T db',
      'curl -u u:pw https://h',
      'sshpass -p pw ssh h',
      'govuk_env_sync.sh -D mysql -u s3-bucket -p mysql',
      'openssl enc -pass pass:pw',
      'gpg --passphrase pw',
      'x -p y',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: SYSLOG_LINE_BYTES - 2, max: SYSLOG_LINE_BYTES + 3000 }).map((n) => 'x'.repeat(n)) },
);

describe("the copies of a sync's output (OutputTap)", () => {
  it('hold the same lines, tail and count as line-by-line processing, however the output is chunked (property)', () => {
    fc.assert(
      fc.property(
        fc.array(LINE, { maxLength: 60 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 20000 }), { minLength: 1, maxLength: 40 }),
        (lines, endsWithNewline, cuts) => {
          const output = Buffer.from(lines.join('\n') + (endsWithNewline && lines.length ? '\n' : ''));
          const tail = new OutputTail();
          const got: string[] = [];
          const writeBlock = (b: Buffer, n: number) => {
            const ls = b.toString().split('\n').slice(0, -1);
            expect(ls).to.have.length(n);
            got.push(...ls);
          };
          const tap = new OutputTap(tail, { write: (l) => got.push(l), writeBlock }, REDACTOR);
          let at = 0;
          for (let i = 0; at < output.length; i++) {
            const n = cuts[i % cuts.length]!;
            tap.push(output.subarray(at, at + n));
            at += n;
          }
          tap.end();
          const want = reference(output);
          expect(got).to.deep.equal(want.syslog);
          expect(tail.summary()).to.deep.equal({ lines: want.lines, bytes: output.length, tail: want.tail });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('sends a chunk of plain lines to syslog in one write, and decodes only the tail of it', () => {
    const tail = new OutputTail();
    const writes: string[] = [];
    const blocks: number[] = [];
    const redacted: string[] = [];
    const tap = new OutputTap(
      tail,
      { write: (l) => writes.push(l), writeBlock: (_b, n) => blocks.push(n) },
      {
        line: (l) => {
          redacted.push(l);
          return l;
        },
        lines: (b) => {
          redacted.push(b);
          return b;
        },
      },
    );
    const chunk = Buffer.from(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join(''));
    tap.push(Buffer.from('first\n'));
    expect(writes).to.deep.equal(['first']);
    tap.push(chunk);
    // The chunk's first line ends the line carried over from the last chunk (here an empty one) and
    // goes line by line; the other 999 go in one block, with no per-line redaction.
    expect(writes).to.deep.equal(['first', 'line 0']);
    expect(blocks).to.deep.equal([999]);
    expect(redacted).to.deep.equal(['first', 'line 0']);
    expect(tail.summary().lines).to.equal(1001);
    expect(tail.summary().tail.at(-1)).to.equal('line 999');
  });

  it('redacts a chunk of lines that may hold secrets in one call, as a block, with the same result as line by line', () => {
    const tail = new OutputTail();
    const writes: string[] = [];
    const blocks: string[] = [];
    const calls: string[] = [];
    const tap = new OutputTap(
      tail,
      { write: (l) => writes.push(l), writeBlock: (b) => blocks.push(b.toString()) },
      {
        line: (l) => (calls.push('line'), REDACTOR.line(l)),
        lines: (b) => (calls.push('lines'), REDACTOR.lines(b)),
      },
    );
    const lines = Array.from({ length: 500 }, (_, i) => `pg_restore: item=${i} PGPASSWORD=ZqSECRET${i} owner govuk`);
    tap.push(Buffer.from(`first\n${lines.join('\n')}\n`));
    expect(writes).to.deep.equal(['first']);
    expect(calls).to.deep.equal(['line', 'lines']);
    expect(blocks).to.deep.equal([`${lines.map(redactArg).join('\n')}\n`]);
    expect(blocks[0]).to.not.contain('ZqSECRET');
    expect(tail.summary().tail.at(-1)).to.equal('pg_restore: item=499 PGPASSWORD=*** owner govuk');
    expect(tail.summary().lines).to.equal(501);
  });
});
