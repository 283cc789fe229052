// The man pages (section 1) of the five executables, written in roff from the one option table:
// each page's synopsis, options, defaults and environment variables come from src/common/options.ts,
// as the README's tables do (src/common/optionsDoc.ts), so an option added there is in its page at the next
// build. Only what the table does not hold is written here: the whatis line, exit statuses, files.
// scripts/package-deb.mjs installs the pages, gzipped, in /usr/share/man/man1/;
// test/docs/manPage.test.ts renders each with groff and man and looks for every option.
import { ENV_SYNC_ABOUT } from '../cli/args.js';
import { EXIT_USAGE } from '../cli/usage.js';
import { COMMAND_NAMES, COMMANDS, commandOptions, OPTIONS, type CommandName, type CommandOption, type CommandSpec } from '../common/options.js';
import { defaultWords, spellings } from '../common/optionsDoc.js';
import { STATE_NAMES } from '../common/states.js';

export const MAN_EXECUTABLES = ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order', 'env-sync', 'env-sync-run'] as const;
export type Executable = (typeof MAN_EXECUTABLES)[number];

/** The commands of the option table whose options an executable's page lists. */
export function commandsOf(exe: Executable): CommandName[] {
  return exe === 'env-sync' ? COMMAND_NAMES.filter((c) => c.startsWith('env-sync ')) : [exe];
}

/** Text as roff reads it: backslashes and hyphens escaped (a `\-` is what a reader can paste), non-ASCII as glyph names. */
function roff(text: string): string {
  return [...text.replace(/\\/g, '\\e').replace(/-/g, '\\-')]
    .map((ch) => (ch.codePointAt(0)! > 0x7e ? `\\[u${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]` : ch))
    .join('');
}

/** A line of running text: never read as a request, even when it starts with `.` or `'`. */
function textLine(text: string): string {
  return `\\&${roff(text.replace(/\s+/g, ' ').trim())}`;
}

const bold = (s: string) => `\\fB${roff(s)}\\fR`;
const italic = (s: string) => `\\fI${roff(s)}\\fR`;

/** `--state-dir DIR`: the flag bold, its value's placeholder italic. */
function optionWords(spelled: string): string {
  const [flag, arg] = spelled.split(' ');
  return arg ? `${bold(flag!)} ${italic(arg)}` : bold(flag!);
}

/** A sentence ends with a stop; the table's help texts are written without one. */
const sentence = (text: string) => (/[.…]$/.test(text) ? text : `${text}.`);

function optionEntry(o: CommandOption, note: string | null): string[] {
  const def = defaultWords(o);
  return [
    '.TP',
    spellings(o).map(optionWords).join(', '),
    textLine(sentence(o.describe)),
    ...(def === 'none' ? [] : ['.br', textLine(`Default: ${def}.`)]),
    ...(note ? ['.br', textLine(note)] : []),
  ];
}

/** The options of a page, each once; an option that only some of env-sync's commands take (or that differs between them) names them. */
function optionsSection(exe: Executable): string[] {
  const commands = commandsOf(exe);
  // Keyed by flag, then by how the command sees it: the variants of one option stay together.
  const byFlag = new Map<string, Map<string, { o: CommandOption; commands: CommandName[] }>>();
  for (const c of commands) {
    for (const o of commandOptions(c)) {
      const variants = byFlag.get(o.flag) ?? new Map<string, { o: CommandOption; commands: CommandName[] }>();
      byFlag.set(o.flag, variants);
      const key = JSON.stringify([spellings(o), o.describe, defaultWords(o)]);
      const e = variants.get(key);
      if (e) e.commands.push(c);
      else variants.set(key, { o, commands: [c] });
    }
  }
  const lines = ['.SH OPTIONS'];
  for (const { o, commands: taking } of [...byFlag.values()].flatMap((v) => [...v.values()])) {
    const note = taking.length === commands.length ? null : `Commands: ${taking.map((c) => c.replace(/^env-sync /, '')).join(', ')}.`;
    lines.push(...optionEntry(o, note));
  }
  const plugin = kindOf(exe) === 'plugin';
  lines.push(
    '.TP',
    `${bold('-h')}, ${bold('--help')}`,
    textLine(`Print the usage, the options and their defaults, and exit${plugin ? ' (status 3, as the Monitoring Plugins do)' : ''}.`),
  );
  lines.push('.TP', `${bold('-V')}, ${bold('--version')}`, textLine(`Print the version and exit${plugin ? ' (status 3)' : ''}.`));
  return lines;
}

function kindOf(exe: Executable): CommandSpec['kind'] {
  return (COMMANDS[commandsOf(exe)[0]!] as CommandSpec).kind;
}

/** A command's usage text: its `Usage:` line and the paragraphs after it. */
function usageParts(cmd: CommandName): { synopsis: string | null; paragraphs: string[] } {
  const text = (COMMANDS[cmd] as CommandSpec).usage;
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\n/g, ' ').trim())
    .filter(Boolean);
  const synopsis = paragraphs[0]?.startsWith('Usage: ') ? paragraphs.shift()!.slice('Usage: '.length) : null;
  return { synopsis, paragraphs };
}

/** A command's words after its name in a synopsis: ` JOB`, ` icinga2|nrpe|inventory`, ` [JOB...]`. */
function positionalWords(p: CommandSpec['positional']): string {
  if (!p) return '';
  return ` ${p.choices ? p.choices.join('|') : p.many ? `[${p.name.toUpperCase()}...]` : p.name.toUpperCase()}`;
}

/** What the page's command line looks like: the usage line, or one line per env-sync command. */
function synopsis(exe: Executable): string[] {
  if (exe !== 'env-sync') {
    const [name, ...rest] = usageParts(exe).synopsis!.split(' ');
    return ['.SH SYNOPSIS', `${bold(name!)} ${roff(rest.join(' '))}`];
  }
  const lines = ['.SH SYNOPSIS'];
  for (const c of commandsOf(exe)) {
    const arg = positionalWords((COMMANDS[c] as CommandSpec).positional);
    lines.push(`${bold('env-sync')} ${bold(c.slice('env-sync '.length))}${roff(arg)} [${italic('options')}]`, '.br');
  }
  lines.pop();
  return lines;
}

interface PageText {
  /** The whatis line (`man -k`, apropos). */
  what: string;
  /** Paragraphs after those of the table's usage text. */
  more: string[];
  exit: Array<[string, string]>;
  /** What a reader copies: [what it does, the line], the cron line, the NRPE line, an apply rule, the on-call commands. */
  examples: Array<[string, string]>;
}

const PLUGIN_EXIT: Array<[string, string]> = [
  ['0', `${STATE_NAMES[0]}.`],
  ['1', `${STATE_NAMES[1]}: a warning level was crossed, or something wants a look by day.`],
  ['2', `${STATE_NAMES[2]}: the first line says what broke.`],
  [
    '3',
    `${STATE_NAMES[3]}: the plugin could not judge (bad arguments, an unreadable or untrusted file, the --timeout ran out); the first line says why and how to fix it. -h and -V exit 3 too.`,
  ],
];
const PLUGIN_OUTPUT =
  "The first line is ENV_SYNC <STATE> - <summary>|<perfdata>, in the Monitoring Plugins' format; the lines after it give the evidence. The output never holds a stack trace, and the exit status is always 0 to 3.";

const PAGES: Record<Executable, PageText> = {
  check_env_sync: {
    what: "Icinga/Nagios plugin: one data-sync job's verdict",
    more: [
      PLUGIN_OUTPUT,
      'Below the first line: the error lines of a failed run, each with the file it came from, the output tail kept in the marker, and a Re-run line to paste as root.',
    ],
    examples: [
      [
        'The NRPE command of one job (/etc/nagios/nrpe.d/env_sync.cfg), as env-sync config nrpe writes it:',
        "command[check_env_sync_pull_x]=/usr/lib/nagios/plugins/check_env_sync --job pull_x --schedule '18 0 * * *' --grace 1h --max-age 26h",
      ],
      [
        "An Icinga 2 host's jobs, which the apply rule of services-agent.conf (or services-nrpe.conf) turns into one service each:",
        'vars.env_sync_jobs["pull_x"] = { schedule = "18 0 * * *", grace = "2h", max_age = "26h" }',
      ],
      [
        'By hand, as the monitoring user runs it, with more evidence lines:',
        'sudo -u nagios /usr/lib/nagios/plugins/check_env_sync -j pull_x --max-age 26h -v',
      ],
    ],
    exit: PLUGIN_EXIT,
  },
  check_env_sync_all: {
    what: 'Icinga/Nagios plugin: one verdict over every data-sync job of the host',
    more: [
      PLUGIN_OUTPUT,
      "Jobs come from the state directory, and from the crontab of --user or --crontab; when the crontab cannot be read (user nagios cannot read another user's), from the job inventory the wrapper keeps in the state directory. Each job is judged as check_env_sync judges it, without the per-run evidence search; one line a job follows the first.",
    ],
    examples: [
      [
        'Every job of the host, a success older than 26 hours being CRITICAL, the crontab read as root:',
        'check_env_sync_all --user govuk-backup --max-age 26h',
      ],
      [
        "As user nagios, who cannot read another user's crontab: the job inventory in the state directory is read instead:",
        'sudo -u nagios /usr/lib/nagios/plugins/check_env_sync_all --max-age 26h',
      ],
    ],
    exit: PLUGIN_EXIT,
  },
  check_env_sync_order: {
    what: 'Icinga/Nagios plugin: has one data-sync job followed another in time',
    more: [PLUGIN_OUTPUT],
    examples: [
      [
        'The copy to staging must be followed by Data Sync Complete within two hours:',
        'check_env_sync_order --first copy_data_to_staging --then data_sync_complete --within 2h',
      ],
    ],
    exit: PLUGIN_EXIT,
  },
  'env-sync-run': {
    what: 'run a data-sync job from cron and record the run for the checks',
    more: [
      "Put it in the job's cron line right in front of the sync (inside with_reboot_lock and envdir). If the markers cannot be written or syslog is down, the sync still runs, the wrapper says so on stderr, and it exits with the sync's status.",
    ],
    examples: [
      [
        "A job's cron line (user govuk-backup), the wrapper right in front of the sync:",
        '18 0 * * * /usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_pull_x /usr/bin/envdir /etc/govuk_env_sync/env.d /usr/bin/env-sync-run --timeout 6h -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg',
      ],
      [
        'One part of an old Jenkins sync, recorded as a part of its job:',
        'JOBLIST=mysql-normal env-sync-run --job copy_data_to_staging --part mysql-normal -- bash sync production staging',
      ],
    ],
    exit: [
      ['N', "The command's own exit status."],
      ['128+N', 'The command was killed by signal N.'],
      ['124', "--timeout fired: the command's process group got SIGTERM (and SIGKILL after --kill-after)."],
      ['75', 'The run was skipped: another run of the job was still alive (--overlap skip).'],
      ['125', "A usage error of env-sync-run's own, as timeout(1) and env(1) have it."],
      ['126', 'The command was found but could not be run.'],
      ['127', 'The command was not found, or could not be started.'],
    ],
  },
  'env-sync': {
    what: "the on-call engineer's view of the data-sync jobs",
    more: [
      ENV_SYNC_ABOUT,
      'Jobs come from the state directory and from the crontab of --user (read with crontab -l -u, which needs root) or --crontab, else from the job inventory in the state directory.',
    ],
    examples: [
      ['Every job, worst first:', 'env-sync status'],
      ['Paged for pull_x: the verdict with every evidence line, the last runs and the Re-run line:', 'env-sync show pull_x'],
      ["The job's lines from syslog.1 and syslog, then new ones as they come:", 'env-sync logs pull_x --follow'],
      ['Run it again as cron ran it, as its user, after showing the command:', 'sudo env-sync rerun pull_x'],
      ['The NRPE lines for every job the host has:', 'sudo env-sync config nrpe > /etc/nagios/nrpe.d/env_sync.cfg'],
      ['What runs now: a line a job, its name and when its run started (nothing, exit 1, when none runs):', 'env-sync running'],
      ['In a script, wait while pull_x runs:', 'while env-sync running --quiet pull_x; do sleep 60; done'],
    ],
    exit: [
      ['0\u20133', 'status and show: the worst state of the jobs shown (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), so that scripts can use it.'],
      ['0', 'logs, config and rerun --dry-run did what was asked; -h and -V.'],
      ['0', 'running: a job asked about (any job, when none is named) runs.'],
      ['1', 'rerun: the answer was not yes, and nothing ran. running: none of the jobs asked about runs.'],
      [
        '2',
        'An error named on stderr (status and show exit 2 for CRITICAL too: stderr tells them apart); running: none was seen running and the records of one cannot be read.',
      ],
      [
        String(EXIT_USAGE),
        'A usage error (EX_USAGE of sysexits.h, which no state uses): an unknown option, a missing or invalid argument, a job the host does not know (logs); stderr says what to give.',
      ],
      ['N', "rerun, when it ran the job: the re-run's own exit status (127 when it could not be started)."],
    ],
  },
};

/** The page's EXAMPLES: [what it does, the line to paste]. */
export function manExamples(exe: Executable): Array<[string, string]> {
  return PAGES[exe].examples;
}

function examplesSection(exe: Executable): string[] {
  // .nf keeps each line whole (no filling, no hyphenation): it is pasted as it stands.
  return ['.SH EXAMPLES', ...PAGES[exe].examples.flatMap(([what, line]) => ['.PP', textLine(what), '.PP', '.RS 4', '.nf', `\\&${roff(line)}`, '.fi', '.RE'])];
}

function exitSection(exe: Executable): string[] {
  return ['.SH EXIT STATUS', ...PAGES[exe].exit.flatMap(([code, meaning]) => ['.TP', bold(code), textLine(meaning)])];
}

function descriptionSection(exe: Executable): string[] {
  const lines = ['.SH DESCRIPTION'];
  const own = exe === 'env-sync' ? [] : usageParts(exe).paragraphs.filter((p) => !p.startsWith('Exit status:'));
  for (const p of [...own, ...PAGES[exe].more]) lines.push('.PP', textLine(p));
  if (exe === 'env-sync') {
    lines.push('.SH COMMANDS');
    for (const c of commandsOf(exe)) {
      const spec = COMMANDS[c] as CommandSpec;
      const arg = positionalWords(spec.positional);
      lines.push(
        '.TP',
        `${bold(c)}${roff(arg)}`,
        textLine(sentence(spec.usage)),
        ...(spec.positional ? ['.br', textLine(`${spec.positional.name.toUpperCase()}: ${sentence(spec.positional.describe)}`)] : []),
      );
    }
  }
  return lines;
}

/** The launcher's own switch, for every executable (plugins/launch.cjs). */
const LAUNCHER_ENV: Array<[string, string]> = [
  ['ENV_SYNC_DEBUG_CODE_CACHE', '1: say on stderr whether the executable ran from its code cache (code cache: used, none, rejected, or untrusted and why).'],
];

function environmentSection(exe: Executable): string[] {
  const vars = new Map<string, string[]>();
  for (const c of commandsOf(exe)) {
    for (const o of commandOptions(c)) {
      if (!o.env) continue;
      const flags = vars.get(o.env) ?? [];
      if (!flags.includes(`--${o.flag}`)) flags.push(`--${o.flag}`);
      vars.set(o.env, flags);
    }
  }
  const lines = ['.SH ENVIRONMENT'];
  for (const [name, flags] of vars) lines.push('.TP', bold(name), textLine(`The value of ${flags.join(' and ')} when the option is not given.`));
  for (const [name, meaning] of LAUNCHER_ENV) lines.push('.TP', bold(name), textLine(meaning));
  return lines;
}

function filesSection(exe: Executable): string[] {
  const taken = new Map(commandsOf(exe).flatMap((c) => commandOptions(c).map((o) => [o.id, `--${o.flag}`] as const)));
  const ids = new Set(taken.keys());
  const files: Array<[string, string]> = [
    [
      String(OPTIONS.stateDir.default),
      `The state directory (--state-dir): a directory per job with its markers (state.json, running-<run>.json, the locks), and inventory.json, the crontab's job lines. env-sync-run writes them; the checks and env-sync read them.`,
    ],
  ];
  if (ids.has('syslog')) {
    const flags = [taken.get('syslog'), taken.get('rotated')].filter(Boolean).join(', ');
    files.push([
      `${OPTIONS.syslog.default}, ${OPTIONS.syslog.default}.1, ${OPTIONS.syslog.default}.2.gz`,
      `Syslog (${flags}): the job's lines, which env-sync-run copies there, and govuk_env_sync.sh's own.`,
    ]);
  }
  if (ids.has('syslogSocket'))
    files.push([String(OPTIONS.syslogSocket.default), 'The syslog socket the output lines are copied to, through logger(1) (--syslog-socket).']);
  if (ids.has('rebootLockDir'))
    files.push([
      `${OPTIONS.rebootLockDir.default}/reboot_lock-env-sync_<job>`,
      "with_reboot_lock's file for the job (--reboot-lock-dir): a stale one is a WARNING.",
    ]);
  if (ids.has('bootIdFile'))
    files.push([String(OPTIONS.bootIdFile.default), 'The boot id (--boot-id-file): a run recorded under another one was interrupted by a reboot.']);
  if (kindOf(exe) === 'plugin') {
    files.push([
      '/etc/nagios/nrpe.d/env-sync-checks.cfg',
      'The NRPE commands of the Debian package, commented examples (env-sync config nrpe prints the lines for the jobs found).',
    ]);
    files.push(['/usr/share/icinga2/include/plugins-contrib.d/env-sync.conf', 'The Icinga 2 CheckCommands, read through include <plugins-contrib>.']);
  }
  files.push(['/usr/share/doc/env-sync-checks/', 'README.md and docs/: set-up, the Icinga and NRPE configuration, the marker format.']);
  return ['.SH FILES', ...files.flatMap(([path, meaning]) => ['.TP', italic(path), textLine(meaning)])];
}

function seeAlsoSection(exe: Executable): string[] {
  const others = MAN_EXECUTABLES.filter((e) => e !== exe).map((e) => `${e}(1)`);
  const more = exe === 'env-sync-run' ? ['crontab(5)', 'logger(1)', 'timeout(1)'] : exe === 'env-sync' ? ['crontab(5)'] : [];
  const refs = [...others, ...more].map((r, i, all) => {
    const [, name, section] = /^(.*)\((\d)\)$/.exec(r)!;
    return `.BR ${roff(name!)} (${section})${i < all.length - 1 ? ',' : ''}`;
  });
  return ['.SH SEE ALSO', ...refs];
}

/** The page of one executable, in roff (man macros). `date` is the page's date, YYYY-MM-DD. */
export function manPage(exe: Executable, o: { version: string; date: string }): string {
  const lines = [
    '.\\" Generated from src/common/options.ts by src/docs/manPage.ts: edit those, not this page.',
    `.TH ${roff(exe.toUpperCase())} 1 ${o.date} "env\\-sync\\-checks ${roff(o.version)}" "env\\-sync\\-checks"`,
    // No hyphenation, ragged right: flags and paths stay whole, as a reader would paste them.
    '.nh',
    '.ad l',
    '.SH NAME',
    `${roff(exe)} \\- ${roff(PAGES[exe].what)}`,
    ...synopsis(exe),
    ...descriptionSection(exe),
    ...optionsSection(exe),
    ...exitSection(exe),
    ...environmentSection(exe),
    ...filesSection(exe),
    ...examplesSection(exe),
    ...seeAlsoSection(exe),
  ];
  return `${lines.join('\n')}\n`;
}
