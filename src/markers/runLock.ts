// A job's overlap lock for one run: acquired (perhaps taken over from a holder that died or belongs
// to an earlier boot), or held by a run that is still alive — in which case the caller skips, or
// waits for it with a growing pause.
import { tryAcquire } from './lock.js';
import type { RunLiveness } from '../common/host.js';
import type { LockRecord } from './types.js';

export type RunLock = { acquired: true; tookOver: LockRecord[] } | { acquired: false; holder: LockRecord; liveness: RunLiveness };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function takeRunLock(
  path: string,
  holder: Omit<LockRecord, 'schema'>,
  bootId: string | null,
  wait: boolean,
  pause: (ms: number) => Promise<unknown> = sleep,
): Promise<RunLock> {
  let waitMs = 50;
  for (;;) {
    const r = tryAcquire(path, holder, bootId);
    if (r.acquired) return { acquired: true, tookOver: r.tookOver };
    if (!wait) return { acquired: false, holder: r.holder, liveness: r.liveness };
    await pause(waitMs);
    waitMs = Math.min(1000, waitMs * 2);
  }
}
