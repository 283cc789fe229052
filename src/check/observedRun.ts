// One shape for every run the checks know of, whatever recorded it: the wrapper's markers (finished
// runs, and runs in progress with their processes' liveness), govuk_env_sync.sh's own lines in
// syslog or the journal (an unwrapped job), and the wrapper's `event=finish` lines (runs the markers
// missed). gather() reads the three; observe() turns what it read into ObservedRuns, and the judge's
// rules work over those. Pure: facts in, runs out.
import { stillRunning, type RunLiveness } from '../common/host.js';
import type { Recorded } from '../markers/sequence.js';
import type { Attempt, HistoryEntry, Run, RunningMarker } from '../markers/types.js';
import type { SyslogOnlyRun } from '../joblog/scriptRuns.js';
import type { FinishEvent } from '../joblog/wrapperEvents.js';
import type { CheckFacts } from './types.js';

/** Who recorded the run: the wrapper's markers, govuk_env_sync.sh's own log lines, or the wrapper's finish line in the log. */
export type RunSource = 'marker' | 'script-lines' | 'wrapper-event';

/**
 * Whether a run with no end is still going. A marker's run: its wrapper (`alive`), its sync after the
 * wrapper was killed (`orphaned`), neither (`dead`), or an earlier boot's (`other-boot`). A run from
 * the script's lines: a govuk_env_sync.sh runs its cfg (`alive`), none does (`dead`), its journal
 * lines are from an earlier boot (`other-boot`), or other users' processes cannot be seen (`unseen`).
 */
export type Liveness = RunLiveness | 'unseen';

export interface ObservedRun {
  source: RunSource;
  /** The wrapper's run id; null for a run known from the script's lines. */
  id: string | null;
  part: string | null;
  /** Null only for a run known from its finish line alone. */
  start: Date | null;
  end: Date | null;
  /** A marker's outcome, `running` while no end is known; a finish line's word as logged. */
  outcome: string;
  exitCode: number | null;
  durationSeconds: number | null;
  /** For a run with no end; null for one that ended. */
  liveness: Liveness | null;
  signal: string | null;
  timeoutSeconds: number | null;
  /** A run made with --retries: the retries in force, --attempt-timeout, and each attempt (the run's outcome is the last one's). */
  retries: number | null;
  attemptTimeoutSeconds: number | null;
  attempts: Attempt[] | null;
  message: string | null;
  wrapperPid: number | null;
  childPid: number | null;
  /** The marker's record as written (its sequence, its times as text): how records are ordered and the clock is checked. */
  recorded: Recorded | null;
}

export type StartedRun = ObservedRun & { start: Date };

const date = (iso: string | null) => (iso ? new Date(iso) : null);

/** A run (or a history entry) as the markers recorded it. */
export function fromMarker(r: Run | HistoryEntry, liveness: RunLiveness | null = null): StartedRun {
  const run = r as Partial<Run>;
  return {
    source: 'marker',
    id: r.runId,
    part: r.part,
    start: new Date(r.start),
    end: date(r.end),
    outcome: r.outcome,
    exitCode: r.exitCode,
    durationSeconds: r.durationSeconds,
    liveness,
    signal: run.signal ?? null,
    timeoutSeconds: run.timeoutSeconds ?? null,
    retries: run.retries ?? null,
    attemptTimeoutSeconds: run.attemptTimeoutSeconds ?? null,
    attempts: run.attempts ?? null,
    message: run.message ?? null,
    wrapperPid: run.wrapperPid ?? null,
    childPid: run.childPid ?? null,
    recorded: r,
  };
}

/** A run in progress as its running marker says, with what the probe found of its processes. */
export function fromRunning(marker: RunningMarker, liveness: RunLiveness): StartedRun {
  return fromMarker(marker, liveness);
}

/**
 * A run known from log lines: what the lines say, and none of what only the wrapper's markers record
 * (its signal, limits, attempts, message, pids, record). One literal in fromMarker's key order, so
 * that runs from either source share one shape.
 */
function fromLog<R extends Pick<ObservedRun, 'source' | 'id' | 'part' | 'start' | 'end' | 'outcome' | 'exitCode' | 'durationSeconds' | 'liveness'>>(
  r: R,
): ObservedRun & R {
  return {
    source: r.source,
    id: r.id,
    part: r.part,
    start: r.start,
    end: r.end,
    outcome: r.outcome,
    exitCode: r.exitCode,
    durationSeconds: r.durationSeconds,
    liveness: r.liveness,
    signal: null,
    timeoutSeconds: null,
    retries: null,
    attemptTimeoutSeconds: null,
    attempts: null,
    message: null,
    wrapperPid: null,
    childPid: null,
    recorded: null,
  } as ObservedRun & R;
}

/** An unwrapped run from the script's own lines, with what was found of its process. */
export function fromScriptLines(run: SyslogOnlyRun, seen: Pick<NonNullable<CheckFacts['syslogOnly']>, 'live' | 'hidden' | 'otherBoot'>): StartedRun {
  const going = run.outcome === 'running';
  return fromLog({
    source: 'script-lines',
    id: null,
    part: null,
    start: run.start,
    end: run.end,
    outcome: run.outcome,
    exitCode: null,
    durationSeconds: run.end ? (run.end.getTime() - run.start.getTime()) / 1000 : null,
    liveness: !going ? null : seen.otherBoot ? 'other-boot' : seen.live === false ? 'dead' : seen.hidden ? 'unseen' : 'alive',
  });
}

/** A run known from the wrapper's `event=finish` line alone (its markers could not be written). */
export function fromFinishLine(e: FinishEvent): ObservedRun & { end: Date } {
  return fromLog({
    source: 'wrapper-event',
    id: e.runId,
    part: e.part,
    start: null,
    end: e.time,
    outcome: e.outcome,
    exitCode: e.exitCode,
    durationSeconds: null,
    liveness: null,
  });
}

/** A run whose end is not known and that is still going (or may be: its processes cannot be seen). */
export const isGoing = (r: ObservedRun): boolean => r.liveness !== null && (stillRunning(r.liveness as RunLiveness) || r.liveness === 'unseen');

/** The runs of one job as the judge sees them, each in its place. */
export interface ObservedRuns {
  /** The last run that ended, by the markers; null when the script's lines are the job's record. */
  last: StartedRun | null;
  /** The markers' last run whatever the record is: its clock is checked all the same. */
  markersLast: StartedRun | null;
  lastSuccess: StartedRun | null;
  lastSkipped: StartedRun | null;
  /** The last start held back by a pause (env-sync pause): a start, for the missed-run rule. */
  lastPaused: StartedRun | null;
  /** Each part's last run, for a job run in parts. */
  parts: StartedRun[];
  /** The markers' history, oldest first. */
  history: StartedRun[];
  /** The runs recorded as in progress (running markers), with their liveness. */
  inProgress: StartedRun[];
  /** The unwrapped job's last run from the script's lines, when it is the job's record (syslogOnlyIsPrimary). */
  script: StartedRun | null;
  /** The newest run only the wrapper's finish line recorded (the job's directory is not its user's). */
  laterFinish: (ObservedRun & { end: Date }) | null;
}

export function observe(facts: Pick<CheckFacts, 'jobState' | 'running' | 'syslogOnly' | 'staleMarkers'>): ObservedRuns {
  const st = facts.jobState;
  const so = facts.syslogOnly;
  const script = so?.primary && so.run ? fromScriptLines(so.run, so) : null;
  const markersLast = st?.last ? fromMarker(st.last) : null;
  return {
    // When syslog's run is the record (it came after the markers' last), the markers' last is history.
    last: script ? null : markersLast,
    markersLast,
    lastSuccess: st?.lastSuccess ? fromMarker(st.lastSuccess) : null,
    lastSkipped: st?.lastSkipped ? fromMarker(st.lastSkipped) : null,
    lastPaused: st?.lastPaused ? fromMarker(st.lastPaused) : null,
    parts: Object.values(st?.parts ?? {}).map((p) => fromMarker(p)),
    history: (st?.history ?? []).map((h) => fromMarker(h)),
    inProgress: facts.running.map((r) => fromRunning(r.marker, r.liveness)),
    script,
    laterFinish: facts.staleMarkers?.later ? fromFinishLine(facts.staleMarkers.later) : null,
  };
}

/**
 * Whether the job is running: a run recorded as in progress whose wrapper or sync lives, or an
 * unwrapped run whose script still runs its cfg (or cannot be seen not to) in this boot. The one
 * answer for the judge's `running` metric, check_env_sync_all's count and `env-sync status`.
 */
export function jobRunning(facts: Pick<CheckFacts, 'running' | 'syslogOnly'>): boolean {
  if (facts.running.some((r) => stillRunning(r.liveness))) return true;
  const so = facts.syslogOnly;
  return !!(so?.primary && so.run && isGoing(fromScriptLines(so.run, so)));
}
