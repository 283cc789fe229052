// Child process for lock tests: tries the lock once and prints the result as JSON.
// argv: lockPath runId bootIdOrEmpty holdMs [releaseWhenThisFileExists]
import { existsSync } from 'node:fs';
import { tryAcquire, release, sleepSync } from '../../src/markers/lock.js';
import { processStartTicks } from '../../src/common/host.js';

const [lockPath, runId, bootId, holdMs, releaseFlag] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const r = tryAcquire(
  lockPath,
  { runId, pid: process.pid, startTicks: processStartTicks(process.pid), bootId: bootId || null, host: 'test', start: new Date().toISOString() },
  bootId || null,
);
process.stdout.write(`${JSON.stringify({ acquired: r.acquired, tookOver: r.acquired ? r.tookOver.map((h) => h.runId) : [] })}\n`);
if (r.acquired) {
  // With a flag file, hold until the test has every other process's answer (however slowly they started).
  if (releaseFlag) for (let waited = 0; !existsSync(releaseFlag) && waited < 60_000; waited += 10) sleepSync(10);
  else sleepSync(Number(holdMs));
  release(lockPath, runId);
}
