import { expect } from 'chai';
import fc from 'fast-check';
import { quickParse, type QuickSpec } from '../../src/common/quickArgs.js';
import { optionSpec, parsePluginArgs, parseWithYargs as pluginYargs } from '../../src/check/cli.js';
import { OPTIONS as WRAPPER_OPTIONS, parseWithYargs as wrapperYargs } from '../../src/wrapper/options.js';

const CHECK = optionSpec('one');
const ALL = optionSpec('all');

// The command lines Icinga, NRPE and cron really pass must take the fast path; anything unusual must not.
describe('quickParse: the usual command lines without yargs', () => {
  it('reads the command line of icinga-conf/icinga2/commands.conf', () => {
    const q = quickParse(['--job', 'pull_x_daily', '--state-dir', '/var/lib/env-sync', '--syslog', '/var/log/syslog', '-w', '25h', '-c', '26h', '--max-runtime', '6h', '-t', '30', '-v'], CHECK);
    expect(q).to.not.equal(null);
    expect(q!.values).to.include({ job: 'pull_x_daily', 'state-dir': '/var/lib/env-sync', 'age-warning': '25h', 'age-critical': '26h', 'runtime-critical': '6h', timeout: '30', verbose: 1, missing: 'critical', grace: '1h' });
    expect(q!.rest).to.deep.equal([]);
  });
  it('reads --name=value, -vv and the defaults of an empty line', () => {
    expect(quickParse(['--job=a', '-vv', '--verbose'], CHECK)!.values).to.include({ job: 'a', verbose: 3, rotated: '1', 'max-output': '4096' });
    expect(quickParse([], ALL)!.values).to.include({ missing: 'warning', verbose: 0, crontab: undefined });
  });
  it("reads the wrapper's options up to COMMAND, with or without --", () => {
    const cron = ['--job', 'j', '--no-syslog', '--timeout', '6h', '/usr/local/bin/govuk_env_sync.sh', '-f', 'x.cfg'];
    expect(quickParse(cron, WRAPPER_OPTIONS, { haltAtNonOption: true })).to.deep.include({ rest: ['/usr/local/bin/govuk_env_sync.sh', '-f', 'x.cfg'] });
    const q = quickParse(['--overlap', 'wait', '--', 'sh', '-c', 'exit 3'], WRAPPER_OPTIONS, { haltAtNonOption: true })!;
    expect(q.rest).to.deep.equal(['sh', '-c', 'exit 3']);
    expect(q.values).to.include({ overlap: 'wait', syslog: true, 'kill-after': '30s' });
  });
  const GIVE_UP: Array<[string, string[], QuickSpec, boolean]> = [
    ['help', ['-h'], CHECK, false],
    ['--help', ['--help'], CHECK, false],
    ['version', ['-V'], CHECK, false],
    ['an unknown option', ['--jobb', 'x'], CHECK, false],
    ['a camelCase spelling', ['--stateDir', 'x'], CHECK, false],
    ['a repeated option', ['-j', 'a', '-j', 'b'], CHECK, false],
    ['a missing value', ['--job'], CHECK, false],
    ['a value that starts with -', ['-w', '-10:-5'], CHECK, false],
    ['a positional word in a plugin', ['-j', 'a', 'extra'], CHECK, false],
    ['-- in a plugin', ['-j', 'a', '--'], CHECK, false],
    ['a cluster of different letters', ['-vj', 'a'], CHECK, false],
    ['-j=a', ['-j=a'], CHECK, false],
    ['a value outside the choices', ['--overlap', 'never', 'true'], WRAPPER_OPTIONS, true],
    ['a boolean followed by false', ['--syslog', 'false', 'cmd'], WRAPPER_OPTIONS, true],
    ['a boolean with =', ['--syslog=false', 'cmd'], WRAPPER_OPTIONS, true],
    ['--no- of a string option', ['--no-job', 'cmd'], WRAPPER_OPTIONS, true],
  ];
  for (const [what, args, spec, halt] of GIVE_UP) {
    it(`leaves ${what} to yargs`, () => expect(quickParse(args, spec, { haltAtNonOption: halt })).to.equal(null));
  }
  it('lets yargs name a repeated option, which quickParse leaves to it', async () => {
    let message = '';
    await parsePluginArgs(['-j', 'a', '--job', 'b'], {}).catch((err: Error) => (message = err.message));
    expect(message).to.include('--job is given more than once');
  });
});

// Whenever quickParse answers, yargs (the full grammar) must read the same values.
const VALUES = ['a', 'x.cfg', '25h', '~:10', '@1:2', '10:', '', 'a b', '=x', 'true', '0', '-', '/var/log/syslog', 'critical', 'skip', 'wait'];

function wordsFor(spec: QuickSpec, haltAtNonOption: boolean): fc.Arbitrary<string[]> {
  const entries = Object.entries(spec);
  const option = fc.constantFrom(...entries).chain(([key, o]): fc.Arbitrary<string[]> => {
    const names = [key, ...(typeof o.alias === 'string' ? [o.alias] : o.alias ?? [])];
    const name = fc.constantFrom(...names).map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
    if (o.type === 'count') return name.map((n) => [n]);
    if (o.type === 'boolean') return fc.constantFrom(`--${key}`, `--no-${key}`).map((w) => [w]);
    const value = o.choices ? fc.constantFrom(...o.choices, 'nope') : fc.constantFrom(...VALUES);
    return fc.tuple(name, value, fc.boolean()).map(([n, v, inline]) => (inline && n.startsWith('--') ? [`${n}=${v}`] : [n, v]));
  });
  const rest: fc.Arbitrary<string[]> = haltAtNonOption ? fc.constantFrom<string[]>([], ['true'], ['sh', '-c', 'exit 3'], ['--', 'sleep', '2'], ['--', '--job', 'x']) : fc.constant([]);
  return fc.tuple(fc.array(option, { maxLength: 6 }), rest).map(([opts, r]) => [...opts.flat(), ...r]);
}

describe('quickParse agrees with yargs', () => {
  for (const [name, spec] of [['check_env_sync', CHECK], ['check_env_sync_all', ALL]] as const) {
    it(`on generated ${name} command lines`, async () => {
      let quick = 0;
      await fc.assert(
        fc.asyncProperty(wordsFor(spec, false), async (args) => {
          const q = quickParse(args, spec);
          if (!q) return;
          quick++;
          const y = (await pluginYargs(args, name === 'check_env_sync' ? 'one' : 'all')) as Record<string, unknown>;
          for (const key of Object.keys(spec)) expect(q.values[key], `${key} in ${JSON.stringify(args)}`).to.deep.equal(y[key]);
        }),
        { numRuns: 300 },
      );
      expect(quick, 'generated lines taking the fast path').to.be.greaterThan(50);
    });
  }
  it('on generated env-sync-run command lines', async () => {
    let quick = 0;
    await fc.assert(
      fc.asyncProperty(wordsFor(WRAPPER_OPTIONS, true), async (args) => {
        const q = quickParse(args, WRAPPER_OPTIONS, { haltAtNonOption: true });
        if (!q) return;
        quick++;
        const y = await wrapperYargs(args);
        if (y === 'done') throw new Error(`yargs printed help for ${JSON.stringify(args)}`);
        for (const key of Object.keys(WRAPPER_OPTIONS)) expect(q.values[key], `${key} in ${JSON.stringify(args)}`).to.deep.equal(y.values[key]);
        expect(q.rest, `COMMAND of ${JSON.stringify(args)}`).to.deep.equal(y.command);
      }),
      { numRuns: 300 },
    );
    expect(quick, 'generated lines taking the fast path').to.be.greaterThan(50);
  });
});
