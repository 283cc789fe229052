// The wrapper's side of the passive variant: after a run, post to Icinga 2 the verdict
// check_env_sync gives for the job, so the passive service reads exactly like the active check.
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { IcingaPostConfig } from './postOptions.js';
import { postCheckResult, splitPluginOutput, type ExitStatus, type PassiveResultOutcome } from './passiveResult.js';

export interface RunContext {
  job: string;
  stateDir: string;
  syslog?: string | undefined;
  bootIdFile?: string | undefined;
  /** Unix seconds of the run's start and end. */
  executionStart?: number | undefined;
  executionEnd?: number | undefined;
}

export interface Verdict {
  exitStatus: ExitStatus;
  /** The plugin's full text: first line with perfdata, long output. */
  text: string;
}

/** Where check_env_sync lives: beside the running env-sync-run launcher (symlinks resolved). */
export function defaultCheckPlugin(argv1: string | undefined = process.argv[1]): string {
  let base = argv1 ?? '';
  try {
    base = realpathSync(base);
  } catch {
    /* keep it as given */
  }
  return join(dirname(base), 'check_env_sync');
}

/** Runs check_env_sync for the job (the same code Icinga runs), bounded in time. */
export function verdictFromPlugin(ctx: RunContext, plugin = defaultCheckPlugin(), timeoutSeconds = 20): Promise<Verdict> {
  const args = ['--job', ctx.job, '--state-dir', ctx.stateDir, '--timeout', String(timeoutSeconds)];
  if (ctx.syslog) args.push('--syslog', ctx.syslog);
  if (ctx.bootIdFile) args.push('--boot-id-file', ctx.bootIdFile);
  return new Promise((resolve) => {
    execFile(plugin, args, { timeout: (timeoutSeconds + 5) * 1000, maxBuffer: 1 << 20, encoding: 'utf8' }, (err, stdout) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      if (code !== null && code >= 0 && code <= 3 && stdout.trim() !== '') {
        resolve({ exitStatus: code as ExitStatus, text: stdout });
        return;
      }
      const why = err ? err.message.split('\n')[0] : 'no output';
      resolve({ exitStatus: 3, text: `ENV_SYNC UNKNOWN - env-sync-run could not get the verdict from ${plugin}: ${why}\n` });
    });
  });
}

/**
 * Posts the job's verdict to Icinga. `verdict` is the in-process evaluation when the caller has one;
 * otherwise check_env_sync is run. Never throws; the outcome says what happened.
 */
export async function postRunVerdict(cfg: IcingaPostConfig, ctx: RunContext, verdict?: Verdict, plugin?: string): Promise<PassiveResultOutcome> {
  try {
    const v = verdict ?? (await verdictFromPlugin(ctx, plugin));
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
