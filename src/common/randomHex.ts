import { closeSync, openSync, readSync } from 'node:fs';

// Bytes read from /dev/urandom once and handed out in turn: a wrapped run names a run id and half a
// dozen temporary files, and an open, a read and a close for each was a cost on every start.
const POOL_BYTES = 64;
let pool = Buffer.alloc(0);
let used = 0;

function refill(): void {
  pool = Buffer.alloc(POOL_BYTES);
  used = 0;
  let got = 0;
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      // A file in /dev/urandom's place (a chroot) may end: what it did not give, Math.random gives.
      for (let n = -1; got < POOL_BYTES && n !== 0; got += n) n = readSync(fd, pool, got, POOL_BYTES - got, null);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* unreadable: Math.random gives it all */
  }
  for (let i = got; i < POOL_BYTES; i++) pool[i] = Math.floor(Math.random() * 256);
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
