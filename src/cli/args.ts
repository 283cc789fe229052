// `env-sync <command> [options]`: each command's options come from the one option table. A plain
// `env-sync status` (what scripts and the 500-job benchmark run) skips yargs; anything else — help,
// the other commands, options before the command — goes through it.
import { quickSpec, standardFlags, unknownOptionsMessage, yargsOptions } from '../common/commandLine.js';
import { nearestNames } from '../common/nearest.js';
import { COMMANDS, convert, OptionError, type CommandName, type CommandSpec, type Values } from '../common/options.js';
import { quickParse } from '../common/quickArgs.js';
import { EXIT_USAGE } from './usage.js';

/** What env-sync is for: its help's first words and its man page's. */
export const ENV_SYNC_ABOUT = "The on-call engineer's view of the data-sync jobs on this host.";

export const ENV_SYNC_COMMANDS = ['status', 'show', 'logs', 'rerun', 'config', 'metrics', 'pause', 'resume', 'running'] as const;
export type EnvSyncCommand = (typeof ENV_SYNC_COMMANDS)[number];

type PositionalOf<C extends EnvSyncCommand> = (typeof COMMANDS)[`env-sync ${C}`] extends { positional: { many: true } }
  ? string[]
  : (typeof COMMANDS)[`env-sync ${C}`] extends { positional: { optional: true } }
    ? string | undefined
    : (typeof COMMANDS)[`env-sync ${C}`] extends { positional: object }
      ? string
      : undefined;
export type EnvSyncArgs = { [C in EnvSyncCommand]: { command: C; values: Values<`env-sync ${C}`>; positional: PositionalOf<C> } }[EnvSyncCommand];

export async function parseEnvSync(args: string[], env: NodeJS.ProcessEnv): Promise<EnvSyncArgs | { text: string }> {
  if (args[0] === 'status') {
    const quick = quickParse(args.slice(1), quickSpec('env-sync status'));
    if (quick) return { command: 'status', values: convert('env-sync status', quick.values, env), positional: undefined };
  }
  const first = args[0];
  if (first !== undefined && !first.startsWith('-') && !(ENV_SYNC_COMMANDS as readonly string[]).includes(first)) {
    const near = nearestNames(first, ENV_SYNC_COMMANDS);
    throw new OptionError(
      `unknown command ${first}${near.length ? `; did you mean ${near.join(' or ')}?` : ''} (the commands: ${ENV_SYNC_COMMANDS.join(', ')})`,
    );
  }
  const named = ENV_SYNC_COMMANDS.find((c) => c === first);
  const { default: yargs } = await import('yargs/yargs');
  let failure: string | null = null;
  let printed = '';
  let chosen: { command: EnvSyncCommand; raw: Record<string, unknown> } | null = null;
  let parser = standardFlags(
    yargs(args)
      .scriptName('env-sync')
      .usage(`Usage: env-sync <command> [options]\n\n${ENV_SYNC_ABOUT}`)
      .epilogue(
        `Exit status: status and show exit with the worst state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN); running exits 0 while a job runs, 1 when none does; a usage error (an unknown option or job, a missing argument) exits ${EXIT_USAGE}.`,
      )
      .parserConfiguration({ 'parse-positional-numbers': false, 'parse-numbers': false }),
    (m) => (failure = unknownOptionsMessage(m, named ? [`env-sync ${named}`] : ENV_SYNC_COMMANDS.map((c) => `env-sync ${c}` as const))),
  );
  for (const command of ENV_SYNC_COMMANDS) {
    const spec = COMMANDS[`env-sync ${command}`] as (typeof COMMANDS)[CommandName];
    const p = 'positional' in spec ? (spec.positional as CommandSpec['positional']) : undefined;
    parser = parser.command(
      p ? (p.many ? `${command} [${p.name}..]` : p.optional ? `${command} [${p.name}]` : `${command} <${p.name}>`) : command,
      spec.usage,
      (y) => {
        const withOptions = y.options(yargsOptions(`env-sync ${command}`));
        return p
          ? withOptions.positional(p.name, {
              type: 'string',
              describe: p.describe,
              ...(p.choices ? { choices: [...p.choices] } : {}),
              ...(p.many ? { array: true } : {}),
            })
          : withOptions;
      },
      (argv) => {
        chosen = { command, raw: argv };
      },
    );
  }
  await parser
    .demandCommand(
      1,
      'give a command: status, show JOB, logs JOB, rerun JOB, config icinga2|nrpe, metrics, pause JOB|--all, resume JOB|--all, running [JOB...]',
    )
    .parseAsync(args, {}, (_err, _argv, output) => {
      printed = output;
    });
  if (failure) throw new OptionError(failure);
  const picked = chosen as { command: EnvSyncCommand; raw: Record<string, unknown> } | null;
  if (!picked) return { text: printed.endsWith('\n') ? printed : `${printed}\n` };
  const spec = COMMANDS[`env-sync ${picked.command}`] as (typeof COMMANDS)[CommandName];
  const p = 'positional' in spec ? (spec.positional as CommandSpec['positional']) : undefined;
  const given = p ? picked.raw[p.name] : undefined;
  if (p?.many) {
    const words = given === undefined ? [] : Array.isArray(given) ? given : [given];
    return { command: picked.command, values: convert(`env-sync ${picked.command}`, picked.raw, env), positional: words.map(String) } as EnvSyncArgs;
  }
  // yargs demands the word (`show <job>`); an absent one must never become the job "undefined".
  if (p && typeof given !== 'string' && !p.optional) throw new OptionError(`give the ${p.name}: env-sync ${picked.command} ${p.name.toUpperCase()}`);
  const positional = given as string | undefined;
  return { command: picked.command, values: convert(`env-sync ${picked.command}`, picked.raw, env), positional } as EnvSyncArgs;
}
