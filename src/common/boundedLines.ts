// Lines out of a byte stream in bounded memory, whatever their length: a line longer than maxBytes
// is kept up to maxBytes and the rest is counted, not held. A 2 GiB log with no newline (a stranger's
// `logger` loop, a file of NULs) costs maxBytes, where reading it as one string dies past V8's
// string limit with a RangeError.

export interface BoundedLine {
  /** The line's first maxBytes at most, decoded as UTF-8 (a character cut at the end is U+FFFD). */
  text: string;
  /** Bytes of the line after the kept ones, left out: 0 for a line that fits. */
  cut: number;
}

export class BoundedLineSplitter {
  private carry: Buffer[] = [];
  private kept = 0;
  private cut = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: BoundedLine) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      if (!this.kept && !this.cut && nl - start <= this.maxBytes) {
        // The usual case: the whole line inside this chunk.
        this.onLine({ text: chunk.toString('utf8', start, nl), cut: 0 });
      } else {
        this.keep(chunk, start, nl);
        this.flush();
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.keep(chunk, start, chunk.length);
  }

  /** The last line when the stream ended without a newline after it. */
  end(): void {
    if (this.kept || this.cut) this.flush();
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    const room = Math.max(0, this.maxBytes - this.kept);
    const take = Math.min(room, to - from);
    // A copy: the stream may reuse its buffer, and a small slice must not pin a large chunk.
    if (take > 0) this.carry.push(Buffer.from(chunk.subarray(from, from + take)));
    this.kept += take;
    this.cut += to - from - take;
  }

  private flush(): void {
    this.onLine({ text: Buffer.concat(this.carry, this.kept).toString('utf8'), cut: this.cut });
    this.carry = [];
    this.kept = 0;
    this.cut = 0;
  }
}
