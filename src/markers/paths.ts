import { join } from 'node:path';
import { validateName } from '../common/jobName.js';

// One directory per job keeps every derived file name unambiguous (job names may contain dots).
export function jobDir(stateDir: string, job: string): string {
  return join(stateDir, validateName(job));
}
export function statePath(stateDir: string, job: string): string {
  return join(jobDir(stateDir, job), 'state.json');
}
export function stateLockPath(stateDir: string, job: string): string {
  return join(jobDir(stateDir, job), 'state.lock');
}
/** The overlap lock: one per job, or one per part of a job run in parts. */
export function runLockPath(stateDir: string, job: string, part: string | null): string {
  return join(jobDir(stateDir, job), part ? `run+${validateName(part, 'part')}.lock` : 'run.lock');
}
export const RUNNING_PREFIX = 'running-';
export function runningPath(stateDir: string, job: string, runId: string): string {
  return join(jobDir(stateDir, job), `${RUNNING_PREFIX}${runId}.json`);
}
