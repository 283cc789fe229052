// The one option table. Every option of every executable is defined here once: its flag and
// aliases, default, environment variable, help text and typed parser. Each command lists the
// options it takes; where a command's default or wording differs on purpose, the difference is
// written beside the option (`for`). The fast path (quickArgs), the yargs path (help, unusual
// command lines), the typed conversion, docs/options.md's tables, the man pages and the
// generated NRPE and Icinga lines all read from it. Nothing else declares an option.
import { parseDuration } from './duration.js';
import { validateName } from './jobName.js';
import { namespaceNameProblem } from './journalNamespace.js';
import { parseRange, type Range } from './range.js';
import { stateFromName, type State } from './states.js';
import { AUTO_ROTATED } from './rotation.js';
import { parseServiceList } from './serviceRef.js';
import { parseWhen, type When } from './when.js';

/** A bad command line: the message names the option and the fix. */
export class OptionError extends Error {}

export const COMMAND_NAMES = [
  'check_env_sync',
  'check_env_sync_all',
  'check_env_sync_order',
  'env-sync-run',
  'env-sync status',
  'env-sync show',
  'env-sync logs',
  'env-sync rerun',
  'env-sync config',
  'env-sync metrics',
  'env-sync pause',
  'env-sync resume',
  'env-sync running',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface OptionSpec<T> {
  /** The long flag, without dashes; the option's id when absent. */
  flag: string;
  alias?: readonly string[];
  /** How the command line carries it: a value, a switch (`--no-X` too), a repeatable switch, or a repeatable value. */
  kind: 'string' | 'boolean' | 'count' | 'array';
  /** The value's placeholder in usage lines and man pages (DIR, RANGE, …). */
  arg?: string;
  describe: string;
  /** Read when the option is not given. */
  env?: string;
  /** As it would be typed (parsed like a given value); absent: the option has no default. */
  default?: string | boolean;
  choices?: readonly string[];
  /** A command's own default, wording or flag, on purpose. */
  for?: Partial<Record<CommandName, { default?: string; describe?: string; flag?: string; alias?: readonly string[] }>>;
  /** The raw value (a word, true/false, a count, or words) to its typed value; throws OptionError. */
  parse: (raw: never, flag: string) => T;
}

function option<T, S extends Omit<OptionSpec<T>, 'parse'> & { parse: (raw: never, flag: string) => T }>(spec: S): S {
  return spec;
}

const fail = (message: string): never => {
  throw new OptionError(message);
};
const wrapped = <T>(fn: () => T): T => {
  try {
    return fn();
  } catch (err) {
    if (err instanceof OptionError) throw err;
    throw new OptionError((err as Error).message);
  }
};

/** The same own default or wording for several commands. */
function sameFor<C extends CommandName, T>(commands: readonly C[], own: T): Record<C, T> {
  return Object.fromEntries(commands.map((c) => [c, own])) as Record<C, T>;
}

const text = (raw: string) => raw;
const bool = (raw: boolean) => raw;
const count = (raw: number) => raw;
const range = (raw: string, flag: string): Range => wrapped(() => parseRange(raw, flag));
const seconds = (raw: string, flag: string): number => wrapped(() => parseDuration(raw, flag));
const positiveSeconds = (raw: string, flag: string): number => {
  const s = seconds(raw, flag);
  return s > 0 ? s : fail(`${flag}: must be more than 0`);
};
const jobName = (raw: string): string => wrapped(() => validateName(raw, 'job'));
const partName = (raw: string): string => wrapped(() => validateName(raw, 'part'));
// One word of http(s), and never `|`, which would end the plugin's text and start its perfdata.
const runbookUrl = (raw: string, flag: string): string =>
  /^https?:\/\/[^\s|<>"'\\\x00-\x1f\x7f]+$/.test(raw)
    ? raw
    : fail(`${flag}: ${JSON.stringify(raw)} is not an http(s) URL of one word without quotes, angle brackets or vertical bars`);
const wholeNumber =
  (min: number, max: number) =>
  (raw: string, flag: string): number =>
    /^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max
      ? Number(raw)
      : fail(`${flag}: ${JSON.stringify(raw)} must be a whole number from ${min} to ${max}`);
/** `FIRST:THEN[:WITHIN]`: a copy job and the job that must follow it (default within 2h). */
const orderSpecs = (raw: string[], flag: string): Array<{ first: string; then: string; withinSeconds: number }> =>
  raw.map((spec) => {
    const [first, then, within = '2h'] = spec.split(':');
    if (!first || !then) fail(`${flag} ${JSON.stringify(spec)}: use FIRST:THEN[:WITHIN], e.g. copy_data_to_staging:data_sync_complete:2h`);
    return wrapped(() => ({ first: validateName(first!), then: validateName(then!), withinSeconds: parseDuration(within, flag) }));
  });
/** `--timer JOB:UNIT[,JOB:UNIT…]`, each given once or more; UNIT without a suffix is UNIT.timer. */
const timerJobs = (raw: string[], flag: string): Array<{ job: string; unit: string }> =>
  raw
    .flatMap((r) => r.split(','))
    .filter((spec) => spec.trim() !== '')
    .map((spec) => {
      const [job, unit, extra] = spec.trim().split(':');
      if (!job || !unit || extra !== undefined || !/^[A-Za-z0-9_.@\\-]+$/.test(unit))
        fail(`${flag} ${JSON.stringify(spec)}: use JOB:UNIT, the job and its systemd timer, e.g. data_sync:data-sync.timer`);
      return wrapped(() => ({ job: validateName(job!), unit: unit!.endsWith('.timer') ? unit! : `${unit}.timer` }));
    });
/** A factor of the median (--duration-low …): 0 turns the rule off, else inside (min, max). */
const factor =
  (min: number, max: number) =>
  (raw: string, flag: string): number => {
    const n = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
    return n === 0 || (n > min && n < max)
      ? n
      : fail(`${flag}: ${JSON.stringify(raw)} must be 0 (off) or a number between ${min} and ${max} (a factor of the median)`);
  };

/** The Pushgateway's base URL: http or https, no user or password (the URL is shown in warnings, syslog and ps). */
const pushgatewayUrl = (raw: string, flag: string): string => {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return fail(`${flag}: ${JSON.stringify(raw)} is not a URL; give the Pushgateway's base URL, e.g. http://pushgateway:9091`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return fail(`${flag}: ${JSON.stringify(raw)} must start http:// or https://`);
  if (u.username || u.password) return fail(`${flag}: give the URL without a user or password: it is shown in warnings and syslog, and a command line in ps`);
  if (u.search || u.hash) return fail(`${flag}: give the base URL alone, without ?query or #fragment (the group's path is added to it)`);
  return raw;
};
const state = (raw: string, flag: string): State => stateFromName(raw) ?? fail(`${flag}: ${JSON.stringify(raw)} must be one of ok, warning, critical, unknown`);

export const OPTIONS = {
  job: option({
    flag: 'job',
    alias: ['j'],
    kind: 'string',
    arg: 'JOB',
    describe: 'Job name (the cfg basename, e.g. pull_content_data_admin_production_daily)',
    for: {
      'env-sync-run': { describe: 'Job name (default: the basename of the file after -f in COMMAND, without .cfg)', alias: [] },
      'env-sync config': {
        describe: "Only this job, whether or not it is found (one job's lines, as a Puppet resource per job writes them); its schedule from --schedule",
      },
    },
    parse: jobName,
  }),
  part: option({
    flag: 'part',
    kind: 'string',
    arg: 'NAME',
    describe: 'Part of the job this run does (old JOBLIST syncs); each part keeps its own last run',
    parse: partName,
  }),
  stateDir: option({
    flag: 'state-dir',
    kind: 'string',
    arg: 'DIR',
    env: 'ENV_SYNC_STATE_DIR',
    default: '/var/lib/env-sync',
    describe: 'State directory: the markers env-sync-run writes',
    parse: text,
  }),
  syslog: option({
    flag: 'syslog',
    kind: 'string',
    arg: 'FILE',
    env: 'ENV_SYNC_SYSLOG',
    default: '/var/log/syslog',
    describe: 'Syslog file, read from its end; rotated: FILE.1, FILE.2.gz …',
    for: { 'env-sync-run': { flag: 'syslog-file', describe: 'Syslog file check_env_sync reads, for the passive verdict' } },
    parse: text,
  }),
  log: option({
    flag: 'log',
    kind: 'string',
    arg: 'SOURCE',
    choices: ['auto', 'syslog', 'journal'] as const,
    env: 'ENV_SYNC_LOG',
    default: 'auto',
    describe:
      "Log to read the job's lines from: syslog (--syslog and its rotations), journal (journalctl), or auto: the syslog file if it exists, else the journal (a --journal-* option means the journal)",
    parse: (raw: string) => raw as 'auto' | 'syslog' | 'journal',
  }),
  journalNamespace: option({
    flag: 'journal-namespace',
    kind: 'string',
    arg: 'NS',
    describe: 'Read the journal of this journald namespace (journalctl --namespace NS) instead of the system journal',
    parse: (raw: string, flag: string) => (namespaceNameProblem(raw) ? fail(`${flag}: ${namespaceNameProblem(raw)}`) : raw),
  }),
  journalFile: option({
    flag: 'journal-file',
    kind: 'string',
    arg: 'FILE',
    describe:
      'Read this journal file (journalctl --file) instead of the system journal, e.g. one saved from another host; its _UID and _BOOT_ID are only as trustworthy as whoever wrote the file',
    parse: text,
  }),
  rotated: option({
    flag: 'rotated',
    kind: 'string',
    arg: 'N',
    default: 'auto',
    describe: `Rotated files to read: auto = back through FILE.1, FILE.2.gz … until the job's last run is found, at most ${AUTO_ROTATED} (Debian keeps 7); N = up to FILE.N, no further`,
    parse: (raw: string, flag: string): number | 'auto' => (raw === 'auto' ? 'auto' : wholeNumber(0, 30)(raw, flag)),
  }),
  bootIdFile: option({
    flag: 'boot-id-file',
    kind: 'string',
    arg: 'FILE',
    default: '/proc/sys/kernel/random/boot_id',
    describe: 'Boot id file: a changed boot id marks a run interrupted by a reboot',
    parse: text,
  }),
  rebootLockDir: option({
    flag: 'reboot-lock-dir',
    kind: 'string',
    arg: 'DIR',
    default: '/etc/unattended-reboot/no-reboot',
    describe: "with_reboot_lock's directory (reboot_lock-env-sync_<job>)",
    parse: text,
  }),
  ageWarning: option({
    flag: 'age-warning',
    alias: ['w'],
    kind: 'string',
    arg: 'RANGE',
    describe: 'Range for the age of the last success (e.g. 25h)',
    parse: range,
  }),
  ageCritical: option({
    flag: 'age-critical',
    alias: ['c', 'max-age'],
    kind: 'string',
    arg: 'RANGE',
    describe: 'Range for the age of the last success (e.g. 26h)',
    parse: range,
  }),
  runtimeWarning: option({ flag: 'runtime-warning', kind: 'string', arg: 'RANGE', describe: 'Range for the runtime of a run in progress', parse: range }),
  runtimeCritical: option({
    flag: 'runtime-critical',
    alias: ['max-runtime'],
    kind: 'string',
    arg: 'RANGE',
    describe: 'Range for the runtime of a run in progress',
    parse: range,
  }),
  schedule: option({
    flag: 'schedule',
    kind: 'string',
    arg: 'CRON',
    describe: "The job's cron schedule ('18 0 * * *', host time zone): CRITICAL when a due run did not start",
    for: {
      'env-sync config': {
        describe: "With --job: that job's cron schedule ('18 0 * * *'), written into its check (the jobs found take theirs from the crontab)",
      },
    },
    parse: text,
  }),
  grace: option({ flag: 'grace', kind: 'string', arg: 'DUR', default: '1h', describe: 'How late a scheduled run may start', parse: seconds }),
  // One job with no record is an alert by default; in a host-wide view it is a crontab job that never ran.
  missing: option({
    flag: 'missing',
    kind: 'string',
    arg: 'STATE',
    default: 'critical',
    describe: 'State when the job has no record at all: ok|warning|critical|unknown',
    for: {
      ...sameFor(['check_env_sync_all', 'env-sync status', 'env-sync metrics'], {
        default: 'warning',
        describe: 'State of a crontab job that never ran: ok|warning|critical|unknown',
      }),
      'env-sync show': { default: 'warning' },
    },
    parse: state,
  }),
  scheduler: option({
    flag: 'scheduler',
    kind: 'string',
    arg: 'WHICH',
    choices: ['auto', 'cron', 'systemd', 'none'] as const,
    default: 'auto',
    describe:
      'Check what starts the jobs: cron (CRITICAL when it is not running and a job is due within --scheduler-window), systemd (the same for the timers of --timer), auto (cron when any job has a cron line, systemd when --timer is given), none',
    parse: (raw: string) => raw as 'auto' | 'cron' | 'systemd' | 'none',
  }),
  timer: option({
    flag: 'timer',
    kind: 'array',
    arg: 'JOB:UNIT',
    describe: 'A job a systemd timer starts, and the timer (repeatable, or a comma list): --timer data_sync:data-sync.timer',
    parse: timerJobs,
  }),
  schedulerWindow: option({
    flag: 'scheduler-window',
    kind: 'string',
    arg: 'DUR',
    default: '24h',
    describe: 'With cron or a timer not running: a job whose next run is this soon makes it CRITICAL (else WARNING)',
    parse: positiveSeconds,
  }),
  cfgName: option({ flag: 'cfg-name', kind: 'string', arg: 'NAME', describe: 'Cfg basename to match in syslog (default: the job name)', parse: text }),
  timeout: option({
    flag: 'timeout',
    alias: ['t'],
    kind: 'string',
    arg: 'SEC',
    default: '10',
    describe: 'Seconds before the plugin gives up (UNKNOWN naming the slow stage)',
    parse: wholeNumber(1, 3600),
  }),
  maxOutput: option({
    flag: 'max-output',
    kind: 'string',
    arg: 'BYTES',
    default: '4096',
    describe: 'Output bound in bytes (1024 fits NRPE v2)',
    parse: wholeNumber(256, 65536),
  }),
  runbookUrl: option({
    flag: 'runbook-url',
    kind: 'string',
    arg: 'URL',
    describe: "The runbook page, first in the long output (as the old passive service's notes_url linked the data-sync runbook)",
    parse: runbookUrl,
  }),
  verbose: option({ flag: 'verbose', alias: ['v'], kind: 'count', describe: 'More evidence lines (-v, -vv)', parse: count }),
  crontab: option({ flag: 'crontab', kind: 'string', arg: 'FILE', describe: 'Crontab file to find jobs in (jobs that never ran, schedules)', parse: text }),
  user: option({
    flag: 'user',
    kind: 'string',
    arg: 'USER',
    describe:
      "The jobs' user: markers it or root owns are trusted, and its crontab is read with crontab -l -u USER (needs root). Default: the crontab's owner, else ENV_SYNC_JOB_USER in /etc/default/env-sync-checks, else the state directory's owner, else each job directory's; never root",
    for: {
      ...sameFor(['env-sync pause', 'env-sync resume'], {
        describe:
          "The job's user, who with root may pause and resume it. Default: ENV_SYNC_JOB_USER in /etc/default/env-sync-checks, else the state directory's owner, else the job directory's; never root",
      }),
      ...sameFor(['check_env_sync', 'check_env_sync_order'], {
        describe:
          "The job's user: markers it or root owns are trusted. Default: ENV_SYNC_JOB_USER in /etc/default/env-sync-checks, else the state directory's owner, else the job directory's; never root",
      }),
    },
    parse: text,
  }),
  first: option({ flag: 'first', kind: 'string', arg: 'JOB', describe: 'The copy job (e.g. copy_data_to_staging)', parse: jobName }),
  then: option({ flag: 'then', kind: 'string', arg: 'JOB', describe: 'The job that must follow it (e.g. data_sync_complete)', parse: jobName }),
  within: option({ flag: 'within', kind: 'string', arg: 'DUR', default: '2h', describe: 'How long THEN may take to follow', parse: seconds }),
  runTimeout: option({
    flag: 'timeout',
    kind: 'string',
    arg: 'DUR',
    describe: 'Stop the command after this long (e.g. 6h): SIGTERM to its process group, exit 124',
    parse: positiveSeconds,
  }),
  retries: option({
    flag: 'retries',
    kind: 'string',
    arg: 'N',
    default: '0',
    describe:
      'Run the command again, up to N more times, after it failed (not after a signal, a spawn error or an interrupt; after a timeout only with --retry-timeouts); one run, its attempts recorded',
    parse: wholeNumber(0, 20),
  }),
  retryDelay: option({
    flag: 'retry-delay',
    kind: 'string',
    arg: 'DUR',
    default: '1m',
    describe: 'How long to wait before each retry (SIGTERM, SIGINT or SIGHUP while waiting ends the run as interrupted)',
    parse: seconds,
  }),
  retryTimeouts: option({
    flag: 'retry-timeouts',
    kind: 'boolean',
    default: false,
    describe: "Retry an attempt stopped by --attempt-timeout too (a run stopped by --timeout, the whole run's limit, is never retried)",
    parse: bool,
  }),
  attemptTimeout: option({
    flag: 'attempt-timeout',
    kind: 'string',
    arg: 'DUR',
    describe: "Stop one attempt after this long (as --timeout, exit 124); --timeout stays the whole run's limit, retries and delays included",
    parse: positiveSeconds,
  }),
  durationLow: option({
    flag: 'duration-low',
    kind: 'string',
    arg: 'FACTOR',
    default: '0.25',
    describe: "WARNING when a successful run took less than FACTOR times the median of the job's last successes (at least 5); 0: off",
    parse: factor(0, 1),
  }),
  durationHigh: option({
    flag: 'duration-high',
    kind: 'string',
    arg: 'FACTOR',
    default: '4',
    describe: "WARNING when a successful run took more than FACTOR times the median of the job's last successes (at least 5); 0: off",
    parse: factor(1, 1000),
  }),
  outputLow: option({
    flag: 'output-low',
    kind: 'string',
    arg: 'FACTOR',
    default: '0.25',
    describe: "WARNING when a successful run wrote fewer bytes than FACTOR times the median of the job's last successes (at least 5); 0: off",
    parse: factor(0, 1),
  }),
  outputHigh: option({
    flag: 'output-high',
    kind: 'string',
    arg: 'FACTOR',
    default: '4',
    describe: "WARNING when a successful run wrote more bytes than FACTOR times the median of the job's last successes (at least 5); 0: off",
    parse: factor(1, 1000),
  }),
  killAfter: option({
    flag: 'kill-after',
    kind: 'string',
    arg: 'DUR',
    default: '30s',
    describe: 'After --timeout, SIGKILL the process group if still there after this long',
    parse: seconds,
  }),
  overlap: option({
    flag: 'overlap',
    kind: 'string',
    arg: 'MODE',
    choices: ['skip', 'wait', 'allow'] as const,
    default: 'skip',
    describe: 'When a run of the job is still alive: skip (exit 75), wait for it, or allow both',
    parse: (raw: string) => raw as 'skip' | 'wait' | 'allow',
  }),
  syslogCopy: option({
    flag: 'syslog-copy',
    kind: 'boolean',
    default: true,
    describe: 'Copy output lines to syslog (--no-syslog-copy, or the older --no-syslog, to turn off)',
    parse: bool,
  }),
  syslogSocket: option({
    flag: 'syslog-socket',
    kind: 'string',
    arg: 'PATH',
    env: 'ENV_SYNC_SYSLOG_SOCKET',
    default: '/dev/log',
    describe: 'Syslog socket the output lines are copied to',
    parse: text,
  }),
  textfileDir: option({
    flag: 'textfile-dir',
    kind: 'string',
    arg: 'DIR',
    env: 'ENV_SYNC_TEXTFILE_DIR',
    describe: "node_exporter's --collector.textfile.directory: write the job's run facts to DIR/env_sync_<job>.prom at the start and end of each run",
    for: {
      'env-sync metrics': {
        describe: "node_exporter's --collector.textfile.directory: write the verdicts to DIR/env_sync_verdicts.prom instead of printing them",
      },
    },
    parse: (raw: string, flag: string) => raw || fail(`${flag}: give the directory node_exporter reads (--collector.textfile.directory)`),
  }),
  pushgateway: option({
    flag: 'pushgateway',
    kind: 'string',
    arg: 'URL',
    env: 'ENV_SYNC_PUSHGATEWAY',
    describe:
      "Prometheus Pushgateway base URL (http://pushgateway:9091): PUT the job's run facts, the same as --textfile-dir writes, to URL/metrics/job/env_sync/instance/<instance>/job_name/<job> at the start and end of each run",
    parse: (raw: string, flag: string): string => pushgatewayUrl(raw, flag),
  }),
  pushgatewayInstance: option({
    flag: 'pushgateway-instance',
    kind: 'string',
    arg: 'NAME',
    env: 'ENV_SYNC_PUSHGATEWAY_INSTANCE',
    describe: "The instance label of the pushed group (default: this host's name); give a stable name where the host name changes each run (a Kubernetes pod)",
    parse: (raw: string, flag: string) => raw || fail(`${flag}: give a name, or leave the option out for the host's name`),
  }),
  pushgatewayTimeout: option({
    flag: 'pushgateway-timeout',
    kind: 'string',
    arg: 'DUR',
    default: '5s',
    describe: 'Longest wait for one push (connect, send, answer); a push that fails or runs out is a warning, never a change of exit status',
    parse: (raw: string, flag: string) => {
      const s = positiveSeconds(raw, flag);
      return s <= 60 ? s : fail(`${flag}: at most 60s (a push is small; a longer wait only delays the wrapper's end)`);
    },
  }),
  quiet: option({ flag: 'quiet', alias: ['q'], kind: 'boolean', default: false, describe: 'Print nothing: the exit status alone says it', parse: bool }),
  icingaUrl: option({
    flag: 'icinga-url',
    kind: 'string',
    arg: 'URL',
    describe: 'Icinga 2 API base URL (https://host:5665): post the verdict as a passive result after each run',
    for: sameFor(['env-sync pause', 'env-sync resume'], {
      describe:
        "Icinga 2 API base URL (https://host:5665): put the job's services (env-sync JOB on --icinga-host) in downtime for the pause; resume removes it",
    }),
    parse: text,
  }),
  icingaUser: option({
    flag: 'icinga-user',
    kind: 'string',
    arg: 'USER',
    describe: 'Icinga 2 ApiUser with permission actions/process-check-result (and actions/schedule-downtime, actions/remove-downtime for --downtime-services)',
    for: sameFor(['env-sync pause', 'env-sync resume'], {
      describe: 'Icinga 2 ApiUser with permissions actions/schedule-downtime and actions/remove-downtime',
    }),
    parse: text,
  }),
  icingaPasswordFile: option({
    flag: 'icinga-password-file',
    kind: 'string',
    arg: 'FILE',
    describe: "File holding the ApiUser's password (never on the command line)",
    parse: text,
  }),
  icingaCa: option({
    flag: 'icinga-ca',
    kind: 'string',
    arg: 'FILE',
    describe: "CA certificate of Icinga's API (the master's /var/lib/icinga2/certs/ca.crt)",
    parse: text,
  }),
  icingaHost: option({ flag: 'icinga-host', kind: 'string', arg: 'HOST', describe: 'Icinga host name of this machine (default: its host name)', parse: text }),
  icingaPassive: option({
    flag: 'icinga-passive',
    kind: 'boolean',
    default: true,
    describe:
      "Post the run's verdict to --icinga-url as a passive result (--no-icinga-passive: the API is used for --downtime-services only, the job's service stays an active check)",
    parse: bool,
  }),
  icingaService: option({ flag: 'icinga-service', kind: 'string', arg: 'NAME', describe: 'Icinga service name (default: "env-sync <job>")', parse: text }),
  json: option({ flag: 'json', kind: 'boolean', default: false, describe: 'Machine-readable output', parse: bool }),
  order: option({
    flag: 'order',
    kind: 'array',
    arg: 'FIRST:THEN[:WITHIN]',
    describe: 'THEN must follow FIRST (e.g. copy_data_to_staging:data_sync_complete:2h)',
    parse: orderSpecs,
  }),
  follow: option({ flag: 'follow', alias: ['f'], kind: 'boolean', default: false, describe: 'Keep following, across rotation', parse: bool }),
  exec: option({ flag: 'exec', kind: 'boolean', default: false, describe: "Run it now, as the job's user, without asking", parse: bool }),
  dryRun: option({ flag: 'dry-run', kind: 'boolean', default: false, describe: 'Print the command and run nothing', parse: bool }),
  all: option({
    flag: 'all',
    kind: 'boolean',
    default: false,
    describe: 'Every job of the state directory (one pause, <state-dir>/pause-all.json), instead of one JOB',
    for: { 'env-sync resume': { describe: "Every job: the pause of all jobs and each job's own pause" } },
    parse: bool,
  }),
  until: option({
    flag: 'until',
    kind: 'string',
    arg: 'WHEN',
    describe: 'When the pause ends by itself: a duration from now (2d, 36h, 90m) or a date and time (2026-12-10 14:00, host time; or ISO 8601 with a zone)',
    parse: (raw: string, flag: string): When => wrapped(() => parseWhen(raw, flag)),
  }),
  reason: option({
    flag: 'reason',
    kind: 'string',
    arg: 'TEXT',
    describe: 'Why the job is paused: shown in every view and alert while it lasts',
    parse: (raw: string, flag: string) => (raw.trim() ? raw : fail(`${flag}: say why the job is paused (it is shown in every alert while paused)`)),
  }),
  maxPause: option({
    flag: 'max-pause',
    kind: 'string',
    arg: 'DUR',
    default: '7d',
    describe: 'The longest pause allowed: a --until further away is refused',
    parse: positiveSeconds,
  }),
  downtimeServices: option({
    flag: 'downtime-services',
    kind: 'string',
    arg: 'SERVICES',
    describe:
      'Icinga 2 services that depend on the sync, as HOST!SERVICE,HOST!SERVICE (needs --icinga-url): put in downtime for the run and out of it when the run ends; the downtime ends by itself at the start + --timeout + --kill-after (else 24h) should the wrapper be killed',
    parse: (raw: string, flag: string) => wrapped(() => parseServiceList(raw, flag)),
  }),
} as const;

export type OptionId = keyof typeof OPTIONS;
type Spec<K extends OptionId> = (typeof OPTIONS)[K];
type ValueOf<K extends OptionId> = ReturnType<Spec<K>['parse']>;
type HasDefault<K extends OptionId> = Spec<K> extends { default: string | boolean } ? true : Spec<K> extends { kind: 'count' | 'array' } ? true : false;

// Where the job's log lines come from: syslog files or the journal (src/logsource/).
const LOG_SOURCE = ['log', 'journalNamespace', 'journalFile'] as const;
const PLUGIN_COMMON = ['stateDir', 'syslog', 'rotated', ...LOG_SOURCE, 'bootIdFile'] as const;
const THRESHOLDS = ['ageWarning', 'ageCritical', 'runtimeWarning', 'runtimeCritical'] as const;
// A successful run far shorter or longer, or far quieter or louder, than the job's usual (src/check/rules/runLength.ts).
const RUN_LENGTH = ['durationLow', 'durationHigh', 'outputLow', 'outputHigh'] as const;
const CLI_COMMON = ['stateDir', 'syslog', 'rotated', ...LOG_SOURCE, 'bootIdFile', 'user', 'crontab', 'rebootLockDir', 'grace'] as const;

const ICINGA = ['icingaUrl', 'icingaUser', 'icingaPasswordFile', 'icingaCa', 'icingaHost', 'icingaService'] as const;
/** The --icinga-* options that name the Icinga 2 API and the service (env-sync-run, env-sync pause and resume). */
export type IcingaOptionId = (typeof ICINGA)[number];

const RANGES = 'Ranges: N (alert outside 0..N), N:, ~:N, N:M, @N:M; N may be a duration (90m, 26h, 2d).';

export interface CommandSpec {
  /** How a bad command line is reported: plugins say UNKNOWN (3), the wrapper exits 125, the CLI 64. */
  kind: 'plugin' | 'wrapper' | 'cli';
  usage: string;
  options: readonly OptionId[];
  /** Options without which the command cannot run, with what to give. */
  required?: Partial<Record<OptionId, string>>;
  /** Words after the options: the wrapped COMMAND, or the subcommand's argument. */
  positional?: {
    name: string;
    describe: string;
    choices?: readonly string[];
    /** The word may be left out (`pause [JOB]`, with --all instead). */
    optional?: boolean;
    /** Any number of words, none too (`running [JOB…]`). */
    many?: boolean;
  };
}

export const COMMANDS = {
  check_env_sync: {
    kind: 'plugin',
    usage: `Usage: check_env_sync -j JOB [options]\n\nOne data-sync job's verdict from env-sync-run's markers and syslog, for Icinga/Nagios.\n${RANGES}`,
    options: [
      'job',
      ...PLUGIN_COMMON,
      'user',
      ...THRESHOLDS,
      ...RUN_LENGTH,
      'schedule',
      'grace',
      'missing',
      'rebootLockDir',
      'cfgName',
      'timeout',
      'maxOutput',
      'runbookUrl',
      'verbose',
    ],
    required: { job: '--job JOB is required (the cfg basename, e.g. -j pull_content_data_admin_production_daily)' },
  },
  check_env_sync_all: {
    kind: 'plugin',
    usage: `Usage: check_env_sync_all [options]\n\nOne verdict over every data-sync job on the host (state directory and crontab), worst state wins.\n${RANGES}`,
    options: [
      'crontab',
      'user',
      ...PLUGIN_COMMON,
      ...THRESHOLDS,
      ...RUN_LENGTH,
      'grace',
      'missing',
      'rebootLockDir',
      'scheduler',
      'schedulerWindow',
      'timer',
      'timeout',
      'maxOutput',
      'verbose',
    ],
  },
  check_env_sync_order: {
    kind: 'plugin',
    usage:
      'Usage: check_env_sync_order --first JOB --then JOB --within DURATION [--state-dir DIR]\n\nCRITICAL when FIRST succeeded more than --within ago and THEN has not succeeded since; WARNING while inside the window.',
    options: ['first', 'then', 'within', 'stateDir', 'user', 'timeout', 'maxOutput'],
    required: { first: '--first JOB and --then JOB are both required', then: '--first JOB and --then JOB are both required' },
  },
  'env-sync-run': {
    kind: 'wrapper',
    usage: `Usage: env-sync-run [options] -- COMMAND [ARG...]

Runs COMMAND (no shell), passes its output through, copies each line to syslog (tag env-sync/<job>)
and records the run in the state directory for check_env_sync.

Exit status: the command's (its last attempt's, with --retries); 128+N if it was killed by signal N; 124 if
--timeout fired; 126/127 if it could not be run; 75 if another run of the job was still running (--overlap
skip); 125 for a usage error.`,
    options: [
      'job',
      'part',
      'stateDir',
      'bootIdFile',
      'runTimeout',
      'killAfter',
      'retries',
      'retryDelay',
      'retryTimeouts',
      'attemptTimeout',
      'overlap',
      'syslogCopy',
      'syslogSocket',
      'syslog',
      'log',
      'journalNamespace',
      'textfileDir',
      'pushgateway',
      'pushgatewayInstance',
      'pushgatewayTimeout',
      ...ICINGA,
      'icingaPassive',
      'downtimeServices',
    ],
    positional: { name: 'COMMAND', describe: 'The sync and its arguments, after --' },
  },
  'env-sync status': {
    kind: 'cli',
    usage: 'One row a job, worst first',
    options: [...CLI_COMMON, ...THRESHOLDS, ...RUN_LENGTH, 'missing', 'json', 'order', 'scheduler', 'schedulerWindow', 'timer'],
  },
  'env-sync show': {
    kind: 'cli',
    usage: 'The last runs, the evidence from syslog and the re-run command',
    options: [...CLI_COMMON, ...THRESHOLDS, ...RUN_LENGTH, 'missing', 'json'],
    positional: { name: 'job', describe: 'The job' },
  },
  'env-sync logs': {
    kind: 'cli',
    usage: "The job's lines from syslog.1 and syslog",
    options: [...CLI_COMMON, 'follow'],
    positional: { name: 'job', describe: 'The job' },
  },
  'env-sync rerun': {
    kind: 'cli',
    usage: 'Re-run the job as cron ran it, as its user, under env-sync-run: show the command and ask (--exec: run it, --dry-run: print it)',
    options: [...CLI_COMMON, 'part', 'exec', 'dryRun'],
    positional: { name: 'job', describe: 'The job' },
  },
  'env-sync config': {
    kind: 'cli',
    usage: 'Icinga 2 host variables or NRPE command lines for the jobs found; or the job inventory, written',
    options: [...CLI_COMMON, ...THRESHOLDS, ...RUN_LENGTH, 'job', 'schedule', 'runbookUrl'],
    positional: {
      name: 'kind',
      describe: 'icinga2, nrpe, or inventory (write the job inventory for nagios, as root)',
      choices: ['icinga2', 'nrpe', 'inventory'],
    },
  },
  'env-sync metrics': {
    kind: 'cli',
    usage: "Every job's verdict, next scheduled run and wrapper liveness as Prometheus metrics; --textfile-dir: for node_exporter",
    options: [...CLI_COMMON, ...THRESHOLDS, ...RUN_LENGTH, 'missing', 'textfileDir'],
  },
  'env-sync pause': {
    kind: 'cli',
    usage:
      'Pause the job (or --all) until WHEN: env-sync-run records its starts as paused and does not run the sync; the checks say OK "paused until … by …: reason" (WARNING in the last hour). As root or the job\'s user',
    options: ['stateDir', 'user', 'all', 'until', 'reason', 'maxPause', ...ICINGA],
    // --until is required too, said by env-sync pause itself (cli/pause.ts): no word stands for any WHEN.
    required: { reason: '--reason TEXT is required: say why (it is shown in every alert while paused)' },
    positional: { name: 'job', describe: 'The job (or --all)', optional: true },
  },
  'env-sync resume': {
    kind: 'cli',
    usage: "End the job's pause (or --all) now; its Icinga downtimes are removed with the --icinga-* options. As root or the job's user",
    options: ['stateDir', 'user', 'all', ...ICINGA],
    positional: { name: 'job', describe: 'The job (or --all)', optional: true },
  },
  'env-sync running': {
    kind: 'cli',
    usage: 'Exit 0 while any of the jobs named (no JOB: any job) runs, 1 when none does; prints each running job and its start, one a line (--quiet: nothing)',
    options: [...CLI_COMMON, 'quiet'],
    positional: { name: 'job', describe: 'Jobs to ask about (none: every job of the host)', many: true },
  },
} as const satisfies Record<CommandName, CommandSpec>;

type OptionsOf<C extends CommandName> = (typeof COMMANDS)[C]['options'][number];
type DefaultFor<C extends CommandName, K extends OptionId> = Spec<K> extends { for: { [P in C]: { default: string } } } ? true : false;
type RequiredOf<C extends CommandName> = (typeof COMMANDS)[C] extends { required: infer R } ? keyof R : never;
/** A command's typed values: an option with a default, or one the command requires, always has a value. */
export type Values<C extends CommandName> = {
  -readonly [K in OptionsOf<C>]: HasDefault<K> extends true
    ? ValueOf<K>
    : DefaultFor<C, K> extends true
      ? ValueOf<K>
      : K extends RequiredOf<C>
        ? ValueOf<K>
        : ValueOf<K> | undefined;
};

export function optionSpec(id: OptionId): OptionSpec<unknown> {
  return OPTIONS[id] as unknown as OptionSpec<unknown>;
}

/** The option as one command sees it: its own flag, aliases, default and help text. */
export interface CommandOption {
  id: OptionId;
  flag: string;
  alias: readonly string[];
  kind: OptionSpec<unknown>['kind'];
  arg: string | undefined;
  describe: string;
  env: string | undefined;
  default: string | boolean | undefined;
  choices: readonly string[] | undefined;
}

export function commandOptions(cmd: CommandName): CommandOption[] {
  return (COMMANDS[cmd].options as readonly OptionId[]).map((id) => {
    const o = optionSpec(id);
    const own = o.for?.[cmd];
    return {
      id,
      flag: own?.flag ?? o.flag,
      alias: own?.alias ?? o.alias ?? [],
      kind: o.kind,
      arg: o.arg,
      describe: own?.describe ?? o.describe,
      env: o.env,
      default: own?.default ?? o.default,
      choices: o.choices,
    };
  });
}

/** The flag a command knows an option by (`--schedule`), for generated command lines and messages. */
export function flagOf(id: OptionId, cmd?: CommandName): string {
  const o = optionSpec(id);
  return `--${(cmd && o.for?.[cmd]?.flag) ?? o.flag}`;
}

/** Raw values (as read by quickParse or yargs, under each option's flag) to typed ones, with env and defaults. */
export function convert<C extends CommandName>(cmd: C, raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Values<C> {
  const out: Record<string, unknown> = {};
  const spec = COMMANDS[cmd] as CommandSpec;
  for (const o of commandOptions(cmd)) {
    let value = raw[o.flag];
    if (Array.isArray(value) && o.kind !== 'array') throw new OptionError(`--${o.flag} is given more than once; give it once`);
    if (value === undefined && o.env && env[o.env] !== undefined && env[o.env] !== '') value = env[o.env];
    if (value === undefined) value = o.kind === 'count' ? 0 : o.kind === 'array' ? [] : o.default;
    if (value === undefined) {
      const need = spec.required?.[o.id];
      if (need) throw new OptionError(need);
      out[o.id] = undefined;
      continue;
    }
    if (o.kind === 'array' && !Array.isArray(value)) value = [value];
    if (o.kind === 'string' && typeof value !== 'string') value = String(value);
    out[o.id] = (optionSpec(o.id).parse as (raw: unknown, flag: string) => unknown)(value, `--${o.flag}`);
  }
  if (out.journalNamespace !== undefined && out.journalFile !== undefined)
    throw new OptionError('--journal-namespace and --journal-file name two journals; give one');
  return out as Values<C>;
}
