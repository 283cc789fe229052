// The package's postinst and postrm (packaging/deb/), run for real as root but inside a private
// mount namespace (unshare -m): /var/lib and /etc/default are empty tmpfs there and /etc/passwd and
// /etc/group are copies with the test's users, so every case (no job user, govuk-backup, a user named
// in /etc/default/env-sync-checks, an existing directory) runs without touching this machine.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, shq as q } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';

const POSTINST = join(repoRoot, 'packaging', 'deb', 'postinst');
const POSTRM = join(repoRoot, 'packaging', 'deb', 'postrm');
const HAND_OVER = 'install -d -o USER -g GROUP -m 0755 /var/lib/env-sync';

interface Outcome {
  status: number | null;
  stderr: string;
  /** What the harness printed after the scripts ran: `stat` lines and the like. */
  after: string;
}

describe('maintainer scripts: the state directory /var/lib/env-sync', function () {
  this.timeout(60_000);
  let tmp: { dir: string; cleanup: () => void };

  before(function () {
    if (process.getuid?.() !== 0) throw new Error('the maintainer script tests run as root (they chown, in a private mount namespace): run npm test as root');
    if (spawnSync('unshare', ['--version']).error) throw new Error('unshare is missing: install the Debian package util-linux');
    tmp = makeTempDir('env-sync-maint-');
    // The machine's users plus the test's: govuk-backup, alice (primary group syncers), carol.
    const users = [
      'govuk-backup:x:42101:42101::/nonexistent:/usr/sbin/nologin',
      'alice:x:42102:42103::/nonexistent:/usr/sbin/nologin',
      'carol:x:42104:42104::/nonexistent:/usr/sbin/nologin',
    ];
    const groups = ['govuk-backup:x:42101:', 'syncers:x:42103:', 'carol:x:42104:'];
    const passwd = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .filter((l) => l && !/^(govuk-backup|alice|carol):/.test(l));
    const group = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .filter((l) => l && !/^(govuk-backup|syncers|carol):/.test(l));
    writeFileSync(join(tmp.dir, 'passwd-with'), [...passwd, ...users, ''].join('\n'));
    writeFileSync(join(tmp.dir, 'passwd-without'), [...passwd, ...users.filter((u) => !u.startsWith('govuk-backup:')), ''].join('\n'));
    writeFileSync(join(tmp.dir, 'group'), [...group, ...groups, ''].join('\n'));
  });
  after(() => tmp?.cleanup());

  /**
   * Runs `setup`, then the scripts, then `inspect`, in one private mount namespace. `setup` and
   * `inspect` are shell; `scripts` are argument lists for postinst/postrm.
   */
  function inNamespace(o: {
    govukBackup: boolean;
    defaults?: string;
    setup?: string;
    scripts: Array<['postinst' | 'postrm', string]>;
    inspect?: string;
    warmUp?: 'works' | 'fails';
  }): Outcome {
    const passwd = join(tmp.dir, o.govukBackup ? 'passwd-with' : 'passwd-without');
    const defaultsFile = join(tmp.dir, 'defaults');
    if (o.defaults !== undefined) writeFileSync(defaultsFile, o.defaults);
    const script = [
      'set -e',
      'mount -t tmpfs tmpfs /var/lib',
      'mount -t tmpfs tmpfs /etc/default',
      `mount --bind ${q(passwd)} /etc/passwd`,
      `mount --bind ${q(join(tmp.dir, 'group'))} /etc/group`,
      // The package's directory, when this machine has the package (deb.test.ts), empty here: the
      // scripts write and remove code caches in it. postinst's warm-up runs /usr/bin/node, here
      // true(1) or false(1): the real warm-up is tested in the clean roots (npm run test:package).
      `if [ -d /usr/lib/env-sync-checks ]; then mkdir -p ${q(join(tmp.dir, 'empty-lib'))} && mount --bind ${q(join(tmp.dir, 'empty-lib'))} /usr/lib/env-sync-checks; fi`,
      `mount --bind /bin/${o.warmUp === 'fails' ? 'false' : 'true'} /usr/bin/node`,
      o.defaults !== undefined ? `cp ${q(defaultsFile)} /etc/default/env-sync-checks` : ':',
      o.setup ?? ':',
      'set +e',
      ...o.scripts.map(([s, arg]) => `${q(s === 'postinst' ? POSTINST : POSTRM)} ${arg} || { echo "exit=$?" >&3; exit 0; }`),
      'exec 1>&3',
      o.inspect ?? 'stat -c "%U:%G %a" /var/lib/env-sync',
    ].join('\n');
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `exec 3>&1 1>&2\n${script}`], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stderr: r.stderr, after: r.stdout.trim() };
  }

  it('a warm-up that fails leaves configure and the nodejs trigger at exit 0, saying how to try again', function () {
    for (const arg of ['configure', 'triggered /usr/bin/node']) {
      const o = inNamespace({ govukBackup: true, scripts: [['postinst', arg]], inspect: 'echo done', warmUp: 'fails' });
      expect(o.after, `postinst ${arg}: ${o.stderr}`).to.equal('done');
      expect(o.stderr, arg).to.include(
        'code caches for /usr/bin/node not (all) written: the executables work and compile at each start; run dpkg-reconfigure env-sync-checks to try again',
      );
    }
  });

  it('on a host with no job user, makes it root:root 0755 and prints the one line that hands it over', function () {
    const o = inNamespace({ govukBackup: false, scripts: [['postinst', 'configure']] });
    expect(o.after, o.stderr).to.equal('root:root 755');
    expect(o.stderr).to.include(HAND_OVER);
    expect(o.stderr).to.include('/etc/default/env-sync-checks (ENV_SYNC_JOB_USER=)');
  });

  it('gives it to govuk-backup when that user exists and none is named', function () {
    const o = inNamespace({ govukBackup: true, defaults: 'ENV_SYNC_JOB_USER=\n', scripts: [['postinst', 'configure']] });
    expect(o.after, o.stderr).to.equal('govuk-backup:govuk-backup 755');
    expect(o.stderr).to.equal('');
  });

  it("gives it to the user named in /etc/default/env-sync-checks, with that user's primary group, quoted or not", function () {
    for (const line of ['ENV_SYNC_JOB_USER=alice', 'ENV_SYNC_JOB_USER="alice"', "  ENV_SYNC_JOB_USER='alice'  "]) {
      const o = inNamespace({ govukBackup: true, defaults: `# ENV_SYNC_JOB_USER=carol\n${line}\n`, scripts: [['postinst', 'configure']] });
      expect(o.after, `${line}: ${o.stderr}`).to.equal('alice:syncers 755');
    }
  });

  it('names the file and the fix when the named user does not exist, and still installs (root-owned)', function () {
    for (const name of ['nosuchuser', '-R', 'a b']) {
      const o = inNamespace({ govukBackup: true, defaults: `ENV_SYNC_JOB_USER=${name}\n`, scripts: [['postinst', 'configure']] });
      expect(o.after, o.stderr).to.equal('root:root 755');
      expect(o.stderr).to.include(
        `ENV_SYNC_JOB_USER=${name} in /etc/default/env-sync-checks is not a user on this host: create the user or correct the line, then run dpkg-reconfigure env-sync-checks`,
      );
      expect(o.stderr).to.include(HAND_OVER);
    }
  });

  it('on upgrade, hands over a directory still owned by root and takes group and world write away, leaving the markers as they were', function () {
    const o = inNamespace({
      govukBackup: true,
      setup:
        'mkdir -m 0777 /var/lib/env-sync && chmod 0777 /var/lib/env-sync && mkdir /var/lib/env-sync/pull_x && echo \'{"schema":1}\' > /var/lib/env-sync/pull_x/state.json && chmod 0644 /var/lib/env-sync/pull_x/state.json',
      scripts: [['postinst', 'configure 0.1.0']],
      inspect: 'stat -c "%U:%G %a" /var/lib/env-sync /var/lib/env-sync/pull_x /var/lib/env-sync/pull_x/state.json; cat /var/lib/env-sync/pull_x/state.json',
    });
    expect(o.after.split('\n'), o.stderr).to.deep.equal(['govuk-backup:govuk-backup 755', 'root:root 755', 'root:root 644', '{"schema":1}']);
  });

  it('keeps the owner an administrator gave it, unless /etc/default/env-sync-checks names another user', function () {
    const setup = 'install -d -o carol -g carol -m 0755 /var/lib/env-sync';
    expect(inNamespace({ govukBackup: true, setup, scripts: [['postinst', 'configure 0.1.0']] }).after).to.equal('carol:carol 755');
    expect(inNamespace({ govukBackup: true, setup, defaults: 'ENV_SYNC_JOB_USER=alice\n', scripts: [['postinst', 'configure 0.1.0']] }).after).to.equal(
      'alice:syncers 755',
    );
  });

  it('leaves a symbolic link in its place alone, and says so', function () {
    const o = inNamespace({
      govukBackup: true,
      setup: 'mkdir -m 0777 /var/lib/elsewhere && chmod 0777 /var/lib/elsewhere && ln -s elsewhere /var/lib/env-sync',
      scripts: [['postinst', 'configure']],
      inspect: 'stat -c "%U:%G %a %F" /var/lib/env-sync /var/lib/elsewhere',
    });
    expect(o.after.split('\n'), o.stderr).to.deep.equal(['root:root 777 symbolic link', 'root:root 777 directory']);
    expect(o.stderr).to.include('/var/lib/env-sync is not a directory (a symbolic link or a file): left as it is');
  });

  it('postrm: remove keeps the directory and its markers, purge removes them', function () {
    const setup = 'install -d -m 0755 /var/lib/env-sync/pull_x && echo x > /var/lib/env-sync/pull_x/state.json';
    const inspect = 'ls -A /var/lib; cat /var/lib/env-sync/pull_x/state.json 2>/dev/null || true';
    expect(inNamespace({ govukBackup: false, setup, scripts: [['postrm', 'remove']], inspect }).after.split('\n')).to.deep.equal(['env-sync', 'x']);
    expect(
      inNamespace({
        govukBackup: false,
        setup,
        scripts: [
          ['postrm', 'remove'],
          ['postrm', 'purge'],
        ],
        inspect,
      }).after,
    ).to.equal('');
  });

  it('refuse an action they do not know, as dpkg expects', function () {
    expect(inNamespace({ govukBackup: false, scripts: [['postinst', 'frobnicate']], inspect: 'ls -A /var/lib' }).after).to.equal('exit=1');
    expect(inNamespace({ govukBackup: false, scripts: [['postrm', 'frobnicate']], inspect: 'ls -A /var/lib' }).after).to.equal('exit=1');
  });
});
