import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandOptions, type CommandName } from '../../src/common/options.js';

// The shipped CheckCommands are written by hand; the option table is the one definition of what
// each plugin takes. Every option a plugin has must be an argument of its CheckCommand (by its long
// flag or an alias), so that a host variable such as env_sync_user reaches the plugin.
const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const TEXT = readFileSync(join(ROOT, 'icinga-conf', 'icinga2', 'commands.conf'), 'utf8');

function argumentsOf(name: string): string[] {
  const at = TEXT.indexOf(`object CheckCommand "${name}" {`);
  expect(at, `CheckCommand ${name} in commands.conf`).to.not.equal(-1);
  const end = TEXT.indexOf('\nobject CheckCommand', at + 1);
  const body = TEXT.slice(at, end === -1 ? undefined : end);
  return [...body.matchAll(/^\s+"(-{1,2}[a-z-]+)" = /gm)].map((m) => m[1]!);
}

const PAIRS: Array<[string, CommandName]> = [
  ['env_sync', 'check_env_sync'],
  ['env_sync_all', 'check_env_sync_all'],
  ['env_sync_order', 'check_env_sync_order'],
];

describe('icinga-conf/icinga2/commands.conf against the option table', () => {
  for (const [command, plugin] of PAIRS) {
    it(`CheckCommand ${command} passes every option of ${plugin}`, () => {
      const args = argumentsOf(command);
      const missing = commandOptions(plugin)
        .filter((o) => ![o.flag, ...o.alias].some((f) => args.includes(f.length === 1 ? `-${f}` : `--${f}`)))
        .map((o) => `--${o.flag}`);
      expect(missing, `${command} lacks arguments for`).to.deep.equal([]);
    });
  }
});
