// What the checks read of the host's processes: hidepid, the script still running its cfg, a
// with_reboot_lock still holding its file.
import { expect } from 'chai';
import { hiddenBy, rebootLockHeld, scriptRunning, type ProcessView } from '../../src/common/processes.js';

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

  const view: ProcessView = {
    hidden: null,
    argvs: [
      ['/usr/bin/env', 'bash', '/usr/local/bin/with_reboot_lock', 'env-sync_pull_x', '/usr/bin/envdir', '/etc/env.d', '/usr/local/bin/govuk_env_sync.sh', '-f', '/etc/govuk_env_sync/pull_x.cfg'],
      ['bash', '/usr/local/bin/with_reboot_lock', 'env-sync_pull_x', '/usr/bin/envdir', '/etc/env.d', '/usr/local/bin/govuk_env_sync.sh', '-f', '/etc/govuk_env_sync/pull_x.cfg'],
      ['vim', '/etc/govuk_env_sync/pull_y.cfg'],
      ['/bin/bash', '/usr/local/bin/govuk_env_sync.sh', '-f', '/etc/govuk_env_sync/pull_z.cfg'],
      ['grep', 'govuk_env_sync.sh', '/etc/govuk_env_sync/pull_w.cfg'],
    ],
  };
  it('finds the script running a cfg, not a wrapper, an editor or a grep naming it', () => {
    expect(scriptRunning(view, 'govuk_env_sync.sh', '/pull_z.cfg')).to.equal(true);
    expect(scriptRunning(view, 'govuk_env_sync.sh', '/pull_x.cfg'), 'only with_reboot_lock names it').to.equal(false);
    expect(scriptRunning(view, 'govuk_env_sync.sh', '/pull_y.cfg')).to.equal(false);
    expect(scriptRunning(view, 'govuk_env_sync.sh', '/pull_w.cfg')).to.equal(false);
  });
  it('finds a live with_reboot_lock by its lock name', () => {
    expect(rebootLockHeld(view, 'env-sync_pull_x')).to.equal(true);
    expect(rebootLockHeld(view, 'env-sync_pull_z')).to.equal(false);
  });
});
