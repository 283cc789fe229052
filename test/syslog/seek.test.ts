import { expect } from 'chai';
import fc from 'fast-check';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanBackwards, seekAfter } from '../../src/syslog/scan.js';
import { collectRunEvidence } from '../../src/joblog/jobQueries.js';
import { makeTempDir } from '../support/tmp.js';
import { syslogLine } from '../support/proc.js';

const NOW = new Date(2026, 10, 24, 8, 0, 0);

interface Line {
  offset: number;
  time: Date | null;
}

/** Writes lines (null time: a line that is not syslog at all) and returns each line's offset. */
function writeLog(path: string, lines: Array<{ time: Date | null; text: string }>): Line[] {
  const out: Line[] = [];
  let offset = 0;
  const parts: string[] = [];
  for (const l of lines) {
    const text = l.time ? syslogLine(l.time, l.text) : l.text;
    out.push({ offset, time: l.time });
    parts.push(`${text}\n`);
    offset += Buffer.byteLength(text) + 1;
  }
  writeFileSync(path, parts.join(''));
  return out;
}

function seek(path: string, after: Date, size: number): number {
  const fd = openSync(path, 'r');
  try {
    return seekAfter(fd, path, size, after, NOW);
  } finally {
    closeSync(fd);
  }
}

describe('seeking syslog by time', function () {
  this.timeout(120_000);
  const tmp = makeTempDir('seek');
  const dir = tmp.dir;
  after(() => tmp.cleanup());

  it('lands at a line start, never after a line stamped at or before the time, and within a window of the first later line (property)', () => {
    const path = join(dir, 'prop');
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 90 }), len: fc.integer({ min: 0, max: 3000 }), junk: fc.boolean() }), {
          minLength: 1,
          maxLength: 600,
        }),
        fc.integer({ min: -60, max: 60_000 }),
        (spec, afterSeconds) => {
          let t = new Date(2026, 10, 24, 0, 0, 0).getTime();
          const lines = spec.map((s) => {
            t += s.gap * 1000;
            return s.junk && s.len % 7 === 0
              ? { time: null, text: '\u0000\u00ff binary'.repeat(1 + (s.len % 50)) }
              : { time: new Date(t), text: `app[1]: ${'x'.repeat(s.len)}` };
          });
          const written = writeLog(path, lines);
          const size = written.length
            ? written[written.length - 1]!.offset +
              Buffer.byteLength(lines.at(-1)!.time ? syslogLine(lines.at(-1)!.time!, lines.at(-1)!.text) : lines.at(-1)!.text) +
              1
            : 0;
          const after = new Date(new Date(2026, 10, 24, 0, 0, 0).getTime() + afterSeconds * 1000);
          const p = seek(path, after, size);
          expect(p === size || written.some((l) => l.offset === p), `offset ${p} is a line start`).to.equal(true);
          for (const l of written)
            if (l.offset >= p && l.time) expect(l.time.getTime(), `line at ${l.offset} is after the seek point ${p}`).to.be.greaterThan(after.getTime());
          const firstLater = written.find((l) => l.time && l.time > after)?.offset ?? size;
          // Binary junk may end the search early (reading more), but a clean log is searched to the window.
          if (!lines.some((l) => l.time === null)) expect(firstLater - p, 'bytes read before the first later line').to.be.at.most(64 * 1024 + 16 * 1024);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('visits the same lines, newest first, when only the lines holding a needle are decoded (property)', async () => {
    const path = join(dir, 'needles');
    const line = fc.oneof(
      fc.constantFrom(
        'env-sync/pull_x[7]: restoring',
        'CRON[1]: (root) CMD (x)',
        'env-sync-run[4]: event=finish job=pull_x run=r',
        'noise pull_x noise',
        'a job=pull_x and env-sync/pull_x twice',
      ),
      fc.string({ maxLength: 300 }).map((t) => `app[1]: ${t.replace(/\n/g, ' ')}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 80 }), fc.integer({ min: 16, max: 4096 }), fc.boolean(), async (texts, chunkSize, unfinished) => {
        const t0 = new Date(2026, 10, 24, 0, 0, 0).getTime();
        writeFileSync(
          path,
          texts.map((t, i) => `${syslogLine(new Date(t0 + i * 1000), t)}\n`).join('') + (unfinished ? 'Nov 24 07:00:00 db1 env-sync/pull_x[7]: half' : ''),
        );
        const needles = ['env-sync/pull_x', 'job=pull_x '];
        const prefilter = (raw: string) => needles.some((n) => raw.includes(n));
        const visit = (into: string[]) => (e: { message: string; time: Date }) => {
          into.push(`${e.time.getTime()} ${e.message}`);
          return false;
        };
        const fast: string[] = [];
        const plain: string[] = [];
        await scanBackwards({ syslog: path, rotated: 0, now: NOW, needles, prefilter, chunkSize }, visit(fast));
        await scanBackwards({ syslog: path, rotated: 0, now: NOW, prefilter, chunkSize }, visit(plain));
        expect(fast).to.deep.equal(plain);
      }),
      { numRuns: 200 },
    );
  });

  it('finds a run two hours back in a 200 MiB log reading only its window, not the two hours of log after it', async () => {
    const path = join(dir, 'big');
    const runStart = new Date(NOW.getTime() - 2 * 3600_000);
    // One line every 20 ms over the last 4 hours, about 200 MiB; the run's lines among them.
    const noise = 'postgres[5001]: [3-1] LOG:  checkpoint complete: wrote 2211 buffers (0.4%); 0 WAL file(s) added, 0 removed, 1 recycled; write=269.7 s';
    const parts: string[] = [];
    for (let t = NOW.getTime() - 4 * 3600_000; t < NOW.getTime() - 60_000; t += 20) {
      parts.push(`${syslogLine(new Date(t), noise)}\n`);
      if (t === runStart.getTime()) parts.push(`${syslogLine(new Date(t), 'env-sync-run[4100]: event=start job=pull_x run=r1 pid=4101 argv="x"')}\n`);
      if (t === runStart.getTime() + 3000)
        parts.push(`${syslogLine(new Date(t), 'env-sync/pull_x[4101]: pg_restore: error: relation "events" does not exist')}\n`);
      if (t === runStart.getTime() + 4000)
        parts.push(`${syslogLine(new Date(t), 'env-sync-run[4100]: event=finish job=pull_x run=r1 outcome=failure exit=1 duration=4s')}\n`);
    }
    writeFileSync(path, parts.join(''));
    const evidence = await collectRunEvidence(
      { syslog: path, rotated: 0, now: NOW },
      { job: 'pull_x', runId: 'r1', start: runStart, end: new Date(runStart.getTime() + 4000) },
    );
    expect(evidence.lines.map((l) => l.message)).to.deep.equal([
      'event=start job=pull_x run=r1 pid=4101 argv="x"',
      'pg_restore: error: relation "events" does not exist',
      'event=finish job=pull_x run=r1 outcome=failure exit=1 duration=4s',
    ]);
    expect(evidence.errorLines).to.have.length(1);
    // From just after the window (end + slack + seek margin, 2 minutes of this log) back to its
    // start: under 2 MiB of a log whose last two hours alone are 100 MiB.
    expect(evidence.bytesRead).to.be.within(1, 2 * 1024 * 1024);
    expect(evidence.partial).to.equal(false);
  });

  it("takes the run's lines from a minute before its start to 15 s after its end, in a busy log", async () => {
    const path = join(dir, 'edges');
    const start = new Date(NOW.getTime() - 3600_000);
    const end = new Date(start.getTime() + 600_000);
    const lines: Array<{ time: Date; text: string }> = [];
    // Ten lines a second of other programs' noise from before the run to well after it.
    for (let t = start.getTime() - 300_000; t < end.getTime() + 600_000; t += 100)
      lines.push({ time: new Date(t), text: 'kernel: [42.0] eth0: link up, 1000Mbps, full-duplex, lpa 0x45E1 and some more words of noise' });
    const own = (ms: number, text: string) => ({ time: new Date(ms), text: `env-sync/pull_x[8]: ${text}` });
    lines.push(
      own(start.getTime() - 90_000, 'before the slack'),
      own(start.getTime() - 30_000, 'in the slack before'),
      own(end.getTime() - 1000, 'error: last words'),
      own(end.getTime() + 10_000, 'in the slack after'),
      own(end.getTime() + 30_000, 'after the slack'),
    );
    lines.sort((a, b) => a.time.getTime() - b.time.getTime());
    writeLog(path, lines);
    const evidence = await collectRunEvidence({ syslog: path, rotated: 0, now: NOW, maxBytes: 64 << 20 }, { job: 'pull_x', start, end });
    expect(evidence.lines.map((l) => l.message)).to.deep.equal(['in the slack before', 'error: last words', 'in the slack after']);
  });

  it('reads a long run back from its end within a byte budget, and says the older lines were not read', async () => {
    const path = join(dir, 'long-run');
    const start = new Date(NOW.getTime() - 3 * 3600_000);
    const end = new Date(NOW.getTime() - 3600_000);
    const lines: string[] = [syslogLine(start, 'env-sync-run[7]: event=start job=pull_x run=r2 pid=8 argv="x"')];
    for (let t = start.getTime() + 1000; t < end.getTime(); t += 1000)
      lines.push(syslogLine(new Date(t), `env-sync/pull_x[8]: pg_restore: processing item ${t} TABLE DATA public.events`));
    lines.push(syslogLine(end, 'env-sync/pull_x[8]: pg_restore: error: could not write: No space left on device'));
    lines.push(syslogLine(end, 'env-sync-run[7]: event=finish job=pull_x run=r2 outcome=failure exit=1 duration=7200s'));
    writeFileSync(path, `${lines.join('\n')}\n`);
    const evidence = await collectRunEvidence({ syslog: path, rotated: 0, now: NOW, maxBytes: 16 * 1024 }, { job: 'pull_x', runId: 'r2', start, end });
    expect(evidence.partial).to.equal(true);
    expect(evidence.lines.at(-1)!.message).to.include('event=finish');
    expect(evidence.errorLines.map((l) => l.message)).to.deep.equal(['pg_restore: error: could not write: No space left on device']);
    expect(evidence.lines.some((l) => l.message.includes('event=start'))).to.equal(false);
  });
});
