// The one factory of runs and states for tests, built with the store's own applyRun so that they
// follow the wrapper's rules (what counts as a failure, what a skipped start changes). A test says
// only what matters to it: makeRun('pull_x', { outcome: 'failure', exitCode: 1 }).
import { applyRun } from '../../src/markers/store.js';
import { emptyJobState, MARKER_SCHEMA, type JobState, type Run, type RunningMarker } from '../../src/markers/types.js';

let made = 0;

export function makeRun(job: string, over: Partial<Run> = {}): Run {
  made += 1;
  return {
    runId: `20261124T001801Z-${made.toString(16).padStart(6, '0')}`,
    job,
    part: null,
    host: 'db1',
    user: 'govuk-backup',
    wrapperPid: 4242,
    wrapperStartTicks: 1000,
    childPid: 4243,
    bootId: 'boot-1',
    argv: ['/usr/local/bin/govuk_env_sync.sh', '-f', `/etc/govuk_env_sync/${job}.cfg`],
    cwd: '/',
    cronCommand: null,
    cronCwd: null,
    start: '2026-11-24T00:18:00.000Z',
    end: '2026-11-24T00:41:00.000Z',
    durationSeconds: 1380,
    outcome: 'success',
    exitCode: 0,
    signal: null,
    timeoutSeconds: null,
    message: null,
    output: { lines: 0, bytes: 0, tail: [] },
    ...over,
  };
}

export function runningMarker(job: string, over: Partial<Run> = {}): RunningMarker {
  return { schema: MARKER_SCHEMA, ...makeRun(job, { end: null, durationSeconds: null, outcome: 'running', exitCode: null, ...over }) };
}

/** The state after these runs, in order. */
export function stateAfter(job: string, runs: Array<Partial<Run>>): JobState {
  return runs.reduce((s, r) => applyRun(s, makeRun(job, r), new Date(r.end ?? r.start ?? '2026-11-24T00:41:00Z')), emptyJobState(job));
}

/** Unix seconds of an ISO time, as the files write it. */
export const secs = (iso: string) => Date.parse(iso) / 1000;

/** The sample lines of an exposition text, without HELP and TYPE. */
export const sampleLines = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));
