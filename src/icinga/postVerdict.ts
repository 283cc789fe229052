// The wrapper's side of the passive variant: after a run, post to Icinga 2 the verdict
// check_env_sync gives for the job — judged here, in-process, by the same gather, judge, explain and
// render — so the passive service reads exactly like the active check.
import { hostname } from 'node:os';
import { convert } from '../common/options.js';
import { UNKNOWN, type State } from '../common/states.js';
import { gather } from '../check/gather.js';
import { verdict } from '../check/verdict.js';
import { MarkerError } from '../markers/read.js';
import { render } from '../output/pluginOutput.js';
import { StageTimeoutError } from '../syslog/types.js';
import type { IcingaPostConfig } from './postOptions.js';
import { postCheckResult, splitPluginOutput, type PassiveResultOutcome } from './passiveResult.js';

export interface RunContext {
  job: string;
  stateDir: string;
  syslog?: string | undefined;
  log?: string | undefined;
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
export async function judgeRun(ctx: RunContext, timeoutSeconds = 20): Promise<Verdict> {
  const raw: Record<string, unknown> = { job: ctx.job, 'state-dir': ctx.stateDir, timeout: String(timeoutSeconds) };
  if (ctx.syslog) raw.syslog = ctx.syslog;
  if (ctx.log) raw.log = ctx.log;
  if (ctx.journalNamespace) raw['journal-namespace'] = ctx.journalNamespace;
  if (ctx.bootIdFile) raw['boot-id-file'] = ctx.bootIdFile;
  const o = convert('check_env_sync', raw, {});
  const now = new Date();
  let stage = 'starting';
  try {
    const facts = await gather({ ...o, deadline: Date.now() + timeoutSeconds * 1000, onStage: (s) => (stage = s) }, now);
    const v = verdict(facts, { ...o, graceSeconds: o.grace }, now, o.verbose);
    return { exitStatus: v.state, text: render(v, o.maxOutput) };
  } catch (err) {
    const why =
      err instanceof MarkerError
        ? `${ctx.job}: ${err.message}`
        : err instanceof StageTimeoutError
          ? `timed out after ${timeoutSeconds}s while ${err.stage}`
          : `${ctx.job}: internal error while ${stage}: ${(err as Error)?.message ?? String(err)}`;
    return { exitStatus: UNKNOWN, text: render({ state: UNKNOWN, summary: why, longOutput: [], perfdata: [] }, o.maxOutput) };
  }
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
