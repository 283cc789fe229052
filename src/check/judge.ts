// The judgement, apart from all I/O and from the explaining: facts in, findings and metrics out.
// Each rule adds a Result (as Checkmk's checks yield them); the worst one leads the summary.
import { stillRunning } from '../common/host.js';
import { alerts, type Range } from '../common/range.js';
import { CRITICAL, OK, severity, UNKNOWN, WARNING, worst, type State } from '../common/states.js';
import { ago, clock, duration } from '../common/timeWords.js';
import { aheadOf, FUTURE_SLACK_MS, inFuture, newestRecord, recordOrder, type Recorded } from '../markers/sequence.js';
import type { JobState, Run } from '../markers/types.js';
import { decidingRun, failuresInARow, isFailed, judgedRun } from './judgedRun.js';
import type { Metric } from '../output/perfdata.js';
import type { CheckFacts, CheckPolicy, Judgement, Result } from './types.js';
import { attemptsWords, timeoutLimit } from './rules/attempts.js';
import { runLengthRule } from './rules/runLength.js';

const SHARED_LOCK_STALE_SECONDS = 24 * 3600;

export interface Levels {
  warn: Range | undefined;
  crit: Range | undefined;
  /** The options' common stem, for the words: `--age` (…-warning, …-critical). */
  option: string;
}

/**
 * A value against its warning and critical ranges: its state, the words that say which limit it
 * passed, and its metric with the same ranges — one call, as Checkmk's check_levels.
 */
export function checkLevels(value: number, levels: Levels, metric: Pick<Metric, 'label' | 'uom' | 'min'>): { state: State; words: string; metric: Metric } {
  const { warn, crit, option } = levels;
  const state: State = crit && alerts(crit, value) ? CRITICAL : warn && alerts(warn, value) ? WARNING : OK;
  const words = state === CRITICAL ? ` (over ${option}-critical ${crit!.text})` : state === WARNING ? ` (over ${option}-warning ${warn!.text})` : '';
  // The fields in the order perfdata and `env-sync show --json` have always had them.
  return { state, words, metric: { label: metric.label, value, uom: metric.uom, warn, crit, min: metric.min } };
}

/**
 * Seconds from a recorded wall-clock time to now, never negative: after the clock is stepped back
 * (NTP, a wrong clock corrected) a run started "in the future" has run 0s, not -3600s, which every
 * range would alert on. Durations of finished runs come from the wrapper's monotonic clock instead.
 */
function elapsed(from: Date, now: Date): number {
  return Math.max(0, (now.getTime() - from.getTime()) / 1000);
}

/** What a finished run did, in words: `failed with exit 1 at 00:41 after 23m`. */
function whatHappened(run: Run, now: Date): string {
  return `${outcomeWords(run, now)}${attemptsWords(run)}`;
}

function outcomeWords(run: Run, now: Date): string {
  const end = run.end ? new Date(run.end) : null;
  const when = end ? ` at ${clock(end, now)}` : '';
  const after = run.durationSeconds !== null ? ` after ${duration(run.durationSeconds)}` : '';
  const part = run.part ? ` (part ${run.part})` : '';
  switch (run.outcome) {
    case 'success':
      return `last run${part} succeeded${when}${after}`;
    case 'failure':
      return `failed${part} with exit ${run.exitCode}${when}${after}`;
    case 'timeout':
      return `timed out${part}${when} after ${duration(timeoutLimit(run).seconds)} (${timeoutLimit(run).option})`;
    case 'signal':
      return `was killed${part} by ${run.signal ?? 'a signal'}${when}${after}`;
    case 'spawn-error':
      return `could not start${part}${when}: ${run.message ?? `exit ${run.exitCode}`}`;
    case 'interrupted':
      return `run${part} started ${clock(new Date(run.start), now)} was interrupted: ${run.message ?? 'its wrapper died'}`;
    default:
      return `${run.outcome}${when}`;
  }
}

export { isFailed };

/**
 * Every record of the job whose start or end is ahead of this host's clock: a clock that was wrong
 * when it was written (a restored VM, an RTC before NTP), or is wrong now. One finding for them all.
 */
function futureRecords(st: JobState | null, running: CheckFacts['running'], now: Date): Result | null {
  const seen = new Map<string, { r: Recorded; ahead: number }>();
  const look = (id: string, r: Recorded | null | undefined) => {
    const ahead = r ? aheadOf(r, now) : 0;
    if (r && ahead && !seen.has(id)) seen.set(id, { r, ahead });
  };
  if (st) {
    for (const r of [st.last, st.lastSuccess, st.lastSkipped, ...Object.values(st.parts)]) look(r?.runId ?? '', r);
    for (const h of st.history) look(h.runId, h);
  }
  const finished = seen.size;
  for (const { marker } of running) look(marker.runId, marker);
  if (seen.size === 0) return null;
  const [id, { r, ahead }] = [...seen].reduce((a, b) => (b[1].ahead > a[1].ahead ? b : a));
  const when = r.end && Date.parse(r.end) > Date.parse(r.start) ? `ended ${r.end}` : `started ${r.start}`;
  const more = seen.size > 1 ? ` (and ${seen.size - 1} more)` : '';
  const judgedBy = finished ? '; the age and the schedule are judged from the newest record that is not in the future' : '';
  return {
    state: WARNING,
    text: `run ${id}${more} recorded in the future: check the clock (it ${when}, ${duration(ahead / 1000)} ahead of this host's clock)${judgedBy}`,
  };
}

/**
 * When the newest success that did not end in the future ended: the age (--max-age) is measured from
 * it. A run whose clock was stepped back while it ran started "in the future" but ended by the
 * corrected clock; its end counts (its start is still said to be in the future).
 */
function lastSuccessNotInFuture(st: JobState | null, now: Date): Date | null {
  if (!st) return null;
  const ended = (r: Recorded) => r.end ?? r.start;
  const candidates = [st.lastSuccess, ...st.history.filter((h) => h.outcome === 'success')].filter(
    (r): r is NonNullable<typeof r> => !!r && !inFuture({ start: ended(r) }, now),
  );
  const r = newestRecord<Recorded>(candidates);
  return r ? new Date(ended(r)) : null;
}

export function judge(facts: CheckFacts, policy: CheckPolicy, now: Date): Judgement {
  const results: Result[] = [];
  const st = facts.jobState;
  const alive = facts.running.filter((r) => stillRunning(r.liveness));
  const syslogOnlyRun = facts.syslogOnly?.primary ? facts.syslogOnly.run : null;
  // The later of the markers' last success and syslog's, for a job with both (an unwrapped cron line
  // with a wrapped re-run by hand); neither when it is in the future (a wrong clock's, not an age of 0).
  const syslogSuccess = facts.syslogOnly?.lastSuccessEnd ?? null;
  const successes = [
    lastSuccessNotInFuture(st, now),
    syslogSuccess && syslogSuccess.getTime() - now.getTime() <= FUTURE_SLACK_MS ? syslogSuccess : null,
  ].filter((d): d is Date => d !== null);
  const lastSuccessEnd = successes.length ? new Date(Math.max(...successes.map((d) => d.getTime()))) : null;
  const base = { job: policy.job, metrics: [] as Metric[], judged: null, syslogOnlyRun: null, noRecord: true };

  if (!st && facts.running.length === 0 && !syslogOnlyRun) {
    const unreadable = facts.syslogProblems[0];
    if (unreadable) {
      const text = `no marker in ${policy.stateDir} and ${unreadable.path} cannot be read (${unreadable.problem}); ${unreadable.fix}`;
      return { ...base, results: [{ state: UNKNOWN, text }], headline: `${policy.job}: ${text}` };
    }
    const where = facts.stateDirProblem ? `${facts.stateDirProblem}, ` : `nothing in ${policy.stateDir}/${policy.job}/ and `;
    const log = facts.log?.source.kind === 'journal' ? `the journal (${facts.log.label})` : `${policy.syslog} or its rotations`;
    const text = `no record of this job: ${where}no govuk_env_sync.sh run of ${policy.job}.cfg in ${log}`;
    return { ...base, results: [{ state: policy.missing, text }], headline: `${policy.job}: ${text}` };
  }
  // Said whatever the rest: a wrapped run cannot record anything there, so its verdict would come
  // from syslog alone without anyone knowing why.
  if (facts.stateDirProblem) results.push({ state: WARNING, text: facts.stateDirProblem });

  const runtime: Levels = { warn: policy.runtimeWarning, crit: policy.runtimeCritical, option: '--runtime' };
  const ageLevels: Levels = { warn: policy.ageWarning, crit: policy.ageCritical, option: '--age' };
  const age = lastSuccessEnd ? checkLevels(elapsed(lastSuccessEnd, now), ageLevels, { label: 'age', uom: 's', min: 0 }) : null;
  // A failure's words name the age of the last success; the age limit it passed is said there, once
  // (when they name the success the limit was measured on).
  let ageSaid = false;
  const lastSuccessWords = (end: Date) => {
    if (end.getTime() !== lastSuccessEnd?.getTime()) return `last success ${ago(end, now)}`;
    ageSaid = true;
    return `last success ${ago(end, now)}${age?.words ?? ''}`;
  };
  let durationMetric: Metric | null = null;

  // Runs in progress, and runs whose process is gone without an end.
  for (const { marker, liveness } of facts.running) {
    const started = new Date(marker.start);
    if (liveness === 'alive') {
      const secs = elapsed(started, now);
      const lv = checkLevels(secs, runtime, { label: 'duration', uom: 's', min: 0 });
      durationMetric ??= lv.metric;
      results.push({ state: lv.state, text: `running since ${clock(started, now)} (for ${duration(secs)})${lv.words}` });
    } else if (liveness === 'orphaned') {
      // The wrapper was killed (OOM killer, kill -9) but the sync runs on: no end will be recorded,
      // so this is never OK, and past the runtime limit it is as bad as any overrun.
      const secs = elapsed(started, now);
      const lv = checkLevels(secs, runtime, { label: 'duration', uom: 's', min: 0 });
      durationMetric ??= lv.metric;
      results.push({
        state: worst([WARNING, lv.state]),
        text: `run started ${clock(started, now)}: its wrapper pid ${marker.wrapperPid} is gone but its sync pid ${marker.childPid} is still running (for ${duration(secs)})${lv.words}; its end will not be recorded`,
      });
    } else if (liveness === 'other-boot') {
      results.push({ state: CRITICAL, text: `run started ${clock(started, now)} was interrupted by a reboot (boot id changed) and recorded no end` });
    } else if (marker.childPid) {
      results.push({
        state: CRITICAL,
        text: `run started ${clock(started, now)}: its wrapper pid ${marker.wrapperPid} died and recorded no end, and its sync pid ${marker.childPid} has ended since: outcome unknown`,
      });
    } else {
      results.push({ state: CRITICAL, text: `run started ${clock(started, now)} died: wrapper pid ${marker.wrapperPid} is gone and recorded no end` });
    }
  }

  // The last run that ended, judged against the last success.
  // When syslog's run is the record (it came after the markers' last), the markers' last is history.
  const last = syslogOnlyRun ? null : (st?.last ?? null);
  if (last) {
    // Recorded after it, by the marker's sequence: a success stamped days ahead by a wrong clock does
    // not hide a failure recorded since.
    const successSince = st?.lastSuccess && recordOrder(st.lastSuccess, last) >= 0;
    if (isFailed(last) && !successSince) {
      const since = lastSuccessEnd ? lastSuccessWords(lastSuccessEnd) : st?.lastSuccess ? 'its last success is recorded in the future' : 'no success on record';
      const streak = st && st.consecutiveFailures > 1 ? `, ${st.consecutiveFailures} failures in a row` : '';
      results.push({ state: CRITICAL, text: `${whatHappened(last, now)}; ${since}${streak}` });
    } else if (alive.length === 0) {
      results.push({ state: OK, text: whatHappened(last, now) });
    }
    // Jobs run in parts: a part whose last run failed keeps the job CRITICAL even if a later part passed.
    for (const p of Object.values(st?.parts ?? {})) {
      if (isFailed(p) && p.runId !== last.runId) results.push({ state: CRITICAL, text: `part ${p.part} ${whatHappened({ ...p, part: null }, now)}` });
    }
  }

  // Runs whose end could not be written (their outcome is judged above, from their marker's name):
  // the cause, so that a full disk is seen before the next run cannot record anything either.
  for (const u of facts.unrecorded ?? []) {
    const fix = u.cause === 'no space left on device' ? ` (free space: df -h ${policy.stateDir})` : '';
    results.push({
      state: WARNING,
      text: `could not record the end of run ${u.runId}: ${u.cause}${fix}; its end is kept in the name of ${u.path} until a later run records it`,
    });
  }

  if (syslogOnlyRun) {
    const r = syslogOnlyRun;
    const took = r.end ? ` after ${duration((r.end.getTime() - r.start.getTime()) / 1000)}` : '';
    if (r.outcome === 'failure') {
      const since = facts.syslogOnly?.lastSuccessEnd ? lastSuccessWords(facts.syslogOnly.lastSuccessEnd) : 'no success in the logs read';
      results.push({ state: CRITICAL, text: `failed at ${clock(r.end!, now)}${took}; ${since}` });
    } else if (r.outcome === 'success') {
      results.push({ state: OK, text: `last run succeeded at ${clock(r.end!, now)}${took}` });
    } else if (facts.syslogOnly?.otherBoot) {
      results.push({
        state: CRITICAL,
        text: `run started ${clock(r.start, now)} was interrupted by a reboot (its journal lines are from boot ${facts.syslogOnly.otherBoot.slice(0, 12)}…, not this boot) and logged no end`,
      });
    } else if (facts.syslogOnly?.live === false) {
      // The script has `exit 1` paths that log nothing; nothing runs its cfg any more.
      const since = facts.syslogOnly.lastSuccessEnd ? lastSuccessWords(facts.syslogOnly.lastSuccessEnd) : 'no success in the logs read';
      results.push({
        state: CRITICAL,
        text: `run started ${clock(r.start, now)} ended without a Completed or Error running line: no govuk_env_sync.sh runs its cfg any more, so it exited early; ${since}`,
      });
    } else if (facts.syslogOnly?.hidden) {
      results.push({
        state: UNKNOWN,
        text: `cannot tell whether the run started ${clock(r.start, now)} still runs (no Completed or Error running line yet): ${facts.syslogOnly.hidden}`,
      });
    } else {
      const secs = elapsed(r.start, now);
      const lv = checkLevels(secs, runtime, { label: 'duration', uom: 's', min: 0 });
      results.push({ state: lv.state, text: `running since ${clock(r.start, now)} (for ${duration(secs)})${lv.words}` });
    }
  }

  // Runs the markers missed: the job's directory is not its user's to write, so only the wrapper's
  // syslog lines recorded them. Those lines may make the verdict worse or the markers suspect, never better.
  const stale = facts.staleMarkers;
  if (stale) {
    const why = `${stale.dir} is owned by ${stale.owner}, so the job's runs cannot record their markers there; ${stale.fix}`;
    const later = stale.later;
    if (later && isFailed(later)) {
      const code = later.exitCode !== null ? ` with exit ${later.exitCode}` : '';
      results.push({
        state: CRITICAL,
        text: `a later run ${later.outcome === 'failure' ? 'failed' : `ended: ${later.outcome}`}${code} at ${clock(later.time, now)} (syslog; the markers are stale: ${why})`,
      });
    } else if (later) {
      results.push({
        state: WARNING,
        text: `markers are stale; syslog says a later run ${later.outcome === 'success' ? 'succeeded' : `ended: ${later.outcome}`} at ${clock(later.time, now)}: ${why}`,
      });
    } else {
      results.push({ state: WARNING, text: `the next run will not be recorded: ${why}` });
    }
  }

  // Age of the last success.
  let ageMetric: Metric | null = null;
  if (age) {
    ageMetric = age.metric;
    if (age.state && !ageSaid) results.push({ state: age.state, text: lastSuccessWords(lastSuccessEnd!) });
  } else if ((policy.ageWarning || policy.ageCritical) && !results.some((r) => r.state === CRITICAL)) {
    results.push({
      state: policy.ageCritical ? CRITICAL : WARNING,
      text: st?.lastSuccess ? 'no successful run on record that is not in the future' : 'no successful run on record',
    });
  }

  // A scheduled run that never started.
  if (facts.previousScheduled) {
    const due = facts.previousScheduled;
    // Starts the clock can vouch for: a record in the future says nothing of whether the run due ran
    // (every record is in the history; a run alive now did start, whatever its marker says).
    const notAhead = (start: string) => !inFuture({ start }, now);
    const records = [last, st?.lastSkipped, ...(st?.history ?? [])].filter((r): r is NonNullable<typeof r> => !!r && notAhead(r.start));
    const starts = [
      ...records.map((r) => r.start),
      ...facts.running.filter((r) => stillRunning(r.liveness) || notAhead(r.marker.start)).map((r) => r.marker.start),
    ].map((x) => new Date(x).getTime());
    if (syslogOnlyRun && syslogOnlyRun.start.getTime() - now.getTime() <= FUTURE_SLACK_MS) starts.push(syslogOnlyRun.start.getTime());
    // A minute of slack: cron starts the job a little after the minute it is due.
    const startedSince = starts.some((t) => t >= due.getTime() - 60_000);
    const overdue = now.getTime() > due.getTime() + policy.graceSeconds * 1000;
    if (!startedSince && overdue) {
      results.push({
        state: CRITICAL,
        text: `missed the run due at ${clock(due, now)} (schedule '${policy.schedule}', grace ${duration(policy.graceSeconds)}): nothing started since`,
      });
    }
  }

  // An overlap refused since the last run.
  const skipped = st?.lastSkipped;
  if (skipped && (!last || recordOrder(skipped, last) > 0)) {
    results.push({ state: WARNING, text: `start at ${clock(new Date(skipped.start), now)} skipped: ${skipped.message ?? 'another run was still running'}` });
  }

  results.push(...runLengthRule(facts, policy, now));

  const future = futureRecords(st, facts.running, now);
  if (future) results.push(future);

  // Another job may hold a shared lock for its own run; only a day-old one is surely stale.
  const lock = facts.rebootLock;
  // The job's own lock file is stale when no with_reboot_lock holds it; where that cannot be seen,
  // when no run of the job is going.
  const ownLockStale = lock && !lock.shared && (lock.held === false || (lock.held == null && alive.length === 0 && syslogOnlyRun?.outcome !== 'running'));
  if (lock?.shared && alive.length === 0 && lock.ageSeconds > SHARED_LOCK_STALE_SECONDS) {
    results.push({
      state: WARNING,
      text: `stale shared with_reboot_lock file ${lock.path} (${duration(lock.ageSeconds)} old): the host will not reboot for updates and every job using the old with_reboot_lock waits for it; remove it if no sync is running`,
    });
  } else if (ownLockStale) {
    results.push({
      state: WARNING,
      // Under hidepid no with_reboot_lock of the job's user can be seen: stale is then a guess from the
      // job's runs alone, and says so.
      text: `stale with_reboot_lock file ${lock.path} (${duration(lock.ageSeconds)} old): the host will not reboot for updates and the next run will wait for it; remove it if no sync is running${lock.hidden ? ` (no run of the job is going, but whether a with_reboot_lock holds it cannot be seen: ${lock.hidden})` : ''}`,
    });
  }

  // Metrics, in the order the perfdata has always had them.
  const metrics: Metric[] = [];
  if (ageMetric) metrics.push(ageMetric);
  const endedDuration = last?.durationSeconds ?? (syslogOnlyRun?.end ? (syslogOnlyRun.end.getTime() - syslogOnlyRun.start.getTime()) / 1000 : null);
  if (durationMetric) metrics.push(durationMetric);
  else if (endedDuration !== null) metrics.push(checkLevels(endedDuration, runtime, { label: 'duration', uom: 's', min: 0 }).metric);
  // The exit code of the run that decides the verdict: a failed part's, not a later part's 0.
  const deciding = decidingRun(st);
  if (deciding?.exitCode != null) metrics.push({ label: 'exit_code', value: deciding.exitCode });
  if (st) metrics.push({ label: 'consecutive_failures', value: failuresInARow(st), min: 0 });
  metrics.push({
    label: 'running',
    value: alive.length || (syslogOnlyRun?.outcome === 'running' && facts.syslogOnly?.live !== false && !facts.syslogOnly?.otherBoot) ? 1 : 0,
    min: 0,
    max: 1,
  });

  return { job: policy.job, results, metrics, headline: null, judged: judgedRun(st, facts.running), syslogOnlyRun, noRecord: false };
}

/** The findings worst first (stable: equally bad ones keep the order the rules found them in). */
export function ordered(j: Judgement): Result[] {
  return [...j.results].sort((a, b) => severity(b.state) - severity(a.state));
}

/** The job's state, the first line's words and the perfdata: what host-wide views show of a job. */
export function summarise(j: Judgement): { state: State; summary: string; perfdata: Metric[] } {
  const state = worst(j.results.map((r) => r.state));
  return {
    state,
    summary:
      j.headline ??
      `${j.job} ${ordered(j)
        .map((r) => r.text)
        .join('; ')}`,
    perfdata: j.metrics,
  };
}
