// `npm run test:package`: the Debian package in clean roots of Debian 12 (bookworm) and 13 (trixie),
// each made by mmdebstrap from the archive and used through a fresh overlay (test/support/cleanRoot.ts):
// lintian of the release; `apt install ./deb` with the release's own nodejs; the code caches postinst
// writes for that node, and again from the file trigger when nodejs is reinstalled; a warm-up that
// fails; each plugin as nagios under the release's NRPE (in a private network namespace) giving the
// verdict of jobs the installed wrapper recorded as the job's user; remove (markers kept) and purge
// (nothing left). On Debian 13 also the upgrade from 0.1.0 while a wrapped job runs, and the downgrade.
//
// Not part of `npm test` (mocha's default spec is *.test.js): it needs root, mmdebstrap and the
// archive, and takes minutes. .ci/run runs it once after the Node passes.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedRoot, RELEASES, RootSession, type Ran, type Release } from '../support/cleanRoot.js';
import { buildDeb, PACKAGE } from '../support/debPackage.js';
import { LAST_0_1_0, oldDeb, oldFile } from '../support/oldPackage.js';
import { repoRoot } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';

const LIB = '/usr/lib/env-sync-checks';
const STATE = '/var/lib/env-sync';
const PLUGINS = ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order'];
const EXES = [...PLUGINS, 'env-sync', 'env-sync-run'];
const VERSION = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;
const log = (line: string) => console.log(`      ${line}`);

const show = (r: Ran) => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

/** apt-get with the error that names the cause when the release's nodejs is too old for the package. */
function aptInstall(root: RootSession, release: Release, args: string): Ran {
  const r = root.sh(`apt-get install -y --no-install-recommends ${args}`);
  if (r.status !== 0 && /nodejs/.test(r.stdout + r.stderr) && /Depends|unmet|not installable|broken/i.test(r.stdout + r.stderr)) {
    const have = root.sh("apt-cache policy nodejs | sed -n 's/^ *Candidate: //p'").stdout.trim();
    const depends = spawnSync('sh', ['-c', `dpkg-deb -f '${debPath}' Depends`], { encoding: 'utf8' }).stdout.trim();
    throw new Error(
      `Debian ${release.debian} (${release.suite}) offers nodejs ${have}, which the package's "Depends: ${depends}" refuses: the package installs there only once the code runs on that Node (issue 28: Node 18.19 support, with Depends: nodejs (>= 18.19)).\n${show(r)}`,
    );
  }
  return r;
}

/** path -> content (base64) of every file under dir in the root, with its owner and mode. */
function snapshot(root: RootSession, dir: string): Map<string, string> {
  const r = root.sh(`cd '${dir}' && find . -type f -printf '%p %u:%g %m ' -exec sh -c 'base64 -w0 "$1"; echo' _ {} \\;`);
  expect(r.status, show(r)).to.equal(0);
  return new Map(
    r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]),
  );
}

/** The root's node's cache tag, as the launcher names caches: <v8>-<arch>. */
function nodeTag(root: RootSession): string {
  const r = root.sh('/usr/bin/node -p \'process.versions.v8 + "-" + process.arch\'');
  expect(r.status, show(r)).to.equal(0);
  return r.stdout.trim();
}

/** The caches in the installed dist/: name -> "owner:group mode". */
function caches(root: RootSession): Map<string, string> {
  const r = root.sh(`cd ${LIB}/dist 2>/dev/null && find . -maxdepth 2 -name '*.cache' -printf '%P %u:%g %m\\n' || true`);
  return new Map(
    r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.split(' ')[0]!, l.split(' ').slice(1).join(' ')]),
  );
}

function expectOwnCaches(root: RootSession): void {
  const tag = nodeTag(root);
  const want = new Map(EXES.map((e) => [`${e.replace(/-/g, '_')}.cjs.${tag}.cache`, 'root:root 644']));
  expect(caches(root)).to.deep.equal(want);
}

let debPath = '';

/** Makes the job user and hands the state directory over the way postinst does when the user exists. */
function addJobUser(root: RootSession): string {
  const r = root.sh('useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin govuk-backup');
  expect(r.status, show(r)).to.equal(0);
  return root.ids('govuk-backup');
}

function wrapped(root: RootSession, user: string, job: string, command: string): Ran {
  // Cron's PATH: the installed commands must be found on it.
  return root.sh(`PATH=/usr/bin:/bin env-sync-run --no-syslog --job ${job} -- sh -c '${command}'`, { user });
}

describe('the Debian package in clean Debian roots (mmdebstrap, chroot in a mount namespace)', function () {
  this.timeout(3_600_000);
  let tmp: { dir: string; cleanup: () => void };

  before(function () {
    if (process.getuid?.() !== 0) throw new Error('npm run test:package needs root: it mounts the roots and chroots into them');
    tmp = makeTempDir('env-sync-pkgtest-');
    debPath = buildDeb(tmp.dir);
  });
  after(() => tmp?.cleanup());

  for (const release of RELEASES) {
    describe(`Debian ${release.debian} (${release.suite}): install, NRPE, the trigger, remove, purge`, function () {
      this.bail(true);
      let root: RootSession;
      let jobUser = '';
      let inRoot = '';
      let markers = new Map<string, string>();

      before(async function () {
        root = new RootSession(cachedRoot(release, log));
        await root.start();
        inRoot = root.copyIn(debPath);
      });
      after(async () => root?.stop());

      it(`lintian of Debian ${release.debian} reports no error and no warning; the only overrides are the plugins' man pages`, function () {
        const r = root.sh(`lintian --display-info --show-overrides ${inRoot}`, { user: root.ids('nobody'), env: { HOME: '/tmp' } });
        const tags = [...r.stdout.matchAll(/^([EWIO]): env-sync-checks: (\S+)(?: \[(.*)\])?/gm)].map((m) => `${m[1]} ${m[2]} ${m[3] ?? ''}`.trim());
        expect(
          tags.filter((t) => /^[EW] /.test(t)),
          show(r),
        ).to.deep.equal([]);
        expect(
          tags.filter((t) => /^O /.test(t)),
          show(r),
        ).to.deep.equal(PLUGINS.map((p) => `O spare-manual-page usr/share/man/man1/${p}.1.gz`));
      });

      it("apt install ./deb installs with the release's own nodejs and writes root's caches for that node", function () {
        const up = root.sh('apt-get update');
        expect(up.status, show(up)).to.equal(0);
        jobUser = addJobUser(root);
        const r = aptInstall(root, release, inRoot);
        expect(r.status, show(r)).to.equal(0);
        expect(root.sh(`dpkg-query -W -f='\${Status} \${Version}' ${PACKAGE}`).stdout).to.equal(`install ok installed ${VERSION}`);
        const node = root.sh("dpkg-query -W -f='${Version}' nodejs").stdout;
        log(`Debian ${release.debian}: nodejs ${node}, V8 ${nodeTag(root)}`);
        expect(`${r.stdout}${r.stderr}`).to.not.include('not (all) written');
        expectOwnCaches(root);
        expect(root.sh(`stat -c '%U:%G %a' ${STATE}`).stdout.trim()).to.equal('govuk-backup:govuk-backup 755');
        // As nagios runs it, the plugin uses the cache.
        const cc = root.sh(`ENV_SYNC_DEBUG_CODE_CACHE=1 /usr/lib/nagios/plugins/check_env_sync --job nothing_yet`, { user: root.ids('nagios') });
        expect(cc.stderr, show(cc)).to.match(/^code cache: used/m);
        expect(cc.stdout, show(cc)).to.match(/^ENV_SYNC (CRITICAL|UNKNOWN) - nothing_yet: no /);
      });

      it("the plugins as nagios under the release's NRPE give the verdicts of jobs the installed wrapper recorded as the job's user", function () {
        expect(wrapped(root, jobUser, 'pull_x', 'echo "pg_restore: error: relation events does not exist" >&2; exit 1').status).to.equal(1);
        expect(wrapped(root, jobUser, 'copy_data_to_staging', 'true').status).to.equal(0);
        expect(wrapped(root, jobUser, 'data_sync_complete', 'true').status).to.equal(0);
        expect(root.sh(`stat -c %U ${STATE}/pull_x/state.json`).stdout.trim()).to.equal('govuk-backup');
        const printed = root.sh('PATH=/usr/bin:/bin env-sync config nrpe');
        expect(printed.status, show(printed)).to.equal(0);
        const installedFile = root.sh('cat /etc/nagios/nrpe.d/env-sync-checks.cfg').stdout;
        const example = (name: string) =>
          installedFile
            .split('\n')
            .find((l) => l.startsWith(`#command[${name}]=`))!
            .slice(1);
        root.put('/etc/nagios/nrpe.d/env_sync.cfg', `${printed.stdout}${example('check_env_sync_all')}\n${example('check_env_sync_order_staging')}\n`);
        root.put(
          '/etc/nagios/test-nrpe.cfg',
          [
            'server_port=5666',
            'server_address=127.0.0.1',
            'allowed_hosts=127.0.0.1',
            'nrpe_user=nagios',
            'nrpe_group=nagios',
            'dont_blame_nrpe=0',
            'command_timeout=60',
            'include=/etc/nagios/nrpe.d/env-sync-checks.cfg',
            'include=/etc/nagios/nrpe.d/env_sync.cfg',
            '',
          ].join('\n'),
        );
        const commands = ['check_env_sync_pull_x', 'check_env_sync_copy_data_to_staging', 'check_env_sync_all', 'check_env_sync_order_staging'];
        // The root's nrpe, this machine's check_nrpe, both in a network namespace of their own; ready
        // once check_nrpe gets the daemon's version back.
        const r = root.hostSh(
          [
            'chroot "$ROOT" /usr/sbin/nrpe -c /etc/nagios/test-nrpe.cfg -f & pid=$!',
            'i=0; until /usr/lib/nagios/plugins/check_nrpe -H 127.0.0.1 -t 5 >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 150 ] || { echo "nrpe did not answer"; kill $pid; exit 1; }; sleep 0.2; done',
            ...commands.map((c) => `out=$(/usr/lib/nagios/plugins/check_nrpe -H 127.0.0.1 -t 50 -c ${c}); echo "${c} $? $(printf '%s' "$out" | head -n 1)"`),
            'kill $pid; wait $pid 2>/dev/null; exit 0',
          ].join('\n'),
          { privateNet: true },
        );
        expect(r.status, show(r)).to.equal(0);
        const got = new Map(
          r.stdout
            .trim()
            .split('\n')
            .map((l) => [l.split(' ')[0]!, l.slice(l.indexOf(' ') + 1)]),
        );
        expect(got.get('check_env_sync_pull_x'), show(r)).to.match(/^2 ENV_SYNC CRITICAL - pull_x failed with exit 1 /);
        expect(got.get('check_env_sync_copy_data_to_staging'), show(r)).to.match(/^0 ENV_SYNC OK - copy_data_to_staging last run succeeded /);
        // The clean root runs no cron; whether the host's shows through its /proc depends on the machine.
        expect(got.get('check_env_sync_all'), show(r)).to.match(/^2 ENV_SYNC CRITICAL - (cron is not running; [^;]*; )?3 jobs: 1 CRITICAL \(pull_x\), 2 OK/);
        expect(got.get('check_env_sync_order_staging'), show(r)).to.match(/^0 ENV_SYNC OK - data_sync_complete followed copy_data_to_staging/);
      });

      it("reinstalling nodejs (the file trigger on /usr/bin/node) writes the caches again and removes other V8s' caches", function () {
        // A cache of another V8 (as a nodejs upgrade leaves behind), and the plugin's own one gone.
        const other = `check_env_sync.cjs.1.2.3.4-node.0-${nodeTag(root).split('-').pop()}.cache`;
        root.sh(
          `cp ${LIB}/dist/check_env_sync_all.cjs.${nodeTag(root)}.cache ${LIB}/dist/${other} && rm ${LIB}/dist/check_env_sync.cjs.${nodeTag(root)}.cache`,
        );
        expect(caches(root).has(other)).to.equal(true);
        const r = root.sh('apt-get install -y --reinstall nodejs');
        expect(r.status, show(r)).to.equal(0);
        expect(`${r.stdout}${r.stderr}`).to.match(/Processing triggers for env-sync-checks/);
        expectOwnCaches(root);
      });

      it('a warm-up that fails (a node that cannot run) does not fail the install, and says how to try again', function () {
        const bound = root.hostSh('mount --bind "$ROOT/bin/false" "$ROOT/usr/bin/node"');
        expect(bound.status, show(bound)).to.equal(0);
        let r: Ran;
        try {
          r = root.sh(`apt-get install -y --reinstall ${inRoot}`);
        } finally {
          root.hostSh('umount "$ROOT/usr/bin/node"');
        }
        expect(r.status, show(r)).to.equal(0);
        expect(`${r.stdout}${r.stderr}`).to.include(
          'code caches for /usr/bin/node not (all) written: the executables work and compile at each start; run dpkg-reconfigure env-sync-checks to try again',
        );
        expect(root.sh(`dpkg-query -W -f='\${Status}' ${PACKAGE}`).stdout).to.equal('install ok installed');
        expect(caches(root).size).to.equal(0);
        // Without a cache the plugin still judges.
        const check = root.sh('/usr/lib/nagios/plugins/check_env_sync --job pull_x', { user: root.ids('nagios') });
        expect(check.stdout).to.match(/^ENV_SYNC CRITICAL - pull_x failed with exit 1 /);
        // And the next configure writes them.
        const again = root.sh(`apt-get install -y --reinstall ${inRoot}`);
        expect(again.status, show(again)).to.equal(0);
        expectOwnCaches(root);
      });

      it('apt remove keeps every marker and removes every generated cache', function () {
        markers = snapshot(root, STATE);
        expect(markers.size).to.be.greaterThan(2);
        const r = root.sh(`apt-get remove -y ${PACKAGE}`);
        expect(r.status, show(r)).to.equal(0);
        expect(snapshot(root, STATE)).to.deep.equal(markers);
        expect(root.sh(`test -e ${LIB}`).status, `${LIB} left after remove`).to.not.equal(0);
      });

      it('apt purge leaves no file of the package anywhere in the root', function () {
        const r = root.sh(`apt-get purge -y ${PACKAGE}`);
        expect(r.status, show(r)).to.equal(0);
        // Every path naming the package or its state, outside apt's and dpkg's own records and logs.
        const left = root.sh(
          "find / -xdev \\( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path /var/lib/dpkg -o -path /var/cache/apt -o -path /var/log -o -path /var/lib/apt \\) -prune -o \\( -iname '*env-sync*' -o -iname '*env_sync*' \\) -print",
        );
        expect(left.stdout.trim().split('\n').filter(Boolean), show(left)).to.deep.equal(['/etc/nagios/nrpe.d/env_sync.cfg']);
      });
    });
  }

  describe(`Debian 13: upgrade from 0.1.0 (git ${LAST_0_1_0.slice(0, 7)}) while a wrapped job runs, and the downgrade`, function () {
    this.bail(true);
    const release = RELEASES.find((r) => r.debian === 13)!;
    let root: RootSession;
    let jobUser = '';
    let oldInRoot = '';
    let newInRoot = '';
    let beforeUpgrade = new Map<string, string>();

    before(async function () {
      const old = oldDeb(log);
      root = new RootSession(cachedRoot(release, log));
      await root.start();
      oldInRoot = root.copyIn(old);
      newInRoot = root.copyIn(debPath);
    });
    after(async () => root?.stop());

    it('0.1.0 installs, and records a job', function () {
      expect(root.sh('apt-get update').status).to.equal(0);
      jobUser = addJobUser(root);
      const r = root.sh(`apt-get install -y --no-install-recommends ${oldInRoot}`);
      expect(r.status, show(r)).to.equal(0);
      expect(wrapped(root, jobUser, 'before_upgrade', 'echo "pg_restore: error: x" >&2; exit 3').status).to.equal(3);
      expect(wrapped(root, jobUser, 'copy_ok', 'true').status).to.equal(0);
    });

    it('upgrading while a job runs: the running job finishes and is recorded by its 0.1.0 wrapper, the new check reads the old markers, nothing is lost', async function () {
      // In a directory of the job user's (not sticky /tmp, where fs.protected_fifos may refuse root's open).
      expect(root.sh('install -d -o govuk-backup -g govuk-backup -m 0755 /srv/sync').status).to.equal(0);
      expect(root.sh('mkfifo -m 0600 /srv/sync/gate', { user: jobUser }).status).to.equal(0);
      // The sync waits on the FIFO until the test writes to it, after the upgrade.
      const job = root.spawn('PATH=/usr/bin:/bin exec env-sync-run --no-syslog --job through_upgrade -- sh -c \'read line < /srv/sync/gate; echo "$line"\'', {
        user: jobUser,
      });
      const exited = new Promise<number | null>((res) => job.on('exit', (code) => res(code)));
      const running = root.sh(
        `i=0; until ls ${STATE}/through_upgrade/running-*.json >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 600 ] || exit 1; sleep 0.1; done`,
      );
      expect(running.status, 'the 0.1.0 wrapper wrote no running marker within a minute').to.equal(0);
      beforeUpgrade = snapshot(root, STATE);

      const up = aptInstall(root, release, newInRoot);
      expect(up.status, show(up)).to.equal(0);
      expect(root.sh(`dpkg-query -W -f='\${Version}' ${PACKAGE}`).stdout).to.equal(VERSION);
      // The new check on the old wrapper's running marker, and on the old markers.
      const nagios = root.ids('nagios');
      expect(root.sh('/usr/lib/nagios/plugins/check_env_sync --job through_upgrade', { user: nagios }).stdout).to.match(
        /^ENV_SYNC OK - through_upgrade\b.*\brunning\b/,
      );
      expect(root.sh('/usr/lib/nagios/plugins/check_env_sync --job before_upgrade', { user: nagios }).stdout).to.match(
        /^ENV_SYNC CRITICAL - before_upgrade failed with exit 3 /,
      );
      expect(snapshot(root, STATE)).to.deep.equal(beforeUpgrade);

      root.sh('echo finished > /srv/sync/gate');
      expect(await exited, 'the old wrapper exit status').to.equal(0);
      expect(root.sh('/usr/lib/nagios/plugins/check_env_sync --job through_upgrade', { user: nagios }).stdout).to.match(
        /^ENV_SYNC OK - through_upgrade last run succeeded /,
      );
      const after = snapshot(root, STATE);
      for (const [path, content] of beforeUpgrade) {
        if (path.startsWith('./through_upgrade/')) continue; // its run ended: the running marker goes, the state is new
        expect(after.get(path), path).to.equal(content);
      }
      expect([...after.keys()].filter((p) => p.startsWith('./through_upgrade/running-'))).to.deep.equal([]);
    });

    it('the downgrade to 0.1.0 keeps every marker file (a newer marker schema is set aside, never removed)', function () {
      expect(wrapped(root, jobUser, 'after_upgrade', 'true').status).to.equal(0);
      const beforeDowngrade = snapshot(root, STATE);
      const r = root.sh(`apt-get install -y --allow-downgrades --no-install-recommends ${oldInRoot}`);
      expect(r.status, show(r)).to.equal(0);
      expect(root.sh(`dpkg-query -W -f='\${Version}' ${PACKAGE}`).stdout).to.equal('0.1.0');
      // 0.2.0's prerm removed its caches; only 0.1.0's own (those of its build machine) are left.
      const oldCaches = [...caches(root).keys()];
      const shipped = spawnSync('sh', ['-c', `dpkg-deb -c '${oldDeb()}' | grep -o '[^/]*\\.cache$'`], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .filter(Boolean);
      expect(oldCaches.sort()).to.deep.equal(shipped.sort());
      expect(snapshot(root, STATE)).to.deep.equal(beforeDowngrade);
      // A run by the 0.1.0 wrapper: what it cannot read (a newer schema) it renames aside.
      expect(wrapped(root, jobUser, 'after_upgrade', 'true').status).to.equal(0);
      const after = snapshot(root, STATE);
      const newer =
        Number(/MARKER_SCHEMA = (\d+)/.exec(readFileSync(join(repoRoot, 'src/markers/types.ts'), 'utf8'))![1]) >
        Number(/MARKER_SCHEMA = (\d+)/.exec(oldFile('src/markers/types.ts'))![1]);
      for (const path of beforeDowngrade.keys()) {
        const kept = after.has(path) || (newer && [...after.keys()].some((p) => p.startsWith(`${path}.corrupt-`)));
        expect(kept, `${path} lost by the downgrade`).to.equal(true);
      }
      const check = root.sh('/usr/lib/nagios/plugins/check_env_sync --job after_upgrade', { user: root.ids('nagios') });
      expect(check.stdout).to.match(/^ENV_SYNC OK - after_upgrade last run succeeded /);
    });
  });
});
