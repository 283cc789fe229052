// What the checks read of the host's processes: hidepid, the script still running its cfg, a
// with_reboot_lock still holding its file.
import { expect } from 'chai';
import { hiddenBy, processOwners, rebootLockHeld, scriptRunning, type ProcessView } from '../../src/common/processes.js';

describe('processes: hidepid, the script and with_reboot_lock by command line', () => {
  const nagios = { uid: 110, groups: [118, 4] };
  const ROWS: Array<[string | null, typeof nagios, boolean]> = [
    [null, nagios, false],
    ['rw', nagios, false],
    ['rw,hidepid=0', nagios, false],
    ['rw,hidepid=off', nagios, false],
    ['rw,hidepid=2', nagios, true],
    ['rw,hidepid=invisible', nagios, true],
    ['rw,hidepid=noaccess', nagios, true],
    ['rw,hidepid=invisible,gid=4', nagios, false],
    ['rw,hidepid=invisible,gid=5', nagios, true],
    ['rw,hidepid=invisible', { uid: 0, groups: [] }, false],
  ];
  for (const [options, who, hidden] of ROWS) {
    it(`/proc ${options ?? '(no options)'} for uid ${who.uid}: ${hidden ? 'hidden, with the fix' : 'visible'}`, () => {
      const why = hiddenBy(options, who);
      if (!hidden) expect(why).to.equal(null);
      else expect(why).to.match(/^\/proc is mounted with hidepid=\w+, so .* cannot see other users' processes; remount \/proc with gid=G/);
    });
  }

  const JOB = 1001;
  const STRANGER = 1002;
  const owners = processOwners(JOB);
  const job = (argv: string[]) => ({ argv, uids: [JOB, JOB] as [number, number] });
  const view: ProcessView = {
    hidden: null,
    procs: [
      job([
        '/usr/bin/env',
        'bash',
        '/usr/local/bin/with_reboot_lock',
        'env-sync_pull_x',
        '/usr/bin/envdir',
        '/etc/env.d',
        '/usr/local/bin/govuk_env_sync.sh',
        '-f',
        '/etc/govuk_env_sync/pull_x.cfg',
      ]),
      job([
        'bash',
        '/usr/local/bin/with_reboot_lock',
        'env-sync_pull_x',
        '/usr/bin/envdir',
        '/etc/env.d',
        '/usr/local/bin/govuk_env_sync.sh',
        '-f',
        '/etc/govuk_env_sync/pull_x.cfg',
      ]),
      job(['vim', '/etc/govuk_env_sync/pull_y.cfg']),
      { argv: ['/bin/bash', '/usr/local/bin/govuk_env_sync.sh', '-f', '/etc/govuk_env_sync/pull_z.cfg'], uids: [0, 0] },
      job(['grep', 'govuk_env_sync.sh', '/etc/govuk_env_sync/pull_w.cfg']),
      // A stranger's look-alikes, and a stranger's setuid-root program (real uid the stranger's).
      { argv: ['govuk_env_sync.sh', '-f', '/etc/govuk_env_sync/pull_s.cfg'], uids: [STRANGER, STRANGER] },
      { argv: ['govuk_env_sync.sh', '-f', '/etc/govuk_env_sync/pull_t.cfg'], uids: [STRANGER, 0] },
      { argv: ['bash', '/tmp/with_reboot_lock', 'env-sync_pull_s'], uids: [STRANGER, STRANGER] },
    ],
  };
  it('finds the script running a cfg, not a wrapper, an editor or a grep naming it', () => {
    expect(scriptRunning(view, 'govuk_env_sync.sh', '/pull_z.cfg', owners), "root's").to.equal(true);
    expect(scriptRunning(view, 'govuk_env_sync.sh', '/pull_x.cfg', owners), 'only with_reboot_lock names it').to.equal(false);
    expect(scriptRunning(view, 'govuk_env_sync.sh', '/pull_y.cfg', owners)).to.equal(false);
    expect(scriptRunning(view, 'govuk_env_sync.sh', '/pull_w.cfg', owners)).to.equal(false);
  });
  it('finds a live with_reboot_lock by its lock name', () => {
    expect(rebootLockHeld(view, 'env-sync_pull_x', owners)).to.equal(true);
    expect(rebootLockHeld(view, 'env-sync_pull_z', owners)).to.equal(false);
  });
  it("counts only the job's user's and root's processes: a stranger's look-alike or setuid program does not", () => {
    expect(scriptRunning(view, 'govuk_env_sync.sh', '/pull_s.cfg', owners)).to.equal(false);
    expect(scriptRunning(view, 'govuk_env_sync.sh', '/pull_t.cfg', owners)).to.equal(false);
    expect(rebootLockHeld(view, 'env-sync_pull_s', owners)).to.equal(false);
    expect(scriptRunning(view, 'govuk_env_sync.sh', '/pull_s.cfg', processOwners(STRANGER)), 'were the stranger the job user').to.equal(true);
    expect(rebootLockHeld(view, 'env-sync_pull_x', processOwners(null)), 'no job user known: root only').to.equal(false);
    expect(processOwners(null)).to.deep.equal([0]);
  });
});
