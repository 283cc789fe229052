// Every file the executables read goes through here: opened without blocking (a FIFO or a device
// in a file's place must not hang a plugin past its -t), refused unless it is a regular file (or
// the /proc file it should be), and read to a stated bound, never to whatever size it claims.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

export class ReadProblem extends Error {
  constructor(
    readonly path: string,
    readonly code: 'denied' | 'not-regular' | 'too-big' | 'symlink' | 'unreadable',
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

export interface BoundedOptions {
  /** Refuse a file larger than this (a /proc file is read up to it). */
  maxBytes: number;
  /** A symbolic link in the last component is refused (markers) rather than followed. */
  noFollow?: boolean;
  /** Checks the open file before it is read (owner, mode); throws to refuse it. */
  inspect?: (st: Stats) => void;
}

const isProc = (path: string) => path.startsWith('/proc/');

function problemFor(path: string, err: NodeJS.ErrnoException): ReadProblem {
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return new ReadProblem(path, 'denied', 'permission denied');
    case 'ELOOP':
      return new ReadProblem(path, 'symlink', 'is a symbolic link');
    case 'EISDIR':
      return new ReadProblem(path, 'not-regular', 'is a directory, not a file');
    default:
      return new ReadProblem(path, 'unreadable', `cannot be read (${err.code ?? err.message})`);
  }
}

/**
 * The null device (character device 1:3): the usual way to say "no such log here" (`--syslog
 * /dev/null`, `--crontab /dev/null`), read as an empty file. No other device is: `/dev/zero` or a
 * terminal in a file's place is refused.
 */
export function isNullDevice(st: Stats): boolean {
  if (!st.isCharacterDevice()) return false;
  const major = (st.rdev >> 8) & 0xfff;
  const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
  return major === 1 && minor === 3;
}

/** The file's bytes, or null when it does not exist. Throws ReadProblem naming the path. */
export function readBounded(path: string, o: BoundedOptions, scratch?: { buf: Buffer }): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (o.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw problemFor(path, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      if (st.isDirectory()) throw new ReadProblem(path, 'not-regular', 'is a directory, not a file');
      if (isNullDevice(st)) return Buffer.alloc(0);
      throw new ReadProblem(path, 'not-regular', `is not a regular file (${kindOf(st)})`);
    }
    o.inspect?.(st);
    if (!isProc(path) && st.size > o.maxBytes) throw new ReadProblem(path, 'too-big', `is ${st.size} bytes, more than the ${o.maxBytes} such a file can hold`);
    // /proc files say size 0: read to the bound, and one byte more to notice a larger one.
    const want = isProc(path) ? o.maxBytes + 1 : st.size;
    let buf = scratch?.buf && scratch.buf.length >= want ? scratch.buf : Buffer.allocUnsafe(want);
    if (scratch && buf !== scratch.buf) scratch.buf = buf;
    let off = 0;
    while (off < want) {
      const n = readSync(fd, buf, off, want - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off > o.maxBytes) throw new ReadProblem(path, 'too-big', `is more than the ${o.maxBytes} bytes such a file can hold`);
    if (scratch) return buf.subarray(0, off);
    buf = buf.subarray(0, off);
    return buf;
  } catch (err) {
    if (err instanceof ReadProblem) throw err;
    if ((err as Error).name !== 'Error' || !(err as NodeJS.ErrnoException).code) throw err;
    throw problemFor(path, err as NodeJS.ErrnoException);
  } finally {
    closeSync(fd);
  }
}

/** The file as UTF-8 text, or null when it does not exist. */
export function readBoundedText(path: string, o: BoundedOptions): string | null {
  return readBounded(path, o)?.toString('utf8') ?? null;
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a file';
}
