// Child process for lock tests: tries the lock once and prints the result as JSON.
// argv: lockPath runId bootIdOrEmpty holdMs
import { tryAcquire, release, sleepSync } from '../../src/markers/lock.js';
import { processStartTicks } from '../../src/common/host.js';

const [lockPath, runId, bootId, holdMs] = process.argv.slice(2) as [string, string, string, string];
const r = tryAcquire(
  lockPath,
  { runId, pid: process.pid, startTicks: processStartTicks(process.pid), bootId: bootId || null, host: 'test', start: new Date().toISOString() },
  bootId || null,
);
process.stdout.write(`${JSON.stringify({ acquired: r.acquired, tookOver: r.acquired ? r.tookOver.map((h) => h.runId) : [] })}\n`);
if (r.acquired) {
  sleepSync(Number(holdMs));
  release(lockPath, runId);
}
