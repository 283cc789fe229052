import { OUTPUT_TAIL_LINE_BYTES, OUTPUT_TAIL_LINES, type OutputSummary } from '../markers/types.js';
import { type Redactor, SECRET_NEEDLES, withoutCutWord } from '../common/redact.js';
import { cutBytes, stripControl } from '../output/sanitize.js';

// Longest line copied to syslog whole; the rest of a longer line is cut (the pass-through is untouched).
export const SYSLOG_LINE_BYTES = 8000;

/** Where the complete lines of one output stream go: syslog, when it is on. */
export interface LineSink {
  /** One line, without its newline. */
  write(line: string): void;
  /** Complete lines, each ending in a newline, that need no change: one write instead of `count`. */
  writeBlock(block: Buffer, count: number): void;
}

// A block holding none of these cannot hold a secret by the redaction rules (src/common/redact.ts).
const SECRET_MARKS = SECRET_NEEDLES.map((n) => Buffer.from(n));
const maySecret = (block: Buffer) => SECRET_MARKS.some((m) => block.indexOf(m) !== -1);

/**
 * The copies the wrapper keeps of one output stream (the marker's tail and line count, syslog),
 * taken a chunk at a time. A sync can print gigabytes of short lines, so per-line JavaScript is kept
 * off the usual path: lines are counted with Buffer.indexOf, only a chunk's last OUTPUT_TAIL_LINES
 * are decoded for the tail, and a chunk's lines go to syslog in one write when none of them needs
 * changing (none of the redaction rules' needles, no CR, no empty or over-long line). A chunk whose
 * lines may hold a secret is redacted as one text, each rule scanning it once (redactLines, which
 * matches nothing across a newline), and goes on as a block too: per-line JavaScript at every line
 * that holds an `=` cost 3.8 µs a line. Anything else takes the per-line path, which has the same
 * result (test/trust/secrets.test.ts proves the two equal). A line longer than SYSLOG_LINE_BYTES is copied cut and the rest
 * of it skipped, so an endless line never grows a buffer.
 */
export class OutputTap {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private skipping = false;

  constructor(
    private readonly tail: OutputTail,
    private readonly sink: LineSink | null,
    private readonly redact: Redactor,
  ) {}

  push(chunk: Buffer): void {
    this.tail.countBytes(chunk.length);
    const first = chunk.indexOf(0x0a);
    if (first === -1) {
      this.keep(chunk);
      return;
    }
    this.keep(chunk.subarray(0, first));
    this.emitPartial();
    // The complete lines after the first newline: count them, and note what the fast path must know.
    let count = 0;
    let last = first;
    let longest = 0;
    let shortest = Infinity;
    for (let nl = chunk.indexOf(0x0a, first + 1); nl !== -1; nl = chunk.indexOf(0x0a, nl + 1)) {
      const len = nl - last - 1;
      if (len > longest) longest = len;
      if (len < shortest) shortest = len;
      last = nl;
      count++;
    }
    if (count > 0) {
      const block = chunk.subarray(first + 1, last + 1);
      const whole = longest <= SYSLOG_LINE_BYTES && shortest > 0 && block.indexOf(0x0d) === -1;
      if (whole) {
        if (maySecret(block)) {
          // Redacting neither adds nor takes away a newline, nor empties a line: the count holds.
          const text = this.redact.lines(block.toString('utf8'));
          this.tail.addBlockText(text, count);
          this.sink?.writeBlock(Buffer.from(text), count);
        } else {
          this.tail.addBlock(block, count);
          this.sink?.writeBlock(block, count);
        }
      } else {
        let start = 0;
        for (let nl = block.indexOf(0x0a); nl !== -1; nl = block.indexOf(0x0a, start)) {
          this.line(block.subarray(start, nl), false);
          start = nl + 1;
        }
      }
    }
    this.keep(chunk.subarray(last + 1));
  }

  end(): void {
    if (this.partialBytes > 0 || this.skipping) this.emitPartial();
  }

  private keep(part: Buffer): void {
    if (this.skipping || part.length === 0) return;
    const room = SYSLOG_LINE_BYTES - this.partialBytes;
    if (part.length > room) {
      this.partial.push(Buffer.from(part.subarray(0, room)));
      this.partialBytes += room;
      this.skipping = true;
    } else {
      this.partial.push(Buffer.from(part));
      this.partialBytes += part.length;
    }
  }

  private emitPartial(): void {
    const bytes = Buffer.concat(this.partial, this.partialBytes);
    const cut = this.skipping;
    this.partial = [];
    this.partialBytes = 0;
    this.skipping = false;
    this.line(bytes, cut);
  }

  private line(bytes: Buffer, alreadyCut: boolean): void {
    const cut = alreadyCut || bytes.length > SYSLOG_LINE_BYTES;
    let text = (cut ? bytes.subarray(0, SYSLOG_LINE_BYTES) : bytes).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (cut) text = `${withoutCutWord(text)} …(line cut)`;
    const line = this.redact.line(text);
    this.tail.addLine(line);
    this.sink?.write(line);
  }
}

/** Where the last `n` lines of a block of newline-ended lines start (0 when it has no more than `n`). */
function lastLinesStart(block: Buffer, n: number): number {
  let start = block.length - 1; // the final newline
  for (let i = 0; i < n && start > 0; i++) start = block.lastIndexOf(0x0a, start - 1);
  return start <= 0 ? 0 : start + 1;
}

/**
 * Counts the child's output and keeps its last lines for the marker. Lines are kept as they come, a
 * block of plain lines as bytes (its last OUTPUT_TAIL_LINES), and decoded and cleaned only for the
 * summary: at gigabytes of output, cleaning the last lines of every chunk, which the next chunk
 * replaces, cost the wrapper more than the copying itself.
 */
export class OutputTail {
  private lines = 0;
  private bytes = 0;
  // Newest last; together they hold at least the last OUTPUT_TAIL_LINES lines, and few more.
  private kept: Kept[] = [];
  private keptLines = 0;

  countBytes(n: number): void {
    this.bytes += n;
  }

  /** Complete, newline-ended plain lines (no CR, none empty or over-long: the caller checked). */
  addBlock(block: Buffer, count: number): void {
    this.lines += count;
    this.keep({ block: Buffer.from(block.subarray(lastLinesStart(block, OUTPUT_TAIL_LINES))), count: Math.min(count, OUTPUT_TAIL_LINES) });
  }

  /** The same as addBlock, for a block already decoded (and redacted): only its last lines are encoded again. */
  addBlockText(text: string, count: number): void {
    let start = text.length - 1; // the final newline
    for (let i = 0; i < OUTPUT_TAIL_LINES && start > 0; i++) start = text.lastIndexOf('\n', start - 1);
    this.addBlock(Buffer.from(start <= 0 ? text : text.slice(start + 1)), count);
  }

  addLine(line: string): void {
    this.lines++;
    this.keep({ text: line });
  }

  summary(): OutputSummary {
    const texts: string[] = [];
    for (const k of this.kept) {
      if ('text' in k) texts.push(k.text);
      else {
        let start = 0;
        for (let nl = k.block.indexOf(0x0a); nl !== -1; nl = k.block.indexOf(0x0a, start)) {
          texts.push(k.block.toString('utf8', start, nl));
          start = nl + 1;
        }
      }
    }
    const tail = texts.slice(-OUTPUT_TAIL_LINES).map((l) => cutBytes(stripControl(l), OUTPUT_TAIL_LINE_BYTES));
    return { lines: this.lines, bytes: this.bytes, tail };
  }

  private keep(entry: Kept): void {
    this.kept.push(entry);
    this.keptLines += linesIn(entry);
    while (this.kept.length > 1 && this.keptLines - linesIn(this.kept[0]!) >= OUTPUT_TAIL_LINES) this.keptLines -= linesIn(this.kept.shift()!);
  }
}

type Kept = { text: string } | { block: Buffer; count: number };
const linesIn = (k: Kept) => ('text' in k ? 1 : k.count);
