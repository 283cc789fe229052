import type { Argv } from 'yargs';
import { VERSION } from './version.js';

/**
 * The flags every executable shares (-h, -V, strict options) and a failure handler that never exits
 * the process: each caller turns the message into its own kind of error (UNKNOWN for plugins, 125
 * for the wrapper, 2 for the CLI).
 */
export function standardFlags<T>(parser: Argv<T>, onFail: (message: string) => void): Argv<T> {
  return parser
    .help('help')
    .alias('h', 'help')
    .version(VERSION)
    .alias('V', 'version')
    .strict()
    .wrap(100)
    .exitProcess(false)
    .fail((msg, err) => onFail(msg ?? err?.message ?? 'bad arguments'));
}
