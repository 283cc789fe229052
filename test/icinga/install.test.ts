import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGIN_DIR, REPO_ROOT, runPlugin } from '../support/icingaFixtures.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const SCRIPT = join(REPO_ROOT, 'scripts', 'install-nagios-plugins.sh');

describe('installing the checks into the Nagios plugin directory', function () {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(function () {
    tmp = makeTempDir('env-sync-install-');
  });
  afterEach(function () {
    tmp.cleanup();
  });

  it("links the three checks, and a linked check runs like the checkout's own", function () {
    const r = spawnSync(SCRIPT, [tmp.dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    for (const p of ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order']) {
      expect(readlinkSync(join(tmp.dir, p))).to.equal(join(PLUGIN_DIR, p));
    }
    const state = stateDirIn(tmp.dir);
    const args = ['--job', 'pull_x', '--state-dir', state, '--syslog', join(tmp.dir, 'no-syslog')];
    const linked = spawnSync(join(tmp.dir, 'check_env_sync'), args, { encoding: 'utf8' });
    const direct = runPlugin('check_env_sync', args);
    expect(linked.stdout).to.equal(direct.stdout);
    expect(linked.status).to.equal(direct.status);
    expect(linked.stdout).to.match(/^ENV_SYNC /);
  });

  it('refuses to replace a plugin file that is not a link', function () {
    writeFileSync(join(tmp.dir, 'check_env_sync'), '#!/bin/sh\n');
    const r = spawnSync(SCRIPT, [tmp.dir], { encoding: 'utf8' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include(`${join(tmp.dir, 'check_env_sync')} exists and is not a symbolic link`);
  });

  it('names the package when the plugin directory is missing', function () {
    const r = spawnSync(SCRIPT, [join(tmp.dir, 'nope')], { encoding: 'utf8' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('install monitoring-plugins-basic');
  });
});
