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
export function statePath(stateDir: string, job: string): string {
  return `${jobDir(stateDir, job)}/state.json`;
}
export function stateLockPath(stateDir: string, job: string): string {
  return `${jobDir(stateDir, job)}/state.lock`;
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
