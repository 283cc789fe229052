import { closeSync, openSync, readSync } from 'node:fs';

/**
 * `bytes` random bytes from the kernel, as hex, for run ids and temporary file names. Not
 * node:crypto: loading it is a cost on every start (docs/benchmarks.md), and these names
 * only need to differ, not to be secret. Math.random stands in if /dev/urandom cannot be read
 * (a chroot without /dev), because a run must not fail over a name.
 */
export function randomHex(bytes: number): string {
  const buf = Buffer.alloc(bytes);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      readSync(fd, buf, 0, bytes, null);
    } finally {
      closeSync(fd);
    }
  } catch {
    for (let i = 0; i < bytes; i++) buf[i] = Math.floor(Math.random() * 256);
  }
  return buf.toString('hex');
}
