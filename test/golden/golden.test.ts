// Golden outputs: every executable and subcommand over a fixed host (test/golden/fixture.ts), judged
// at a fixed instant under libfaketime. outputs.json was captured from the code before the "one
// option table, one verdict path" refactor; the refactor keeps every byte, except where a change is
// listed in CHANGES below with its reason; a changed output that cannot be said as an edit of the
// old one (a help text) is kept in changed.json. GOLDEN_UPDATE=1 rewrites outputs.json from the
// code as it is, GOLDEN_UPDATE_CHANGED=1 rewrites changed.json (for an intended change of output:
// say why in the commit).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { frozenClock, requireLibfaketime } from '../support/faketime.js';
import { makeTempDir } from '../support/tmp.js';
import { plugin, repoRoot, shq } from '../support/proc.js';
import { GOLDEN_NOW, writeGoldenHost, type GoldenHost } from './fixture.js';
import { DEFAULT_USER, withoutUser } from '../support/withoutUser.js';

const OUTPUTS = join(repoRoot, 'test', 'golden', 'outputs.json');

export interface Golden {
  stdout: string;
  stderr: string;
  exit: number | null;
}

interface Case {
  name: string;
  exe: string;
  args: (h: GoldenHost) => string[];
  /** Run on a terminal this many columns wide (a pty of script(1), sized with stty), not piped. */
  terminal?: number;
}

const plug = (h: GoldenHost) => ['--state-dir', h.state, '--syslog', h.syslog, '--boot-id-file', h.bootIdFile, '--reboot-lock-dir', h.rebootLockDir];
const cli = (h: GoldenHost) => [...plug(h), '--crontab', h.crontab];
const long = (h: GoldenHost) => [
  'status',
  '--state-dir',
  h.long.state,
  '--crontab',
  h.long.crontab,
  '--syslog',
  h.syslog,
  '--boot-id-file',
  h.bootIdFile,
  '--reboot-lock-dir',
  h.rebootLockDir,
  '--scheduler',
  'none',
];
// Whether the machine running the tests has a live cron would show in these outputs, so the host-wide
// views leave it out here; test/check/schedulerFacts.test.ts starts and kills a real one.
const noCron = ['--scheduler', 'none'];
const one = (name: string, ...args: string[]): Case => ({ name: `check_env_sync ${name}`, exe: 'check_env_sync', args: (h) => [...args, ...plug(h)] });

export const CASES: Case[] = [
  one('ok', '--job', 'pull_ok', '-w', '25h', '-c', '26h'),
  one('ok -v', '--job', 'pull_ok', '-v'),
  one('failed', '--job', 'push_failed', '--max-age', '26h'),
  one('failed -vv', '--job', 'push_failed', '-vv'),
  one('failed, small output', '--job', 'push_failed', '--max-output', '300'),
  one('running', '--job', 'pull_running', '--max-runtime', '6h'),
  one('running too long', '--job', 'pull_running', '--runtime-warning', '10m'),
  one('wrapper died', '--job', 'pull_dead'),
  one('rebooted', '--job', 'pull_rebooted'),
  one('skipped', '--job', 'pull_skipped'),
  one('parts', '--job', 'copy_data_to_staging'),
  one('unwrapped failed', '--job', 'pull_unwrapped'),
  one('unwrapped ok', '--job', 'pull_unwrapped_ok', '--max-age', '26h'),
  one('no record', '--job', 'pull_never'),
  one('no record, --missing warning', '--job', 'pull_never', '--missing', 'warning'),
  one('missed schedule', '--job', 'pull_ok', '--schedule', '0 5 * * *', '--grace', '30m'),
  one('schedule kept', '--job', 'pull_ok', '--schedule', '18 0 * * *'),
  one('schedule, default grace', '--job', 'pull_ok', '--schedule', '30 4 * * *'),
  one('corrupt marker', '--job', 'corrupt'),
  one('future schema', '--job', 'future'),
  one('bad range', '--job', 'pull_ok', '-c', '10:5'),
  one('bad job name', '--job', '../x'),
  one('no job'),
  one('unknown option', '--job', 'pull_ok', '--bogus', 'x'),
  one('bad schedule', '--job', 'pull_ok', '--schedule', 'x y'),
  one('bad timeout', '--job', 'pull_ok', '-t', '0'),
  one('bad rotated', '--job', 'pull_ok', '--rotated', 'x'),
  { name: 'check_env_sync -h', exe: 'check_env_sync', args: () => ['-h'] },
  { name: 'check_env_sync -V', exe: 'check_env_sync', args: () => ['-V'] },
  { name: 'check_env_sync_all crontab', exe: 'check_env_sync_all', args: (h) => [...plug(h), '--crontab', h.crontab, ...noCron] },
  {
    name: 'check_env_sync_all crontab critical',
    exe: 'check_env_sync_all',
    args: (h) => [...plug(h), '--crontab', h.crontab, '--missing', 'critical', '--max-age', '26h', ...noCron],
  },
  { name: 'check_env_sync_all markers only', exe: 'check_env_sync_all', args: (h) => plug(h) },
  { name: 'check_env_sync_all -h', exe: 'check_env_sync_all', args: () => ['-h'] },
  {
    name: 'check_env_sync_order ok',
    exe: 'check_env_sync_order',
    args: (h) => ['--first', 'copy_data_to_staging', '--then', 'data_sync_complete', '--state-dir', h.state],
  },
  {
    name: 'check_env_sync_order waiting',
    exe: 'check_env_sync_order',
    args: (h) => ['--first', 'copy_waiting', '--then', 'data_sync_complete', '--within', '2h', '--state-dir', h.state],
  },
  {
    name: 'check_env_sync_order late',
    exe: 'check_env_sync_order',
    args: (h) => ['--first', 'copy_waiting', '--then', 'data_sync_complete', '--within', '10m', '--state-dir', h.state],
  },
  { name: 'check_env_sync_order no then', exe: 'check_env_sync_order', args: (h) => ['--first', 'copy_waiting', '--state-dir', h.state] },
  { name: 'check_env_sync_order -h', exe: 'check_env_sync_order', args: () => ['-h'] },
  { name: 'env-sync status', exe: 'env-sync', args: (h) => ['status', ...cli(h), ...noCron] },
  { name: 'env-sync status --json', exe: 'env-sync', args: (h) => ['status', ...cli(h), '--json', ...noCron] },
  { name: 'env-sync status --order', exe: 'env-sync', args: (h) => ['status', ...cli(h), '--order', 'copy_data_to_staging:data_sync_complete:2h', ...noCron] },
  { name: 'env-sync status bad rotated', exe: 'env-sync', args: (h) => ['status', ...cli(h), '--rotated', 'x'] },
  { name: 'env-sync show failed', exe: 'env-sync', args: (h) => ['show', 'push_failed', ...cli(h)] },
  { name: 'env-sync show failed --json', exe: 'env-sync', args: (h) => ['show', 'push_failed', '--json', ...cli(h)] },
  { name: 'env-sync show unwrapped', exe: 'env-sync', args: (h) => ['show', 'pull_unwrapped', ...cli(h)] },
  { name: 'env-sync show no job', exe: 'env-sync', args: (h) => ['show', ...cli(h)] },
  { name: 'env-sync logs wrapped', exe: 'env-sync', args: (h) => ['logs', 'push_failed', '--syslog', h.syslog] },
  { name: 'env-sync logs unwrapped', exe: 'env-sync', args: (h) => ['logs', 'pull_unwrapped', '--syslog', h.syslog] },
  { name: 'env-sync rerun from crontab', exe: 'env-sync', args: (h) => ['rerun', 'pull_unwrapped', '--dry-run', '--user', 'root', ...cli(h)] },
  { name: 'env-sync rerun, no job user', exe: 'env-sync', args: (h) => ['rerun', 'pull_unwrapped', '--dry-run', ...cli(h)] },
  { name: 'env-sync rerun from marker', exe: 'env-sync', args: (h) => ['rerun', 'copy_data_to_staging', '--dry-run', '--user', 'root', ...cli(h)] },
  { name: 'env-sync rerun refused without asking', exe: 'env-sync', args: (h) => ['rerun', 'pull_unwrapped', '--user', 'root', ...cli(h)] },
  { name: 'env-sync show, job user root', exe: 'env-sync', args: (h) => ['show', 'pull_unwrapped', '--user', 'root', ...cli(h)] },
  one('failed, job user root', '--job', 'push_failed', '--user', 'root'),
  { name: 'env-sync config icinga2', exe: 'env-sync', args: (h) => ['config', 'icinga2', ...cli(h)] },
  { name: 'env-sync config nrpe', exe: 'env-sync', args: (h) => ['config', 'nrpe', ...cli(h)] },
  { name: 'env-sync metrics', exe: 'env-sync', args: (h) => ['metrics', ...cli(h), '--max-age', '26h'] },
  { name: 'env-sync --help', exe: 'env-sync', args: () => ['--help'] },
  {
    name: 'env-sync-run output and exit',
    exe: 'env-sync-run',
    args: (h) => ['--no-syslog', '--state-dir', join(h.dir, 'run-state'), '--job', 'golden_run', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'],
  },
  { name: 'env-sync-run no command', exe: 'env-sync-run', args: (h) => ['--no-syslog', '--state-dir', join(h.dir, 'run-state'), '--job', 'golden_run'] },
  { name: 'env-sync-run bad job', exe: 'env-sync-run', args: (h) => ['--no-syslog', '--state-dir', join(h.dir, 'run-state'), '--job', '../x', '--', 'true'] },
  {
    name: 'env-sync-run not found',
    exe: 'env-sync-run',
    args: (h) => ['--no-syslog', '--state-dir', join(h.dir, 'run-state'), '--job', 'golden_run', '--', '/nonexistent/sync'],
  },
  {
    name: 'env-sync-run no state dir',
    exe: 'env-sync-run',
    args: (h) => ['--no-syslog', '--state-dir', join(h.dir, 'nonexistent'), '--job', 'golden_run', '--', 'true'],
  },
  { name: 'env-sync status, long names, piped', exe: 'env-sync', args: long },
  { name: 'env-sync status, long names, on a terminal 80 columns wide', exe: 'env-sync', args: long, terminal: 80 },
];

/**
 * Output changes the refactor makes on purpose, each with its reason: a function from the captured
 * output to the expected one. Nothing else may differ.
 */
const CHANGED = join(repoRoot, 'test', 'golden', 'changed.json');
const changed = (name: string): Golden => (JSON.parse(readFileSync(CHANGED, 'utf8')) as Record<string, Golden>)[name]!;
const WHOLE = new Set<string>();
/** A change whose new output is kept whole in changed.json (a help text), with its reason. */
export const wholeChange = (name: string, reason: string) => (WHOLE.add(name), { reason, edit: () => changed(name) });

/**
 * Changes of output since outputs.json was last captured, each with its reason. The capture of
 * 2026-12-07 holds every output after security round 3 and the on-call fixes (help at 80 columns
 * piped, status's Why: notes, show without perfdata).
 */
export const CHANGES: Record<string, { reason: string; edit: (g: Golden) => Golden }> = {
  'check_env_sync_all -h': wholeChange('check_env_sync_all -h', 'issue 30: the dead-scheduler options --scheduler and --scheduler-window'),
  'env-sync status --json': {
    reason: 'issue 30: the host-level findings (a dead cron) under "host", empty here (--scheduler none)',
    edit: (g) => ({ ...g, stdout: g.stdout.replace('  "problems": [],\n', '  "problems": [],\n  "host": [],\n') }),
  },
};

/**
 * Runs one case on the golden host, with the clock frozen and the temp path written as $DIR. A
 * terminal case runs in a pty of script(1), sized with stty, where stdout and stderr are one stream
 * and the pty writes each newline as CR LF: its output is kept as the terminal gets it, colours and
 * all, but for the CR.
 */
export function runCase(c: Case, h: GoldenHost): Golden {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', ...frozenClock(GOLDEN_NOW) };
  const [cmd, args] = withoutUser(DEFAULT_USER, plugin(c.exe), c.args(h));
  const r = c.terminal
    ? spawnSync('script', ['-qec', `stty cols ${c.terminal} rows 24 && exec ${[cmd, ...args].map(shq).join(' ')}`, '/dev/null'], {
        env,
        encoding: 'utf8',
        timeout: 30_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 30_000 });
  if (c.terminal && r.error) throw new Error(`script(1) cannot run (${r.error.message}): apt-get install -y bsdutils (scripts/test-deps.sh)`);
  // The temporary host and this checkout (the env-sync-run a re-run adds) are where they happen to be.
  const norm = (s: string) => (c.terminal ? s.replace(/\r\n/g, '\n') : s).split(h.dir).join('$DIR').split(repoRoot).join('$REPO/');
  return { stdout: norm(r.stdout ?? ''), stderr: norm(r.stderr ?? ''), exit: r.status };
}

describe('golden outputs of every executable (fixed host, frozen clock)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let host: GoldenHost;
  let expected: Record<string, Golden> = {};
  const actual: Record<string, Golden> = {};
  before(() => {
    requireLibfaketime();
    tmp = makeTempDir('env-sync-golden-');
    host = writeGoldenHost(tmp.dir);
    mkdirSync(join(tmp.dir, 'run-state'));
    if (!process.env.GOLDEN_UPDATE) expected = JSON.parse(readFileSync(OUTPUTS, 'utf8')) as Record<string, Golden>;
  });
  after(() => {
    if (process.env.GOLDEN_UPDATE) {
      // Outputs not run (mocha -g) keep their capture, and so does every output with a change listed in
      // CHANGES: the change is applied to the capture when they are compared.
      const kept = JSON.parse(readFileSync(OUTPUTS, 'utf8')) as Record<string, Golden>;
      const changed = Object.fromEntries(Object.keys(CHANGES).flatMap((n) => (kept[n] ? [[n, kept[n]]] : [])));
      writeFileSync(OUTPUTS, `${JSON.stringify({ ...kept, ...actual, ...changed }, null, 1)}\n`);
    }
    if (process.env.GOLDEN_UPDATE_CHANGED) writeFileSync(CHANGED, `${JSON.stringify(Object.fromEntries([...WHOLE].map((n) => [n, actual[n]])), null, 1)}\n`);
    tmp?.cleanup();
  });

  for (const c of CASES) {
    it(c.name, () => {
      const got = runCase(c, host);
      actual[c.name] = got;
      if (process.env.GOLDEN_UPDATE || (process.env.GOLDEN_UPDATE_CHANGED && WHOLE.has(c.name))) return;
      const captured = expected[c.name];
      expect(captured, `no captured output for ${c.name}: run with GOLDEN_UPDATE=1`).to.not.equal(undefined);
      const want = CHANGES[c.name] ? CHANGES[c.name]!.edit(captured!) : captured!;
      expect(got).to.deep.equal(want);
    });
  }
  it('keeps every long name whole when piped, and cuts none of them to the same text on a terminal 80 columns wide', () => {
    const rowsOf = (name: string) => {
      const out = (actual[name] ?? runCase(CASES.find((c) => c.name === name)!, host)).stdout;
      const lines = out.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
      const table = lines.slice(
        lines.findIndex((l) => l.startsWith('STATE ')),
        lines.indexOf(''),
      );
      return { table, names: table.slice(1).map((l) => l.split(/\s+/)[1]!), lines };
    };
    const piped = rowsOf('env-sync status, long names, piped');
    expect([...piped.names].sort()).to.deep.equal([...host.long.jobs].sort());
    const tty = rowsOf('env-sync status, long names, on a terminal 80 columns wide');
    expect(tty.names).to.have.length(host.long.jobs.length);
    expect(new Set(tty.names).size, tty.names.join('\n')).to.equal(host.long.jobs.length);
    // The table fits by cutting names (the Why: notes below it are whole sentences the terminal wraps).
    expect(tty.names.filter((n) => n.includes('…')).length).to.be.greaterThan(1);
    for (const l of tty.table) expect([...l].length, l).to.be.at.most(80);
    // Each cut name still reads as its own job: its start and its end are the job's.
    for (const n of tty.names.filter((x) => x.includes('…'))) {
      const [head, tail] = n.split('…');
      expect(
        host.long.jobs.filter((j) => j.startsWith(head!) && j.endsWith(tail!)),
        n,
      ).to.have.length(1);
    }
    // Why: notes for the rows that are not OK, on both.
    expect(piped.lines).to.include('Why:');
    expect(tty.lines).to.include('Why:');
  });
  it('lists a reason for every change, and changes only cases that exist', () => {
    for (const [name, change] of Object.entries(CHANGES)) {
      expect(
        CASES.some((c) => c.name === name),
        name,
      ).to.equal(true);
      expect(change.reason.length, name).to.be.greaterThan(10);
    }
  });
});
