// A pause point for the race tests (issue 25): ENV_SYNC_TEST_PAUSE_AT=POINT:FILE makes this process
// wait at POINT until FILE exists (at most two minutes), so a test can change the file system at
// exactly that moment — as an attacker racing it would — and no sleep decides the outcome.
// Only the environment of the process itself sets it: root's environment is root's (a job's user
// cannot set it for a run by hand as root), and a job's user who sets it for its own cron runs only
// pauses its own process. It widens no window for anyone else, and it writes nothing.
import { existsSync } from 'node:fs';

const MAX_WAIT_MS = 120_000;
const cell = new Int32Array(new SharedArrayBuffer(4));

export function testPause(point: string): void {
  const spec = process.env.ENV_SYNC_TEST_PAUSE_AT;
  if (!spec) return;
  const colon = spec.indexOf(':');
  if (colon < 0 || spec.slice(0, colon) !== point) return;
  const file = spec.slice(colon + 1);
  const deadline = Date.now() + MAX_WAIT_MS;
  while (!existsSync(file) && Date.now() < deadline) Atomics.wait(cell, 0, 0, 10);
}
