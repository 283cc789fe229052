import { writeSync } from 'node:fs';

/**
 * Writes all of `data` to a file descriptor synchronously, as Node itself writes stdout and stderr
 * on Linux (files, pipes and terminals alike). Plugins print once and exit, and touching
 * process.stdout loads Node's stream modules (net and the stream modules when Icinga's stdout is a
 * pipe, a cost on every start: docs/benchmarks.md); the wrapper's pass-through skips a stream pipe per chunk. A
 * reader that went away (EPIPE) is not an error here: there is nobody left to tell.
 */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      // A non-blocking descriptor handed over by the caller: wait a millisecond for room.
      if (code === 'EAGAIN') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      else throw err;
    }
  }
}

/** Where a command prints its text: a descriptor (fdOut), or a stream in tests. */
export interface TextOut {
  write(text: string): unknown;
}

/** Printing to a descriptor with writeAll: no stream modules for a command that prints and exits. */
export function fdOut(fd: number): TextOut {
  return { write: (text) => writeAll(fd, text) };
}
