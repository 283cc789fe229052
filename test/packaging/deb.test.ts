// The Debian package on this machine, for real: built by scripts/package-deb.mjs, checked by
// lintian, installed with dpkg -i, its plugins run as user nagios by a real NRPE from the installed
// NRPE file plus the lines `env-sync config nrpe` prints, its CheckCommands validated by a real
// `icinga2 daemon -C` through `include <plugins-contrib>`, reconfigured for a job user, upgraded to a
// higher version (markers kept), removed (markers kept), purged (nothing left).
//
// The machine is shared: the test refuses to start when anything of the package is already there (it
// would otherwise overwrite and then purge someone else's files), and its after hook purges what it
// installed even when a step failed half-way.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDeb, PACKAGE, requireTool } from '../support/debPackage.js';
import { postingOptions, startFakeIcingaApi, type FakeIcingaApi } from '../support/fakeIcingaApi.js';
import { freePort, validateIcinga2, writeIcinga2Config } from '../support/icinga2.js';
import { checkNrpe, requireNrpe, startNrpe, type RunningNrpe } from '../support/nrpe.js';
import { repoRoot, run } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';
import { makeTestPki } from '../support/tls.js';
import { ensureUser } from '../support/users.js';

const STATE_DIR = '/var/lib/env-sync';
const DEFAULTS = '/etc/default/env-sync-checks';
const NRPE_FILE = '/etc/nagios/nrpe.d/env-sync-checks.cfg';
const ITL_FILE = '/usr/share/icinga2/include/plugins-contrib.d/env-sync.conf';
const EXAMPLES = '/usr/share/doc/env-sync-checks/examples';
const PLUGINS = ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order'];
// What cron gives a job: the installed commands must be found on it.
const CRON_PATH = '/usr/bin:/bin';

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Ran {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** dpkg and friends, waiting (up to 10 minutes) while another apt/dpkg on the shared machine holds the lock. */
function dpkg(cmd: string, args: string[]): Ran {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const r = sh(cmd, args, { DEBIAN_FRONTEND: 'noninteractive' });
    if (r.status !== 0 && /locked by another process|lock-frontend|Could not get lock/.test(r.stderr) && Date.now() < deadline) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
      continue;
    }
    return r;
  }
}

/** The package's state as dpkg-query knows it: null when it is not installed (or was purged). */
function installed(): { status: string; version: string } | null {
  const r = sh('dpkg-query', ['-W', '-f=${db:Status-Abbrev}|${Version}', PACKAGE]);
  if (r.status !== 0) return null;
  const [status, version] = r.stdout.split('|') as [string, string];
  return /^(un|pn)/.test(status) ? null : { status: status.trim(), version };
}

/** Every file under dir, path -> bytes. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p, readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

const exists = (p: string) => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};
const ownerAndMode = (p: string) => {
  const r = sh('stat', ['-c', '%U:%G %a', p]);
  return r.stdout.trim();
};

describe('the Debian package: build, lintian, install, NRPE and Icinga 2, upgrade, remove, purge', function () {
  this.timeout(900_000);
  this.bail(true);
  let tmp: { dir: string; cleanup: () => void };
  let debV1 = '';
  let debV2 = '';
  let v1 = '';
  let v2 = '';
  /** Every path in the package (from its data archive), and whether it was on the machine before. */
  let payload: Array<{ path: string; dir: boolean; before: boolean }> = [];
  let weInstalled = false;
  let nrpe: RunningNrpe | null = null;
  let api: FakeIcingaApi | null = null;
  let markersBeforeUpgrade = new Map<string, string>();

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('the Debian package test installs with dpkg -i: run npm test as root');
    requireTool('dpkg-deb', 'dpkg');
    requireTool('lintian', 'lintian');
    requireTool('setpriv', 'util-linux');
    requireTool('dpkg-reconfigure', 'debconf');
    requireNrpe();
    if (sh('id', ['nagios']).status !== 0) throw new Error('user nagios is missing: install the Debian package nagios-nrpe-server');
    for (const s of SIGNALS) process.on(s, trap);
    tmp = makeTempDir('env-sync-deb-');
    v1 = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
    v2 = `${v1}+1`;
    debV1 = buildDeb(join(tmp.dir, 'v1'));
    debV2 = buildDeb(join(tmp.dir, 'v2'), v2);
    chmodSync(join(tmp.dir, 'v1'), 0o755);

    // Nothing of the package may be here yet: not the package, not a file of it, not the state directory.
    const already = installed();
    if (already)
      throw new Error(
        `${PACKAGE} is already known to dpkg here (${already.status} ${already.version}): this test installs and purges it, so it will not run on a machine that has it; purge it first (dpkg --purge ${PACKAGE}) if it is a leftover`,
      );
    const list = sh('sh', ['-c', `dpkg-deb --fsys-tarfile '${debV1}' | tar -t`]);
    expect(list.status, list.stderr).to.equal(0);
    payload = list.stdout
      .split('\n')
      .filter((l) => l && l !== './')
      .map((l) => ({ path: l.slice(1).replace(/\/$/, ''), dir: l.endsWith('/'), before: exists(l.slice(1).replace(/\/$/, '')) }));
    const clash = [...payload.filter((p) => !p.dir && p.before).map((p) => p.path), ...[STATE_DIR].filter(exists)];
    if (clash.length)
      throw new Error(
        `files of ${PACKAGE} are already on this machine, not from the package: ${clash.join(', ')}; this test would overwrite and then purge them, so it does not run (remove them, e.g. links made by scripts/install-nagios-plugins.sh, if they are leftovers)`,
      );
  });

  /** Removes the job user if this test made it (the NRPE step). */
  let removeJobUser: () => void = () => undefined;

  /** Puts the machine back as the test found it, whatever step failed: synchronous, for the signal trap too. */
  function restoreMachine(): void {
    removeJobUser();
    removeJobUser = () => undefined;
    if (!weInstalled) return;
    if (installed()) {
      const r = dpkg('dpkg', ['--purge', PACKAGE]);
      if (r.status !== 0) console.error(`dpkg --purge ${PACKAGE} failed: ${r.stderr}`);
    }
    if (exists(STATE_DIR)) sh('rm', ['-rf', STATE_DIR]);
    weInstalled = false;
  }
  // Mocha runs no after hook when it is interrupted: purge then, too.
  const trap = (signal: NodeJS.Signals) => {
    void nrpe?.stop(); // SIGTERM to its process group now; it would outlive us otherwise
    restoreMachine();
    tmp?.cleanup();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
  };
  const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

  after(async function () {
    for (const s of SIGNALS) process.off(s, trap);
    await nrpe?.stop();
    await api?.close();
    restoreMachine();
    tmp?.cleanup();
  });

  it('lintian finds no error and nothing about the man pages, and every warning and override is explained in docs/packaging.md', function () {
    // As nobody: lintian unpacks what it checks, which root should not do for a package it did not make.
    const r = sh('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'lintian', '--display-info', '--show-overrides', debV1], {
      HOME: '/tmp',
      TMPDIR: '/tmp',
    });
    const tags = [...r.stdout.matchAll(/^([EWIO]): env-sync-checks: (\S+)(?: \[(.*)\])?/gm)].map((m) => ({ level: m[1]!, tag: m[2]!, where: m[3] ?? '' }));
    expect(r.stderr.replace(/^running with root privileges.*\n/m, '')).to.equal('');
    expect(
      tags.filter((t) => t.level === 'E'),
      r.stdout,
    ).to.deep.equal([]);
    // A page for each executable, each rendering without a groff message (no-manual-page, groff-message, …).
    expect(
      tags.filter((t) => t.level !== 'O' && /manual-page|manpage|groff|whatis/.test(t.tag)),
      r.stdout,
    ).to.deep.equal([]);
    // The one override: the plugins' pages, whose executables are not on PATH.
    expect(
      tags.filter((t) => t.level === 'O'),
      r.stdout,
    ).to.deep.equal(PLUGINS.map((p) => ({ level: 'O', tag: 'spare-manual-page', where: `usr/share/man/man1/${p}.1.gz` })));
    const doc = readFileSync(join(repoRoot, 'docs', 'packaging.md'), 'utf8');
    const unexplained = [...new Set(tags.filter((t) => t.level === 'W' || t.level === 'O').map((t) => t.tag))].filter((tag) => !doc.includes(`\`${tag}\``));
    expect(unexplained, `lintian warnings and overrides not listed in docs/packaging.md:\n${r.stdout}`).to.deep.equal([]);
  });

  it('installs with dpkg -i: the plugins, the commands on PATH, the conffiles, and the state directory with the line that hands it over', async function () {
    weInstalled = true;
    const r = dpkg('dpkg', ['-i', debV1]);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(installed()).to.deep.equal({ status: 'ii', version: v1 });

    for (const p of PLUGINS) {
      expect(realpathSync(`/usr/lib/nagios/plugins/${p}`)).to.equal('/usr/lib/env-sync-checks/plugins/launch.cjs');
      // env-sync-run and env-sync find their siblings here, beside the launcher's real path.
      expect(existsSync(`/usr/lib/env-sync-checks/plugins/${p}`)).to.equal(true);
    }
    for (const c of ['env-sync', 'env-sync-run']) {
      const v = sh(c, ['--version'], { PATH: CRON_PATH });
      expect(v.stdout.trim(), `${c} --version: ${v.stderr}`).to.equal(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
    }
    const conffiles = sh('dpkg-query', ['-W', '-f=${Conffiles}', PACKAGE]).stdout;
    expect(conffiles).to.include(DEFAULTS).and.to.include(NRPE_FILE);

    // No job user on this machine (no govuk-backup, nothing in the defaults file): root's, with the fix.
    const jobUser = sh('getent', ['passwd', 'govuk-backup']).status === 0 ? 'govuk-backup:govuk-backup' : 'root:root';
    expect(ownerAndMode(STATE_DIR)).to.equal(`${jobUser} 755`);
    if (jobUser === 'root:root') expect(r.stderr).to.include('install -d -o USER -g GROUP -m 0755 /var/lib/env-sync');

    // The bundle runs from the code cache the build made, as nagios runs it.
    const cc = sh('setpriv', ['--reuid=nagios', '--regid=nagios', '--clear-groups', '/usr/lib/nagios/plugins/check_env_sync', '--job', 'nothing_yet'], {
      ENV_SYNC_DEBUG_CODE_CACHE: '1',
    });
    expect(cc.stderr).to.include('code cache: used');
    expect(cc.stdout).to.match(/^ENV_SYNC CRITICAL - nothing_yet: no record of this job/);
  });

  it('installs a man page for each executable, gzip -9n, that man finds by name and renders without a warning', function () {
    for (const exe of [...PLUGINS, 'env-sync', 'env-sync-run']) {
      const path = `/usr/share/man/man1/${exe}.1.gz`;
      expect(sh('man', ['-w', exe]).stdout.trim(), `man -w ${exe}`).to.equal(path);
      // gzip -n: no file name (FLG 0) and no time stamp (MTIME 0), so two builds give the same bytes.
      const head = readFileSync(path).subarray(0, 8);
      expect([...head], path).to.deep.equal([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
      const shown = sh('man', ['--warnings', '-E', 'UTF-8', exe], { LC_ALL: 'C.UTF-8', MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' });
      expect(shown.stderr, exe).to.equal('');
      expect(shown.stdout, exe).to.match(new RegExp(`^NAME\\n\\s+${exe} - `, 'm'));
    }
  });

  it('the installed NRPE file defines no command on a host with no jobs', async function () {
    mkdirSync(join(tmp.dir, 'nrpe-empty'));
    nrpe = await startNrpe(join(tmp.dir, 'nrpe-empty'), await freePort(), `include=${NRPE_FILE}\n`);
    const r = checkNrpe(nrpe.port, 'check_env_sync_all');
    expect(r.stdout).to.match(/Command 'check_env_sync_all' not defined/);
    await nrpe.stop();
    nrpe = null;
  });

  it('runs each plugin as nagios through a real NRPE, from the installed NRPE file plus the lines env-sync config nrpe prints', async function () {
    // The host-wide example names --user govuk-backup, the jobs' user on a real sync host; a --user
    // that does not exist is UNKNOWN. Made here, after the install (whose owner rule it would change),
    // when this machine lacks it, and removed again.
    removeJobUser = ensureUser('govuk-backup').remove;
    // The directory handed over as postinst does when the user exists (the README's one line), then
    // three jobs as cron would run them, as that user, wrapped by the installed env-sync-run on cron's PATH.
    expect(sh('install', ['-d', '-o', 'govuk-backup', '-g', 'govuk-backup', '-m', '0755', '/var/lib/env-sync']).status).to.equal(0);
    const job = (name: string, ...cmd: string[]) => {
      const r = sh('setpriv', ['--reuid=govuk-backup', '--regid=govuk-backup', '--clear-groups', 'env-sync-run', '--no-syslog', '--job', name, '--', ...cmd], {
        PATH: CRON_PATH,
      });
      return r.status;
    };
    expect(job('copy_data_to_staging', 'true')).to.equal(0);
    expect(job('data_sync_complete', 'true')).to.equal(0);
    expect(job('pull_x', 'sh', '-c', 'echo "pg_restore: error: relation events does not exist" >&2; exit 1')).to.equal(1);

    const printed = sh('env-sync', ['config', 'nrpe'], { PATH: CRON_PATH });
    expect(printed.status, printed.stderr).to.equal(0);
    expect(printed.stdout).to.include('command[check_env_sync_pull_x]=/usr/lib/nagios/plugins/check_env_sync --job pull_x');
    // The administrator enables the examples for the host-wide check and the order check.
    const snippet = readFileSync(NRPE_FILE, 'utf8');
    const example = (name: string) => {
      const line = snippet.split('\n').find((l) => l.startsWith(`#command[${name}]=`));
      if (!line) throw new Error(`${NRPE_FILE} has no example #command[${name}]`);
      return line.slice(1);
    };
    const commands = [`include=${NRPE_FILE}`, printed.stdout, example('check_env_sync_all'), example('check_env_sync_order_staging'), ''].join('\n');
    mkdirSync(join(tmp.dir, 'nrpe'));
    nrpe = await startNrpe(join(tmp.dir, 'nrpe'), await freePort(), commands);

    const cases: Array<[string, number, RegExp]> = [
      ['check_env_sync_pull_x', 2, /^ENV_SYNC CRITICAL - pull_x failed with exit 1 /],
      ['check_env_sync_copy_data_to_staging', 0, /^ENV_SYNC OK - copy_data_to_staging last run succeeded /],
      ['check_env_sync_data_sync_complete', 0, /^ENV_SYNC OK - data_sync_complete last run succeeded /],
      ['check_env_sync_all', 2, /^ENV_SYNC CRITICAL - 3 jobs: 1 CRITICAL \(pull_x\), 2 OK/],
      ['check_env_sync_order_staging', 0, /^ENV_SYNC OK - data_sync_complete followed copy_data_to_staging/],
    ];
    for (const [command, status, first] of cases) {
      const r = checkNrpe(nrpe.port, command);
      expect(r.stdout, `${command}: ${r.stderr}\n${nrpe.log()}`).to.match(first);
      expect(r.status, `${command}: ${r.stdout}`).to.equal(status);
    }
    await nrpe.stop();
    nrpe = null;
  });

  it('the installed env-sync-run posts the verdict of the installed check for a passive result', async function () {
    const pki = makeTestPki(tmp.dir, 'icinga');
    api = await startFakeIcingaApi(pki);
    // Not spawnSync: the fake API answers from this process's event loop.
    const r = await run('env-sync-run', ['--no-syslog', '--job', 'posted', ...postingOptions(api, pki, tmp.dir), '--', 'true'], {
      env: { ...process.env, PATH: CRON_PATH },
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(api.seen, r.stderr).to.have.length(1);
    expect(api.seen[0]!.body.exit_status).to.equal(0);
    expect(api.seen[0]!.body.plugin_output).to.match(/^ENV_SYNC OK - posted last run succeeded /);
    await api.close();
    api = null;
  });

  it('icinga2 daemon -C accepts the apply-rule examples with the CheckCommands from include <plugins-contrib>, and refuses commands.conf beside them', function () {
    const instance = (name: string, withContrib: boolean, globalFiles: string[]) => {
      const dir = join(tmp.dir, name);
      mkdirSync(dir);
      const rules = ['agent', 'nrpe', 'passive', 'all', 'order'].map((v) => `${EXAMPLES}/icinga2/services-${v}.conf`);
      const { configFile } = writeIcinga2Config({
        dir,
        pluginDir: '/usr/lib/nagios/plugins',
        globalFiles,
        masterFiles: [...rules, `${EXAMPLES}/icinga2/hosts.conf`],
      });
      // As Debian's icinga2.conf and constants.conf have it (the other contrib commands need the constant).
      if (withContrib) appendFileSync(configFile, 'const PluginContribDir = "/usr/lib/nagios/plugins"\ninclude <plugins-contrib>\n');
      return validateIcinga2(dir, configFile);
    };
    expect(readFileSync(ITL_FILE, 'utf8')).to.include('object CheckCommand "env_sync"');
    const itl = instance('icinga2-itl', true, []);
    expect(itl.status, itl.output).to.equal(0);
    expect(itl.output).to.match(/Instantiated \d+ Services?\./);
    // The same without the include: the CheckCommands came from the packaged file and nowhere else.
    const none = instance('icinga2-none', false, []);
    expect(none.status).to.not.equal(0);
    expect(none.output).to.match(/Object 'env_sync' of type 'CheckCommand' does not exist/);
    // Both ways at once define each CheckCommand twice (docs/packaging.md: never both).
    const both = instance('icinga2-both', true, [join(repoRoot, 'icinga-conf', 'icinga2', 'commands.conf')]);
    expect(both.status).to.not.equal(0);
    expect(both.output).to.match(/Object 'env_sync' of type 'CheckCommand' re-defined/);
  });

  it('hands the state directory to the job user named in /etc/default/env-sync-checks on dpkg-reconfigure, and the job user can then run a job', async function () {
    writeFileSync(DEFAULTS, readFileSync(DEFAULTS, 'utf8').replace(/^ENV_SYNC_JOB_USER=.*$/m, 'ENV_SYNC_JOB_USER=nobody'));
    const r = dpkg('dpkg-reconfigure', [PACKAGE]);
    expect(r.status, r.stderr).to.equal(0);
    expect(ownerAndMode(STATE_DIR)).to.equal('nobody:nogroup 755');
    const asJobUser = sh(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'env-sync-run', '--no-syslog', '--job', 'handed_over', '--', 'true'],
      { PATH: CRON_PATH },
    );
    expect(asJobUser.status, asJobUser.stderr).to.equal(0);
    expect(statSync(join(STATE_DIR, 'handed_over')).uid).to.equal(Number(sh('id', ['-u', 'nobody']).stdout.trim()));
    markersBeforeUpgrade = snapshot(STATE_DIR);
  });

  it('upgrades to a rebuilt package with a higher version: markers, the job user and the edited conffile kept', async function () {
    const r = dpkg('dpkg', ['-i', debV2]);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(installed()).to.deep.equal({ status: 'ii', version: v2 });
    expect(snapshot(STATE_DIR)).to.deep.equal(markersBeforeUpgrade);
    expect(ownerAndMode(STATE_DIR)).to.equal('nobody:nogroup 755');
    expect(readFileSync(DEFAULTS, 'utf8')).to.match(/^ENV_SYNC_JOB_USER=nobody$/m);
    const check = sh('/usr/lib/nagios/plugins/check_env_sync', ['--job', 'handed_over']);
    expect(check.stdout).to.match(/^ENV_SYNC OK - handed_over last run succeeded /);
  });

  it('remove keeps the markers and the conffiles; purge leaves no file of the package', async function () {
    const removed = dpkg('dpkg', ['--remove', PACKAGE]);
    expect(removed.status, removed.stderr).to.equal(0);
    expect(exists('/usr/lib/nagios/plugins/check_env_sync')).to.equal(false);
    expect(snapshot(STATE_DIR)).to.deep.equal(markersBeforeUpgrade);
    expect(exists(DEFAULTS) && exists(NRPE_FILE)).to.equal(true);

    const purged = dpkg('dpkg', ['--purge', PACKAGE]);
    expect(purged.status, purged.stderr).to.equal(0);
    expect(installed()).to.equal(null);
    const left = [...payload.filter((p) => !p.before).map((p) => p.path), STATE_DIR].filter(exists);
    expect(left, 'files of the package left after purge').to.deep.equal([]);
    // Directories other packages own (/usr/bin, /usr/lib/nagios/plugins …) are still there.
    const gone = payload.filter((p) => p.before && !exists(p.path)).map((p) => p.path);
    expect(gone, 'directories that were there before the package').to.deep.equal([]);
  });
});
