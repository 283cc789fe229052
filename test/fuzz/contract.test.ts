// The contract of all five executables under generated input, as an unprivileged user in a
// temporary directory: random command lines drawn from the option table and beyond it, markers
// that are mutated, truncated or binary, syslog files with huge lines, invalid UTF-8, NULs or that
// are not files at all, crontab text and environment variables. A fixed seed and a bounded count,
// so it runs in seconds and fails the same way twice.
//   plugins: exactly one status line first (-h/-V aside), exit 0-3, nothing on stderr, no more
//            output than --max-output;
//   env-sync and env-sync-run: no stack trace, a documented exit status, and the wrapped command's
//            own exit status passed through.
//   all: every input may carry control characters (C0, DEL, C1, escape sequences), bidi controls
//            and HTML; no output holds a raw control or bidi character, and no plugin line but
//            the Re-run lines (ours, from the crontab) holds a `<` that starts a tag.
import { expect } from 'chai';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, commandOptions, type CommandName } from '../../src/common/options.js';
import { plugin } from '../support/proc.js';
import { leaks, line as secretLine } from '../support/secretForms.js';
import { makeTempDir } from '../support/tmp.js';

const SEED = 20261126;
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const STACK = /\n\s+at .+:\d+:\d+/;
const FIRST_LINE = /^ENV_SYNC (OK|WARNING|CRITICAL|UNKNOWN) - /;
const NOBODY = {
  uid: Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim()),
  gid: Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim()),
};

interface World {
  dir: string;
  state: string;
  syslog: string;
  crontab: string;
}

/** Anything a terminal, Icinga or a JSON consumer could act on: C0 but the line feed, DEL, C1, bidi controls, the separators. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
/** A `<` that starts a tag, as Icinga Web 2 would take it. */
const TAG = /<[A-Za-z/!?]/;
/** Lines we build from the crontab and mean to be pasted as they are. */
const OURS = /^(Re-run|Or: |\(as )/;

/** Text with control characters, escape sequences, bidi controls and HTML in it. */
const hostile = fc.oneof(
  fc.constantFrom(
    '\u001b]52;c;ZWNobyBvd25lZA==\u0007',
    '\u001b[8mhidden\u001b[0m',
    '\u009b31m',
    '\u202eexe.txt',
    '<a href="https://evil.example/">fix</a>',
    '<script>alert(1)</script>',
    '\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u202a\u202b\u202c\u202d',
    'a\rb\u0085c\u2028d\u007f',
  ),
  fc
    .array(
      fc.constantFrom(
        '\u0001',
        '\u0007',
        '\u0008',
        '\t',
        '\r',
        '\u001b',
        '[',
        ']',
        ';',
        'm',
        '\u0085',
        '\u0090',
        '\u009b',
        '\u009c',
        '\u202e',
        '\u2066',
        '\u200f',
        '\u061c',
        '<',
        '>',
        'a',
        '/',
        '"',
        ' ',
        '|',
        'é',
      ),
      { maxLength: 24 },
    )
    .map((a) => a.join('')),
);

// A command line cannot carry a NUL byte (execve ends each word at one).
const junk = fc.oneof(
  hostile,
  fc.constantFrom(
    '',
    '-',
    '--',
    '-1',
    '0',
    '1',
    '2',
    '30',
    '99999999999',
    '1h',
    '26h',
    '~:10',
    '@1:2',
    '10:5',
    'x y',
    '../x',
    'pull_x',
    'ok',
    'warning',
    'skip',
    'allow',
    '/dev/zero',
    '/dev/null',
    'é✓',
    '--job',
    '-vvv',
    'status',
    'show',
  ),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/\0/g, '')),
  fc.stringMatching(/^[a-z_]{1,12}$/),
);

/** Values that point into the world: the files the executable should find, or not. */
const inWorld = (w: World) => fc.constantFrom(w.state, w.syslog, w.crontab, join(w.dir, 'missing'), join(w.dir, 'fifo'), w.dir);

function argvFor(cmd: CommandName, w: World, leaveOut: string[] = [], strays = true): fc.Arbitrary<string[]> {
  const opts = commandOptions(cmd).filter((o) => o.id !== 'exec' && o.id !== 'icingaUrl' && !leaveOut.includes(o.id));
  const one = fc.constantFrom(...opts).chain((o) => {
    const names = [`--${o.flag}`, ...o.alias.map((a) => (a.length === 1 ? `-${a}` : `--${a}`))];
    const name = fc.constantFrom(...names);
    if (o.kind === 'boolean' || o.kind === 'count') return name.map((n) => [n]);
    return fc.tuple(name, fc.oneof(junk, inWorld(w), fc.constantFrom(...(o.choices ?? ['1'])))).map(([n, v]) => [n, v]);
  });
  return fc.tuple(fc.array(one, { maxLength: 6 }), fc.array(junk, { maxLength: strays ? 2 : 0 })).map(([opts2, stray]) => [...opts2.flat(), ...stray]);
}

const markerText = fc.oneof(
  fc.constant('{"schema": 1, "job": '),
  fc.constant('{"schema": 9, "job": "pull_x"}'),
  fc.constant(''),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record({
      schema: fc.constant(1),
      job: fc.constantFrom('pull_x', 'other'),
      consecutiveFailures: fc.oneof(fc.integer(), fc.string()),
      history: fc.oneof(fc.constant([]), fc.string()),
      last: fc.oneof(fc.constant(null), fc.jsonValue()),
    })
    .map((v) => JSON.stringify(v)),
  hostile.map((h) => `{"schema": 1, "job": "pull_x", "${h}": 1}`),
  hostile,
);

/** A failed run of pull_x five minutes ago whose marker's tail and message are hostile; its wrapper's pid is the 2 of the syslog lines. */
const failedMarker = fc.tuple(fc.array(hostile, { maxLength: 4 }), fc.oneof(fc.constant(null), hostile)).map(([tail, message]) => {
  const start = new Date(Date.now() - 300_000).toISOString();
  const end = new Date(Date.now() - 1000).toISOString();
  const last = {
    runId: 'r1',
    job: 'pull_x',
    part: null,
    host: 'h',
    user: 'nobody',
    wrapperPid: 2,
    wrapperStartTicks: null,
    childPid: 3,
    bootId: null,
    argv: ['sh'],
    cwd: '/',
    start,
    end,
    durationSeconds: 299,
    outcome: 'failure',
    exitCode: 3,
    signal: null,
    timeoutSeconds: null,
    message,
    output: { lines: tail.length, bytes: 1, tail },
  };
  return JSON.stringify({
    schema: 1,
    job: 'pull_x',
    updated: end,
    last,
    lastSuccess: null,
    lastSkipped: null,
    consecutiveFailures: 1,
    history: [{ runId: 'r1', part: null, start, end, durationSeconds: 299, outcome: 'failure', exitCode: 3 }],
    parts: {},
  });
});

const syslogText = fc.array(
  fc.oneof(
    fc.constant(
      `${new Date().toISOString().replace('Z', '+00:00')} h govuk_env_sync.sh: Starting "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg"`,
    ),
    fc.constant(`Nov 26 00:00:00 h env-sync-run[1]: event=finish job=pull_x run=r outcome=success exit=0 duration=1s`),
    fc.constant(
      `Nov 26 00:00:01 h govuk_env_sync.sh: Error running "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg" in function f on line 1 executing "x"`,
    ),
    fc.string({ maxLength: 80 }),
    fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.constant(`Nov 26 00:00:02 h env-sync/pull_x[2]: ${'y'.repeat(300_000)}`),
    fc.constant('\u0000\u0000\xff\xfe broken'),
    hostile.map((h) => `Nov 26 00:00:02 h env-sync/pull_x[2]: error: ${h}`),
    hostile.map(
      (h) =>
        `Nov 26 00:00:02 h govuk_env_sync.sh: Error running "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg" in function f on line 1 executing "${h}"`,
    ),
    hostile.map((h) => `${new Date().toISOString().replace('Z', '+00:00')} h env-sync/pull_x: ${h}`),
  ),
  { maxLength: 12 },
);

const crontabText = fc.array(
  fc.oneof(
    fc.constant('18 0 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg'),
    fc.constant('@daily /usr/local/bin/env-sync-run --job pull_y -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_y.cfg'),
    fc.constant('61 25 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/bad.cfg'),
    fc.constant('# Puppet Name: pull_z'),
    fc.string({ maxLength: 60 }),
    hostile.map((h) => `18 0 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg # ${h}`),
  ),
  { maxLength: 6 },
);

/** The world for one run: markers, syslog and crontab as generated; some of them not files at all. */
function setWorld(w: World, marker: string, lines: string[], cron: string[], oddity: number): void {
  rmSync(w.state, { recursive: true, force: true });
  mkdirSync(join(w.state, 'pull_x'), { recursive: true });
  chownSync(w.state, NOBODY.uid, NOBODY.gid);
  chownSync(join(w.state, 'pull_x'), NOBODY.uid, NOBODY.gid);
  writeFileSync(join(w.state, 'pull_x', 'state.json'), marker);
  for (const f of [w.syslog, `${w.syslog}.1`, `${w.syslog}.2.gz`, w.crontab]) rmSync(f, { recursive: true, force: true });
  writeFileSync(w.syslog, `${lines.join('\n')}\n`);
  writeFileSync(`${w.syslog}.1`, lines.slice(0, 3).join('\n'));
  writeFileSync(w.crontab, cron.join('\n'));
  if (oddity === 1) mkdirSync(`${w.syslog}.2.gz`);
  if (oddity === 2) spawnSync('mkfifo', [`${w.syslog}.2.gz`]);
  if (oddity === 3) writeFileSync(`${w.syslog}.2.gz`, 'not gzip');
  for (const f of [w.syslog, `${w.syslog}.1`, w.crontab]) chmodSync(f, 0o644);
}

function runAsNobody(w: World, exe: string, args: string[], env: Record<string, string>) {
  return spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', plugin(exe), ...args], {
    cwd: w.dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

const envFor = (w: World) =>
  fc.record(
    {
      ENV_SYNC_STATE_DIR: fc.constantFrom(w.state, join(w.dir, 'missing'), ''),
      ENV_SYNC_SYSLOG: fc.constantFrom(w.syslog, join(w.dir, 'fifo'), w.dir),
      ENV_SYNC_SYSLOG_SOCKET: fc.constantFrom(join(w.dir, 'no-socket'), '/dev/null'),
      TZ: fc.constantFrom('UTC', 'Europe/London', 'America/New_York', 'Pacific/Chatham', 'Nowhere/Atall'),
      LANG: fc.constantFrom('C', 'en_GB.UTF-8', 'xx'),
    },
    { requiredKeys: [] },
  );

const maxOutputOf = (args: string[]) => {
  const i = args.lastIndexOf('--max-output');
  const v = i === -1 ? undefined : args[i + 1];
  return v && /^\d+$/.test(v) && Number(v) >= 256 && Number(v) <= 65536 ? Number(v) : 65536;
};

describe('the contract of every executable under generated input (fixed seed, as nobody)', function () {
  this.timeout(600_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let w: World;
  before(() => {
    tmp = makeTempDir('env-sync-fuzz-');
    w = { dir: tmp.dir, state: join(tmp.dir, 'state'), syslog: join(tmp.dir, 'syslog'), crontab: join(tmp.dir, 'crontab') };
    spawnSync('mkfifo', [join(tmp.dir, 'fifo')]);
  });
  after(() => tmp.cleanup());

  for (const cmd of ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order'] as const) {
    it(`${cmd}: one status line first, exit 0-3, nothing on stderr, bounded output`, () => {
      fc.assert(
        fc.property(
          argvFor(cmd, w),
          markerText,
          syslogText,
          crontabText,
          fc.integer({ min: 0, max: 3 }),
          envFor(w),
          (args, marker, lines, cron, oddity, env) => {
            setWorld(w, marker, lines, cron, oddity);
            const r = runAsNobody(w, cmd, [...args, '-t', '20'], env as Record<string, string>);
            const help = args.some((a) => ['-h', '--help', '-V', '--version'].includes(a));
            expect(r.status, `${args.join(' ')}\n${r.stdout}${r.stderr}`).to.be.within(0, 3);
            expect(r.stderr, args.join(' ')).to.equal('');
            expect(r.stdout, args.join(' ')).not.to.match(RAW_CONTROL);
            for (const line of r.stdout.split('\n')) if (!OURS.test(line)) expect(line, args.join(' ')).not.to.match(TAG);
            if (!help) {
              expect(r.stdout, args.join(' ')).to.match(FIRST_LINE);
              expect(Buffer.byteLength(r.stdout)).to.be.at.most(maxOutputOf(args));
            }
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
    });
  }

  it('a failed run with hostile evidence (tail, message, syslog lines): no raw control anywhere, no markup but the Re-run lines', () => {
    fc.assert(
      fc.property(failedMarker, syslogText, crontabText, (marker, lines, cron) => {
        setWorld(w, marker, lines, cron, 0);
        const r = runAsNobody(w, 'check_env_sync', ['--job', 'pull_x', '-vv', '--state-dir', w.state, '--syslog', w.syslog, '-t', '20'], {});
        expect(r.status, r.stdout).to.equal(2);
        expect(r.stdout).not.to.match(RAW_CONTROL);
        for (const line of r.stdout.split('\n')) if (!OURS.test(line)) expect(line, r.stdout).not.to.match(TAG);
        const show = runAsNobody(w, 'env-sync', ['show', 'pull_x', '--json', '--state-dir', w.state, '--syslog', w.syslog, '--crontab', w.crontab], {});
        expect(show.stdout + show.stderr).not.to.match(RAW_CONTROL);
        const doc = JSON.parse(show.stdout) as { verdict: { summary: string; longOutput: string[] } };
        for (const line of [doc.verdict.summary, ...doc.verdict.longOutput]) if (!OURS.test(line.trim())) expect(line, show.stdout).not.to.match(TAG);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('env-sync: no stack trace, and a documented exit status', () => {
    const sub = fc.constantFrom('status', 'show', 'logs', 'rerun', 'config', 'running');
    fc.assert(
      fc.property(
        sub,
        fc.constantFrom('pull_x', 'pull_y', '../x', ''),
        argvFor('env-sync status', w),
        markerText,
        syslogText,
        crontabText,
        fc.integer({ min: 0, max: 3 }),
        envFor(w),
        (command, job, args, marker, lines, cron, oddity, env) => {
          setWorld(w, marker, lines, cron, oddity);
          const positional = command === 'config' ? ['nrpe'] : command === 'status' ? [] : [job];
          const r = runAsNobody(
            w,
            'env-sync',
            [command, ...positional, ...args.filter((a) => a !== '--exec'), '--crontab', w.crontab],
            env as Record<string, string>,
          );
          expect(r.stderr, `${command} ${args.join(' ')}`).to.not.match(STACK);
          expect(r.stdout + r.stderr, `${command} ${args.join(' ')}`).not.to.match(RAW_CONTROL);
          // A state (status, show), 0-2 for the other commands' own outcomes, or 64 for a usage error.
          expect(r.status, `${command} ${args.join(' ')}\n${r.stderr}`).to.be.oneOf([0, 1, 2, 3, 64]);
          if (r.status === 64) expect(r.stderr).to.match(/^env-sync: \S/);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("env-sync-run: no stack trace; the command's own exit status, or one of the wrapper's documented ones; no secret it printed or was given in the marker", () => {
    fc.assert(
      // No --timeout (a tiny one would end the command first), no --overlap wait, and no stray word
      // (it would be the COMMAND): the wrapped command is always `sh -c 'printf …; exit N'`, printing
      // lines with secrets in every form the redaction rules name (test/support/secretForms.ts),
      // given to it as its words.
      fc.property(
        argvFor('env-sync-run', w, ['runTimeout', 'overlap'], false),
        fc.integer({ min: 0, max: 255 }),
        markerText,
        envFor(w),
        fc.array(secretLine, { minLength: 1, maxLength: 4 }),
        (args, exit, marker, env, secrets) => {
          setWorld(w, marker, [], [], 0);
          const opts = args;
          const printed = secrets.map((l) => l.text);
          const r = runAsNobody(
            w,
            'env-sync-run',
            [...opts, '--job', 'pull_x', '--', 'sh', '-c', `printf '%s\\n' "$@"; exit ${exit}`, 'sh', ...printed],
            env as Record<string, string>,
          );
          let kept = '';
          try {
            kept = readFileSync(join(w.state, 'pull_x', 'state.json'), 'utf8');
          } catch {
            kept = '';
          }
          for (const l of secrets) expect(leaks(kept, l.secret), `${l.text}\n${kept}`).to.equal(null);
          expect(r.stderr, args.join(' ')).to.not.match(STACK);
          expect(r.stdout + r.stderr, args.join(' ')).not.to.match(RAW_CONTROL);
          const help = opts.some((a) => ['-h', '--help', '-V', '--version'].includes(a));
          expect(r.status, `${opts.join(' ')}\n${r.stderr}`).to.be.oneOf(help ? [0, 125] : [exit, 125]);
          if (r.status === 125 && r.status !== exit) expect(r.stderr).to.contain("Try 'env-sync-run --help'.");
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('covers every command of the option table', () => {
    const fuzzed: CommandName[] = ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order', 'env-sync status', 'env-sync-run'];
    for (const c of Object.keys(COMMANDS) as CommandName[]) if (!c.startsWith('env-sync ')) expect(fuzzed, c).to.include(c);
  });
});
