import { OUTPUT_TAIL_LINE_BYTES, OUTPUT_TAIL_LINES } from '../common/defaults.js';
import type { OutputSummary } from '../markers/types.js';

// Longest line copied to syslog whole; the rest of a longer line is cut (the pass-through is untouched).
export const SYSLOG_LINE_BYTES = 8000;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]|\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripControl(text: string): string {
  return text.replace(CONTROL, '').replace(/\t/g, ' ');
}

function cutUtf8(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return `${buf.subarray(0, end).toString('utf8')}…`;
}

/**
 * Splits one output stream into lines with bounded memory: a line longer than SYSLOG_LINE_BYTES is
 * emitted cut and the rest of it skipped, so an endless line never grows a buffer.
 */
export class LineSplitter {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private skipping = false;

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        this.keep(chunk.subarray(start));
        return;
      }
      this.keep(chunk.subarray(start, nl));
      this.emit();
      start = nl + 1;
    }
  }

  end(): void {
    if (this.partialBytes > 0 || this.skipping) this.emit();
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

  private emit(): void {
    let line = Buffer.concat(this.partial, this.partialBytes).toString('utf8');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (this.skipping) line += ' …(line cut)';
    this.partial = [];
    this.partialBytes = 0;
    this.skipping = false;
    this.onLine(line);
  }
}

/** Counts the child's output and keeps its last lines for the marker. */
export class OutputTail {
  private lines = 0;
  private bytes = 0;
  private tail: string[] = [];

  countBytes(n: number): void {
    this.bytes += n;
  }

  addLine(line: string): void {
    this.lines++;
    this.tail.push(cutUtf8(stripControl(line), OUTPUT_TAIL_LINE_BYTES));
    if (this.tail.length > OUTPUT_TAIL_LINES) this.tail.shift();
  }

  summary(): OutputSummary {
    return { lines: this.lines, bytes: this.bytes, tail: [...this.tail] };
  }
}
