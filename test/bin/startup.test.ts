// What each executable loads on the command line Icinga, NRPE and cron give it. Start-up is paid
// every minute on every host (docs/benchmarks.md has the timings); these tests pin the causes, which
// unlike timings do not vary with a noisy machine: one CommonJS bundle run from V8's code cache and
// nothing lazy, no ES module loader, no yargs, no node:crypto, and for the plugins no stream modules
// and no ICU.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, plugin, repoRoot } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

interface Probe {
  builtins: string[];
  files: string[];
  calls: string[];
}

describe('start-up: what an executable loads on its usual command line', function () {
  this.timeout(60_000);
  let dir: string;
  let state: string;
  let cleanup: () => void;
  const syslog = () => join(dir, 'syslog');

  before(() => {
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    writeFileSync(syslog(), '');
    // Three jobs with real markers, one failed, so that sorting, evidence and ages all run.
    for (const [job, cmd] of [
      ['alpha', 'true'],
      ['Bravo', 'false'],
      ['9charlie', 'true'],
    ] as const) {
      const r = spawnSync(plugin('env-sync-run'), ['--no-syslog', '--state-dir', state, '--job', job, '--', cmd]);
      expect(r.status, String(r.stderr)).to.equal(cmd === 'true' ? 0 : 1);
    }
  });
  after(() => cleanup());

  function probe(exe: string, args: string[]): Probe & { stdout: string; status: number | null } {
    const out = join(dir, `probe-${exe}.json`);
    const env: NodeJS.ProcessEnv = { ...process.env, STARTUP_PROBE_OUT: out };
    delete env.NODE_OPTIONS;
    const r = spawnSync(process.execPath, ['-r', fixture('startup-probe.cjs'), plugin(exe), ...args], { env, encoding: 'utf8' });
    return { ...(JSON.parse(readFileSync(out, 'utf8')) as Probe), stdout: r.stdout, status: r.status };
  }

  // Files loaded through require(): the launcher (every executable is a link to it); the bundle
  // itself is run from its code cache (vm.Script), so it is not among them, and nor is anything lazy.
  const ownFiles = (p: Probe) => p.files.filter((f) => f.startsWith(repoRoot) && !f.endsWith('startup-probe.cjs')).map((f) => f.slice(repoRoot.length));
  const LAUNCHER = 'plugins/launch.cjs';
  // Built-in modules loaded beyond what a bare node loads that ends with process.exit(), as the
  // plugins do: Node 18's process.exit() loads internal/modules/esm/handle_process_exit whether or
  // not any ES module ran.
  const loaded = (p: Probe, pattern: RegExp) => p.builtins.filter((m) => pattern.test(m) && !probeBare().builtins.includes(m));

  // Arguments as functions: the state directory exists only once before() has run.
  const plugins: [string, () => string[]][] = [
    ['check_env_sync', () => ['--job', 'Bravo', '--state-dir', state, '--syslog', syslog(), '-w', '25h', '-c', '26h']],
    ['check_env_sync_all', () => ['--state-dir', state, '--syslog', syslog()]],
    ['check_env_sync_order', () => ['--first', 'alpha', '--then', '9charlie', '--state-dir', state]],
  ];
  for (const [exe, args] of plugins) {
    it(`${exe}: its launcher and one CommonJS bundle, no stream, crypto, os, child process or ES module loading, no ICU`, () => {
      const p = probe(exe, args());
      expect(p.stdout).to.match(/^ENV_SYNC (OK|WARNING|CRITICAL) - /);
      expect(ownFiles(p)).to.deep.equal([LAUNCHER]);
      expect(loaded(p, /^NativeModule (stream|net|crypto|internal\/crypto\/|internal\/streams\/)/), 'stream or crypto modules').to.deep.equal([]);
      expect(loaded(p, /esm/), 'the ES module loader at work').to.deep.equal([]);
      // Loaded at their first use only (src/common/builtin.ts): the wrapper and a few errors need them.
      expect(loaded(p, /^NativeModule (os|child_process)$/), 'node:os or node:child_process').to.deep.equal([]);
      expect(p.calls, 'calls that load ICU data').to.deep.equal([]);
    });
  }

  // A crontab with job lines makes check_env_sync_all look at cron (issue 30): its pid file and /proc,
  // read in process. cron-parser comes for the schedules (the missed-run rule's, and the next runs
  // when cron is not seen running), nothing else.
  it('check_env_sync_all with a crontab: cron looked at without a child process or node:os; cron-parser the one lazy load', () => {
    const crontab = join(dir, 'crontab-jobs');
    writeFileSync(crontab, '18 0 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/alpha.cfg\n');
    const p = probe('check_env_sync_all', ['--state-dir', state, '--syslog', syslog(), '--crontab', crontab]);
    expect(p.stdout).to.match(/^ENV_SYNC (OK|WARNING|CRITICAL) - /);
    expect(p.stdout).to.match(/cron is (not )?running/);
    expect(ownFiles(p)).to.deep.equal([LAUNCHER, 'dist/lazy/cron-parser.cjs']);
    expect(loaded(p, /^NativeModule (os|child_process)$/), 'node:os or node:child_process').to.deep.equal([]);
    expect(loaded(p, /esm/), 'the ES module loader at work').to.deep.equal([]);
  });

  it('env-sync-run: its launcher and one CommonJS bundle, no crypto, no ICU; the child process modules it needs', () => {
    const p = probe('env-sync-run', ['--no-syslog', '--state-dir', state, '--job', 'alpha', '--', 'true']);
    expect(p.status).to.equal(0);
    expect(ownFiles(p)).to.deep.equal([LAUNCHER]);
    expect(loaded(p, /^NativeModule (crypto|internal\/crypto\/)/), 'crypto modules').to.deep.equal([]);
    expect(loaded(p, /^NativeModule child_process$/)).to.have.length(1);
    expect(p.calls, 'calls that load ICU data').to.deep.equal([]);
  });

  it('env-sync-run --textfile-dir: still its launcher and one bundle (no cron-parser, nothing lazy), and the file written', () => {
    const textDir = join(dir, 'textfile');
    mkdirSync(textDir, { recursive: true });
    const p = probe('env-sync-run', ['--no-syslog', '--state-dir', state, '--textfile-dir', textDir, '--job', 'alpha', '--', 'true']);
    expect(p.status).to.equal(0);
    expect(ownFiles(p)).to.deep.equal([LAUNCHER]);
    expect(readFileSync(join(textDir, 'env_sync_alpha.prom'), 'utf8')).to.contain('env_sync_last_run_success{job_name="alpha"} 1');
  });

  // A crontab with schedules brings cron-parser (dist/lazy/, an ES module) for the NEXT RUN column.
  it('env-sync status: one bundle, no yargs or ES module loading, no child_process, readline or ICU', () => {
    const crontab = join(dir, 'crontab');
    writeFileSync(crontab, 'MAILTO=""\n');
    const p = probe('env-sync', ['status', '--state-dir', state, '--syslog', syslog(), '--crontab', crontab, '--json']);
    expect(JSON.parse(p.stdout).jobs).to.have.length(3);
    expect(ownFiles(p)).to.deep.equal([LAUNCHER]);
    expect(loaded(p, /esm/), 'the ES module loader at work (yargs)').to.deep.equal([]);
    expect(loaded(p, /^NativeModule (child_process|readline|crypto)$/)).to.deep.equal([]);
    expect(p.calls, 'calls that load ICU data').to.deep.equal([]);
  });

  it('loads yargs, from its own bundle in dist/lazy/, only when asked for help', () => {
    const p = probe('check_env_sync', ['--help']);
    expect(p.stdout).to.match(/^Usage: check_env_sync/);
    expect(ownFiles(p)).to.deep.equal([LAUNCHER, 'dist/lazy/yargs.cjs']);
    expect(loaded(p, /esm/), 'the ES module loader at work').to.deep.equal([]);
  });

  it('runs every executable from the code cache the build wrote', () => {
    for (const exe of ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order', 'env-sync', 'env-sync-run']) {
      const r = spawnSync(plugin(exe), ['--help'], { env: { ...process.env, ENV_SYNC_DEBUG_CODE_CACHE: '1' }, encoding: 'utf8' });
      expect(r.stderr, exe).to.match(/^code cache: used \[/m);
    }
  });

  // The cache the build wrote for the Node running the tests (plugins/launch.cjs names it).
  const cacheOf = (bundle: string) => `${bundle}.cjs.${process.versions.v8}-${process.arch}.cache`;
  it('ignores a cache that does not match the bundle, and still gives the right verdict', () => {
    const copy = join(dir, 'copy');
    cpSync(join(repoRoot, 'plugins'), join(copy, 'plugins'), { recursive: true, verbatimSymlinks: true });
    cpSync(join(repoRoot, 'dist'), join(copy, 'dist'), { recursive: true });
    const args = ['--job', 'Bravo', '--state-dir', state, '--syslog', syslog()];
    const env = { ...process.env, ENV_SYNC_DEBUG_CODE_CACHE: '1' };
    const good = spawnSync(join(copy, 'plugins', 'check_env_sync'), args, { env, encoding: 'utf8' });
    // Another bundle's cache, and then bytes that are no cache at all.
    for (const bad of [readFileSync(join(copy, 'dist', cacheOf('check_env_sync_order'))), Buffer.from('not a code cache')]) {
      writeFileSync(join(copy, 'dist', cacheOf('check_env_sync')), bad);
      const r = spawnSync(join(copy, 'plugins', 'check_env_sync'), args, { env, encoding: 'utf8' });
      expect(r.stderr).to.match(/^code cache: rejected \[/m);
      expect(r.status).to.equal(good.status);
      expect(r.stdout.replace(/age=[\d.]+s/, '')).to.equal(good.stdout.replace(/age=[\d.]+s/, ''));
    }
    rmSync(join(copy, 'dist', cacheOf('check_env_sync')));
    const none = spawnSync(join(copy, 'plugins', 'check_env_sync'), args, { env, encoding: 'utf8' });
    expect(none.stderr).to.match(/^code cache: none \[/m);
    expect(none.status).to.equal(good.status);
    // A cache that cannot be written (here a directory in its place) changes nothing either.
    mkdirSync(join(copy, 'dist', cacheOf('check_env_sync')));
    const unwritable = spawnSync(join(copy, 'plugins', 'check_env_sync'), args, { env: { ...env, ENV_SYNC_WRITE_CODE_CACHE: '1' }, encoding: 'utf8' });
    expect(unwritable.stderr).to.match(/^code cache not written: /m);
    expect(unwritable.status).to.equal(good.status);
    expect(unwritable.stdout.replace(/age=[\d.]+s/, '')).to.equal(good.stdout.replace(/age=[\d.]+s/, ''));
  });

  it('says which executable is not built, each in its own way, and refuses a name it does not know', () => {
    const bare = join(dir, 'unbuilt');
    cpSync(join(repoRoot, 'plugins'), join(bare, 'plugins'), { recursive: true, verbatimSymlinks: true });
    const expected: Array<[string, number, 'stdout' | 'stderr', RegExp]> = [
      ['check_env_sync', 3, 'stdout', /^ENV_SYNC UNKNOWN - check_env_sync is not built: run npm run build .*dist\/check_env_sync\.cjs is missing\)\n$/],
      ['check_env_sync_all', 3, 'stdout', /^ENV_SYNC UNKNOWN - check_env_sync_all is not built: /],
      ['check_env_sync_order', 3, 'stdout', /^ENV_SYNC UNKNOWN - check_env_sync_order is not built: /],
      ['env-sync', 2, 'stderr', /^env-sync is not built: .*dist\/env_sync\.cjs is missing/],
      ['env-sync-run', 125, 'stderr', /^env-sync-run is not built: .*dist\/env_sync_run\.cjs is missing/],
    ];
    for (const [exe, code, stream, text] of expected) {
      const r = spawnSync(join(bare, 'plugins', exe), ['--help'], { encoding: 'utf8' });
      expect(r.status, exe).to.equal(code);
      expect(r[stream], exe).to.match(text);
    }
    symlinkSync('launch.cjs', join(bare, 'plugins', 'check_foo'));
    const r = spawnSync(join(bare, 'plugins', 'check_foo'), [], { encoding: 'utf8' });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/cannot tell which executable "check_foo" is: run it by one of its names \(check_env_sync, /);
  });

  let bare: Probe | null = null;
  function probeBare(): Probe {
    if (bare) return bare;
    const out = join(dir, 'probe-bare.json');
    spawnSync(process.execPath, ['-r', fixture('startup-probe.cjs'), '-e', 'process.exit(0)'], { env: { ...process.env, STARTUP_PROBE_OUT: out } });
    bare = JSON.parse(readFileSync(out, 'utf8')) as Probe;
    return bare;
  }
});
