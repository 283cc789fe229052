import { expect } from 'chai';
import fc from 'fast-check';
import { quickParse, type QuickSpec } from '../../src/common/quickArgs.js';
import { helpWidth, parseCommandLine, parseWithYargs, quickSpec, unknownOptionsMessage } from '../../src/common/commandLine.js';
import { COMMAND_NAMES, COMMANDS, convert, OptionError, type CommandName } from '../../src/common/options.js';
import { oldSyslogSwitch } from '../../src/wrapper/options.js';

const CHECK = quickSpec('check_env_sync');
const ALL = quickSpec('check_env_sync_all');
const WRAPPER_OPTIONS = quickSpec('env-sync-run');

// The command lines Icinga, NRPE and cron really pass must take the fast path; anything unusual must not.
describe('quickParse: the usual command lines without yargs', () => {
  it('reads the command line of icinga-conf/icinga2/commands.conf', () => {
    const q = quickParse(
      [
        '--job',
        'pull_x_daily',
        '--state-dir',
        '/var/lib/env-sync',
        '--syslog',
        '/var/log/syslog',
        '-w',
        '25h',
        '-c',
        '26h',
        '--max-runtime',
        '6h',
        '-t',
        '30',
        '-v',
      ],
      CHECK,
    );
    expect(q).to.not.equal(null);
    expect(q!.values).to.include({
      job: 'pull_x_daily',
      'state-dir': '/var/lib/env-sync',
      'age-warning': '25h',
      'age-critical': '26h',
      'runtime-critical': '6h',
      timeout: '30',
      verbose: 1,
    });
    expect(q!.rest).to.deep.equal([]);
  });
  it('reads --name=value, -vv, and leaves what was not given for the table to fill', () => {
    expect(quickParse(['--job=a', '-vv', '--verbose'], CHECK)!.values).to.deep.equal({ job: 'a', verbose: 3 });
    expect(quickParse([], ALL)!.values).to.deep.equal({ verbose: 0 });
  });
  it("fills defaults, the environment and a command's own default from the table", async () => {
    const one = (await parseCommandLine('check_env_sync', ['--job', 'a'], {})) as { values: Record<string, unknown> };
    expect(one.values).to.include({
      job: 'a',
      rotated: 'auto',
      maxOutput: 4096,
      missing: 2,
      grace: 3600,
      stateDir: '/var/lib/env-sync',
      syslog: '/var/log/syslog',
    });
    const all = (await parseCommandLine('check_env_sync_all', [], { ENV_SYNC_STATE_DIR: '/srv/state' })) as { values: Record<string, unknown> };
    expect(all.values).to.include({ missing: 1, stateDir: '/srv/state' });
    const given = (await parseCommandLine('check_env_sync_all', ['--state-dir', '/given'], { ENV_SYNC_STATE_DIR: '/srv/state' })) as {
      values: Record<string, unknown>;
    };
    expect(given.values).to.include({ stateDir: '/given' });
  });
  it("reads the wrapper's options up to COMMAND, with or without --", () => {
    // The switch's old spelling, --no-syslog, as cron lines have it: read as --no-syslog-copy.
    const cron = ['--job', 'j', '--no-syslog', '--timeout', '6h', '/usr/local/bin/govuk_env_sync.sh', '-f', 'x.cfg'];
    expect(quickParse(oldSyslogSwitch(cron), WRAPPER_OPTIONS, { haltAtNonOption: true })).to.deep.equal({
      values: { job: 'j', 'syslog-copy': false, timeout: '6h' },
      rest: ['/usr/local/bin/govuk_env_sync.sh', '-f', 'x.cfg'],
    });
    const q = quickParse(['--overlap', 'wait', '--', 'sh', '-c', 'exit 3'], WRAPPER_OPTIONS, { haltAtNonOption: true })!;
    expect(q.rest).to.deep.equal(['sh', '-c', 'exit 3']);
    expect(q.values).to.deep.equal({ overlap: 'wait' });
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
    await parseCommandLine('check_env_sync', ['-j', 'a', '--job', 'b'], {}).catch((err: Error) => (message = err.message));
    expect(message).to.include('--job is given more than once');
  });
});

// Whenever quickParse answers, yargs (the full grammar) must read the same values.
const VALUES = [
  'a',
  'x.cfg',
  '25h',
  '10',
  '2h',
  '4096',
  'ok',
  'warning',
  '1',
  '~:10',
  '@1:2',
  '10:',
  '',
  'a b',
  '=x',
  'true',
  '0',
  '-',
  '/var/log/syslog',
  'critical',
  'skip',
  'wait',
];

function wordsFor(spec: QuickSpec, haltAtNonOption: boolean): fc.Arbitrary<string[]> {
  const entries = Object.entries(spec);
  const option = fc.constantFrom(...entries).chain(([key, o]): fc.Arbitrary<string[]> => {
    const names = [key, ...(typeof o.alias === 'string' ? [o.alias] : (o.alias ?? []))];
    const name = fc.constantFrom(...names).map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
    if (o.type === 'count') return name.map((n) => [n]);
    if (o.type === 'boolean') return fc.constantFrom(`--${key}`, `--no-${key}`).map((w) => [w]);
    const value = o.choices ? fc.constantFrom(...o.choices, 'nope') : fc.constantFrom(...VALUES);
    return fc.tuple(name, value, fc.boolean()).map(([n, v, inline]) => (inline && n.startsWith('--') ? [`${n}=${v}`] : [n, v]));
  });
  const rest: fc.Arbitrary<string[]> = haltAtNonOption
    ? fc.constantFrom<string[]>([], ['true'], ['sh', '-c', 'exit 3'], ['--', 'sleep', '2'], ['--', '--job', 'x'])
    : fc.constant([]);
  return fc.tuple(fc.array(option, { maxLength: 6 }), rest).map(([opts, r]) => [...opts.flat(), ...r]);
}

/** The typed values a command line gives, or the error it is refused with. */
function outcome(cmd: CommandName, raw: Record<string, unknown>): unknown {
  try {
    return { values: convert(cmd, raw, {}) };
  } catch (err) {
    if (err instanceof OptionError) return { error: err.message };
    throw err;
  }
}

// Every command of the option table: where quickParse answers, yargs reads the same raw values, and
// the typed conversion of both gives the same values or the same error.
describe('quickParse agrees with yargs, for every command of the option table', () => {
  for (const cmd of COMMAND_NAMES.filter((c) => !('positional' in COMMANDS[c]) || c === 'env-sync-run')) {
    const halt = cmd === 'env-sync-run';
    const spec = quickSpec(cmd);
    it(`on generated ${cmd} command lines`, async () => {
      let quick = 0;
      await fc.assert(
        fc.asyncProperty(wordsFor(spec, halt), async (args) => {
          const q = quickParse(args, spec, { haltAtNonOption: halt });
          if (!q) return;
          quick++;
          const y = await parseWithYargs(cmd, args);
          if ('text' in y) throw new Error(`yargs printed help for ${JSON.stringify(args)}`);
          for (const key of Object.keys(spec)) expect(q.values[key], `${key} in ${JSON.stringify(args)}`).to.deep.equal(y.raw[key]);
          expect(q.rest, `COMMAND of ${JSON.stringify(args)}`).to.deep.equal(y.rest);
          expect(outcome(cmd, q.values), JSON.stringify(args)).to.deep.equal(outcome(cmd, y.raw));
        }),
        { numRuns: 200 },
      );
      expect(quick, 'generated lines taking the fast path').to.be.greaterThan(40);
    });
  }
});

describe("unknownOptionsMessage: yargs' unknown options as a person wants them", () => {
  const CASES: Array<[string, CommandName[], string]> = [
    ['Unknown arguments: max-agee, maxAgee', ['check_env_sync'], 'unknown option --max-agee; did you mean --max-age?'],
    ['Unknown argument: bogus', ['check_env_sync'], 'unknown option --bogus'],
    ['Unknown argument: q', ['check_env_sync'], 'unknown option -q'],
    [
      'Unknown arguments: stat-dir, statDir, jsno',
      ['env-sync status'],
      'unknown option --stat-dir; did you mean --state-dir?; unknown option --jsno; did you mean --json?',
    ],
    ['Not enough arguments following: job', ['check_env_sync'], 'Not enough arguments following: job'],
  ];
  for (const [yargs, cmds, want] of CASES) {
    it(`${yargs} → ${want}`, () => expect(unknownOptionsMessage(yargs, cmds)).to.equal(want));
  }
});

describe("helpWidth: --help at the terminal's width", () => {
  it("is 80 columns when the output is not a terminal, the terminal's otherwise (40 to 100)", () => {
    expect(helpWidth({ isTTY: false })).to.equal(80);
    expect(helpWidth({})).to.equal(80);
    expect(helpWidth({ isTTY: true, columns: 72 })).to.equal(72);
    expect(helpWidth({ isTTY: true, columns: 200 })).to.equal(100);
    expect(helpWidth({ isTTY: true, columns: 20 })).to.equal(40);
  });
});
