// env-sync-run's command line, read against the one option table (src/common/options.ts).
import { parseCommandLine, quickSpec } from '../common/commandLine.js';
import { defaultJobName, validateName } from '../common/jobName.js';
import { OptionError } from '../common/options.js';
import type { ServiceRef } from '../common/serviceRef.js';
import { icingaConfig, type IcingaPostConfig } from '../icinga/postOptions.js';
import { currentHost } from '../common/host.js';
import type { PushgatewayTarget } from '../metrics/pushgateway.js';

/** The wrapper's own failures (bad usage) exit 125, as timeout(1) and env(1) do, apart from the child's statuses. */
export const EXIT_USAGE = 125;
export const EXIT_SKIPPED = 75;
export const EXIT_TIMEOUT = 124;

export class UsageError extends Error {}

export type Overlap = 'skip' | 'wait' | 'allow';

export interface WrapperOptions {
  job: string;
  part: string | null;
  command: string[];
  stateDir: string;
  bootIdFile: string;
  timeoutSeconds: number | null;
  killAfterSeconds: number;
  /** --retries, --retry-delay, --retry-timeouts, --attempt-timeout (retries.ts); absent: none. */
  retries?: number;
  retryDelaySeconds?: number;
  retryTimeouts?: boolean;
  attemptTimeoutSeconds?: number | null;
  overlap: Overlap;
  /** Copy the output lines to syslog (--syslog-copy). */
  syslogCopy: boolean;
  syslogSocket: string;
  syslogFile: string;
  /** Which log the passive verdict reads (--log, --journal-namespace). */
  log?: 'auto' | 'syslog' | 'journal';
  journalNamespace?: string | undefined;
  icinga: IcingaPostConfig | null;
  /** node_exporter's textfile directory (--textfile-dir); absent or null: no metrics file. */
  textfileDir?: string | null;
  /** Icinga services put in downtime for the run (--downtime-services). */
  downtimeServices?: ServiceRef[];
  /** The Pushgateway the run facts go to as well (--pushgateway); absent or null: none. */
  pushgateway?: PushgatewayTarget | null;
}

/**
 * `--syslog` is a file everywhere else (the plugins', env-sync's); the wrapper's on/off switch is
 * --syslog-copy. The switch's old spelling --no-syslog keeps working (cron lines have it); a bare
 * --syslog, once the switch's "on", is refused naming both, rather than read as either.
 */
export function oldSyslogSwitch(args: readonly string[]): string[] {
  const takesValue = new Set<string>();
  for (const [flag, o] of Object.entries(quickSpec('env-sync-run')))
    if (o.type === 'string') for (const name of [flag, ...(typeof o.alias === 'string' ? [o.alias] : (o.alias ?? []))]) takesValue.add(name);
  const out = [...args];
  for (let i = 0; i < out.length; i++) {
    const a = out[i]!;
    if (a === '--' || !a.startsWith('-') || a === '-') break; // COMMAND's words are its own
    if (a === '--no-syslog') out[i] = '--no-syslog-copy';
    else if (a === '--syslog' || a.startsWith('--syslog='))
      throw new UsageError(
        `--syslog is not an env-sync-run option: the copy of the output to syslog is on by default (--no-syslog-copy turns it off); the syslog file the passive verdict reads is --syslog-file FILE`,
      );
    else if (!a.includes('=') && takesValue.has(a.replace(/^--?/, ''))) i++; // its value
  }
  return out;
}

export async function parseOptions(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<WrapperOptions | { text: string }> {
  let parsed: Awaited<ReturnType<typeof parseCommandLine<'env-sync-run'>>>;
  try {
    parsed = await parseCommandLine('env-sync-run', oldSyslogSwitch(args), env);
  } catch (err) {
    if (err instanceof OptionError) throw new UsageError(err.message);
    throw err;
  }
  if ('text' in parsed) return parsed;
  const { values: v, rest: command } = parsed;
  if (command.length === 0) throw new UsageError('no COMMAND given: env-sync-run [options] -- COMMAND [ARG...]');
  if (command[0] === '') throw new UsageError('COMMAND is an empty word: env-sync-run [options] -- COMMAND [ARG...]');
  const job = v.job ?? defaultJobName(command);
  if (job === undefined) throw new UsageError('no --job given and COMMAND has no -f FILE.cfg to name the job after: add --job NAME');
  try {
    validateName(job, 'job');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const icinga = icingaConfig(v);
  if (icinga instanceof Error) throw new UsageError(icinga.message);
  if (v.downtimeServices && !icinga)
    throw new UsageError('--downtime-services needs --icinga-url, --icinga-user and --icinga-password-file (the Icinga 2 API that holds those services)');
  return {
    job,
    part: v.part ?? null,
    command,
    stateDir: v.stateDir,
    bootIdFile: v.bootIdFile,
    timeoutSeconds: v.runTimeout ?? null,
    killAfterSeconds: v.killAfter,
    retries: v.retries,
    retryDelaySeconds: v.retryDelay,
    retryTimeouts: v.retryTimeouts,
    attemptTimeoutSeconds: v.attemptTimeout ?? null,
    overlap: v.overlap,
    syslogCopy: v.syslogCopy,
    syslogSocket: v.syslogSocket,
    syslogFile: v.syslog,
    log: v.log,
    journalNamespace: v.journalNamespace,
    icinga,
    textfileDir: v.textfileDir ?? null,
    ...(v.downtimeServices ? { downtimeServices: v.downtimeServices } : {}),
    pushgateway: v.pushgateway
      ? { url: v.pushgateway, instance: v.pushgatewayInstance ?? currentHost(), timeoutMs: Math.round(v.pushgatewayTimeout * 1000) }
      : null,
  };
}
