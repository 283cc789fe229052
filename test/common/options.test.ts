// The one option table: every option well formed, each command's flags unambiguous, every default
// valid, and docs/options.md's option tables exactly what the table says.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_NAMES, COMMANDS, commandOptions, convert, OPTIONS, optionSpec, type OptionId } from '../../src/common/options.js';
import { readmeTables, tablesIn, withTables } from '../../src/common/optionsDoc.js';
import { repoRoot } from '../support/proc.js';

describe('the option table', () => {
  const ids = Object.keys(OPTIONS) as OptionId[];

  it('gives every option help text, a flag and a value placeholder, and a default or none', () => {
    for (const id of ids) {
      const o = optionSpec(id);
      expect(o.describe.length, id).to.be.greaterThan(10);
      expect(o.flag, id).to.match(/^[a-z][a-z0-9-]+$/);
      if (o.kind === 'string' || o.kind === 'array') expect(o.arg, `${id}: placeholder`).to.match(/^[A-Z][A-Z:[\]_]*$/);
      if (o.env) expect(o.env, id).to.match(/^ENV_SYNC_[A-Z_]+$/);
      expect(['string', 'boolean', 'count', 'array'], id).to.include(o.kind);
    }
  });

  it('uses every option in some command, and lists no option twice in a command', () => {
    const used = new Set(COMMAND_NAMES.flatMap((c) => COMMANDS[c].options as readonly OptionId[]));
    expect(ids.filter((id) => !used.has(id))).to.deep.equal([]);
    for (const c of COMMAND_NAMES) {
      const list = COMMANDS[c].options as readonly OptionId[];
      expect(new Set(list).size, c).to.equal(list.length);
    }
  });

  it('gives no two options of a command the same flag or alias', () => {
    for (const c of COMMAND_NAMES) {
      const names = commandOptions(c).flatMap((o) => [o.flag, ...o.alias, ...(o.kind === 'boolean' ? [`no-${o.flag}`] : [])]);
      expect(
        names.filter((n, i) => names.indexOf(n) !== i),
        c,
      ).to.deep.equal([]);
      expect(names, c).to.not.include.members(['h', 'help', 'V', 'version']);
    }
  });

  it("parses every default, and every command's own default, to a value", () => {
    for (const c of COMMAND_NAMES) {
      const required = Object.fromEntries(
        Object.keys((COMMANDS[c] as { required?: object }).required ?? {}).map((id) => [optionSpec(id as OptionId).flag, 'pull_x']),
      );
      const values = convert(c, required, {}) as Record<string, unknown>;
      for (const o of commandOptions(c)) if (o.default !== undefined) expect(values[o.id], `${c} ${o.flag}`).to.not.equal(undefined);
    }
  });

  it('takes the environment variable when the option is not given, and the option over it', () => {
    for (const c of COMMAND_NAMES) {
      for (const o of commandOptions(c).filter((x) => x.env)) {
        const required = Object.fromEntries(
          Object.keys((COMMANDS[c] as { required?: object }).required ?? {}).map((id) => [optionSpec(id as OptionId).flag, 'pull_x']),
        );
        // A value of the option's own kind: a URL where it takes one, else a path.
        const [env, flag] = o.arg === 'URL' ? ['http://from-env:9091', 'http://given:9091'] : ['/from/env', '/given'];
        const fromEnv = convert(c, required, { [o.env!]: env }) as Record<string, unknown>;
        expect(fromEnv[o.id], `${c} ${o.flag}`).to.equal(env);
        const given = convert(c, { ...required, [o.flag]: flag }, { [o.env!]: env }) as Record<string, unknown>;
        expect(given[o.id], `${c} ${o.flag}`).to.equal(flag);
      }
    }
  });

  it('names the fix for a value it cannot take, naming the flag the command knows it by', () => {
    expect(() => convert('check_env_sync', { job: 'pull_x', grace: 'soon' }, {})).to.throw(
      '--grace: "soon" is not a duration; use e.g. 30s, 90m, 26h, 2d, 1h30m or plain seconds',
    );
    expect(() => convert('check_env_sync', { job: 'pull_x', missing: 'bad' }, {})).to.throw('--missing: "bad" must be one of ok, warning, critical, unknown');
    expect(() => convert('check_env_sync', {}, {})).to.throw('--job JOB is required');
    expect(() => convert('env-sync-run', { timeout: '0' }, {})).to.throw('--timeout: must be more than 0');
  });

  it("keeps docs/options.md's option tables as the table gives them, one for every command (npm run options-doc rewrites them)", () => {
    const page = readFileSync(join(repoRoot, 'docs/options.md'), 'utf8');
    expect(tablesIn(page)).to.have.members([...readmeTables().keys()]);
    expect(withTables(page) === page, 'docs/options.md option tables differ from src/common/options.ts: run npm run options-doc').to.equal(true);
  });
});
