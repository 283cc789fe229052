import { join } from 'node:path';
import { validateName } from '../common/jobName.js';

// A host-wide view asks for each job's paths several times: the name is checked and the path made
// once (a map a state directory, so that asking makes no key string).
const jobDirs = new Map<string, Map<string, string>>();

// One directory per job keeps every derived file name unambiguous (job names may contain dots).
export function jobDir(stateDir: string, job: string): string {
  let dirs = jobDirs.get(stateDir);
  if (dirs === undefined) jobDirs.set(stateDir, (dirs = new Map()));
  let dir = dirs.get(job);
  if (dir === undefined) {
    dir = join(stateDir, validateName(job));
    dirs.set(job, dir);
  }
  return dir;
}
// jobDir's path is normalised and ends in the job's name: a file name is added with a slash.
export const STATE_FILE = 'state.json';
export const STATE_LOCK_FILE = 'state.lock';
export function statePath(stateDir: string, job: string): string {
  return `${jobDir(stateDir, job)}/${STATE_FILE}`;
}
export function stateLockPath(stateDir: string, job: string): string {
  return `${jobDir(stateDir, job)}/${STATE_LOCK_FILE}`;
}
/** The overlap lock: one per job, or one per part of a job run in parts. */
export function runLockPath(stateDir: string, job: string, part: string | null): string {
  return `${jobDir(stateDir, job)}/${part ? `run+${validateName(part, 'part')}.lock` : 'run.lock'}`;
}
export const RUNNING_PREFIX = 'running-';
/** The running marker's file name in the job's directory. */
export function runningFileName(runId: string): string {
  return `${RUNNING_PREFIX}${runId}.json`;
}
export function runningPath(stateDir: string, job: string, runId: string): string {
  return `${jobDir(stateDir, job)}/${runningFileName(runId)}`;
}
export const UNRECORDED_PREFIX = 'unrecorded-';
/**
 * A run's running marker renamed when its end could not be written (disk full): the name carries
 * what the end would have said, since a rename needs no data blocks (docs/markers.md).
 */
export function unrecordedFileName(runId: string, outcome: string, exitCode: number | null, cause: string): string {
  return `${UNRECORDED_PREFIX}${runId}.${outcome}.${exitCode ?? 'none'}.${cause}.json`;
}
const UNRECORDED_NAME = /^unrecorded-(.+)\.(success|failure|timeout|signal|spawn-error|interrupted)\.(\d{1,3}|none)\.(E[A-Z0-9]{1,15})\.json$/;
/** What an unrecorded marker's name says; null for any other name. */
export function parseUnrecordedName(
  name: string,
): { runId: string; outcome: 'success' | 'failure' | 'timeout' | 'signal' | 'spawn-error' | 'interrupted'; exitCode: number | null; cause: string } | null {
  const m = UNRECORDED_NAME.exec(name);
  if (!m) return null;
  return { runId: m[1]!, outcome: m[2] as 'success', exitCode: m[3] === 'none' ? null : Number(m[3]), cause: m[4]! };
}
