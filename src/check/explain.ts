// The explaining, apart from the judging: what an engineer woken by the alert reads under its first
// line — the other findings, the evidence of the run judged and where it came from, and how to run
// the job again. Pure: facts and the judgement in, lines out.
import { STATE_NAMES } from '../common/states.js';
import { pasteLine } from '../cron/rerun.js';
import { runningPath, statePath } from '../markers/paths.js';
import type { Run } from '../markers/types.js';
import { chooseRerun, envSyncRerun, type RerunSources } from './rerunChoice.js';
import { isErrorText, outputTag, WRAPPER_TAG } from '../syslog/jobLines.js';
import type { LogLine } from '../log/line.js';
import { logOnlyCaveat, logReadLines } from '../logsource/words.js';
import { noMarkup } from '../output/sanitize.js';
import { attemptLabel } from './rules/attempts.js';
import { isFailed, ordered } from './judge.js';
import { withoutCutWord } from '../common/redact.js';
import { eventField, parseEvent } from '../common/wrapperEvent.js';
import type { CheckFacts, Judgement } from './types.js';
import { inventoryUnusable, logUnreadable, moreLogsUnreadable, noRecordHint } from './words.js';

/**
 * A syslog line as evidence: the file it came from, its time of day, its tag and message. Its text is
 * anyone's (logger): `<` is neutralised so that no renderer allowing HTML (Icinga Web 2) reads markup.
 */
export function evidenceLine(e: LogLine): string {
  const t = e.time;
  const hms = [t.getHours(), t.getMinutes(), t.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return noMarkup(`${e.file}: ${hms} ${e.tag}: ${boundedMessage(e.message)}`);
}

/**
 * A log line's message is cut here before it is shown (and so before it is redacted): the redaction
 * rules' cost grows with the line, and a stranger's 64 KiB line must not spend a check's -t. The cut
 * takes the last word with it, as it may be the start of a secret; `env-sync logs` shows the line.
 */
export const MAX_EVIDENCE_CHARS = 2000;

function boundedMessage(message: string): string {
  if (message.length <= MAX_EVIDENCE_CHARS) return message;
  return `${withoutCutWord(message.slice(0, MAX_EVIDENCE_CHARS))} …(line cut: ${message.length - MAX_EVIDENCE_CHARS} more characters; env-sync logs shows it whole)`;
}

/**
 * Syslog files record no sender, and any local user can log under the job's output tag or the
 * wrapper's tag with the wrapper's pid (`logger --id=PID`, the pid is in ps and the running marker).
 * So there a line of a wrapped run matched by the pid alone (or by its tag in the run's span, when it
 * carries no pid) is the run's own only when the wrapper
 * kept the same text in the marker's output tail, or (an event line) names the run's id; the script's
 * lines are matched by its cfg and the run's span, not by the pid, and are left as they are.
 */
function matchedByPidOnly(e: LogLine, job: string, runId: string, tail: readonly string[]): boolean {
  if (e.tag === outputTag(job)) return !inTail(tail, sameText(e.message));
  if (e.tag === WRAPPER_TAG) {
    const ev = parseEvent(e.message);
    return !ev || eventField(ev, 'run') !== runId;
  }
  return false;
}

/**
 * Each distinct message once, where it first appeared, saying where else it did: the script logs a
 * failure from its subshell and from its parent, and echoes each log line to stdout, which the
 * wrapper copies under env-sync/JOB — one error, four lines.
 */
function distinctLines(lines: readonly LogLine[]): Array<{ first: LogLine; also: string }> {
  const byText = new Map<string, { first: LogLine; more: LogLine[] }>();
  for (const e of lines) {
    const key = sameText(e.message);
    const seen = byText.get(key);
    if (seen) seen.more.push(e);
    else byText.set(key, { first: e, more: [] });
  }
  return [...byText.values()].map(({ first, more }) => {
    if (!more.length) return { first, also: '' };
    const where = [...new Set(more.map((e) => e.tag))].join(', ');
    return { first, also: ` (and ${more.length} more time${more.length > 1 ? 's' : ''}${where ? `, as ${where}` : ''})` };
  });
}

// The script's log() prints `2026-11-24T00:41:02: MESSAGE` on stdout and logs MESSAGE: the same line.
const LOG_STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d: /;
const sameText = (message: string) => message.trim().replace(LOG_STAMP, '');
/** Text compared with the marker's tail, which keeps a line cleaned (controls gone, spaces as printed or fewer). */
const squeezed = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Whether the wrapper kept this text in the marker's tail: whole, or as the start of a line the tail cut (…). */
function inTail(tail: readonly string[], text: string): boolean {
  const t = squeezed(text);
  return tail.some((line) => {
    const l = squeezed(sameText(line));
    return l === t || (l.endsWith('…') && l.length > 1 && t.startsWith(l.slice(0, -1)));
  });
}

/** How many evidence lines: 5, 20 with -v, 200 with -vv. */
function evidenceLines(verbose: number): number {
  return verbose >= 2 ? 200 : verbose === 1 ? 20 : 5;
}

export interface ExplainOptions {
  syslog: string;
  stateDir: string;
  /** The option table's default state directory: a re-run keeps any other. */
  defaultStateDir: string;
  /** This installation's env-sync-run, added to a re-run whose cron line lacks it. */
  envSyncRun: string;
}

export function explain(facts: CheckFacts, j: Judgement, verbose: number, o: ExplainOptions): string[] {
  if (j.noRecord) {
    // The first unreadable file is the verdict's own words; the others follow it.
    if (facts.syslogProblems.length) return [...facts.syslogProblems.slice(1).map(moreLogsUnreadable), ...logReadLines(facts.log, facts.trust)];
    return [noRecordHint({ nearNames: facts.nearNames ?? [] }), ...logReadLines(facts.log, facts.trust)];
  }
  const long: string[] = [];
  for (const r of ordered(j).slice(1)) if (r.state) long.push(`[${STATE_NAMES[r.state]}] ${r.text}`);
  const syslogOnlyRun = j.syslogOnlyRun;
  if (syslogOnlyRun) long.push(logOnlyCaveat(facts.log, facts.unwrapped || facts.jobState !== null, o.stateDir));
  // A log read (the journal) is named; a run that succeeded needed none.
  if (syslogOnlyRun || facts.evidence) long.push(...logReadLines(facts.log, facts.trust));

  // Evidence of the run judged: error lines, else the last lines; the marker's output tail too.
  const shown = evidenceLines(verbose);
  const judged = j.judged;
  const ev = facts.evidence;
  const sysLines = syslogOnlyRun ? syslogOnlyRun.lines : (ev?.lines ?? []);
  const sysErrors = syslogOnlyRun ? sysLines.filter((l) => isErrorText(l.message)) : (ev?.errorLines ?? []);
  const pick = sysErrors.length ? sysErrors : sysLines;
  if (judged && !ev && judged.outcome === 'success') {
    // Syslog was not read (a run that succeeded needs no explaining): the marker's tail is the evidence.
    long.push(`Evidence (run ${judged.runId}${attemptLabel(judged)}, last lines of its output, kept in the marker):`);
    for (const l of judged.output.tail.slice(-shown)) long.push(`  ${noMarkup(l)}`);
    if (!judged.output.tail.length) long.push(`  (the run printed nothing; its syslog lines: env-sync logs ${j.job})`);
  } else if (judged || syslogOnlyRun) {
    const id = judged ? `run ${judged.runId}${attemptLabel(judged)}` : 'last run';
    long.push(`Evidence (${id}, ${sysErrors.length ? 'error lines' : 'last lines'}):`);
    const distinct = distinctLines(pick).slice(-shown);
    // Read from syslog files, a line matched by the wrapper's pid alone ranks below the wrapper's own
    // record of its output (the marker's tail) and says it is unverified (matchedByPidOnly); the
    // journal records who sent each line, and lines of others are left out already.
    const doubtful = (d: (typeof distinct)[number]) =>
      !!judged && !facts.log?.verifiedSenders && matchedByPidOnly(d.first, j.job, judged.runId, judged.output.tail);
    for (const d of distinct.filter((x) => !doubtful(x))) long.push(`  ${evidenceLine(d.first)}${d.also}`);
    if (judged && (judged.outcome !== 'success' || !ev)) {
      // The output tail is the same output syslog got under env-sync/JOB: only what syslog lacks.
      const said = new Set(distinctLines(pick).map((d) => sameText(d.first.message)));
      const tail = judged.output.tail.filter((l) => !said.has(sameText(l)));
      const errs = tail.filter(isErrorText);
      for (const l of (errs.length ? errs : tail).slice(-shown)) long.push(`  marker output tail: ${noMarkup(l)}`);
    }
    for (const d of distinct.filter(doubtful))
      long.push(`  (unverified: matched by ${d.first.pid === null ? 'tag and time' : 'pid'} only) ${evidenceLine(d.first)}${d.also}`);
    if (ev && !pick.length && (!judged || judged.outcome === 'success' || !judged.output.tail.length))
      long.push(`  (no lines of this run found in ${ev.filesRead.join(', ') || o.syslog})`);
    if (ev?.partial) long.push(`  (older lines of this run were not read; all of them: env-sync logs ${j.job})`);
  }
  for (const p of facts.syslogProblems) long.push(logUnreadable(p));
  if (facts.inventoryProblem) long.push(inventoryUnusable({ why: facts.inventoryProblem }));

  long.push(...rerunLines(facts, j, o));
  return long;
}

/**
 * How to run the job again: the full command when one can be trusted and shown (pasted as root, it
 * runs as the job's user as cron ran it, on runuser's pty rather than root's terminal: pasteLine), and always `sudo env-sync rerun JOB`, which reads the
 * crontab as root, shows the command and asks. Jobs run in parts: just the parts that failed.
 */
function rerunLines(facts: CheckFacts, j: Judgement, o: ExplainOptions): string[] {
  const sources: RerunSources = {
    job: j.job,
    user: facts.trust.user,
    cron: facts.cron,
    inventory: facts.inventory,
    run: j.judged,
    markerPath: j.judged ? (facts.unrecorded?.find((u) => u.runId === j.judged!.runId)?.path ?? markerPathOf(o.stateDir, j.job, j.judged)) : null,
  };
  const target = { stateDir: o.stateDir, defaultStateDir: o.defaultStateDir, envSyncRun: o.envSyncRun };
  const failedParts = Object.values(facts.jobState?.parts ?? {}).filter(isFailed);
  const lines: string[] = [];
  for (const p of failedParts) {
    const choice = chooseRerun({ ...sources, run: p, markerPath: statePath(o.stateDir, j.job) }, target, p.part);
    lines.push(choice.plan ? `Re-run part ${p.part}: ${pasteLine(choice.plan)}` : `Re-run part ${p.part}: ${envSyncRerun(j.job, p.part)} (${choice.why})`);
  }
  if (failedParts.length) return [...lines, `Or: ${envSyncRerun(j.job)} (shows the command and asks; --dry-run prints it, --exec runs it)`];
  const choice = chooseRerun(sources, target);
  if (choice.plan)
    return [
      `Re-run: ${pasteLine(choice.plan)}`,
      `  (as ${choice.plan.user.name}, from ${choice.plan.source}; or: ${envSyncRerun(j.job)}, which shows the command and asks)`,
    ];
  return [`Re-run: ${envSyncRerun(j.job)} (reads the crontab as root, shows the command and asks; no full command here: ${choice.why})`];
}

function markerPathOf(stateDir: string, job: string, run: Run): string {
  return run.outcome === 'running' ? runningPath(stateDir, job, run.runId) : statePath(stateDir, job);
}
