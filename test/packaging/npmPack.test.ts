// The npm tarball: `npm pack` of a copy of the checkout (with no dist/: the bundles must be built at
// pack time), installed with `npm install -g` into a temporary prefix with the network off, gives
// commands on PATH whose output is byte for byte the checkout's for the same inputs. The clock is
// frozen with libfaketime so that ages and "ago" read the same in both runs.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postingOptions, startFakeIcingaApi } from '../support/fakeIcingaApi.js';
import { fixture, plugin, repoRoot, run } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';
import { makeTestPki } from '../support/tls.js';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';
const EXECUTABLES = ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order', 'env-sync', 'env-sync-run'];
const FAILED = 'pull_content_data_admin_production_daily';
const OK = 'push_attachments_staging';

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** npm without the variables of an npm that may be running the tests, with its cache in the temp dir. */
function npm(args: string[], cwd: string, cache: string): Ran {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const r = spawnSync('npm', [...args, '--cache', cache, '--no-update-notifier', '--no-audit', '--no-fund'], { cwd, env, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

describe('the npm tarball: npm pack, npm install -g into a prefix, the same output as the checkout', function () {
  this.timeout(600_000);
  let tmp: { dir: string; cleanup: () => void };
  let prefix = '';
  let tarball = '';
  let state = '';
  let syslog = '';

  /** A frozen wall clock (the monotonic one runs, for Node's timers), UTC, C locale, nothing else of ours. */
  const frozen = (at: string, path: string): NodeJS.ProcessEnv => ({
    PATH: path,
    TZ: 'UTC',
    LC_ALL: 'C',
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME: at,
    DONT_FAKE_MONOTONIC: '1',
  });
  const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';
  const npmPath = () => `${prefix}/bin:${SYSTEM_PATH}`;

  before(function () {
    if (!existsSync(LIBFAKETIME)) throw new Error(`${LIBFAKETIME} is missing: install the Debian package libfaketime (bash scripts/test-deps.sh)`);
    tmp = makeTempDir('env-sync-npm-');
    // A copy of the checkout as git sees it (tracked and new files, nothing ignored: no dist/, build/).
    const copy = join(tmp.dir, 'checkout');
    const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' });
    if (files.status !== 0) throw new Error(`git ls-files failed in ${repoRoot}: ${files.stderr}`);
    for (const f of files.stdout.split('\0').filter(Boolean)) {
      if (!existsSync(join(repoRoot, f))) continue; // deleted in the work tree
      mkdirSync(join(copy, f, '..'), { recursive: true });
      cpSync(join(repoRoot, f), join(copy, f), { verbatimSymlinks: true });
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
    expect(existsSync(join(copy, 'dist'))).to.equal(false);

    const cache = join(tmp.dir, 'npm-cache');
    const out = join(tmp.dir, 'pack');
    mkdirSync(out);
    const packed = npm(['pack', '--pack-destination', out], copy, cache);
    if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
    tarball = join(out, readdirSync(out).find((f) => f.endsWith('.tgz'))!);
    prefix = join(tmp.dir, 'prefix');
    const installed = npm(['install', '-g', '--offline', '--prefix', prefix, tarball], tmp.dir, cache);
    if (installed.status !== 0) throw new Error(`npm install -g ${tarball} failed: ${installed.stderr}`);

    // The inputs: markers written by the checkout's wrapper at fixed times, a syslog, the fixture crontab.
    state = join(tmp.dir, 'state');
    mkdirSync(state);
    const job = (at: string, name: string, ...cmd: string[]) => {
      const r = spawnSync(plugin('env-sync-run'), ['--no-syslog', '--state-dir', state, '--job', name, '--', ...cmd], {
        env: frozen(at, SYSTEM_PATH),
        encoding: 'utf8',
      });
      if (r.status === null || r.status > 1) throw new Error(`env-sync-run --job ${name} failed: ${r.stderr}`);
    };
    job('2026-11-23 23:10:00', 'copy_data_to_staging', 'true');
    job('2026-11-23 23:40:00', 'data_sync_complete', 'true');
    job('2026-11-24 00:00:00', OK, 'true');
    job('2026-11-24 00:18:00', FAILED, 'sh', '-c', 'echo restoring; echo "pg_restore: error: relation \\"events\\" does not exist" >&2; exit 1');
    syslog = join(tmp.dir, 'syslog');
    writeFileSync(
      syslog,
      [
        'Nov 24 00:17:59 db1 CRON[4100]: (govuk-backup) CMD (true)',
        `Nov 24 00:18:00 db1 env-sync/${FAILED}[4101]: pg_restore: error: relation "events" does not exist`,
        `Nov 24 00:18:00 db1 govuk_env_sync.sh: Error running "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${FAILED}.cfg" in function restore_postgresql on line 212 executing "pg_restore"`,
        'Nov 24 00:19:00 db1 systemd[1]: Started session 9.',
        '',
      ].join('\n'),
    );
  });
  after(() => tmp?.cleanup());

  it('packs the bundles built at pack time, the launchers and the docs, and no sources, tests or dependencies', function () {
    const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const exe of EXECUTABLES) {
      expect(list).to.include(`package/bin/${exe}`);
      expect(list).to.include(`package/dist/${exe.replace(/-/g, '_')}.cjs`);
    }
    expect(list).to.include.members([
      'package/bin/package.json',
      'package/plugins/launch.cjs',
      'package/dist/lazy/yargs.cjs',
      'package/icinga-conf/icinga2/commands.conf',
      'package/docs/packaging.md',
      'package/README.md',
    ]);
    expect(list.filter((f) => /^package\/(src|test|build|scripts|node_modules|packaging)\//.test(f))).to.deep.equal([]);
    const meta = JSON.parse(spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout);
    expect(meta.dependencies ?? {}).to.deep.equal({});
    expect(Object.keys(meta.scripts ?? {}).filter((s) => /install|prepare/.test(s))).to.deep.equal([]);
  });

  it('npm install -g puts the five commands on PATH and installs nothing besides', function () {
    const lib = join(prefix, 'lib', 'node_modules', 'env-sync-checks');
    for (const exe of EXECUTABLES) {
      expect(realpathSync(join(prefix, 'bin', exe))).to.equal(join(lib, 'bin', exe));
      const v = spawnSync(exe, ['--version'], { env: { PATH: npmPath() }, encoding: 'utf8' });
      expect(v.stdout.trim(), `${exe}: ${v.stderr}`).to.equal(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
    }
    expect(existsSync(join(lib, 'node_modules'))).to.equal(false);
  });

  // [executable, arguments]: run by the checkout's plugins/ and by name from the prefix, same clock.
  const cases: Array<[string, () => string[]]> = [
    ['check_env_sync', () => ['--job', FAILED, '--state-dir', state, '--syslog', syslog, '-w', '25h', '-c', '26h', '-v']],
    ['check_env_sync', () => ['--job', OK, '--state-dir', state, '--syslog', syslog, '--schedule', '0 0 * * *', '--grace', '1h']],
    ['check_env_sync', () => ['--job', 'never_ran', '--state-dir', state, '--syslog', syslog]],
    ['check_env_sync', () => ['--job', OK, '--age-critical', '10:5', '--state-dir', state]],
    ['check_env_sync', () => ['--help']],
    ['check_env_sync_all', () => ['--state-dir', state, '--syslog', syslog, '--crontab', fixture('crontab.govuk-backup')]],
    ['check_env_sync_order', () => ['--first', 'copy_data_to_staging', '--then', 'data_sync_complete', '--within', '2h', '--state-dir', state]],
    ['check_env_sync_order', () => ['--first', 'copy_data_to_staging', '--state-dir', state]],
    ['env-sync', () => ['status', '--state-dir', state, '--syslog', syslog, '--crontab', fixture('crontab.govuk-backup')]],
    ['env-sync', () => ['status', '--json', '--state-dir', state, '--syslog', syslog, '--crontab', fixture('crontab.govuk-backup')]],
    ['env-sync', () => ['show', FAILED, '--state-dir', state, '--syslog', syslog, '--crontab', fixture('crontab.govuk-backup')]],
    ['env-sync', () => ['logs', FAILED, '--syslog', syslog]],
    ['env-sync', () => ['rerun', FAILED, '--state-dir', state, '--crontab', fixture('crontab.govuk-backup')]],
    ['env-sync', () => ['config', 'nrpe', '--state-dir', state, '--crontab', fixture('crontab.govuk-backup')]],
    ['env-sync', () => ['config', 'icinga2', '--state-dir', state, '--crontab', fixture('crontab.govuk-backup')]],
    ['env-sync', () => ['--help']],
    ['env-sync-run', () => ['--help']],
    ['env-sync-run', () => ['--overlap', 'sometimes', '--', 'true']],
  ];
  for (const [exe, args] of cases) {
    // The words of the case, without the temp paths, name it.
    const words = () =>
      args()
        .map((w) => (w === '' ? '…' : w.startsWith('/') ? w.slice(w.lastIndexOf('/') + 1) : w))
        .join(' ');
    it(`${exe} ${words()}: the checkout's output, byte for byte`, function () {
      const at = '2026-11-24 09:00:00';
      const a = spawnSync(plugin(exe), args(), { env: frozen(at, SYSTEM_PATH), encoding: 'utf8' });
      const b = spawnSync(exe, args(), { env: frozen(at, npmPath()), encoding: 'utf8' });
      expect(a.stdout.length + a.stderr.length, 'the checkout printed something').to.be.greaterThan(0);
      // A re-run line names the env-sync-run beside the executable (where the job's user exists on this
      // machine): each its own, the one difference allowed.
      const wrapperAt = (text: string, path: string) => text.split(path).join('$WRAPPER');
      const installedWrapper = join(prefix, 'lib', 'node_modules', 'env-sync-checks', 'bin', 'env-sync-run');
      const ofB = (t: string) => wrapperAt(t, installedWrapper);
      const ofA = (t: string) => wrapperAt(t, plugin('env-sync-run'));
      expect({ status: b.status, stdout: ofB(b.stdout), stderr: ofB(b.stderr) }).to.deep.equal({
        status: a.status,
        stdout: ofA(a.stdout),
        stderr: ofA(a.stderr),
      });
    });
  }

  it("env-sync-run passes a job's output and status through as the checkout's does", function () {
    const at = '2026-11-24 09:00:00';
    const args = (dir: string) => ['--no-syslog', '--state-dir', dir, '--job', 'passthrough', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'];
    mkdirSync(join(tmp.dir, 'state-a'));
    mkdirSync(join(tmp.dir, 'state-b'));
    const a = spawnSync(plugin('env-sync-run'), args(join(tmp.dir, 'state-a')), { env: frozen(at, SYSTEM_PATH), encoding: 'utf8' });
    const b = spawnSync('env-sync-run', args(join(tmp.dir, 'state-b')), { env: frozen(at, npmPath()), encoding: 'utf8' });
    expect({ status: a.status, stdout: a.stdout, stderr: a.stderr }).to.deep.equal({ status: 3, stdout: 'out\n', stderr: 'err\n' });
    expect({ status: b.status, stdout: b.stdout, stderr: b.stderr }).to.deep.equal({ status: a.status, stdout: a.stdout, stderr: a.stderr });
  });

  it("the installed env-sync-run posts the check's verdict for a passive result, and env-sync rerun --exec runs the installed env-sync-run", async function () {
    const pki = makeTestPki(tmp.dir, 'icinga');
    const api = await startFakeIcingaApi(pki);
    try {
      const posted = await run('env-sync-run', ['--no-syslog', '--state-dir', state, '--job', 'posted', ...postingOptions(api, pki, tmp.dir), '--', 'true'], {
        env: { PATH: npmPath() },
      });
      expect(posted.code, posted.stderr).to.equal(0);
      expect(api.seen, posted.stderr).to.have.length(1);
      expect(api.seen[0]!.body.plugin_output).to.match(/^ENV_SYNC OK - posted last run succeeded /);
    } finally {
      await api.close();
    }
    // The re-run comes from the job's crontab line, as root (--user root: the records here are root's).
    const crontab = join(tmp.dir, 'crontab-posted');
    writeFileSync(crontab, '# Puppet Name: posted\n0 0 * * * true sync\n');
    const rerun = spawnSync('env-sync', ['rerun', 'posted', '--exec', '--user', 'root', '--state-dir', state, '--crontab', crontab], {
      env: { PATH: npmPath() },
      encoding: 'utf8',
    });
    expect(rerun.status, rerun.stderr).to.equal(0);
    expect(rerun.stdout).to.include(
      `${join(prefix, 'lib', 'node_modules', 'env-sync-checks', 'bin', 'env-sync-run')} --job posted --state-dir ${state} -- true sync`,
    );
    expect((JSON.parse(readFileSync(join(state, 'posted', 'state.json'), 'utf8')) as { history: unknown[] }).history).to.have.length(2);
  });
});
