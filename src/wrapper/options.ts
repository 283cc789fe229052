// env-sync-run's command line, read against the one option table (src/common/options.ts).
import { parseCommandLine, quickSpec } from '../common/commandLine.js';
import { defaultJobName, validateName } from '../common/jobName.js';
import { OptionError, type IcingaOptionId, type Values } from '../common/options.js';
import { icingaConfig, type IcingaPostConfig } from '../icinga/postOptions.js';
import { currentHost } from '../common/host.js';
import type { PushgatewayTarget } from '../metrics/pushgateway.js';

/** The wrapper's own failures (bad usage) exit 125, as timeout(1) and env(1) do, apart from the child's statuses. */
export const EXIT_USAGE = 125;
export const EXIT_SKIPPED = 75;
export const EXIT_TIMEOUT = 124;

export class UsageError extends Error {}

export type Overlap = RunValues['overlap'];

type RunValues = Values<'env-sync-run'>;

/**
 * The values of the one option table, under its names, with what parsing settles on top: the job's
 * name (from -f FILE.cfg when --job is absent), the command, the Icinga API it posts to and the
 * Pushgateway it pushes to (from their several flags each).
 */
export type WrapperOptions = Omit<RunValues, 'job' | 'pushgateway' | 'pushgatewayInstance' | 'pushgatewayTimeout' | IcingaOptionId> & {
  job: string;
  command: string[];
  icinga: IcingaPostConfig | null;
  pushgateway: PushgatewayTarget | null;
};

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
  // The flags folded into icinga and pushgateway stay in the object; WrapperOptions' type leaves them out.
  return {
    ...v,
    job,
    command,
    icinga,
    pushgateway: v.pushgateway
      ? { url: v.pushgateway, instance: v.pushgatewayInstance ?? currentHost(), timeoutMs: Math.round(v.pushgatewayTimeout * 1000) }
      : null,
  };
}
