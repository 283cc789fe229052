// The job inventory: the crontab's job lines, kept in the state directory where user nagios can read
// them (it cannot read govuk-backup's crontab: crontab -l -u needs root, and the spool is 0600).
// The wrapper refreshes it on every run, as the job's user, who can read its own crontab; `env-sync
// config inventory` refreshes it as root. Secrets are redacted on the way in (src/common/redact.ts),
// and an entry that lost one is never shown as a command to run.
import { join } from 'node:path';
import { readBoundedText, ReadProblem } from '../common/boundedRead.js';
import { REDACTED, redactText } from '../common/redact.js';
import { writeFileAtomic } from '../markers/atomicWrite.js';
import { MarkerError } from '../markers/errors.js';
import { assertTrusted, type JobTrust } from '../markers/trust.js';
import { parseCrontab, type CronJob } from './crontab.js';
import { splitWords } from './words.js';

export const INVENTORY_FILE = 'inventory.json';
// Schema 2 keeps the crontab's VAR=value settings once (`env`), not copied into every job: 600 jobs
// under a few long VAR= lines made a schema-1 inventory of 1.4 MB, over every reader's bound (issue
// 25, finding 10). Schema 1 files are still read.
export const INVENTORY_SCHEMA = 2;
/** The readers' bound; a writer refuses an inventory larger than this rather than write one no one reads. */
export const MAX_INVENTORY_BYTES = 1024 * 1024;

export interface InventoryJob {
  job: string;
  schedule: string;
  /** The command as cron hands it to /bin/sh -c, secrets redacted. */
  command: string;
  /** The crontab's VAR=value lines in force for it, secrets redacted. */
  env: Record<string, string>;
  lineNo: number;
  wrapped: boolean;
  /** Something was redacted from the command or its environment: it cannot be run as shown. */
  redacted: boolean;
}

/** The VAR=value settings cron applies from crontab line `from` on (schema 2's top-level `env`). */
export interface EnvStep {
  from: number;
  set: Record<string, string>;
}

/** The inventory as the readers use it: each job with its own `env` (the same object for jobs that share one). */
export interface Inventory {
  schema: number;
  /** Whose crontab this is. */
  user: string;
  written: string;
  /** How it was read: `crontab -l (env-sync-run)`, `crontab -l -u USER (env-sync config)`, `--crontab FILE`. */
  from: string;
  jobs: InventoryJob[];
}

export function inventoryPath(stateDir: string): string {
  return join(stateDir, INVENTORY_FILE);
}

/** Thrown when a crontab's inventory would not fit the readers' bound: nothing is written. */
export class InventoryTooBig extends Error {}

/** A crontab's job lines as the inventory keeps them. */
export function inventoryOf(crontab: string, user: string, from: string, now: Date): Inventory {
  const jobs = parseCrontab(crontab).map((c): InventoryJob => {
    const command = redactText(c.command);
    const env = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, redactText(`${k}=${v}`).slice(k.length + 1)]));
    const redacted = command.includes(REDACTED) || Object.values(env).some((v) => v.includes(REDACTED));
    return { job: c.job, schedule: c.schedule, command, env, lineNo: c.lineNo, wrapped: c.wrapped, redacted };
  });
  return { schema: INVENTORY_SCHEMA, user, written: now.toISOString(), from, jobs };
}

/** The file's form: the settings once, as steps in crontab order, and the jobs without them. */
function onDisk(inv: Inventory): object {
  const env: EnvStep[] = [];
  let prev: Record<string, string> = {};
  const jobs = inv.jobs.map(({ env: jobEnv, ...rest }) => {
    const set: Record<string, string> = {};
    for (const [k, v] of Object.entries(jobEnv)) if (prev[k] !== v) set[k] = v;
    if (Object.keys(set).length) env.push({ from: rest.lineNo, set });
    prev = jobEnv;
    return rest;
  });
  return { schema: INVENTORY_SCHEMA, user: inv.user, written: inv.written, from: inv.from, env, jobs };
}

/**
 * Writes the inventory, atomically; refuses (InventoryTooBig, naming the crontab and the bound) one the
 * readers would refuse, rather than leave them a file they cannot read or a silently cut one.
 */
export function writeInventory(stateDir: string, inv: Inventory): void {
  const text = `${JSON.stringify(onDisk(inv), null, 1)}\n`;
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_INVENTORY_BYTES) {
    throw new InventoryTooBig(
      `the job inventory of ${inv.user}'s crontab (${inv.from}, ${inv.jobs.length} jobs) would be ${bytes} bytes, over the readers' bound of ${MAX_INVENTORY_BYTES} bytes; not written (${inventoryPath(stateDir)} left as it was): shorten the crontab's command lines, or give the checks --crontab FILE or --user USER`,
    );
  }
  writeFileAtomic(inventoryPath(stateDir), text);
}

/** The inventory's entries as crontab jobs (what the re-run and the host-wide views take). */
export function inventoryJobs(inv: Inventory): Array<CronJob & { redacted: boolean }> {
  return inv.jobs.map((j) => {
    const { words, shellOperator } = splitWords(j.command);
    return {
      job: j.job,
      schedule: j.schedule,
      command: j.command,
      env: j.env,
      words,
      shellOperator,
      puppetName: null,
      lineNo: j.lineNo,
      wrapped: j.wrapped,
      redacted: j.redacted,
    };
  });
}

const isStr = (v: unknown): v is string => typeof v === 'string';

/**
 * The inventory, when there is one the checks can trust: owned by the jobs' user or root, writable
 * by no one else (as markers are). Null when there is none; MarkerError naming the file otherwise.
 */
export function readInventory(stateDir: string, trust: JobTrust): Inventory | null {
  const path = inventoryPath(stateDir);
  let text: string | null;
  try {
    text = readBoundedText(path, { maxBytes: MAX_INVENTORY_BYTES, noFollow: true, inspect: (st) => assertTrusted(path, st, trust) });
  } catch (err) {
    if (err instanceof ReadProblem)
      throw new MarkerError(path, err.problem, 'remove it; the next run of any job (or env-sync config inventory, as root) writes a new one');
    throw err;
  }
  if (text === null) return null;
  const bad = () =>
    new MarkerError(
      path,
      'is not a job inventory (truncated or corrupt)',
      'remove it; the next run of any job (or env-sync config inventory, as root) writes a new one',
    );
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw bad();
  }
  if (typeof v !== 'object' || v === null || typeof v.schema !== 'number' || !Array.isArray(v.jobs) || !isStr(v.user)) throw bad();
  if (v.schema > INVENTORY_SCHEMA)
    throw new MarkerError(
      path,
      `was written with inventory schema ${v.schema}, newer than this check understands (${INVENTORY_SCHEMA})`,
      'upgrade env-sync-checks on this host',
    );
  const isEnv = (e: unknown): e is Record<string, string> => typeof e === 'object' && e !== null && !Array.isArray(e) && Object.values(e).every(isStr);
  // Schema 1 kept each job's settings with it; schema 2 keeps them once, as steps by crontab line.
  const steps = v.schema >= 2 ? v.env : [];
  if (!Array.isArray(steps) || !steps.every((st: unknown) => typeof (st as EnvStep)?.from === 'number' && isEnv((st as EnvStep).set))) throw bad();
  let env: Record<string, string> = {};
  let next = 0;
  for (const j of v.jobs as unknown[]) {
    const e = j as Record<string, unknown>;
    if (!e || !isStr(e.job) || !isStr(e.schedule) || !isStr(e.command) || typeof e.lineNo !== 'number' || typeof e.redacted !== 'boolean') throw bad();
    if (v.schema < 2) {
      if (!isEnv(e.env)) throw bad();
      continue;
    }
    // The jobs are in crontab order: each takes the settings of the steps up to its line, and jobs
    // with no step between them share one object.
    if (next < steps.length && (steps[next] as EnvStep).from <= e.lineNo) {
      env = { ...env };
      while (next < steps.length && (steps[next] as EnvStep).from <= e.lineNo) Object.assign(env, (steps[next++] as EnvStep).set);
    }
    e.env = env;
  }
  return v as unknown as Inventory;
}
