// The one answer to "what is this job's verdict": check_env_sync, check_env_sync_all, env-sync
// status, show and metrics and the wrapper's passive post all ask judgeJob, so a job judged by any of
// them gets the same state and the same words. What goes wrong on the way becomes UNKNOWN here, once
// (as nagiosplugin's `guarded`), not in each entry point with words of its own.
import { StageTimeoutError } from '../common/deadline.js';
import type { Values } from '../common/options.js';
import { UNKNOWN } from '../common/states.js';
import { MarkerError } from '../markers/errors.js';
import { jobTrust, UnknownUserError, type TrustHints } from '../markers/trust.js';
import type { PluginResult } from '../output/pluginOutput.js';
import { gather, type GatherOptions } from './gather.js';
import { judge, summarise } from './judge.js';
import type { CheckFacts, CheckPolicy, Judgement } from './types.js';
import { explainOptions, verdict } from './verdict.js';
import type { ExplainOptions } from './explain.js';

export interface JobAnswer {
  verdict: PluginResult;
  /** What the verdict was judged from; null when the records could not be read. */
  facts: CheckFacts | null;
  judgement: Judgement | null;
}

export interface JobQuestion {
  gather: GatherOptions;
  policy: CheckPolicy;
  /** How much of the evidence the explanation shows (-v). */
  verbose: number;
  /** The explanation's settings, when the caller has made them once for many jobs. */
  how?: ExplainOptions;
  /**
   * false: the state, summary and metrics only. A host-wide view shows one line a job; explaining
   * 500 jobs' evidence and Re-run lines it never prints would cost more than judging them.
   */
  explain?: boolean;
  /** Seconds the whole question may take: the words of a timeout. */
  timeoutSeconds: number;
  /** A host-wide view's deadline is the view's, not the job's: its timeout is thrown on, not answered. */
  timeoutIsTheCallers?: boolean;
  /** Told each stage as it starts, for a plugin's own timer. */
  onStage?: (stage: string) => void;
}

/**
 * Why a job's verdict is UNKNOWN when its judging threw: the one mapping from errors to words. A
 * timeout is the whole question's; the job's records that cannot be read or trusted are the job's.
 */
export function unknownWords(job: string | null, err: unknown, stage: string, timeoutSeconds: number): string {
  if (err instanceof StageTimeoutError) return `plugin timed out after ${timeoutSeconds}s while ${err.stage}`;
  const who = job ? `${job}: ` : '';
  if (err instanceof MarkerError) return `${who}${err.message}`;
  // A --user that names no user is the command line's fault, said as it is.
  if (err instanceof UnknownUserError) return err.message;
  return `${who}internal error while ${stage}: ${(err as Error)?.message ?? String(err)}`;
}

/** A --user that names no user is the command line's fault: said once, as the command's error, before any job is judged. */
export function assertKnownUser(stateDir: string, trust: TrustHints): void {
  if (trust.user !== undefined) jobTrust(stateDir, null, { user: trust.user });
}

export function unknownAnswer(summary: string): JobAnswer {
  return { verdict: { state: UNKNOWN, summary, longOutput: [], perfdata: [] }, facts: null, judgement: null };
}

/**
 * What the pipeline reads the host with. Every view reaches the files and processes through here, so
 * a test can hand all of them the same facts (the six-view agreement test) and see only the
 * judgement, the explanation and the rendering differ, if anything does.
 */
export const pipelineReads: { gather: (o: GatherOptions, now: Date, onStage?: (stage: string) => void) => Promise<CheckFacts> } = { gather };

/** check_env_sync's question, from its option values: the plugin and the tests ask it alike. */
export function pluginQuestion(o: Values<'check_env_sync'>, deadline: number, onStage?: (stage: string) => void): JobQuestion {
  return { gather: { ...o, trust: { user: o.user }, deadline }, policy: o, verbose: o.verbose, timeoutSeconds: o.timeout, ...(onStage ? { onStage } : {}) };
}

/** One job: gather, judge, explain; never throws. */
export async function judgeJob(q: JobQuestion, now: Date): Promise<JobAnswer> {
  let stage = 'starting';
  try {
    // The options as the caller made them, not a copy with onStage added: a host-wide view asks
    // this of 500 jobs, and each copy of some forty keys costs every job (docs/benchmarks.md).
    const facts = await pipelineReads.gather(q.gather, now, (s) => {
      stage = s;
      q.onStage?.(s);
    });
    const judgement = judge(facts, q.policy, now);
    let v: PluginResult;
    if (q.explain === false) {
      const { state, summary, perfdata } = summarise(judgement);
      v = { state, summary, longOutput: [], perfdata };
    } else v = verdict(facts, judgement, q.verbose, q.how ?? explainOptions(q.policy));
    return { verdict: v, facts, judgement };
  } catch (err) {
    if (q.timeoutIsTheCallers && err instanceof StageTimeoutError) throw err;
    return unknownAnswer(unknownWords(q.policy.job, err, stage, q.timeoutSeconds));
  }
}
