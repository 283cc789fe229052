// The wrapper's side of the passive variant: after a run, post to Icinga 2 the verdict
// check_env_sync gives for the job — judged here, in-process, by the same gather, judge, explain and
// render — so the passive service reads exactly like the active check.
import { hostname } from 'node:os';
import { convert, type Values } from '../common/options.js';
import type { State } from '../common/states.js';
import { judgeJob } from '../check/pipeline.js';
import { render } from '../output/pluginOutput.js';
import type { IcingaPostConfig } from './postOptions.js';
import { postCheckResult, splitPluginOutput, type PassiveResultOutcome } from './passiveResult.js';

export interface RunContext {
  job: string;
  stateDir: string;
  syslog?: string | undefined;
  log?: Values<'check_env_sync'>['log'] | undefined;
  journalNamespace?: string | undefined;
  bootIdFile?: string | undefined;
  /** Unix seconds of the run's start and end. */
  executionStart?: number | undefined;
  executionEnd?: number | undefined;
}

export interface Verdict {
  exitStatus: State;
  /** The plugin's full text: first line with perfdata, long output. */
  text: string;
}

/** check_env_sync's verdict for the job with its default limits (the option table's), bounded in time. */
export async function judgeRun(ctx: RunContext, timeoutSeconds = 20, now = new Date()): Promise<Verdict> {
  const defaults = convert('check_env_sync', { job: ctx.job }, {});
  const o = {
    ...defaults,
    stateDir: ctx.stateDir,
    syslog: ctx.syslog ?? defaults.syslog,
    log: ctx.log ?? defaults.log,
    journalNamespace: ctx.journalNamespace,
    bootIdFile: ctx.bootIdFile ?? defaults.bootIdFile,
    timeout: timeoutSeconds,
  };
  const answer = await judgeJob(
    { gather: { ...o, trust: {}, deadline: Date.now() + timeoutSeconds * 1000 }, policy: o, verbose: o.verbose, timeoutSeconds },
    now,
  );
  return { exitStatus: answer.verdict.state, text: render(answer.verdict, o.maxOutput) };
}

/**
 * Posts the job's verdict to Icinga: `given` when the caller has one, else judged here. Never
 * throws; the outcome says what happened.
 */
export async function postRunVerdict(cfg: IcingaPostConfig, ctx: RunContext, given?: Verdict): Promise<PassiveResultOutcome> {
  try {
    const v = given ?? (await judgeRun(ctx));
    const { pluginOutput, performanceData } = splitPluginOutput(v.text);
    const now = Date.now() / 1000;
    return await postCheckResult({
      url: cfg.url,
      user: cfg.user,
      passwordFile: cfg.passwordFile,
      caFile: cfg.caFile,
      host: cfg.host ?? hostname(),
      service: cfg.service ?? `env-sync ${ctx.job}`,
      exitStatus: v.exitStatus,
      pluginOutput,
      performanceData,
      checkSource: hostname(),
      executionStart: ctx.executionStart ?? now,
      executionEnd: ctx.executionEnd ?? now,
      deadlineMs: cfg.deadlineMs,
    });
  } catch (err) {
    return { ok: false, attempts: 0, message: `passive result not posted: ${(err as Error)?.message ?? String(err)}`, warnings: [] };
  }
}
