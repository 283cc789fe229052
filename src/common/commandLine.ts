// Reading a command line against the option table: the usual words through quickParse, anything
// else (help, version, unknown or repeated options, values that look like options) through yargs,
// which is loaded only then; both read the same table, and convert() turns what they read into
// typed values. Loading yargs costs more than starting node (docs/benchmarks.md), and a plugin
// starts every minute on every host.
import type { Argv, Options } from 'yargs';
import { COMMANDS, commandOptions, convert, OptionError, type CommandName, type CommandSpec, type Values } from './options.js';
import { nearestNames } from './nearest.js';
import { quickParse, type QuickSpec } from './quickArgs.js';
import { VERSION } from './version.js';

export interface Parsed<C extends CommandName> {
  values: Values<C>;
  /** The words after the options: the wrapped COMMAND (env-sync-run) or the subcommand's argument. */
  rest: string[];
}

/** What quickParse needs to know of a command's options, keyed by flag. */
export function quickSpec(cmd: CommandName): QuickSpec {
  const spec: Record<string, QuickSpec[string]> = {};
  // A repeatable value (--order) is left to yargs: quickParse reads each option once.
  for (const o of commandOptions(cmd)) if (o.kind !== 'array') spec[o.flag] = { alias: o.alias, type: o.kind, ...(o.choices ? { choices: o.choices } : {}) };
  return spec;
}

/** yargs' view of a command's options: no defaults (convert() fills them, after the environment), shown in the help. */
export function yargsOptions(cmd: CommandName): Record<string, Options> {
  const out: Record<string, Options> = {};
  for (const o of commandOptions(cmd)) {
    out[o.flag] = {
      alias: [...o.alias],
      type: o.kind === 'array' ? 'string' : o.kind,
      ...(o.kind === 'array' ? { array: true } : {}),
      ...(o.choices ? { choices: [...o.choices] } : {}),
      describe: o.env ? `${o.describe} [env ${o.env}]` : o.describe,
      ...(o.default !== undefined && o.kind !== 'boolean' ? { defaultDescription: String(o.default) } : {}),
    };
  }
  return out;
}

/**
 * yargs' "Unknown arguments: max-agee, maxAgee" as a person wants it: each unknown option once (not
 * again in camelCase), with its dashes, and the nearest options the command has.
 */
export function unknownOptionsMessage(message: string, known: readonly CommandName[]): string {
  const m = /^Unknown arguments?: (.+)$/.exec(message);
  if (!m) return message;
  const flags = [...new Set(known.flatMap((c) => commandOptions(c).flatMap((o) => [o.flag, ...o.alias])))].map((f) => (f.length === 1 ? `-${f}` : `--${f}`));
  const kebab = (w: string) => w.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const names = m[1]!.split(', ');
  const words = names.filter((n) => !(/[A-Z]/.test(n) && names.includes(kebab(n))));
  return words
    .map((w) => {
      const word = w.length === 1 ? `-${w}` : `--${w}`;
      // A one-letter option is one edit from every other: no guess is worth offering.
      const near = w.length > 2 ? nearestNames(word, flags) : [];
      return `unknown option ${word}${near.length ? `; did you mean ${near.join(' or ')}?` : ''}`;
    })
    .join('; ');
}

/** The help's width: the terminal's (at most 100 columns), 80 when the output is not a terminal. */
export function helpWidth(out: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return out.isTTY && out.columns ? Math.min(100, Math.max(40, out.columns)) : 80;
}

/** The flags every executable shares (-h, -V, strict options) and a failure handler that never exits. */
export function standardFlags<T>(parser: Argv<T>, onFail: (message: string) => void): Argv<T> {
  return parser
    .help('help')
    .alias('h', 'help')
    .version(VERSION)
    .alias('V', 'version')
    .strict()
    .wrap(helpWidth())
    .exitProcess(false)
    .fail((msg, err) => onFail(msg ?? err?.message ?? 'bad arguments'));
}

/** The first option yargs read more than once (it makes an array of it), for the caller's error. */
function repeated(values: Record<string, unknown>, cmd: CommandName): string | undefined {
  return commandOptions(cmd).find((o) => o.kind !== 'array' && Array.isArray(values[o.flag]))?.flag;
}

/** A command's whole grammar through yargs: the raw values and the rest, or the help or version text. */
export async function parseWithYargs(cmd: CommandName, args: string[]): Promise<{ raw: Record<string, unknown>; rest: string[] } | { text: string }> {
  const spec = COMMANDS[cmd] as CommandSpec;
  // yargs/yargs: the CommonJS build, whose help wraps at word ends (scripts/bundle.mjs, LAZY).
  const { default: yargs } = await import('yargs/yargs');
  let failure: string | null = null;
  let printed = '';
  const halt = spec.kind === 'wrapper';
  const parser = standardFlags(
    yargs(args)
      .scriptName(cmd)
      .usage(spec.usage)
      // COMMAND's words must stay strings exactly as given (`sleep 2`, not the number 2).
      .parserConfiguration({ 'populate--': halt, 'halt-at-non-option': halt, 'parse-positional-numbers': false, 'parse-numbers': false })
      .options(yargsOptions(cmd)),
    (m) => (failure = unknownOptionsMessage(m, [cmd])),
  );
  const argv = parser.parseSync(args, {}, (_err, _argv, output) => {
    printed = output;
  });
  if (failure) throw new OptionError(halt ? failure : `${failure} (see ${cmd} --help)`);
  if (argv.help || argv.version) return { text: printed.endsWith('\n') ? printed : `${printed}\n` };
  const twice = repeated(argv, cmd);
  if (twice) throw new OptionError(`--${twice} is given more than once; give it once`);
  // halt-at-non-option puts everything from COMMAND on in argv._; with `--` it is in argv['--'].
  const rest = [...argv._, ...((argv['--'] as unknown[] | undefined) ?? [])].map(String);
  if (!halt && rest.length) throw new OptionError(`unexpected argument ${JSON.stringify(rest[0])}; every value needs its option (see --help)`);
  return { raw: argv, rest };
}

/**
 * A plugin's or the wrapper's command line to typed values, or the help or version text to print.
 * Throws OptionError with the fix.
 */
export async function parseCommandLine<C extends CommandName>(
  cmd: C,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Parsed<C> | { text: string }> {
  const halt = (COMMANDS[cmd] as CommandSpec).kind === 'wrapper';
  const quick = quickParse(args, quickSpec(cmd), { haltAtNonOption: halt });
  if (quick) return { values: convert(cmd, quick.values, env), rest: quick.rest };
  const y = await parseWithYargs(cmd, args);
  if ('text' in y) return y;
  return { values: convert(cmd, y.raw, env), rest: y.rest };
}
