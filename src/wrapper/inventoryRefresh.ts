// The wrapper keeps the job inventory fresh (src/cron/inventory.ts): it runs as the job's user, who
// can read its own crontab, which user nagios cannot. `crontab -l` runs beside the sync, started
// once the sync has started, and its answer is written when the run ends. Nothing about it may
// make the sync worse: a crontab that cannot be read leaves the inventory as it was.
import { builtin } from '../common/builtin.js';
import { currentUser } from '../common/host.js';
import { inventoryOf, writeInventory } from '../cron/inventory.js';

const MAX_CRONTAB_BYTES = 1024 * 1024;
const CRONTAB_TIMEOUT_MS = 10_000;

export interface InventoryRefresh {
  /** Waits for `crontab -l` and writes the inventory; says why not when it could not. Never throws. */
  finish(): Promise<string | null>;
}

export function refreshInventory(stateDir: string): InventoryRefresh {
  // Loaded at the call, as the wrapper's other children are; child_process is on its path anyway.
  const { spawn } = builtin('node:child_process');
  const chunks: Buffer[] = [];
  let bytes = 0;
  const ended = new Promise<string | null>((resolve) => {
    let child;
    try {
      child = spawn('crontab', ['-l'], { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (err) {
      resolve(`cannot run crontab -l: ${(err as Error).message}`);
      return;
    }
    // Its own timer, not spawn's timeout option: that one keeps the wrapper alive for its whole span
    // when crontab cannot even be started.
    const timer = setTimeout(() => child.kill('SIGKILL'), CRONTAB_TIMEOUT_MS);
    timer.unref();
    child.stdout!.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes <= MAX_CRONTAB_BYTES) chunks.push(c);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(`cannot run crontab -l: ${err.message}`);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return resolve(`crontab -l exited ${code} (no crontab for ${currentUser()}?)`);
      if (bytes > MAX_CRONTAB_BYTES) return resolve(`crontab -l printed more than ${MAX_CRONTAB_BYTES} bytes`);
      try {
        writeInventory(stateDir, inventoryOf(Buffer.concat(chunks).toString('utf8'), currentUser(), 'crontab -l (env-sync-run)', new Date()));
        resolve(null);
      } catch (err) {
        resolve(`cannot write the job inventory in ${stateDir}: ${(err as Error).message}`);
      }
    });
  });
  return { finish: () => ended };
}
