// env-sync-run's command line, read against the one option table (src/common/options.ts).
import { parseCommandLine } from '../common/commandLine.js';
import { defaultJobName, validateName } from '../common/jobName.js';
import { OptionError } from '../common/options.js';
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
  overlap: Overlap;
  syslog: boolean;
  syslogSocket: string;
  syslogFile: string;
  /** Which log the passive verdict reads (--log, --journal-namespace). */
  log?: 'auto' | 'syslog' | 'journal';
  journalNamespace?: string | undefined;
  icinga: IcingaPostConfig | null;
  /** node_exporter's textfile directory (--textfile-dir); absent or null: no metrics file. */
  textfileDir?: string | null;
  /** The Pushgateway the run facts go to as well (--pushgateway); absent or null: none. */
  pushgateway?: PushgatewayTarget | null;
}

export async function parseOptions(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<WrapperOptions | { text: string }> {
  let parsed: Awaited<ReturnType<typeof parseCommandLine<'env-sync-run'>>>;
  try {
    parsed = await parseCommandLine('env-sync-run', args, env);
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
  return {
    job,
    part: v.part ?? null,
    command,
    stateDir: v.stateDir,
    bootIdFile: v.bootIdFile,
    timeoutSeconds: v.runTimeout ?? null,
    killAfterSeconds: v.killAfter,
    overlap: v.overlap,
    syslog: v.syslogCopy,
    syslogSocket: v.syslogSocket,
    syslogFile: v.syslog,
    log: v.log,
    journalNamespace: v.journalNamespace,
    icinga,
    textfileDir: v.textfileDir ?? null,
    pushgateway: v.pushgateway
      ? { url: v.pushgateway, instance: v.pushgatewayInstance ?? currentHost(), timeoutMs: Math.round(v.pushgatewayTimeout * 1000) }
      : null,
  };
}
