// --log auto|syslog|journal. The journal-only host (Debian 12 and later: no rsyslog, no
// /var/log/syslog) is made in a private mount namespace whose system journal directory
// (/var/log/journal/<machine-id>) is a real journald namespace's, so the checks run with their
// defaults and nothing of this machine changes.
import { expect } from 'chai';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseLog } from '../../src/logsource/choose.js';
import { convert, OptionError } from '../../src/common/options.js';
import { exec, startJournald, type Journald } from '../support/journald.js';
import { plugin, shq as q } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const CHECK = plugin('check_env_sync');
const ARGV = '/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_u.cfg';

describe('choosing the log: --log auto|syslog|journal', function () {
  this.timeout(120_000);
  let jd: Journald;
  let tmp: ReturnType<typeof makeTempDir>;
  let state: string;
  let machineId: string;
  before(async () => {
    jd = await startJournald();
    machineId = readFileSync('/etc/machine-id', 'utf8').trim();
    tmp = makeTempDir();
    state = stateDirIn(tmp.dir);
    await jd.log('govuk_env_sync.sh', `Starting "${ARGV}"`);
    await jd.log('govuk_env_sync.sh', `Error running "${ARGV}" in function f on line 1 executing "x"`);
  });
  after(async () => {
    await jd?.stop();
    tmp?.cleanup();
  });

  it('explicit choices, and a journal option meaning the journal', () => {
    const syslog = join(tmp.dir, 'syslog');
    writeFileSync(syslog, '');
    expect(chooseLog({ log: 'syslog', syslog: '/nonexistent' })).to.deep.equal({ kind: 'syslog', why: '--log syslog' });
    expect(chooseLog({ log: 'journal', syslog })).to.deep.equal({ kind: 'journal', selection: {}, why: '--log journal' });
    expect(chooseLog({ log: 'auto', syslog })).to.deep.equal({ kind: 'syslog', why: `--log auto: ${syslog} exists` });
    expect(chooseLog({ log: 'auto', syslog, journalNamespace: 'ops' })).to.deep.equal({
      kind: 'journal',
      selection: { namespace: 'ops' },
      why: '--journal-namespace',
    });
    expect(chooseLog({ syslog, journalFile: '/x.journal' })).to.deep.equal({ kind: 'journal', selection: { file: '/x.journal' }, why: '--journal-file' });
  });

  it('reads ENV_SYNC_LOG, refuses other words, a bad namespace name and two journals at once', () => {
    expect(convert('check_env_sync', { job: 'x' }, { ENV_SYNC_LOG: 'journal' }).log).to.equal('journal');
    expect(convert('check_env_sync', { job: 'x', log: 'syslog' }, { ENV_SYNC_LOG: 'journal' }).log).to.equal('syslog');
    expect(() => convert('check_env_sync', { job: 'x', 'journal-namespace': '../etc' }, {})).to.throw(
      OptionError,
      '--journal-namespace: journal namespace "../etc" may hold only letters, digits and _ . : -',
    );
    expect(() => convert('check_env_sync', { job: 'x', 'journal-namespace': 'a', 'journal-file': '/f.journal' }, {})).to.throw(
      OptionError,
      '--journal-namespace and --journal-file name two journals; give one',
    );
  });

  /** Runs the check as USER in a mount namespace where the system journal is `systemDir` (or none). */
  const onHost = (args: string[], o: { journal: boolean; user?: string; groups?: string }) => {
    const sys = `/var/log/journal/${machineId}`;
    const keep = join(tmp.dir, 'ns-journal');
    const who = o.user
      ? `setpriv --reuid=${o.user} --regid=${o.user === 'nobody' ? 'nogroup' : o.user} ${o.groups ? `--groups=${o.groups}` : '--clear-groups'} `
      : '';
    const script = [
      'set -e',
      `mkdir -p ${q(keep)}`,
      `mount --bind ${q(jd.journalDir)} ${q(keep)}`,
      // No system journal of this machine's in either place journald would keep one.
      'mount -t tmpfs -o mode=2755 tmpfs /var/log/journal',
      '[ ! -d /run/log ] || mount -t tmpfs tmpfs /run/log',
      o.journal ? `mkdir ${q(sys)} && mount --bind ${q(keep)} ${q(sys)}` : 'true',
      'set +e',
      `exec ${who}${[CHECK, '--state-dir', state, '--reboot-lock-dir', join(tmp.dir, 'locks'), ...args].map(q).join(' ')}`,
    ].join('\n');
    return exec('unshare', ['--mount', '--propagation', 'private', '--', 'bash', '-c', script]);
  };

  it('auto on a journal-only host: no syslog file, so the system journal, and the verdict says so', async () => {
    const missing = join(tmp.dir, 'no-syslog');
    const r = await onHost(['-j', 'pull_u', '--syslog', missing], { journal: true });
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout).to.match(/^ENV_SYNC CRITICAL - pull_u failed at /);
    expect(r.stdout).to.contain(`Log read: journal (--log auto: ${missing} does not exist)`);
    expect(r.stdout).to.match(/^journal: \d\d:\d\d:\d\d govuk_env_sync.sh: Error running /m);
  });

  it('auto with a syslog file that exists but cannot be read: UNKNOWN with the fix, never the journal instead (as nobody, who may read the journal)', async () => {
    const syslog = join(tmp.dir, 'syslog-closed');
    writeFileSync(syslog, '');
    chmodSync(syslog, 0o600);
    const r = await onHost(['-j', 'pull_u', '--syslog', syslog], { journal: true, user: 'nobody', groups: 'systemd-journal' });
    expect(r.code, r.stdout + r.stderr).to.equal(3);
    expect(r.stdout).to.contain(`${syslog} cannot be read (permission denied); ${syslog} is not readable by its group root (mode 0600)`);
    // The same user reads the journal when told to: the group is right, the choice was the point.
    const told = await onHost(['-j', 'pull_u', '--syslog', syslog, '--log', 'journal'], { journal: true, user: 'nobody', groups: 'systemd-journal' });
    expect(told.code, told.stdout).to.equal(2);
  });

  it('auto with neither a syslog file nor a journal: nothing to read, as a missing syslog file always was; --log journal names what is missing', async () => {
    const missing = join(tmp.dir, 'no-syslog');
    const r = await onHost(['-j', 'pull_u', '--syslog', missing], { journal: false });
    expect(r.code, r.stdout).to.equal(2);
    expect(r.stdout.split('\n')[0]).to.equal(
      `ENV_SYNC CRITICAL - pull_u: no record of this job: nothing in ${state}/pull_u/ and no govuk_env_sync.sh run of pull_u.cfg in ${missing} or its rotations`,
    );
    const told = await onHost(['-j', 'pull_u', '--log', 'journal'], { journal: false });
    expect(told.code, told.stdout).to.equal(3);
    expect(told.stdout).to.contain(
      `journal cannot be read (no system journal on this host (neither /var/log/journal/${machineId} nor /run/log/journal/${machineId} exists)); read the syslog file instead (--log syslog), or start systemd-journald`,
    );
  });
});
