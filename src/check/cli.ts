// check_env_sync's command line. Bad arguments are UNKNOWN (exit 3) with what is wrong and the fix.
import { DEFAULT_BOOT_ID_FILE, DEFAULT_REBOOT_LOCK_DIR, stateDirFrom, syslogFrom } from '../common/defaults.js';
import { parseDuration } from '../common/duration.js';
import { validateName } from '../common/jobName.js';
import { standardFlags } from '../common/args.js';
import { quickParse, repeatedOption } from '../common/quickArgs.js';
import { parseRange } from './range.js';
import type { Options } from 'yargs';
import type { CheckOptions } from './evaluate.js';
import type { State } from '../output/pluginOutput.js';

export class ArgumentError extends Error {}

export interface PluginOptions extends CheckOptions {
  crontab?: string | undefined;
  user?: string | undefined;
  rotated: number;
  bootIdFile: string;
  rebootLockDir: string;
  cfgName?: string | undefined;
  timeoutSeconds: number;
  maxOutput: number;
}

const MISSING: Record<string, State> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

const HOST_WIDE = {
  crontab: { type: 'string', describe: 'Crontab file to find jobs in (jobs that never ran, schedules)' },
  user: { type: 'string', describe: 'Read this user\'s crontab with crontab -l -u USER (e.g. govuk-backup)' },
} as const;

const USAGE = {
  one: 'Usage: check_env_sync -j JOB [options]\n\nOne data-sync job\'s verdict from env-sync-run\'s markers and syslog, for Icinga/Nagios.',
  all: 'Usage: check_env_sync_all [options]\n\nOne verdict over every data-sync job on the host (state directory and crontab), worst state wins.',
};

/** The option table: yargs reads it for help and unusual command lines, quickParse for the usual one. */
export function optionSpec(mode: 'one' | 'all') {
  return {
    ...(mode === 'one' ? { job: { alias: 'j', type: 'string', describe: 'Job name (the cfg basename, e.g. pull_content_data_admin_production_daily)' } } as const : HOST_WIDE),
    'state-dir': { type: 'string', describe: 'State directory [env ENV_SYNC_STATE_DIR, default /var/lib/env-sync]' },
    syslog: { type: 'string', describe: 'Syslog file [env ENV_SYNC_SYSLOG, default /var/log/syslog]; rotated: FILE.1, FILE.2.gz …' },
    rotated: { type: 'string', default: '1', describe: 'Rotated files to read: 1 = FILE.1, 2 adds FILE.2.gz …' },
    'boot-id-file': { type: 'string', default: DEFAULT_BOOT_ID_FILE, describe: 'Boot id file (tests point it elsewhere)' },
    'age-warning': { alias: 'w', type: 'string', describe: 'Range for the age of the last success (e.g. 25h)' },
    'age-critical': { alias: ['c', 'max-age'], type: 'string', describe: 'Range for the age of the last success (e.g. 26h)' },
    'runtime-warning': { type: 'string', describe: 'Range for the runtime of a run in progress' },
    'runtime-critical': { alias: 'max-runtime', type: 'string', describe: 'Range for the runtime of a run in progress' },
    schedule: { type: 'string', describe: "The job's cron schedule ('18 0 * * *'): CRITICAL when a due run did not start" },
    grace: { type: 'string', default: '1h', describe: 'How late a scheduled run may start' },
    missing: {
      type: 'string',
      default: mode === 'one' ? 'critical' : 'warning',
      describe: mode === 'one' ? 'State when the job has no record at all: ok|warning|critical|unknown' : 'State of a crontab job that never ran: ok|warning|critical|unknown',
    },
    'reboot-lock-dir': { type: 'string', default: DEFAULT_REBOOT_LOCK_DIR, describe: "with_reboot_lock's directory (reboot_lock-env-sync_<job>)" },
    'cfg-name': { type: 'string', describe: 'Cfg basename to match in syslog (default: the job name)' },
    timeout: { alias: 't', type: 'string', default: '10', describe: 'Seconds before the plugin gives up (UNKNOWN)' },
    'max-output': { type: 'string', default: '4096', describe: 'Output bound in bytes (1024 fits NRPE v2)' },
    verbose: { alias: 'v', type: 'count', describe: 'More evidence lines (-v, -vv)' },
  } as const;
}

/**
 * A plugin's whole grammar, help and error messages, from yargs (loaded only when quickParse gives
 * up): the values, or the help or version text to print before exiting UNKNOWN. Bad arguments throw
 * ArgumentError, with the fix.
 */
export async function parsePluginWithYargs(args: string[], name: string, usage: string, options: Record<string, Options>): Promise<Record<string, unknown> | { text: string }> {
  const { default: yargs } = await import('yargs');
  let failure: string | null = null;
  let printed = '';
  const parser = standardFlags(
    yargs(args).scriptName(name).usage(usage).parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false }).options(options),
    (m) => (failure = m),
  );
  const argv = parser.parseSync(args, {}, (_err, _argv, output) => {
    printed = output;
  });
  if (failure) throw new ArgumentError(`${failure} (see ${name} --help)`);
  if (argv.help || argv.version) return { text: printed.endsWith('\n') ? printed : `${printed}\n` };
  if (argv._.length) throw new ArgumentError(`unexpected argument ${JSON.stringify(String(argv._[0]))}; every value needs its option (see --help)`);
  const twice = repeatedOption(argv, options);
  if (twice) throw new ArgumentError(`--${twice} is given more than once; give it once`);
  return argv;
}

/** check_env_sync's and check_env_sync_all's grammar through yargs. */
export function parseWithYargs(args: string[], mode: 'one' | 'all'): Promise<Record<string, unknown> | { text: string }> {
  const usage = `${USAGE[mode]}\nRanges: N (alert outside 0..N), N:, ~:N, N:M, @N:M; N may be a duration (90m, 26h, 2d).`;
  return parsePluginWithYargs(args, mode === 'one' ? 'check_env_sync' : 'check_env_sync_all', usage, optionSpec(mode));
}

/** Arguments of check_env_sync (`mode` one) and check_env_sync_all (`mode` all: no --job, a crontab). */
export async function parsePluginArgs(args: string[], env: NodeJS.ProcessEnv = process.env, mode: 'one' | 'all' = 'one'): Promise<PluginOptions | { text: string }> {
  const quick = quickParse(args, optionSpec(mode));
  const parsed = quick ? quick.values : await parseWithYargs(args, mode);
  if ('text' in parsed) return parsed as { text: string };
  const str = (k: string) => parsed[k] as string | undefined;
  const job = mode === 'one' ? str('job') : '(all)';
  if (!job) throw new ArgumentError('--job JOB is required (the cfg basename, e.g. -j pull_content_data_admin_production_daily)');
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new ArgumentError((err as Error).message);
    }
  };
  if (mode === 'one') wrap(() => validateName(job, 'job'));
  const range = (key: string, v: string | undefined) => (v === undefined ? undefined : wrap(() => parseRange(v, `--${key}`)));
  const int = (key: string, v: string, min: number, max: number) => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new ArgumentError(`--${key}: ${JSON.stringify(v)} must be a whole number from ${min} to ${max}`);
    return Number(v);
  };
  const missing = MISSING[str('missing')!.toLowerCase()];
  if (missing === undefined) throw new ArgumentError(`--missing: ${JSON.stringify(str('missing'))} must be one of ok, warning, critical, unknown`);
  return {
    job,
    crontab: str('crontab'),
    user: str('user'),
    stateDir: stateDirFrom(str('state-dir'), env),
    syslog: syslogFrom(str('syslog'), env),
    rotated: int('rotated', str('rotated')!, 0, 30),
    bootIdFile: str('boot-id-file')!,
    ageWarning: range('age-warning', str('age-warning')),
    ageCritical: range('age-critical', str('age-critical')),
    runtimeWarning: range('runtime-warning', str('runtime-warning')),
    runtimeCritical: range('runtime-critical', str('runtime-critical')),
    schedule: str('schedule'),
    graceSeconds: wrap(() => parseDuration(str('grace')!, '--grace')),
    missing,
    rebootLockDir: str('reboot-lock-dir')!,
    cfgName: str('cfg-name'),
    timeoutSeconds: int('timeout', str('timeout')!, 1, 3600),
    maxOutput: int('max-output', str('max-output')!, 256, 65536),
    verbose: parsed.verbose as number,
  };
}
