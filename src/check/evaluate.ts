// The judgement, apart from all I/O: facts in, state + words + metrics out. Each rule adds a Result
// (as Checkmk's checks yield them); the worst one wins and leads the summary.
import { alerts, type Range } from './range.js';
import { ago, clock, duration, shellQuote } from './words.js';
import { severity, worst, type PluginResult, type State } from '../output/pluginOutput.js';
import type { Metric } from '../output/perfdata.js';
import { FAILED_OUTCOMES, type JobState, type Run, type RunningMarker } from '../markers/types.js';
import type { Liveness } from '../common/host.js';
import type { RunEvidence, SyslogOnlyRun } from '../syslog/jobQueries.js';
import type { SyslogEntry, SyslogProblem } from '../syslog/types.js';

export interface CheckOptions {
  job: string;
  stateDir: string;
  syslog: string;
  ageWarning?: Range | undefined;
  ageCritical?: Range | undefined;
  runtimeWarning?: Range | undefined;
  runtimeCritical?: Range | undefined;
  schedule?: string | undefined;
  graceSeconds: number;
  missing: State;
  verbose: number;
  /** State, summary and metrics only, without the long output (host-wide views). */
  brief?: boolean;
}

export interface CheckFacts {
  jobState: JobState | null;
  running: Array<{ marker: RunningMarker; liveness: Liveness }>;
  /** A with_reboot_lock file: the job's own, or (shared) the one file older versions used for all jobs. */
  rebootLock: { path: string; ageSeconds: number; shared?: boolean } | null;
  evidence: RunEvidence | null;
  syslogOnly: { run: SyslogOnlyRun | null; lastSuccessEnd: Date | null } | null;
  syslogProblems: SyslogProblem[];
  previousScheduled: Date | null;
}

interface Result {
  state: State;
  text: string;
}

const NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];
const SHARED_LOCK_STALE_SECONDS = 24 * 3600;

function thresholdState(value: number, warn: Range | undefined, crit: Range | undefined): State {
  if (crit && alerts(crit, value)) return 2;
  if (warn && alerts(warn, value)) return 1;
  return 0;
}

function limitWords(state: State, warn: Range | undefined, crit: Range | undefined, option: string): string {
  if (state === 2 && crit) return ` (over ${option}-critical ${crit.text})`;
  if (state === 1 && warn) return ` (over ${option}-warning ${warn.text})`;
  return '';
}

/**
 * Seconds from a recorded wall-clock time to now, never negative: after the clock is stepped back
 * (NTP, a wrong clock corrected) a run started "in the future" has run 0s, not -3600s, which every
 * range would alert on. Durations of finished runs come from the wrapper's monotonic clock instead.
 */
function elapsed(from: Date, now: Date): number {
  return Math.max(0, (now.getTime() - from.getTime()) / 1000);
}

function whatHappened(run: Run, now: Date): string {
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
      return `timed out${part}${when} after ${duration(run.timeoutSeconds ?? run.durationSeconds ?? 0)} (--timeout)`;
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

function evidenceLine(e: SyslogEntry): string {
  const t = e.time;
  const hms = [t.getHours(), t.getMinutes(), t.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `${e.file}: ${hms} ${e.tag}: ${e.message}`;
}

export function rerunCommand(job: string, run: Pick<Run, 'argv' | 'user' | 'part'>): string {
  const wrapped = ['env-sync-run', '--job', job, ...(run.part ? ['--part', run.part] : []), '--', ...run.argv];
  return `sudo -u ${shellQuote([run.user])} ${shellQuote(wrapped)}`;
}

/** The JOBLIST form: the part selected by the environment, the same command, recorded under its part. */
export function partRerunCommand(job: string, run: Pick<Run, 'argv' | 'part'>): string {
  return `JOBLIST=${shellQuote([run.part ?? ''])} ${shellQuote(['env-sync-run', '--job', job, '--part', run.part ?? '', '--', ...run.argv])}`;
}

export function evaluate(facts: CheckFacts, opts: CheckOptions, now: Date): PluginResult {
  const results: Result[] = [];
  const metrics: Metric[] = [];
  const long: string[] = [];
  const st = facts.jobState;
  const alive = facts.running.filter((r) => r.liveness === 'alive');
  const lastSuccessEnd = st?.lastSuccess ? new Date(st.lastSuccess.end ?? st.lastSuccess.start) : (facts.syslogOnly?.lastSuccessEnd ?? null);
  const syslogOnlyRun = !st && facts.running.length === 0 ? (facts.syslogOnly?.run ?? null) : null;

  if (!st && facts.running.length === 0 && !syslogOnlyRun) {
    const unreadable = facts.syslogProblems[0];
    if (unreadable) {
      return {
        state: 3,
        summary: `${opts.job}: no marker in ${opts.stateDir} and ${unreadable.path} cannot be read (${unreadable.problem}); ${unreadable.fix}`,
        longOutput: opts.brief ? [] : facts.syslogProblems.slice(1).map((p) => `${p.path}: ${p.problem}; ${p.fix}`),
        perfdata: [],
      };
    }
    return {
      state: opts.missing,
      summary: `${opts.job}: no record of this job: nothing in ${opts.stateDir}/${opts.job}/ and no govuk_env_sync.sh run of ${opts.job}.cfg in ${opts.syslog} or its rotations`,
      longOutput: opts.brief ? [] : ['Is the job spelled right, and is its cron line wrapped with env-sync-run? (--missing chooses this state)'],
      perfdata: [],
    };
  }

  // Runs in progress, and runs whose process is gone without an end.
  for (const { marker, liveness } of facts.running) {
    const started = new Date(marker.start);
    if (liveness === 'alive') {
      const secs = elapsed(started, now);
      const s = thresholdState(secs, opts.runtimeWarning, opts.runtimeCritical);
      results.push({ state: s, text: `running since ${clock(started, now)} (for ${duration(secs)})${limitWords(s, opts.runtimeWarning, opts.runtimeCritical, '--runtime')}` });
    } else if (liveness === 'other-boot') {
      results.push({ state: 2, text: `run started ${clock(started, now)} was interrupted by a reboot (boot id changed) and recorded no end` });
    } else {
      results.push({ state: 2, text: `run started ${clock(started, now)} died: wrapper pid ${marker.wrapperPid} is gone and recorded no end` });
    }
  }

  // The last run that ended, judged against the last success.
  const last = st?.last ?? null;
  if (last) {
    const failed = FAILED_OUTCOMES.has(last.outcome as never);
    const successSince = st?.lastSuccess && st.lastSuccess.start >= last.start;
    if (failed && !successSince) {
      const since = st?.lastSuccess ? `last success ${ago(lastSuccessEnd!, now)}` : 'no success on record';
      const streak = st && st.consecutiveFailures > 1 ? `, ${st.consecutiveFailures} failures in a row` : '';
      results.push({ state: 2, text: `${whatHappened(last, now)}; ${since}${streak}` });
    } else if (alive.length === 0) {
      results.push({ state: 0, text: whatHappened(last, now) });
    }
    // Jobs run in parts: a part whose last run failed keeps the job CRITICAL even if a later part passed.
    const failedParts = Object.values(st?.parts ?? {}).filter((p) => FAILED_OUTCOMES.has(p.outcome as never) && p.runId !== last.runId);
    for (const p of failedParts) results.push({ state: 2, text: `part ${p.part} ${whatHappened({ ...p, part: null }, now)}` });
  }

  if (syslogOnlyRun) {
    const r = syslogOnlyRun;
    if (r.outcome === 'failure') {
      const since = facts.syslogOnly?.lastSuccessEnd ? `last success ${ago(facts.syslogOnly.lastSuccessEnd, now)}` : 'no success in the logs read';
      results.push({ state: 2, text: `failed at ${clock(r.end!, now)} after ${duration((r.end!.getTime() - r.start.getTime()) / 1000)}; ${since}` });
    } else if (r.outcome === 'success') {
      results.push({ state: 0, text: `last run succeeded at ${clock(r.end!, now)} after ${duration((r.end!.getTime() - r.start.getTime()) / 1000)}` });
    } else {
      const secs = elapsed(r.start, now);
      const s = thresholdState(secs, opts.runtimeWarning, opts.runtimeCritical);
      results.push({ state: s, text: `running since ${clock(r.start, now)} (for ${duration(secs)})${limitWords(s, opts.runtimeWarning, opts.runtimeCritical, '--runtime')}` });
    }
  }

  // Age of the last success.
  if (opts.ageWarning || opts.ageCritical) {
    if (lastSuccessEnd) {
      const age = elapsed(lastSuccessEnd, now);
      const s = thresholdState(age, opts.ageWarning, opts.ageCritical);
      if (s) results.push({ state: s, text: `last success ${ago(lastSuccessEnd, now)}${limitWords(s, opts.ageWarning, opts.ageCritical, '--age')}` });
    } else if (!results.some((r) => r.state === 2)) {
      results.push({ state: opts.ageCritical ? 2 : 1, text: 'no successful run on record' });
    }
  }

  // A scheduled run that never started.
  if (facts.previousScheduled) {
    const due = facts.previousScheduled;
    const starts = [last?.start, st?.lastSkipped?.start, ...facts.running.map((r) => r.marker.start)].filter((x): x is string => !!x).map((x) => new Date(x).getTime());
    if (syslogOnlyRun) starts.push(syslogOnlyRun.start.getTime());
    // A minute of slack: cron starts the job a little after the minute it is due.
    const startedSince = starts.some((t) => t >= due.getTime() - 60_000);
    const overdue = now.getTime() > due.getTime() + opts.graceSeconds * 1000;
    if (!startedSince && overdue) {
      results.push({ state: 2, text: `missed the run due at ${clock(due, now)} (schedule '${opts.schedule}', grace ${duration(opts.graceSeconds)}): nothing started since` });
    }
  }

  // An overlap refused since the last run.
  const skipped = st?.lastSkipped;
  if (skipped && (!last || skipped.start > last.start)) {
    results.push({ state: 1, text: `start at ${clock(new Date(skipped.start), now)} skipped: ${skipped.message ?? 'another run was still running'}` });
  }

  // Another job may hold a shared lock for its own run; only a day-old one is surely stale.
  const lock = facts.rebootLock;
  if (lock?.shared && alive.length === 0 && lock.ageSeconds > SHARED_LOCK_STALE_SECONDS) {
    results.push({
      state: 1,
      text: `stale shared with_reboot_lock file ${lock.path} (${duration(lock.ageSeconds)} old): the host will not reboot for updates and every job using the old with_reboot_lock waits for it; remove it if no sync is running`,
    });
  } else if (lock && !lock.shared && alive.length === 0) {
    results.push({
      state: 1,
      text: `stale with_reboot_lock file ${lock.path} (${duration(lock.ageSeconds)} old): the host will not reboot for updates and the next run will wait for it; remove it if no sync is running`,
    });
  }

  // Metrics.
  if (lastSuccessEnd) metrics.push({ label: 'age', value: elapsed(lastSuccessEnd, now), uom: 's', warn: opts.ageWarning, crit: opts.ageCritical, min: 0 });
  const runningSecs = alive.length ? elapsed(new Date(alive[0]!.marker.start), now) : null;
  const lastDuration = runningSecs ?? last?.durationSeconds ?? (syslogOnlyRun?.end ? (syslogOnlyRun.end.getTime() - syslogOnlyRun.start.getTime()) / 1000 : null);
  if (lastDuration !== null) metrics.push({ label: 'duration', value: lastDuration, uom: 's', warn: opts.runtimeWarning, crit: opts.runtimeCritical, min: 0 });
  if (last?.exitCode != null) metrics.push({ label: 'exit_code', value: last.exitCode });
  if (st) metrics.push({ label: 'consecutive_failures', value: st.consecutiveFailures, min: 0 });
  metrics.push({ label: 'running', value: alive.length || syslogOnlyRun?.outcome === 'running' ? 1 : 0, min: 0, max: 1 });

  const state = worst(results.map((r) => r.state));
  const ordered = [...results].sort((a, b) => severity(b.state) - severity(a.state));
  const summary = `${opts.job} ${ordered.map((r) => r.text).join('; ')}`;
  // Host-wide views (check_env_sync_all, env-sync status) show one line a job: 500 jobs' evidence and
  // re-run commands would be built for nothing.
  if (opts.brief) return { state, summary, longOutput: [], perfdata: metrics };
  for (const r of ordered.slice(1)) if (r.state) long.push(`[${NAMES[r.state]}] ${r.text}`);
  if (syslogOnlyRun) long.push('Judged from syslog only: the job is not wrapped by env-sync-run (no marker in the state directory).');

  // Evidence of the run judged: error lines, else the last lines; the marker's output tail too.
  const shown = opts.verbose >= 2 ? 200 : opts.verbose === 1 ? 20 : 5;
  const judged = alive[0]?.marker ?? last;
  const ev = facts.evidence;
  const sysLines = syslogOnlyRun ? syslogOnlyRun.lines : (ev?.lines ?? []);
  const sysErrors = syslogOnlyRun ? sysLines.filter((l) => l.message.startsWith('Error running')) : (ev?.errorLines ?? []);
  const pick = sysErrors.length ? sysErrors : sysLines;
  if (judged && !ev && judged.outcome === 'success') {
    // Syslog was not read (a run that succeeded needs no explaining): the marker's tail is the evidence.
    long.push(`Evidence (run ${judged.runId}, last lines of its output, kept in the marker):`);
    for (const l of judged.output.tail.slice(-shown)) long.push(`  ${l}`);
    if (!judged.output.tail.length) long.push(`  (the run printed nothing; its syslog lines: env-sync logs ${opts.job})`);
  } else if (judged || syslogOnlyRun) {
    const id = judged ? `run ${judged.runId}` : 'last run';
    long.push(`Evidence (${id}, ${sysErrors.length ? 'error lines' : 'last lines'}):`);
    for (const e of pick.slice(-shown)) long.push(`  ${evidenceLine(e)}`);
    if (judged && (judged.outcome !== 'success' || !ev)) {
      const tail = judged.output.tail;
      const errs = tail.filter((l) => /error|failed|fatal|denied|no space|cannot|killed/i.test(l));
      for (const l of (errs.length ? errs : tail).slice(-shown)) long.push(`  marker output tail: ${l}`);
    }
    if (ev && !pick.length && (!judged || judged.outcome === 'success' || !judged.output.tail.length)) long.push(`  (no lines of this run found in ${ev.filesRead.join(', ') || opts.syslog})`);
    if (ev?.partial) long.push(`  (older lines of this run were not read; all of them: env-sync logs ${opts.job})`);
  }
  for (const p of facts.syslogProblems) long.push(`Cannot read ${p.path}: ${p.problem}; ${p.fix}`);

  // Jobs run in parts (old JOBLIST syncs): re-run just the parts whose last run failed.
  const failedPartRuns = Object.values(st?.parts ?? {}).filter((p) => FAILED_OUTCOMES.has(p.outcome as never));
  if (failedPartRuns.length) {
    for (const p of failedPartRuns) long.push(`Re-run part ${p.part} (as ${p.user}): ${partRerunCommand(opts.job, p)}`);
  } else if (judged) long.push(`Re-run: ${rerunCommand(opts.job, judged)}`);
  else if (syslogOnlyRun) long.push(`Re-run: sudo -u govuk-backup ${syslogOnlyRun.argv}`);
  if (judged?.argv.some((a) => a.includes('***@'))) long.push('(credentials in URLs were redacted from the recorded command: put them back before running it)');

  return { state, summary, longOutput: long, perfdata: metrics };
}
