// The explaining, apart from the judging: what an engineer woken by the alert reads under its first
// line — the other findings, the evidence of the run judged and where it came from, and how to run
// the job again. Pure: facts and the judgement in, lines out.
import { REDACTED } from '../common/redact.js';
import { shellQuote } from '../common/shell.js';
import { STATE_NAMES } from '../common/states.js';
import type { Run } from '../markers/types.js';
import { isErrorText } from '../syslog/jobLines.js';
import type { SyslogEntry } from '../syslog/types.js';
import { isFailed, ordered } from './judge.js';
import type { CheckFacts, Judgement } from './types.js';

/** A syslog line as evidence: the file it came from, its time of day, its tag and message. */
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
function partRerunCommand(job: string, run: Pick<Run, 'argv' | 'part'>): string {
  return `JOBLIST=${shellQuote([run.part ?? ''])} ${shellQuote(['env-sync-run', '--job', job, '--part', run.part ?? '', '--', ...run.argv])}`;
}

/** How many evidence lines: 5, 20 with -v, 200 with -vv. */
function evidenceLines(verbose: number): number {
  return verbose >= 2 ? 200 : verbose === 1 ? 20 : 5;
}

export function explain(facts: CheckFacts, j: Judgement, verbose: number, o: { syslog: string }): string[] {
  if (j.noRecord) {
    if (facts.syslogProblems.length) return facts.syslogProblems.slice(1).map((p) => `${p.path}: ${p.problem}; ${p.fix}`);
    return ['Is the job spelled right, and is its cron line wrapped with env-sync-run? (--missing chooses this state)'];
  }
  const long: string[] = [];
  for (const r of ordered(j).slice(1)) if (r.state) long.push(`[${STATE_NAMES[r.state]}] ${r.text}`);
  const syslogOnlyRun = j.syslogOnlyRun;
  if (syslogOnlyRun) long.push('Judged from syslog lines alone, which any local user can write (logger): the job is not wrapped by env-sync-run, so no marker in the state directory records its runs.');

  // Evidence of the run judged: error lines, else the last lines; the marker's output tail too.
  const shown = evidenceLines(verbose);
  const judged = j.judged;
  const ev = facts.evidence;
  const sysLines = syslogOnlyRun ? syslogOnlyRun.lines : (ev?.lines ?? []);
  const sysErrors = syslogOnlyRun ? sysLines.filter((l) => isErrorText(l.message)) : (ev?.errorLines ?? []);
  const pick = sysErrors.length ? sysErrors : sysLines;
  if (judged && !ev && judged.outcome === 'success') {
    // Syslog was not read (a run that succeeded needs no explaining): the marker's tail is the evidence.
    long.push(`Evidence (run ${judged.runId}, last lines of its output, kept in the marker):`);
    for (const l of judged.output.tail.slice(-shown)) long.push(`  ${l}`);
    if (!judged.output.tail.length) long.push(`  (the run printed nothing; its syslog lines: env-sync logs ${j.job})`);
  } else if (judged || syslogOnlyRun) {
    const id = judged ? `run ${judged.runId}` : 'last run';
    long.push(`Evidence (${id}, ${sysErrors.length ? 'error lines' : 'last lines'}):`);
    for (const e of pick.slice(-shown)) long.push(`  ${evidenceLine(e)}`);
    if (judged && (judged.outcome !== 'success' || !ev)) {
      const tail = judged.output.tail;
      const errs = tail.filter(isErrorText);
      for (const l of (errs.length ? errs : tail).slice(-shown)) long.push(`  marker output tail: ${l}`);
    }
    if (ev && !pick.length && (!judged || judged.outcome === 'success' || !judged.output.tail.length)) long.push(`  (no lines of this run found in ${ev.filesRead.join(', ') || o.syslog})`);
    if (ev?.partial) long.push(`  (older lines of this run were not read; all of them: env-sync logs ${j.job})`);
  }
  for (const p of facts.syslogProblems) long.push(`Cannot read ${p.path}: ${p.problem}; ${p.fix}`);

  // Jobs run in parts (old JOBLIST syncs): re-run just the parts whose last run failed.
  const failedPartRuns = Object.values(facts.jobState?.parts ?? {}).filter(isFailed);
  if (failedPartRuns.length) {
    for (const p of failedPartRuns) long.push(`Re-run part ${p.part} (as ${p.user}): ${partRerunCommand(j.job, p)}`);
  } else if (judged) long.push(`Re-run: ${rerunCommand(j.job, judged)}`);
  else if (syslogOnlyRun) long.push(`Re-run: sudo -u govuk-backup ${syslogOnlyRun.argv}`);
  if (judged?.argv.some((a) => a.includes(REDACTED))) long.push('(secrets were redacted from the recorded command: put them back before running it)');
  return long;
}
