// A pause of a job (env-sync pause): who asked, when, why and until when, in the job's directory
// (<state-dir>/<job>/pause.json) or, for every job, in the state directory (pause-all.json).
// Written as markers are (atomicWrite.ts: by descriptor, never through a link) and believed as
// markers are (trust.ts): a pause file another user could have written must not silence a job.
import { lstatSync } from 'node:fs';
import { openMarkerDir, writeFileAtomicIn } from './atomicWrite.js';
import { inDir, type DirHandle } from './dirFd.js';
import { MarkerError } from './errors.js';
import { jobDir } from './paths.js';
import { readMarkerText } from './read.js';
import { openJobDir } from './store.js';
import { assertTrusted, assertTrustedDirs, statDir, type JobTrust } from './trust.js';

export const PAUSE_FILE = 'pause.json';
export const PAUSE_ALL_FILE = 'pause-all.json';
/** The pause file's own format version (apart from the state's marker schema). */
export const PAUSE_SCHEMA = 1;
/** A reason is one line for an alert: longer ones are cut. */
export const MAX_REASON_BYTES = 300;

export interface Pause {
  schema: number;
  /** The job paused; null for the pause of every job (pause-all.json). */
  job: string | null;
  /** Who paused it: the process's user, never an argument. */
  by: string;
  /** Root's `sudo` caller, when root paused through sudo (SUDO_USER; only root's is kept). */
  sudoUser: string | null;
  since: string;
  until: string;
  reason: string;
  /** Icinga 2 downtimes scheduled for it (names, for env-sync resume to remove them). */
  downtimes: string[];
}

/** Where a pause lives: the job's directory, or the state directory for --all. */
export function pausePath(stateDir: string, job: string | null): string {
  return job === null ? `${stateDir.replace(/\/+$/, '')}/${PAUSE_ALL_FILE}` : `${jobDir(stateDir, job)}/${PAUSE_FILE}`;
}

const FIX = 'remove it (env-sync resume) or pause again (env-sync pause)';

function parsePause(path: string, text: string, job: string | null): Pause {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new MarkerError(path, 'is not valid JSON (truncated or corrupt)', FIX);
  }
  const o = (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {}) as Record<string, unknown>;
  const bad = (field: string) => new MarkerError(path, `field ${field} is missing or of the wrong type`, FIX);
  if (typeof o.schema !== 'number' || !Number.isInteger(o.schema) || o.schema < 1) throw bad('schema');
  if (o.schema > PAUSE_SCHEMA)
    throw new MarkerError(path, `was written with pause schema ${o.schema}, newer than this version understands (${PAUSE_SCHEMA})`, 'upgrade env-sync-checks');
  if (o.job !== job) throw new MarkerError(path, `names job ${JSON.stringify(o.job)}, not ${JSON.stringify(job)}`, FIX);
  for (const f of ['by', 'since', 'until', 'reason'] as const) if (typeof o[f] !== 'string') throw bad(f);
  for (const f of ['since', 'until'] as const) if (Number.isNaN(Date.parse(o[f] as string))) throw bad(f);
  if (o.sudoUser !== undefined && o.sudoUser !== null && typeof o.sudoUser !== 'string') throw bad('sudoUser');
  const downtimes = Array.isArray(o.downtimes) ? o.downtimes.filter((d): d is string => typeof d === 'string').slice(0, 100) : [];
  return {
    schema: o.schema,
    job,
    by: o.by as string,
    sudoUser: (o.sudoUser as string | null | undefined) ?? null,
    since: o.since as string,
    until: o.until as string,
    reason: o.reason as string,
    downtimes,
  };
}

/**
 * The pause file of a job (or, job null, of every job), or null when there is none. Believed only
 * as a marker is: it and its directories the job's user's or root's and writable by no one else,
 * never through a link; anything else throws the MarkerError that says why.
 */
export function readPause(stateDir: string, job: string | null, trust: JobTrust): Pause | null {
  const path = pausePath(stateDir, job);
  if (job !== null) assertTrustedDirs(stateDir, job, trust);
  else {
    // The state directory may be a link an administrator made: its target counts (trust.ts).
    const st = statDir(stateDir, true);
    if (!st) return null;
    assertTrusted(stateDir, st, trust);
  }
  const text = readMarkerText(path, trust);
  return text === null ? null : parsePause(path, text, job);
}

/** The pause in force at `now` of those given (a job's own and every job's): the one that ends last. */
export function activePause(pauses: ReadonlyArray<Pause | null>, now: Date): Pause | null {
  let best: Pause | null = null;
  for (const p of pauses) {
    if (!p || Date.parse(p.until) <= now.getTime()) continue;
    if (!best || Date.parse(p.until) > Date.parse(best.until)) best = p;
  }
  return best;
}

function inPauseDir<T>(stateDir: string, job: string | null, fn: (d: DirHandle, name: string) => T): T {
  return job === null ? inDir(openMarkerDir(stateDir), (d) => fn(d, PAUSE_ALL_FILE)) : inDir(openJobDir(stateDir, job), (d) => fn(d, PAUSE_FILE));
}

/** Writes the pause atomically through the directory's descriptor (the job's directory is made if missing). */
export function writePause(stateDir: string, p: Pause): string {
  inPauseDir(stateDir, p.job, (d, name) => writeFileAtomicIn(d, name, `${JSON.stringify(p, null, 2)}\n`));
  return pausePath(stateDir, p.job);
}

/** Removes the pause file; false when there was none. */
export function removePause(stateDir: string, job: string | null): boolean {
  return inPauseDir(stateDir, job, (d, name) => {
    try {
      d.unlink(name);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  });
}

/** What a reader (a check, the wrapper) makes of a job's pause files. */
export interface PauseRead {
  /** The pause in force (the job's own or every job's, whichever ends last); null when none. */
  active: Pause | null;
  /** A pause file not believed (another user could have written it; corrupt): why, with the fix. */
  problem: string | null;
}

/**
 * The job's pause and every job's, as believed: undefined when there is neither file. A file that is
 * not believed does not count (it is said as `problem`): a pause silences a job, so a pause
 * another user could have written must never do so.
 */
export function readPauses(
  stateDir: string,
  job: string,
  trust: JobTrust,
  now: Date,
  everyJob: () => Pause | null = () => readPauseIfThere(stateDir, null, trust),
  /** The names in the job's directory when the caller has listed it: no pause file among them, none read. */
  listing?: readonly string[],
): PauseRead | undefined {
  // The job's own pause, then every job's: one that cannot be believed is said (the first such), and
  // the other still counts. Written out rather than looped over a list of readers: host-wide views ask
  // this of every job, and nearly every answer is "no pause".
  let own: Pause | null = null;
  let all: Pause | null = null;
  let problem: string | null = null;
  if (!listing || listing.includes(PAUSE_FILE)) {
    try {
      own = readPauseIfThere(stateDir, job, trust);
    } catch (err) {
      if (!(err instanceof MarkerError)) throw err;
      problem = err.message;
    }
  }
  try {
    all = everyJob();
  } catch (err) {
    if (!(err instanceof MarkerError)) throw err;
    problem ??= err.message;
  }
  if (own === null && all === null && problem === null) return undefined;
  return { active: activePause([own, all], now), problem };
}

/**
 * readPause, after an lstat that does not throw: the usual answer is "no pause file", and the
 * failed open it saves is a thrown ENOENT, an Error with its stack (500 jobs, 1,000 of them). Whatever
 * is there, a link too, is read by readPause with every trust rule.
 */
export function readPauseIfThere(stateDir: string, job: string | null, trust: JobTrust): Pause | null {
  try {
    if (!lstatSync(pausePath(stateDir, job), { throwIfNoEntry: false })) return null;
  } catch {
    // Not searchable: readPause says why.
  }
  return readPause(stateDir, job, trust);
}
