import { closeSync, openSync, readSync } from 'node:fs';

// Bytes read from /dev/urandom once and handed out in turn: a wrapped run names a run id and half a
// dozen temporary files, and an open, a read and a close for each was a cost on every start.
const POOL_BYTES = 64;
let pool = Buffer.alloc(0);
let used = 0;

function refill(): void {
  pool = Buffer.alloc(POOL_BYTES);
  used = 0;
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      let got = 0;
      while (got < POOL_BYTES) got += readSync(fd, pool, got, POOL_BYTES - got, null);
    } finally {
      closeSync(fd);
    }
  } catch {
    for (let i = 0; i < POOL_BYTES; i++) pool[i] = Math.floor(Math.random() * 256);
  }
}

/**
 * `bytes` random bytes from the kernel, as hex, for run ids and temporary file names. Not
 * node:crypto: loading it is a cost on every start (docs/benchmarks.md), and these names
 * only need to differ, not to be secret. Math.random stands in if /dev/urandom cannot be read
 * (a chroot without /dev), because a run must not fail over a name.
 */
export function randomHex(bytes: number): string {
  if (bytes > POOL_BYTES) return randomHex(POOL_BYTES) + randomHex(bytes - POOL_BYTES);
  if (used + bytes > pool.length) refill();
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}
