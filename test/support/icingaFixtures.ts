// Job states for the Icinga/NRPE tests, written with the real marker store, and a direct run of
// the plugin to compare what the daemons report with what the plugin itself says.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processStartTicks } from '../../src/common/host.js';
import { ensureJobDir, recordRun, type StoreContext } from '../../src/markers/store.js';
import { statePath } from '../../src/markers/paths.js';
import type { Outcome, Run } from '../../src/markers/types.js';

/** The checkout's plugins/ directory (build/test/support → ../../../plugins). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const PLUGIN_DIR = join(REPO_ROOT, 'plugins');
export const NRPE_CFG = join(REPO_ROOT, 'icinga-conf', 'nrpe', 'env_sync.cfg');

function ctx(stateDir: string, job: string): StoreContext {
  return {
    stateDir,
    job,
    bootId: null,
    holder: {
      runId: `t-${process.pid}`,
      pid: process.pid,
      startTicks: processStartTicks(process.pid),
      bootId: null,
      host: 'test',
      start: new Date().toISOString(),
    },
  };
}

/** Records a finished run of job that ended a minute ago. */
export function recordFinishedRun(stateDir: string, job: string, outcome: Outcome, exitCode: number, tail: string[] = []): void {
  const end = new Date(Date.now() - 60_000);
  const start = new Date(end.getTime() - 120_000);
  const run: Run = {
    runId: `run-${job}-${Date.now()}`,
    job,
    part: null,
    host: 'sync-host',
    user: 'govuk-backup',
    wrapperPid: 1,
    wrapperStartTicks: null,
    childPid: 2,
    bootId: null,
    argv: ['/usr/local/bin/govuk_env_sync.sh', '-f', `/etc/govuk_env_sync/${job}.cfg`],
    cwd: '/',
    cronCommand: null,
    cronCwd: null,
    start: start.toISOString(),
    end: end.toISOString(),
    durationSeconds: 120,
    outcome,
    exitCode,
    signal: null,
    timeoutSeconds: null,
    message: null,
    output: { lines: tail.length, bytes: tail.join('\n').length, tail },
  };
  ensureJobDir(stateDir, job);
  recordRun(ctx(stateDir, job), run);
}

/** A job whose state marker is garbage: the plugin must answer UNKNOWN naming the file. */
export function writeCorruptMarker(stateDir: string, job: string): void {
  ensureJobDir(stateDir, job);
  writeFileSync(statePath(stateDir, job), '{"schema": 1, "job": ');
}

/** Runs plugins/<name> directly, as the daemons would. */
export function runPlugin(name: string, args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(join(PLUGIN_DIR, name), args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout ?? '' };
}
