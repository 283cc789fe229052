// Issue 25, finding 8: the disk fills during a run, so its end cannot be written. The wrapper, as the
// job's user, renames its running marker to a name that says how the run ended (a rename needs no
// data blocks); the check, as the monitoring user, names the cause and the outcome (never "its
// wrapper died", never the older OK); the next run with room records it. A 512 KiB tmpfs in a
// private mount namespace (unshare -m) is the disk; the sync itself fills it once its running marker
// is written (it waits for the file: no sleep decides the order).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { plugin, shq as q } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';
import { CHECKER, ensureUser, JOB_USER } from '../support/users.js';

const WRAPPER = plugin('env-sync-run');
const CHECK = plugin('check_env_sync');

describe('an end that cannot be recorded: disk full during the run (issue 25, finding 8)', function () {
  this.timeout(300_000);
  let tmp: { dir: string; cleanup: () => void };
  before(function () {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs in a mount namespace of its own: run it as root');
    ensureUser(JOB_USER);
    ensureUser(CHECKER);
    tmp = makeTempDir('env-sync-full-');
  });
  after(() => tmp?.cleanup());

  it("keeps the end in the running marker's name; the check says the run failed and why it was not recorded, not that its wrapper died, nor the older success; the next run records it", function () {
    const mnt = join(tmp.dir, 'disk');
    const state = `${mnt}/state`;
    const as = (user: string) => `setpriv --reuid=${user} --regid=${user} --clear-groups`;
    const wrap = `${as(JOB_USER)} ${q(WRAPPER)} --no-syslog --state-dir ${q(state)} --job full --`;
    // Waits for its own running marker, then fills the disk and ends with $3.
    const fillThenExit = (code: number) =>
      `sh -c 'while ! ls "$0"/full/running-*.json >/dev/null 2>&1; do sleep 0.01; done; dd if=/dev/zero of="$1"/filler bs=4k >/dev/null 2>&1; echo synced; exit "$2"' ${q(state)} ${q(`${mnt}/fill`)} ${code}`;
    const check = (label: string) =>
      `echo "=== ${label}"; ${as(CHECKER)} ${q(CHECK)} --job full --state-dir ${q(state)} --syslog ${q(`${mnt}/syslog`)} --user ${JOB_USER}; echo "=== ${label} exit $?"`;
    const script = [
      'set -e',
      `mkdir -p ${q(mnt)}`,
      `mount -t tmpfs -o size=512k tmpfs ${q(mnt)}`,
      `install -d -o ${JOB_USER} -g ${JOB_USER} -m 0755 ${q(state)} ${q(`${mnt}/fill`)}`,
      `: > ${q(`${mnt}/syslog`)}; chmod 0644 ${q(`${mnt}/syslog`)}`,
      'set +e',
      `${wrap} true; echo "=== first exit $?"`,
      `${wrap} ${fillThenExit(4)} 2>${q(join(tmp.dir, 'stderr2'))}; echo "=== second exit $?"`,
      `echo "=== files"; ls ${q(`${state}/full`)}`,
      check('check after the failure'),
      // Room again: the third run records the second before its own, and itself fills the disk.
      `rm -f ${q(`${mnt}/fill/filler`)}`,
      `${wrap} ${fillThenExit(0)} 2>/dev/null; echo "=== third exit $?"`,
      check('check after the success'),
      `echo "=== state"; cat ${q(`${state}/full/state.json`)}`,
      `rm -f ${q(`${mnt}/fill/filler`)}`,
      `${wrap} true; echo "=== fourth exit $?"`,
      check('check at the end'),
      `echo "=== files at the end"; ls ${q(`${state}/full`)}`,
    ].join('\n');
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', timeout: 240_000 });
    expect(r.error, 'unshare(1) is missing: apt-get install -y util-linux').to.equal(undefined);
    const sections = new Map<string, string>();
    for (const part of r.stdout.split(/^=== /m).slice(1)) {
      const nl = part.indexOf('\n');
      sections.set(part.slice(0, nl), part.slice(nl + 1));
    }
    const section = (name: string) => sections.get(name) ?? `(no section ${name}: stdout ${r.stdout} stderr ${r.stderr})`;
    const stderr2 = spawnSync('cat', [join(tmp.dir, 'stderr2')], { encoding: 'utf8' }).stdout;
    expect([...sections.keys()].filter((k) => k.includes(' exit '))).to.deep.equal([
      'first exit 0',
      'second exit 4',
      'check after the failure exit 2',
      'third exit 0',
      'check after the success exit 1',
      'fourth exit 0',
      'check at the end exit 0',
    ]);

    // The second run: its status kept, the end kept in the marker's name, no running marker left.
    expect(stderr2).to.match(/cannot record the finished run in .*no space left on device/i);
    const files = section('files').trim().split('\n');
    const kept = files.find((f) => f.startsWith('unrecorded-'));
    expect(kept, files.join(' ')).to.match(/^unrecorded-\d{8}T\d{6}Z-[0-9a-f]{6}\.failure\.4\.ENOSPC\.json$/);
    expect(files.filter((f) => f.startsWith('running-'))).to.deep.equal([]);
    expect(stderr2).to.include(`kept in the name of ${kept}`);
    const secondRun = kept!.slice('unrecorded-'.length).split('.')[0]!;

    // The check: CRITICAL for the failure, the cause named, never "died", never the first run's OK.
    const afterFailure = section('check after the failure');
    const first = afterFailure.split('\n')[0]!;
    expect(first).to.match(/^ENV_SYNC CRITICAL - full failed with exit 4 at /);
    expect(first).to.include(`could not record the end of run ${secondRun}: no space left on device`);
    expect(afterFailure).to.not.match(/died|outcome unknown|last run succeeded/);
    expect(afterFailure).to.include(`Evidence (run ${secondRun}`);

    // The third run succeeded but could not record its end either: WARNING naming it, not the failure.
    const afterSuccess = section('check after the success').split('\n')[0]!;
    expect(afterSuccess).to.match(/^ENV_SYNC WARNING - full could not record the end of run \S+: no space left on device .*; last run succeeded at /);
    expect(afterSuccess).to.not.include(secondRun);
    // … and it recorded the second run, late, as it ended.
    const st = JSON.parse(section('state')) as { history: Array<{ runId: string; outcome: string; exitCode: number | null }>; consecutiveFailures: number };
    expect(st.history.map((h) => h.outcome)).to.deep.equal(['success', 'failure']);
    expect(st.history[1]).to.include({ runId: secondRun, exitCode: 4 });

    // With room, everything recorded: OK, and no kept end left behind.
    expect(section('check at the end')).to.match(/^ENV_SYNC OK - full last run succeeded/);
    expect(
      section('files at the end')
        .split('\n')
        .filter((f) => f.startsWith('unrecorded-') || f.startsWith('running-')),
    ).to.deep.equal([]);
  });
});
