// `npm run test:package`: puppet/env_sync_checks with Debian's own Puppet (7.23 in Debian 12, 8.10
// in Debian 13) in the clean roots of test/support/cleanRoot.ts, over the real govuk_env_sync::task:
// - `puppet parser validate`, `puppet epp validate` and `puppet-lint --fail-on-warnings` say nothing,
//   and `puppet module list` finds the dependencies metadata.json names among Debian's modules;
// - `puppet apply` of the real govuk_env_sync::task (../shared/govuk-puppet/task.pp), then of
//   env_sync_checks::task with the same title and parameters over it: the cfg the same bytes, one
//   crontab line that differs only by `env-sync-run --job <title> --`, the package, the state
//   directory, ENV_SYNC_JOB_USER, nagios in group adm and NRPE restarted (a new process with the new
//   group, not a reload); a second apply changes nothing;
// - the cron command, run as the job's user the way cron runs it, leaves a record that the
//   check_env_sync of the generated NRPE command, asked through the root's NRPE, turns into OK, and
//   after a failing run into CRITICAL with the evidence read from /var/log/syslog;
// - `ensure => disabled` keeps the cfg and removes the cron line and the check; `absent` removes all.
//
// The real govuk_env_sync::task needs what the rest of govuk-puppet gives it; here those are stubs:
// classes govuk_env_sync (its parameters), govuk_env_sync::aws_auth, ::log and ::sync_script
// (empty: the test puts the script, env.d and the log directory where they would), the defined type
// icinga::passive_check (the estate's exported check) and the function monitoring_docs_url. Its
// template govuk_env_sync_job.conf.erb uses three bare variables (`transformation_sql_filename`,
// `pre_dump_transformation_sql_filename`, `excluded_tables`), which Puppet 7 and 8 reject: the copy
// given to Puppet here has `@` put before each, and nothing else changed. Puppet 8 has no legacy
// facts by default, and task.pp reads $::hostname and $::fqdn: its applies get --include_legacy_facts.
// env_sync_checks's own applies run with --strict=error --strict_variables and without legacy facts.
//
// As in the real-script tests (test/support/hostChain.ts, test/check/realHost.test.ts), the real
// govuk_env_sync.sh and with_reboot_lock run with stand-ins for what has no place in a test: aws (a
// bucket in a directory) and send_nsca (takes the result and goes); envdir is Debian's daemontools.
// Syslog is the root's own rsyslogd on a /dev of the session's own, and NRPE and the daemons it runs
// live in a network namespace of the session's own (Puppet's restart of NRPE starts it there).
import { expect } from 'chai';
import { readdirSync, readFileSync, readlinkSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { cachedRoot, RELEASES, RootSession, type Ran } from '../support/cleanRoot.js';
import { buildDeb } from '../support/debPackage.js';
import { govukPuppetDir } from '../support/govukPuppet.js';
import { AWS, SEND_NSCA } from '../support/hostChain.js';
import { repoRoot, shq } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';

const log = (line: string) => console.log(`      ${line}`);
const show = (r: Ran) => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

/** What the roots get besides what cleanRoot.ts puts in them: Debian's Puppet, and what the jobs run with. */
const PUPPET_PACKAGES = ['puppet-agent', 'puppet-module-puppetlabs-cron-core', 'puppet-module-puppetlabs-stdlib', 'puppet-lint'];
const HOST_PACKAGES = ['cron', 'daemontools', 'rsyslog', 'nodejs'];

const JOB = 'push_x';
const JOB_USER = 'govuk-backup';
const HOME = '/var/lib/govuk-backup';
const CONF_DIR = '/etc/govuk_env_sync';
const CFG = `${CONF_DIR}/${JOB}.cfg`;
const NRPE_FILE = `/etc/nagios/nrpe.d/env_sync_${JOB}.cfg`;
const CONTROL = '/srv/control';
const OURS = '/srv/puppet/ours';
const STUBS = '/srv/puppet/stubs';
const MODULEPATH = `${OURS}:${STUBS}:/usr/share/puppet/modules`;
/** The task's parameters: a push of a directory to the stand-in bucket (dbms files), the script's simplest real path. */
const PARAMS: Record<string, string | number> = {
  hour: 0,
  minute: 18,
  action: 'push',
  dbms: 'files',
  storagebackend: 's3',
  temppath: `/var/tmp/env-sync-${JOB}`,
  database: `${JOB}-data`,
  url: 'govuk-test-bucket',
  path: JOB,
};
const OLD_COMMAND = `/usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_${JOB} /usr/bin/envdir ${CONF_DIR}/env.d /usr/local/bin/govuk_env_sync.sh -f ${CFG}`;
const NEW_COMMAND = `/usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_${JOB} /usr/bin/envdir ${CONF_DIR}/env.d /usr/bin/env-sync-run --job ${JOB} -- /usr/local/bin/govuk_env_sync.sh -f ${CFG}`;

function manifest(type: string, debInRoot: string, extra: Record<string, string> = {}): string {
  const params = Object.entries({ ...PARAMS, ...extra }).map(([k, v]) => `  ${k} => ${typeof v === 'number' ? v : `'${v}'`},`);
  const ours = type === 'env_sync_checks::task' ? [`class { 'env_sync_checks': package_source => '${debInRoot}' }`] : [];
  return [...ours, 'include govuk_env_sync', `${type} { '${JOB}':`, ...params, '}', ''].join('\n');
}

/** The stub modules the real govuk_env_sync::task needs, with the real task.pp and the patched template. */
function stubModules(dir: string): void {
  const real = govukPuppetDir();
  const m = (...p: string[]) => join(dir, ...p);
  for (const d of ['govuk_env_sync/manifests', 'govuk_env_sync/templates', 'icinga/manifests', 'govuk_stubs/lib/puppet/parser/functions'])
    mkdirSync(m(d), { recursive: true });
  writeFileSync(m('govuk_env_sync/manifests/task.pp'), readFileSync(join(real, 'task.pp')));
  const template = readFileSync(join(real, 'govuk_env_sync_job.conf.erb'), 'utf8');
  const patched = template.replace(/<% if (transformation_sql_filename|pre_dump_transformation_sql_filename|excluded_tables) /g, '<% if @$1 ');
  expect(patched.split('@').length - template.split('@').length, 'the three bare variables of the template').to.equal(3);
  writeFileSync(m('govuk_env_sync/templates/govuk_env_sync_job.conf.erb'), patched);
  writeFileSync(
    m('govuk_env_sync/manifests/init.pp'),
    "# Stub: govuk_env_sync's parameters, without its tasks.\nclass govuk_env_sync (\n  $tasks = {},\n  $user = 'govuk-backup',\n  $conf_dir = '/etc/govuk_env_sync',\n  $aws_region = 'eu-west-1',\n) {\n}\n",
  );
  for (const c of ['aws_auth', 'log', 'sync_script']) writeFileSync(m(`govuk_env_sync/manifests/${c}.pp`), `# Stub\nclass govuk_env_sync::${c} {\n}\n`);
  writeFileSync(
    m('icinga/manifests/passive_check.pp'),
    "# Stub: the estate's passive check.\ndefine icinga::passive_check (\n  $service_description,\n  $host_name,\n  $freshness_threshold = undef,\n  $notes_url = undef,\n  $ensure = present,\n) {\n}\n",
  );
  writeFileSync(
    m('govuk_stubs/lib/puppet/parser/functions/monitoring_docs_url.rb'),
    '# Stub: the runbook page of an alert.\nmodule Puppet::Parser::Functions\n  newfunction(:monitoring_docs_url, :type => :rvalue) do |args|\n    "https://docs.example/manual/alerts/#{args[0]}.html"\n  end\nend\n',
  );
}

/**
 * The root's NRPE daemon (the listening process): NRPE forks a child for each connection, and a
 * child of the readiness probe's check_nrpe may still be there, so a process whose parent is an nrpe
 * is a connection's, not the daemon.
 */
function nrpeProcesses(root: RootSession): Array<{ pid: number; groups: number[] }> {
  const found: Array<{ pid: number; ppid: number; groups: number[] }> = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/root`) !== root.merged) continue;
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'nrpe') continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const groups = /^Groups:\s*(.*)$/m.exec(status)?.[1] ?? '';
      const ppid = Number(/^PPid:\s*(\d+)$/m.exec(status)?.[1] ?? 0);
      found.push({ pid: Number(pid), ppid, groups: groups.split(/\s+/).filter(Boolean).map(Number) });
    } catch {
      /* gone */
    }
  }
  const pids = new Set(found.map((p) => p.pid));
  return found.filter((p) => !pids.has(p.ppid)).map(({ pid, groups }) => ({ pid, groups }));
}

/**
 * nrpeProcesses once a connection's processes are gone: NRPE double-forks for a connection, and the
 * grandchild, its parent gone, passes for a daemon for a moment. A second daemon stays, and is seen.
 */
async function nrpeDaemons(root: RootSession): Promise<Array<{ pid: number; groups: number[] }>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = nrpeProcesses(root);
    if (found.length <= 1 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("puppet/env_sync_checks with Debian's Puppet in clean Debian roots, over the real govuk_env_sync::task", function () {
  this.timeout(3_600_000);
  let tmp: { dir: string; cleanup: () => void };
  let debPath = '';

  before(function () {
    if (process.getuid?.() !== 0) throw new Error('npm run test:package needs root: it mounts the roots and chroots into them');
    tmp = makeTempDir('env-sync-puppet-');
    debPath = buildDeb(tmp.dir);
    stubModules(join(tmp.dir, 'stubs'));
    cpSync(join(repoRoot, 'puppet', 'env_sync_checks'), join(tmp.dir, 'ours', 'env_sync_checks'), { recursive: true });
  });
  after(() => tmp?.cleanup());

  for (const release of RELEASES) {
    describe(`Debian ${release.debian} (${release.suite})`, function () {
      this.bail(true);
      let root: RootSession;
      let debInRoot = '';
      let adm = 0;
      let oldCfg = '';

      const apply = (file: string, text: string, flags: string[] = []): Ran => {
        root.put(`/srv/puppet/${file}`, text);
        return root.sh(`puppet apply --detailed-exitcodes --color=false ${flags.join(' ')} --modulepath=${MODULEPATH} /srv/puppet/${file}`, {
          net: true,
          timeoutMs: 600_000,
        });
      };
      /** An apply of env_sync_checks::task: strict, without legacy facts, no warning. */
      const applyOurs = (file: string, extra: Record<string, string> = {}): Ran => {
        const r = apply(file, manifest('env_sync_checks::task', debInRoot, extra), ['--strict=error', '--strict_variables']);
        expect(r.stderr, show(r)).to.equal('');
        return r;
      };
      const crontab = () => root.sh(`crontab -l -u ${JOB_USER} 2>&1 || true`).stdout;
      const cronLines = (text: string) => text.split('\n').filter((l) => l.includes(`${JOB}.cfg`));
      const exists = (path: string) => root.sh(`test -e ${shq(path)}`).status === 0;
      const checkNrpe = (command: string): Ran =>
        root.hostSh(`/usr/lib/nagios/plugins/check_nrpe -H 127.0.0.1 -t 50 -c ${command}`, { net: true, timeoutMs: 120_000 });

      before(async function () {
        root = new RootSession(cachedRoot(release, log));
        await root.start();
        // Facter reads /proc/1/environ; where root may not (no CAP_SYS_PTRACE, as in some
        // containers), an empty file stands in for it in the session's namespace.
        root.hostSh('cat "$ROOT/proc/1/environ" >/dev/null 2>&1 || mount --bind /dev/null "$ROOT/proc/1/environ"');
        // A /dev of the session's own (the root's is this machine's), so the root's rsyslogd can make /dev/log.
        const dev = root.hostSh(
          [
            'set -e',
            'mount -t tmpfs -o mode=755 tmpfs "$ROOT/dev"',
            'for n in null zero full random urandom tty; do touch "$ROOT/dev/$n"; mount --bind /dev/$n "$ROOT/dev/$n"; done',
            'mkdir "$ROOT/dev/pts" "$ROOT/dev/shm"',
            'mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$ROOT/dev/pts"',
            'ln -s pts/ptmx "$ROOT/dev/ptmx"',
            'mount -t tmpfs -o mode=1777 tmpfs "$ROOT/dev/shm"',
            'ln -s /proc/self/fd "$ROOT/dev/fd"; ln -s fd/0 "$ROOT/dev/stdin"; ln -s fd/1 "$ROOT/dev/stdout"; ln -s fd/2 "$ROOT/dev/stderr"',
          ].join('\n'),
        );
        expect(dev.status, show(dev)).to.equal(0);
        const copy = root.hostSh(`mkdir -p "$ROOT/srv/puppet" && cp -r ${shq(join(tmp.dir, 'ours'))} ${shq(join(tmp.dir, 'stubs'))} "$ROOT/srv/puppet/"`);
        expect(copy.status, show(copy)).to.equal(0);
        debInRoot = root.copyIn(debPath);
      });
      after(async () => root?.stop());

      it(`installs Debian ${release.debian}'s Puppet and what the jobs run with, and starts the root's rsyslogd and NRPE`, async function () {
        const up = root.sh('apt-get update');
        expect(up.status, show(up)).to.equal(0);
        // In the session's overlay, so the cached root stays what cleanRoot.ts makes.
        const r = root.sh(`apt-get install -y --no-install-recommends ${[...PUPPET_PACKAGES, ...HOST_PACKAGES].join(' ')}`);
        expect(r.status, show(r)).to.equal(0);
        log(`Debian ${release.debian}: puppet ${root.sh('puppet --version').stdout.trim()}, puppet-lint ${root.sh('puppet-lint --version').stdout.trim()}`);
        adm = Number(root.sh('getent group adm | cut -d: -f3').stdout.trim());
        // What govuk_env_sync's classes and the rest of govuk-puppet leave on a host: the job's user
        // with a home, the script and with_reboot_lock, env.d, the log and lock directories; and the
        // stand-ins on the PATH cron gives (/usr/bin) and where the script calls send_nsca.
        const real = govukPuppetDir();
        const setup = root.sh(
          [
            'set -e',
            `useradd --system --user-group --home-dir ${HOME} --create-home --shell /bin/sh ${JOB_USER}`,
            `install -d -o ${JOB_USER} -g ${JOB_USER} ${CONF_DIR} ${CONF_DIR}/env.d /var/log/govuk_env_sync`,
            `echo staging.publishing.service.gov.uk > ${CONF_DIR}/env.d/LOCAL_DOMAIN`,
            'install -d -m 0777 /etc/unattended-reboot/no-reboot',
            `install -d -m 0777 ${CONTROL} ${CONTROL}/bucket`,
            `install -d -o ${JOB_USER} -g ${JOB_USER} ${HOME}/${PARAMS.database}`,
            `echo "data of ${JOB}" > ${HOME}/${PARAMS.database}/content.txt`,
          ].join('\n'),
        );
        expect(setup.status, show(setup)).to.equal(0);
        root.put('/usr/local/bin/govuk_env_sync.sh', readFileSync(join(real, 'govuk_env_sync.sh')), 0o755);
        root.put(
          '/usr/local/bin/with_reboot_lock',
          readFileSync(join(real, 'with_reboot_lock.erb'), 'utf8').replace('<%= @lock_dir %>', '/etc/unattended-reboot/no-reboot'),
          0o755,
        );
        root.put('/usr/bin/aws', AWS.replace('__CONTROL__', CONTROL), 0o755);
        root.put('/usr/sbin/send_nsca', SEND_NSCA, 0o755);

        root.spawn('exec rsyslogd -n -iNONE');
        const sock = root.sh('i=0; until [ -S /dev/log ]; do i=$((i+1)); [ $i -lt 300 ] || exit 1; sleep 0.1; done');
        expect(sock.status, "the root's rsyslogd made no /dev/log within 30 s").to.equal(0);

        // From here on the root is offline (its own network namespace): no DNS server it could wait
        // on (facter asks for the host's domain at every apply), and the host's name in /etc/hosts.
        root.put('/etc/resolv.conf', 'nameserver 127.0.0.1\n');
        expect(root.sh('echo "192.0.2.10 $(hostname).example.org $(hostname)" >> /etc/hosts').status).to.equal(0);
        await root.privateNetwork();
        const nrpe = root.sh('service nagios-nrpe-server start', { net: true });
        expect(nrpe.status, show(nrpe)).to.equal(0);
        const ready = root.hostSh(
          'i=0; until /usr/lib/nagios/plugins/check_nrpe -H 127.0.0.1 -t 5 >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 150 ] || exit 1; sleep 0.2; done',
          { net: true },
        );
        expect(ready.status, "the root's NRPE did not answer within 30 s").to.equal(0);
        const running = await nrpeDaemons(root);
        expect(running).to.have.length(1);
        expect(running[0]!.groups, 'nagios is in group adm before Puppet puts it there').to.not.include(adm);
      });

      it('puppet parser validate, puppet epp validate and puppet-lint --fail-on-warnings say nothing; puppet module list finds its dependencies', function () {
        const mod = `${OURS}/env_sync_checks`;
        for (const cmd of [
          `puppet parser validate ${mod}/manifests/*.pp`,
          `puppet epp validate ${mod}/templates/*.epp`,
          `puppet-lint --fail-on-warnings ${mod}`,
        ]) {
          const r = root.sh(`${cmd} 2>&1`);
          expect(r.status, `${cmd}\n${show(r)}`).to.equal(0);
          expect(r.stdout, cmd).to.equal('');
        }
        const list = root.sh(`puppet module list --tree --color=false --modulepath=${OURS}:/usr/share/puppet/modules 2>&1`);
        expect(list.status, show(list)).to.equal(0);
        expect(list.stdout, show(list)).to.not.match(/Warning|Missing dependency|invalid|unmet/i);
        const deps = (
          JSON.parse(readFileSync(join(repoRoot, 'puppet', 'env_sync_checks', 'metadata.json'), 'utf8')) as { dependencies: Array<{ name: string }> }
        ).dependencies
          .map((d) => d.name)
          .sort();
        expect(deps).to.deep.equal(['puppetlabs/cron_core', 'puppetlabs/stdlib']);
        // Each dependency sits under env_sync_checks in the tree: found, and its version in range.
        expect(list.stdout).to.match(
          /env_sync_checks[\s\S]*puppetlabs-cron_core[\s\S]*puppetlabs-stdlib|env_sync_checks[\s\S]*puppetlabs-stdlib[\s\S]*puppetlabs-cron_core/,
        );
      });

      it('applies the real govuk_env_sync::task: its cfg and its one cron line', function () {
        const r = apply('old.pp', manifest('govuk_env_sync::task', debInRoot), ['--include_legacy_facts']);
        expect(r.status, show(r)).to.equal(2);
        expect(
          r.stderr.split('\n').filter((l) => /Error|Warning/.test(l) && !/cannot collect exported resources without storeconfigs/.test(l)),
          show(r),
        ).to.deep.equal([]);
        oldCfg = root.sh(`cat ${CFG}`).stdout;
        expect(oldCfg).to.match(/^action="push"\ndbms="files"\n/);
        const tab = crontab();
        expect(cronLines(tab)).to.deep.equal([`18 0 * * * ${OLD_COMMAND}`]);
        expect(tab.split('\n').filter((l) => l === `# Puppet Name: ${JOB}`)).to.have.length(1);
      });

      it('env_sync_checks::task over it: the same cfg, the cron line changed in place by env-sync-run --job alone, the check, and NRPE restarted with nagios in adm', async function () {
        const before = await nrpeDaemons(root);
        const r = applyOurs('new.pp');
        expect(r.status, show(r)).to.equal(2);
        expect(root.sh(`cat ${CFG}`).stdout).to.equal(oldCfg);
        const tab = crontab();
        expect(tab.split('\n').filter((l) => l === `# Puppet Name: ${JOB}`)).to.have.length(1);
        const lines = cronLines(tab);
        expect(lines).to.deep.equal([`18 0 * * * ${NEW_COMMAND}`]);
        expect(lines[0]).to.equal(
          `18 0 * * * ${OLD_COMMAND}`.replace('/usr/local/bin/govuk_env_sync.sh', `/usr/bin/env-sync-run --job ${JOB} -- /usr/local/bin/govuk_env_sync.sh`),
        );
        // The package, the state directory for the job's user, the one line of the defaults file.
        expect(root.sh(`dpkg-query -W -f='\${Status}' env-sync-checks`).stdout).to.equal('install ok installed');
        expect(root.sh('stat -c "%U:%G %a" /var/lib/env-sync').stdout.trim()).to.equal(`${JOB_USER}:${JOB_USER} 755`);
        expect(root.sh('grep ENV_SYNC_JOB_USER= /etc/default/env-sync-checks').stdout).to.equal(`ENV_SYNC_JOB_USER=${JOB_USER}\n`);
        expect(root.sh('stat -c "%U %a" /etc/default/env-sync-checks').stdout.trim()).to.equal('root 644');
        // The check's line is what env-sync config nrpe prints for the job and its schedule.
        const generated = root.sh(`env-sync config nrpe --job ${JOB} --schedule '18 0 * * *' --grace 1h --max-age 28h`);
        expect(generated.status, show(generated)).to.equal(0);
        expect(root.sh(`cat ${NRPE_FILE}`).stdout).to.equal(generated.stdout);
        expect(generated.stdout).to.contain(
          `command[check_env_sync_${JOB}]=/usr/lib/nagios/plugins/check_env_sync --job ${JOB} --age-critical 28h --schedule '18 0 * * *' --grace 1h\n`,
        );
        expect(root.sh(`stat -c "%U %a" ${NRPE_FILE}`).stdout.trim()).to.equal('root 644');
        expect(root.sh('id -nG nagios').stdout.trim().split(' ')).to.include('adm');
        // Restarted: another process, with the new group (a reload keeps the process and its groups).
        const after = await nrpeDaemons(root);
        expect(after, 'NRPE after the apply').to.have.length(1);
        expect(after[0]!.pid).to.not.equal(before[0]!.pid);
        expect(after[0]!.groups).to.include(adm);
      });

      it('a second apply changes nothing', function () {
        const r = applyOurs('new.pp');
        expect(r.status, show(r)).to.equal(0);
        expect(r.stdout, show(r)).to.not.match(/\/Stage\[main\]/);
      });

      it("the cron command run as the job's user leaves records that check_env_sync through the root's NRPE turns into OK, then CRITICAL with evidence from /var/log/syslog", function () {
        const line = cronLines(crontab())[0]!;
        const command = /^(?:\S+\s+){5}(.*)$/.exec(line)![1]!;
        // As cron runs a line: /bin/sh -c, the crontab owner's ids, cron's environment, in its home.
        const asCron = () =>
          root.sh(`cd ${HOME} && exec env -i HOME=${HOME} LOGNAME=${JOB_USER} SHELL=/bin/sh PATH=/usr/bin:/bin /bin/sh -c ${shq(command)}`, {
            user: root.ids(JOB_USER),
            net: true,
          });
        const ok = asCron();
        expect(ok.status, show(ok)).to.equal(0);
        expect(root.sh(`ls ${CONTROL}/bucket`).stdout, 'the stand-in bucket after the push').to.match(/\.tar\.gz|\.gz|\S/);
        expect(root.sh(`stat -c %U /var/lib/env-sync/${JOB}/state.json`).stdout.trim()).to.equal(JOB_USER);
        const good = checkNrpe(`check_env_sync_${JOB}`);
        expect(good.status, show(good)).to.equal(0);
        expect(good.stdout).to.match(new RegExp(`^ENV_SYNC OK - ${JOB} last run succeeded `));

        root.sh(`touch ${CONTROL}/aws-fails`);
        const failed = asCron();
        expect(failed.status, show(failed)).to.equal(1);
        const flushed = root.sh("i=0; until grep -q 'AccessDenied' /var/log/syslog; do i=$((i+1)); [ $i -lt 300 ] || exit 1; sleep 0.1; done");
        expect(flushed.status, "the failed run's lines did not reach /var/log/syslog").to.equal(0);
        const bad = checkNrpe(`check_env_sync_${JOB}`);
        expect(bad.status, show(bad)).to.equal(2);
        expect(bad.stdout).to.match(new RegExp(`^ENV_SYNC CRITICAL - ${JOB} failed with exit 1 `));
        // Read from /var/log/syslog (root:adm 0640): NRPE runs the check with the group Puppet gave nagios.
        expect(bad.stdout).to.contain('/var/log/syslog');
        expect(bad.stdout).to.not.match(/cannot read|permission denied|group adm/i);
      });

      it('ensure => disabled keeps the cfg and removes the cron line and the check', function () {
        const r = applyOurs('disabled.pp', { ensure: 'disabled' });
        expect(r.status, show(r)).to.equal(2);
        expect(root.sh(`cat ${CFG}`).stdout).to.equal(oldCfg);
        expect(cronLines(crontab())).to.deep.equal([]);
        expect(crontab()).to.not.contain(`# Puppet Name: ${JOB}`);
        expect(exists(NRPE_FILE)).to.equal(false);
        expect(checkNrpe(`check_env_sync_${JOB}`).stdout).to.not.match(/^ENV_SYNC/);
      });

      it('present again with runbook_url: the link in the check; then ensure => absent removes the cfg, the cron line and the check', function () {
        const url = 'https://docs.example/manual/alerts/data-sync.html';
        expect(applyOurs('runbook.pp', { runbook_url: url }).status).to.equal(2);
        expect(cronLines(crontab())).to.have.length(1);
        expect(root.sh(`cat ${NRPE_FILE}`).stdout).to.contain(`--age-critical 28h --runbook-url ${url} --schedule`);
        const linked = checkNrpe(`check_env_sync_${JOB}`);
        expect(linked.stdout.split('\n').slice(0, 2).join('\n'), show(linked)).to.match(
          new RegExp(`^ENV_SYNC CRITICAL - ${JOB} failed with exit 1 .*\nRunbook: ${url}$`),
        );
        const r = applyOurs('absent.pp', { ensure: 'absent' });
        expect(r.status, show(r)).to.equal(2);
        expect(exists(CFG)).to.equal(false);
        expect(cronLines(crontab())).to.deep.equal([]);
        expect(crontab()).to.not.contain(`# Puppet Name: ${JOB}`);
        expect(exists(NRPE_FILE)).to.equal(false);
      });
    });
  }
});
