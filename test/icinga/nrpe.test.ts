import { expect } from 'chai';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/icinga2.js';
import { NRPE_CFG, PLUGIN_DIR, recordFinishedRun, runPlugin, writeCorruptMarker } from '../support/icingaFixtures.js';
import { adaptCommands, checkNrpe, commandLine, startNrpe, type RunningNrpe } from '../support/nrpe.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const sameButAge = (text: string): string => text.replace(/\bage=[0-9.]+s/g, 'age=<n>s');

describe('NRPE with icinga-conf/nrpe/env_sync.cfg', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let nrpe: RunningNrpe | undefined;
  let commands = '';

  before(async function () {
    tmp = makeTempDir('env-sync-nrpe-');
    const stateDir = stateDirIn(tmp.dir);
    const syslog = join(tmp.dir, 'syslog');
    writeFileSync(syslog, '', { mode: 0o644 });
    recordFinishedRun(stateDir, 'pull_x', 'success', 0, ['Completed']);
    recordFinishedRun(stateDir, 'push_attachments', 'failure', 1, ['Error running "govuk_env_sync.sh" in function upload on line 80']);
    writeCorruptMarker(stateDir, 'pull_mysql_whitehall');
    commands = adaptCommands(readFileSync(NRPE_CFG, 'utf8'), PLUGIN_DIR, stateDir, syslog);
    const nrpeDir = join(tmp.dir, 'nrpe');
    mkdirSync(nrpeDir, { mode: 0o755 });
    nrpe = await startNrpe(nrpeDir, await freePort(), commands);
  });

  after(async function () {
    await nrpe?.stop();
    tmp?.cleanup();
  });

  it('ships no dont_blame_nrpe and one command per job', function () {
    const shipped = readFileSync(NRPE_CFG, 'utf8');
    expect(shipped).to.not.match(/^\s*dont_blame_nrpe/m);
    expect(shipped).to.not.include('$ARG');
    for (const job of ['pull_x', 'push_attachments', 'pull_mysql_whitehall']) {
      expect(shipped).to.match(new RegExp(`^command\\[check_env_sync_${job}\\]=/usr/lib/nagios/plugins/check_env_sync --job ${job} `, 'm'));
    }
  });

  for (const [job, state, word] of [
    ['pull_x', 0, 'OK'],
    ['push_attachments', 2, 'CRITICAL'],
    ['pull_mysql_whitehall', 3, 'UNKNOWN'],
  ] as const) {
    it(`returns the plugin's exact ${word} state and output for ${job}`, function () {
      const name = `check_env_sync_${job}`;
      const [exe, ...args] = commandLine(commands, name);
      const direct = runPlugin('check_env_sync', args);
      expect(exe).to.equal(join(PLUGIN_DIR, 'check_env_sync'));
      const viaNrpe = checkNrpe(nrpe!.port, name);
      // Byte for byte, except the age perfdata, which grows between the two runs.
      expect(sameButAge(viaNrpe.stdout), viaNrpe.stderr).to.equal(sameButAge(direct.stdout));
      expect(viaNrpe.status, viaNrpe.stdout).to.equal(direct.status);
      expect(direct.status, direct.stdout).to.equal(state);
      expect(direct.stdout).to.match(new RegExp(`^ENV_SYNC ${word} - `));
    });
  }
});
