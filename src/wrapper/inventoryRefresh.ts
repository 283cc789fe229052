// The wrapper keeps the job inventory fresh (src/cron/inventory.ts): it runs as the job's user, who
// can read its own crontab, which user nagios cannot. `crontab -l` runs beside the sync, started
// once the sync has started, and its answer is written when the run ends. Nothing about it may
// make the sync worse: a crontab that cannot be read leaves the inventory as it was.
//
// Only the jobs' user's crontab is the inventory's source (issue 25, finding 9): a wrapper run by
// hand as root (or as anyone else) read its invoker's own crontab, and the jobs' unwrapped jobs
// vanished from check_env_sync_all until the next cron run. The jobs' user is the one the checks
// trust (markers/trust.ts: the state directory's owner, else the job directory's); root reads that
// user's crontab with `crontab -l -u USER`, anyone else leaves the inventory alone.
import { builtin } from '../common/builtin.js';
import { currentUser } from '../common/host.js';
import { inventoryOf, writeInventory } from '../cron/inventory.js';
import { type JobTrust, jobTrust } from '../markers/trust.js';
import type { ChildProcess } from 'node:child_process';

const MAX_CRONTAB_BYTES = 1024 * 1024;
const CRONTAB_TIMEOUT_MS = 10_000;

export interface InventoryRefresh {
  /** Waits for `crontab -l` and writes the inventory; says why not when it could not. Never throws. */
  finish(): Promise<string | null>;
}

/** How the jobs' user's crontab is read by this process, or why it is not read at all. */
export function crontabSource(
  stateDir: string,
  job: string | null,
  uid = process.getuid?.() ?? 0,
): { args: string[]; user: string; from: string } | { skip: string } {
  let trust: JobTrust;
  try {
    trust = jobTrust(stateDir, job);
  } catch (err) {
    return { skip: `the jobs' user is not known (${(err as Error).message})` };
  }
  const user = trust.user;
  if (!user) return { skip: `the jobs' user is not known (${stateDir} and the job's directory are root's), so no crontab is theirs to read` };
  if (user.uid === uid) return { args: ['-l'], user: user.name, from: 'crontab -l (env-sync-run)' };
  if (uid === 0) return { args: ['-l', '-u', user.name], user: user.name, from: `crontab -l -u ${user.name} (env-sync-run as root)` };
  return {
    skip: `env-sync-run runs as ${currentUser()}, not as the jobs' user ${user.name} (${trust.source}); only ${user.name}'s crontab (or root, reading it) refreshes it`,
  };
}

export function refreshInventory(stateDir: string, job: string | null = null): InventoryRefresh {
  const source = crontabSource(stateDir, job);
  if ('skip' in source) return { finish: () => Promise.resolve(source.skip) };
  // Loaded at the call, as the wrapper's other children are; child_process is on its path anyway.
  const { spawn } = builtin('node:child_process');
  const chunks: Buffer[] = [];
  let bytes = 0;
  const ended = new Promise<string | null>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn('crontab', source.args, { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (err) {
      resolve(`cannot run crontab ${source.args.join(' ')}: ${(err as Error).message}`);
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
      resolve(`cannot run crontab ${source.args.join(' ')}: ${err.message}`);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return resolve(`crontab ${source.args.join(' ')} exited ${code} (no crontab for ${source.user}?)`);
      if (bytes > MAX_CRONTAB_BYTES) return resolve(`crontab ${source.args.join(' ')} printed more than ${MAX_CRONTAB_BYTES} bytes`);
      try {
        writeInventory(stateDir, inventoryOf(Buffer.concat(chunks).toString('utf8'), source.user, source.from, new Date()));
        resolve(null);
      } catch (err) {
        resolve(`cannot write the job inventory in ${stateDir}: ${(err as Error).message}`);
      }
    });
  });
  return { finish: () => ended };
}
