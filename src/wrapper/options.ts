import { DEFAULT_BOOT_ID_FILE, stateDirFrom } from '../common/defaults.js';
import { parseDuration } from '../common/duration.js';
import { defaultJobName, validateName } from '../common/jobName.js';
import { standardFlags } from '../common/args.js';
import { quickParse, repeatedOption } from '../common/quickArgs.js';
import { icingaConfigFromArgv, icingaYargsOptions, type IcingaPostConfig } from '../icinga/postOptions.js';

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
  overlap: Overlap;
  syslog: boolean;
  syslogSocket: string;
  syslogFile: string | undefined;
  icinga: IcingaPostConfig | null;
}

const USAGE = `Usage: env-sync-run [options] -- COMMAND [ARG...]

Runs COMMAND (no shell), passes its output through, copies each line to syslog (tag env-sync/<job>)
and records the run in the state directory for check_env_sync.

Exit status: the command's; 128+N if it was killed by signal N; 124 if --timeout fired; 126/127 if it
could not be run; 75 if another run of the job was still running (--overlap skip); 125 for a usage error.`;

/** The option table: yargs reads it for help and unusual command lines, quickParse for the usual one. */
export const OPTIONS = {
  job: { type: 'string', describe: 'Job name (default: the basename of the file after -f in COMMAND, without .cfg)' },
  part: { type: 'string', describe: 'Part of the job this run does (old JOBLIST syncs); each part keeps its own last run' },
  'state-dir': { type: 'string', describe: 'State directory [env ENV_SYNC_STATE_DIR, default /var/lib/env-sync]' },
  'boot-id-file': { type: 'string', default: DEFAULT_BOOT_ID_FILE, describe: 'Where the boot id is read from' },
  timeout: { type: 'string', describe: 'Stop the command after this long (e.g. 6h): SIGTERM to its process group, exit 124' },
  'kill-after': { type: 'string', default: '30s', describe: 'After --timeout, SIGKILL the process group if still there after this long' },
  overlap: { choices: ['skip', 'wait', 'allow'] as const, default: 'skip' as const, describe: 'When a run of the job is still alive: skip (exit 75), wait for it, or allow both' },
  syslog: { type: 'boolean', default: true, describe: 'Copy output lines to syslog (--no-syslog to turn off)' },
  'syslog-socket': { type: 'string', describe: 'Syslog socket [env ENV_SYNC_SYSLOG_SOCKET, default /dev/log]' },
  'syslog-file': { type: 'string', describe: 'Syslog file check_env_sync reads, for the passive verdict [env ENV_SYNC_SYSLOG]' },
  ...icingaYargsOptions,
} as const;

/** The whole grammar, help and error messages, from yargs (loaded only when quickParse gives up). */
export async function parseWithYargs(args: string[]): Promise<{ values: Record<string, unknown>; command: string[] } | 'done'> {
  const { default: yargs } = await import('yargs');
  let failure: string | null = null;
  const parser = standardFlags(
    yargs(args)
    .scriptName('env-sync-run')
    .usage(USAGE)
    // COMMAND's words must stay strings exactly as given (`sleep 2`, not the number 2).
    .parserConfiguration({ 'populate--': true, 'halt-at-non-option': true, 'parse-positional-numbers': false, 'parse-numbers': false })
    .options(OPTIONS),
    (m) => (failure = m),
  );
  const argv = parser.parseSync();
  if (failure) throw new UsageError(failure);
  if (argv.help || argv.version) return 'done';
  const twice = repeatedOption(argv, OPTIONS);
  if (twice) throw new UsageError(`--${twice} is given more than once; give it once`);
  // halt-at-non-option puts everything from COMMAND on in argv._; with `--` it is in argv['--'].
  return { values: argv, command: [...argv._, ...((argv['--'] as unknown[] | undefined) ?? [])].map(String) };
}

export async function parseOptions(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<WrapperOptions | 'done'> {
  const quick = quickParse(args, OPTIONS, { haltAtNonOption: true });
  const parsed = quick ? { values: quick.values as Record<string, unknown>, command: quick.rest } : await parseWithYargs(args);
  if (parsed === 'done') return 'done';
  const { command } = parsed;
  const str = (k: string) => parsed.values[k] as string | undefined;
  if (command.length === 0) throw new UsageError('no COMMAND given: env-sync-run [options] -- COMMAND [ARG...]');
  let job = str('job');
  if (job === undefined) {
    job = defaultJobName(command);
    if (job === undefined) throw new UsageError('no --job given and COMMAND has no -f FILE.cfg to name the job after: add --job NAME');
  }
  const part = str('part');
  try {
    validateName(job, 'job');
    if (part !== undefined) validateName(part, 'part');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let timeoutSeconds: number | null = null;
  let killAfterSeconds: number;
  try {
    const timeout = str('timeout');
    if (timeout !== undefined) timeoutSeconds = parseDuration(timeout, '--timeout');
    killAfterSeconds = parseDuration(str('kill-after')!, '--kill-after');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (timeoutSeconds === 0) throw new UsageError('--timeout: must be more than 0');
  const icinga = icingaConfigFromArgv(parsed.values);
  if (icinga instanceof Error) throw new UsageError(icinga.message);
  return {
    job,
    part: part ?? null,
    command,
    stateDir: stateDirFrom(str('state-dir'), env),
    bootIdFile: str('boot-id-file')!,
    timeoutSeconds,
    killAfterSeconds,
    overlap: parsed.values.overlap as Overlap,
    syslog: parsed.values.syslog as boolean,
    syslogSocket: str('syslog-socket') ?? env.ENV_SYNC_SYSLOG_SOCKET ?? '/dev/log',
    syslogFile: str('syslog-file') ?? env.ENV_SYNC_SYSLOG,
    icinga,
  };
}
