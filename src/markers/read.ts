import { type Dirent, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { readBounded, ReadProblem } from '../common/boundedRead.js';
import { compareText } from '../common/compare.js';
import { currentUser } from '../common/host.js';
import { isValidName } from '../common/jobName.js';
import { MarkerError, NewerSchemaError } from './errors.js';
import { builtin } from '../common/builtin.js';
import { jobDir, parseUnrecordedName, RUNNING_PREFIX, runningFileName, statePath, UNRECORDED_PREFIX } from './paths.js';
import { assertTrusted, assertTrustedDirs, type DirStat, type JobTrust } from './trust.js';
import { ATTEMPT_OUTCOMES, MARKER_SCHEMA, OUTCOMES, type HistoryEntry, type JobState, type Run, type RunningMarker } from './types.js';

export { MarkerError, NewerSchemaError };

// Markers are a few KiB (50 history entries, a bounded output tail); anything far larger is not one.
const MAX_MARKER_BYTES = 4 * 1024 * 1024;

function markerProblem(path: string, p: ReadProblem): MarkerError {
  switch (p.code) {
    case 'denied':
      return new MarkerError(
        path,
        'permission denied',
        `make it readable by this user (${currentUser()}), e.g. chmod o+r, or run the check as a user that can read it`,
      );
    case 'symlink':
      return new MarkerError(
        path,
        'is a symbolic link; refusing to trust it',
        'replace the link with the marker itself, or remove it so the next run writes a new one',
      );
    case 'not-regular':
      return p.problem.startsWith('is a directory')
        ? new MarkerError(path, 'is a directory, not a marker file', 'remove the directory; the next run of the job writes the marker')
        : new MarkerError(path, 'is not a regular file', 'remove it; the next run of the job writes the marker');
    case 'too-big':
      return new MarkerError(
        path,
        `${p.problem.replace(/, more than the .*/, '')}, far larger than any marker (at most ${MAX_MARKER_BYTES})`,
        'move it away; the next run of the job writes a new one',
      );
    default:
      return new MarkerError(path, p.problem, 'check the file and the state directory');
  }
}

// One read buffer for every marker a process reads (host-wide views read hundreds).
const scratch = { buf: Buffer.allocUnsafe(64 * 1024) };

/**
 * Reads a marker file without following symlinks and refuses what it must not trust: with a job's
 * trust, anything the job's user or root does not own, or that others may write; without one (the
 * wrapper reading its own files), a world-writable file.
 */
/** The check of a marker's open file: trusted for the job's user, or (the wrapper's own) writable by no one else. */
function trustedMarker(path: string, trust: JobTrust | null): (st: Stats) => void {
  return (st) => {
    if (trust) assertTrusted(path, st, trust);
    else if (st.mode & 0o002)
      throw new MarkerError(
        path,
        'is writable by everyone, so another user could have changed it; refusing to trust it',
        `chmod go-w ${path} and check who changed it`,
      );
  };
}

export function readMarkerText(path: string, trust: JobTrust | null = null): string | null {
  try {
    const bytes = readBounded(
      path,
      {
        maxBytes: MAX_MARKER_BYTES,
        noFollow: true,
        inspect: trustedMarker(path, trust),
      },
      scratch,
    );
    return bytes === null ? null : bytes.toString('utf8');
  } catch (err) {
    if (err instanceof ReadProblem) throw markerProblem(path, err);
    throw err;
  }
}

const CORRUPT_FIX = "move it away (the next run of the job writes a new one) and look at the job's last run in syslog";

function parseJson(path: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Emptiness is told apart only here: a trimmed copy of every marker a view reads is garbage.
    if (text.trim() === '') throw new MarkerError(path, 'is empty', CORRUPT_FIX);
    throw new MarkerError(path, 'is not valid JSON (truncated or corrupt)', CORRUPT_FIX);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MarkerError(path, 'does not hold a JSON object', CORRUPT_FIX);
  }
  const obj = value as Record<string, unknown>;
  const schema = obj.schema;
  if (typeof schema !== 'number' || !Number.isInteger(schema) || schema < 1) {
    throw new MarkerError(path, 'has no valid "schema" field', CORRUPT_FIX);
  }
  if (schema > MARKER_SCHEMA) {
    throw new NewerSchemaError(
      path,
      schema,
      `was written with marker schema ${schema}, newer than this check understands (${MARKER_SCHEMA})`,
      'upgrade env-sync-checks on this host so the checks match the wrapper',
    );
  }
  return obj;
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown) => v === null || isStr(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumOrNull = (v: unknown) => v === null || isNum(v);

function checkRun(path: string, where: string, v: unknown, allowRunning: boolean): Run {
  const bad = (field: string) => new MarkerError(path, `field ${where}.${field} is missing or of the wrong type`, CORRUPT_FIX);
  if (typeof v !== 'object' || v === null) throw bad('(run)');
  const r = v as Record<string, unknown>;
  for (const f of ['runId', 'job', 'host', 'user', 'start', 'cwd'] as const) if (!isStr(r[f])) throw bad(f);
  if (!isStrOrNull(r.part)) throw bad('part');
  if (!isStrOrNull(r.end)) throw bad('end');
  if (!isNum(r.wrapperPid)) throw bad('wrapperPid');
  for (const f of ['childPid', 'childStartTicks', 'exitCode', 'durationSeconds', 'timeoutSeconds', 'wrapperStartTicks', 'seq'] as const) {
    if (r[f] !== undefined && !isNumOrNull(r[f])) throw bad(f);
  }
  for (const f of ['signal', 'bootId', 'message', 'cronCommand', 'cronCwd'] as const) if (r[f] !== undefined && !isStrOrNull(r[f])) throw bad(f);
  if (!Array.isArray(r.argv) || !r.argv.every(isStr)) throw bad('argv');
  const outcomeOk = (OUTCOMES as readonly unknown[]).includes(r.outcome) || (allowRunning && r.outcome === 'running');
  if (!outcomeOk) throw bad('outcome');
  if (Number.isNaN(Date.parse(r.start as string))) throw bad('start');
  const out = r.output as Record<string, unknown> | undefined;
  if (!out || !isNum(out.lines) || !isNum(out.bytes) || !Array.isArray(out.tail) || !out.tail.every(isStr)) throw bad('output');
  if (r.retries !== undefined && r.retries !== null && !(isNum(r.retries) && Number.isInteger(r.retries) && r.retries >= 0)) throw bad('retries');
  if (r.attemptTimeoutSeconds !== undefined && !isNumOrNull(r.attemptTimeoutSeconds)) throw bad('attemptTimeoutSeconds');
  if (r.attempts !== undefined && r.attempts !== null) checkAttempts(r.attempts, (i, f) => bad(`attempts[${i}].${f}`));
  // Filled in place rather than spread into a copy: host-wide views read hundreds of markers, and
  // `r` is our own parse result.
  for (const f of NULL_WHEN_ABSENT) if (r[f] === undefined) r[f] = null;
  return r as unknown as Run;
}

/** A run's attempts (--retries): each checked, so a reader may take them for Attempts. */
function checkAttempts(v: unknown, bad: (i: number, field: string) => MarkerError): void {
  if (!Array.isArray(v)) throw bad(0, '(a list)');
  v.forEach((a, i) => {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) throw bad(i, '(an attempt)');
    const t = a as Record<string, unknown>;
    for (const f of ['start', 'end'] as const) if (!isStr(t[f]) || Number.isNaN(Date.parse(t[f]))) throw bad(i, f);
    for (const f of ['durationSeconds', 'exitCode'] as const) if (!isNum(t[f])) throw bad(i, f);
    if (!(ATTEMPT_OUTCOMES as readonly unknown[]).includes(t.outcome)) throw bad(i, 'outcome');
    if (t.signal !== undefined && !isStrOrNull(t.signal)) throw bad(i, 'signal');
    if (t.stoppedBy !== undefined && t.stoppedBy !== null && t.stoppedBy !== '--timeout' && t.stoppedBy !== '--attempt-timeout') throw bad(i, 'stoppedBy');
    const o = t.output as Record<string, unknown> | undefined;
    if (typeof o !== 'object' || o === null || !isNum(o.lines) || !isNum(o.bytes)) throw bad(i, 'output');
  });
}

// Fields older markers may lack (schema 1 grew them; seq came with schema 3); absent means null.
const NULL_WHEN_ABSENT = [
  'childPid',
  'childStartTicks',
  'exitCode',
  'durationSeconds',
  'timeoutSeconds',
  'wrapperStartTicks',
  'signal',
  'bootId',
  'message',
  'cronCommand',
  'cronCwd',
  'seq',
] as const;

const isSeq = (v: unknown): v is number => isNum(v) && Number.isInteger(v) && v >= 0;

/**
 * The history, each entry checked and copied field by field: every reader (the status table's
 * glyphs, `env-sync show`, the wrapper writing it back) may then take an entry for a HistoryEntry,
 * and nothing else an entry held (a list nested 10,000 deep) is carried on.
 */
function checkHistory(path: string, v: unknown): HistoryEntry[] {
  if (!Array.isArray(v)) throw new MarkerError(path, 'field history is missing or not a list', CORRUPT_FIX);
  return v.map((e, i) => {
    const bad = (field: string) => new MarkerError(path, `field history[${i}]${field} is missing or of the wrong type`, CORRUPT_FIX);
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw bad(' (a run)');
    const h = e as Record<string, unknown>;
    if (!isStr(h.runId)) throw bad('.runId');
    if (!isStr(h.start) || Number.isNaN(Date.parse(h.start))) throw bad('.start');
    if (!(OUTCOMES as readonly unknown[]).includes(h.outcome)) throw bad('.outcome');
    for (const f of ['part', 'end'] as const) if (h[f] !== undefined && !isStrOrNull(h[f])) throw bad(`.${f}`);
    for (const f of ['durationSeconds', 'exitCode'] as const) if (h[f] !== undefined && !isNumOrNull(h[f])) throw bad(`.${f}`);
    if (h.seq !== undefined && h.seq !== null && !isSeq(h.seq)) throw bad('.seq');
    const entry: HistoryEntry = {
      runId: h.runId,
      part: (h.part ?? null) as string | null,
      start: h.start,
      end: (h.end ?? null) as string | null,
      durationSeconds: (h.durationSeconds ?? null) as number | null,
      outcome: h.outcome as HistoryEntry['outcome'],
      exitCode: (h.exitCode ?? null) as number | null,
    };
    if (h.seq != null) entry.seq = h.seq as number;
    if (h.outputBytes !== undefined && h.outputBytes !== null && !(isNum(h.outputBytes) && h.outputBytes >= 0)) throw bad('.outputBytes');
    if (h.outputBytes != null) entry.outputBytes = h.outputBytes as number;
    return entry;
  });
}

/**
 * The job's finished-run state (state.json), or null when the job has never finished a run here.
 * `trust` null only for the wrapper reading its own files; `dirsChecked` when the caller has just
 * checked the directories (readRunningMarkers does): a host-wide view saves a stat a job.
 */
export function readJobState(stateDir: string, job: string, trust: JobTrust | null, dirsChecked = false): JobState | null {
  const path = statePath(stateDir, job);
  if (trust && !dirsChecked) assertTrustedDirs(stateDir, job, trust);
  const text = readMarkerText(path, trust);
  if (text === null) return null;
  const obj = parseJson(path, text);
  if (obj.job !== job) throw new MarkerError(path, `names job ${JSON.stringify(obj.job)}, not ${JSON.stringify(job)}`, CORRUPT_FIX);
  const runOrNull = (k: string) => (obj[k] == null ? null : checkRun(path, k, obj[k], false));
  if (!isNum(obj.consecutiveFailures)) throw new MarkerError(path, 'field consecutiveFailures is missing or of the wrong type', CORRUPT_FIX);
  // Schema 3 numbers its records; before it there is no sequence to carry on from.
  const schema = obj.schema as number;
  if (schema >= 3 ? !isSeq(obj.seq) : obj.seq !== undefined && !isSeq(obj.seq))
    throw new MarkerError(path, 'field seq is missing or of the wrong type', CORRUPT_FIX);
  const history = checkHistory(path, obj.history);
  const parts: Record<string, Run> = {};
  const rawParts = (obj.parts ?? {}) as Record<string, unknown>;
  if (typeof rawParts !== 'object' || Array.isArray(rawParts)) throw new MarkerError(path, 'field parts is not an object', CORRUPT_FIX);
  for (const [name, run] of Object.entries(rawParts)) parts[name] = checkRun(path, `parts.${name}`, run, false);
  const state: JobState = {
    schema,
    job,
    updated: isStr(obj.updated) ? obj.updated : new Date(0).toISOString(),
    seq: (obj.seq as number | undefined) ?? 0,
    last: runOrNull('last'),
    lastSuccess: runOrNull('lastSuccess'),
    lastSkipped: runOrNull('lastSkipped'),
    consecutiveFailures: obj.consecutiveFailures,
    history,
    parts,
  };
  // Added after, not spread into the literal: a spread there builds every state key by key (500 a view).
  if (obj.lastPaused != null) state.lastPaused = runOrNull('lastPaused');
  return state;
}

/**
 * Runs in progress (or left behind by a wrapper that died), oldest first. `dirStat`: how the
 * directories are looked at (a host-wide view looks at each once). `heldRunId`: a run whose marker
 * the caller holds (the wrapper's own), left out rather than read back.
 */
export function readRunningMarkers(
  stateDir: string,
  job: string,
  trust: JobTrust | null,
  dirStat?: DirStat,
  heldRunId?: string,
  unrecorded?: UnrecordedRun[],
  /** Filled with the names in the job's directory, for a caller that would otherwise look for a file there (a pause file). */
  listing?: string[],
): RunningMarker[] {
  const dir = jobDir(stateDir, job);
  if (trust) assertTrustedDirs(stateDir, job, trust, dirStat);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
    throw markerProblem(
      dir,
      e.code === 'EACCES' || e.code === 'EPERM'
        ? new ReadProblem(dir, 'denied', 'permission denied')
        : new ReadProblem(dir, 'unreadable', `cannot be read (${e.code ?? e.message})`),
    );
  }
  listing?.push(...names);
  const markers: RunningMarker[] = [];
  for (const name of names) {
    if (unrecorded && name.startsWith(UNRECORDED_PREFIX)) {
      const u = readUnrecorded(dir, name, trust);
      if (u) unrecorded.push(u);
      continue;
    }
    if (!name.startsWith(RUNNING_PREFIX) || !name.endsWith('.json')) continue;
    if (heldRunId !== undefined && name === runningFileName(heldRunId)) continue;
    const path = join(dir, name);
    const text = readMarkerText(path, trust);
    if (text === null) continue; // finished between readdir and open
    const obj = parseJson(path, text);
    markers.push({ ...checkRun(path, 'run', obj, true), schema: obj.schema as number });
  }
  return markers.sort((a, b) => compareText(a.start, b.start));
}

/** A run whose end its wrapper could not write (disk full): its running marker, renamed to say how it ended. */
export interface UnrecordedRun {
  /** The run as its end would have recorded it: outcome and exit code from the name, end from the file's time. */
  run: Run;
  /** The errno code of why the end was not written (`ENOSPC`), from the name. */
  cause: string;
  /** The file's name in the job's directory. */
  file: string;
}

/** Causes an administrator acts on, in words; any other code is shown as it is. */
const CAUSE_WORDS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'a directory was removed',
  EOTHER: "an error (the wrapper's warning in syslog says which)",
};

export function causeWords(code: string): string {
  return CAUSE_WORDS[code] ?? code;
}

function readUnrecorded(dir: string, name: string, trust: JobTrust | null): UnrecordedRun | null {
  const said = parseUnrecordedName(name);
  if (!said) return null;
  const path = join(dir, name);
  let mtimeMs = 0;
  const bytes = (() => {
    try {
      return readBounded(path, {
        maxBytes: MAX_MARKER_BYTES,
        noFollow: true,
        inspect: (st) => {
          trustedMarker(path, trust)(st);
          mtimeMs = st.mtimeMs;
        },
      });
    } catch (err) {
      if (err instanceof ReadProblem) throw markerProblem(path, err);
      throw err;
    }
  })();
  if (bytes === null) return null; // recorded (and removed) since the listing
  const obj = parseJson(path, bytes.toString('utf8'));
  const marker = checkRun(path, 'run', obj, true);
  if (marker.runId !== said.runId)
    throw new MarkerError(path, `names run ${JSON.stringify(marker.runId)}, not ${JSON.stringify(said.runId)} as its file name does`, CORRUPT_FIX);
  const end = new Date(Math.max(mtimeMs, Date.parse(marker.start)));
  const signal =
    (said.outcome === 'signal' || said.outcome === 'interrupted') && said.exitCode !== null && said.exitCode > 128 ? signalName(said.exitCode - 128) : null;
  const run: Run = {
    ...(({ schema: _s, ...rest }) => rest)(marker as Run & { schema?: number }),
    outcome: said.outcome,
    exitCode: said.exitCode,
    signal,
    end: end.toISOString(),
    durationSeconds: Math.round((end.getTime() - Date.parse(marker.start)) / 1000),
  };
  return { run, cause: said.cause, file: name };
}

function signalName(n: number): string | null {
  // node:os only here, for the rare run whose end could not be recorded: not on a check's usual path.
  return Object.entries(builtin('node:os').constants.signals).find(([, v]) => v === n)?.[0] ?? null;
}

/** Job names that have a directory in the state directory. */
export function listJobs(stateDir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(stateDir, { withFileTypes: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return [];
    throw markerProblem(
      stateDir,
      e.code === 'EACCES' || e.code === 'EPERM'
        ? new ReadProblem(stateDir, 'denied', 'permission denied')
        : new ReadProblem(stateDir, 'unreadable', `cannot be read (${e.code ?? e.message})`),
    );
  }
  return entries
    .filter((e) => e.isDirectory() && isValidName(e.name))
    .map((e) => e.name)
    .sort();
}
