// Which Node the executables really run on. They start through `#!/usr/bin/env node`, and NRPE, cron
// and Icinga find `node` through a PATH of their own, so a pass "on Node 24" whose executables ran
// on the machine's Node 20 would prove nothing. .ci/run runs each pass with the Node under test
// bind-mounted over /usr/bin/node and names its version in ENV_SYNC_EXPECT_NODE; without it (a
// developer's `npm test`) the executables must run on the Node that runs the tests. Each executable
// says its Node on stderr under ENV_SYNC_DEBUG_CODE_CACHE=1 (plugins/launch.cjs).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plugin } from '../support/proc.js';
import { freePort } from '../support/icinga2.js';
import { checkNrpe, startNrpe, type RunningNrpe } from '../support/nrpe.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const expected = process.env.ENV_SYNC_EXPECT_NODE ?? process.version;
const EXECUTABLES = ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order', 'env-sync', 'env-sync-run'];
// The PATH systemd gives a service such as nagios-nrpe-server, and the one cron gives a job.
const SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const CRON_PATH = '/usr/bin:/bin';

/** The Node versions named in an executable's code cache debug lines. */
const nodesIn = (text: string) => [...text.matchAll(/^code cache: .* \[Node (v\d+\.\d+\.\d+), /gm)].map((m) => m[1]);

describe(`the Node the executables run on (${expected})`, function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let state: string;
  let syslog: string;

  before(() => {
    tmp = makeTempDir('env-sync-node-');
    state = stateDirIn(tmp.dir);
    syslog = join(tmp.dir, 'syslog');
    writeFileSync(syslog, '', { mode: 0o644 });
    const r = spawnSync(plugin('env-sync-run'), ['--no-syslog', '--state-dir', state, '--job', 'pull_x', '--', 'true'], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
  });
  after(() => tmp?.cleanup());

  it('is the Node that runs the tests', () => {
    expect(process.version).to.equal(expected);
  });

  it('runs each of the five executables, started through its link in plugins/', () => {
    for (const exe of EXECUTABLES) {
      const r = spawnSync(plugin(exe), ['--help'], { env: { ...process.env, ENV_SYNC_DEBUG_CODE_CACHE: '1' }, encoding: 'utf8' });
      expect(r.stdout + r.stderr, exe).to.match(/Usage:/);
      expect(nodesIn(r.stderr), exe).to.deep.equal([expected]);
    }
  });

  it('runs env-sync-run as cron starts it: an empty environment but PATH=/usr/bin:/bin', () => {
    const r = spawnSync(
      'env',
      ['-i', `PATH=${CRON_PATH}`, 'ENV_SYNC_DEBUG_CODE_CACHE=1', plugin('env-sync-run'), '--no-syslog', '--state-dir', state, '--job', 'pull_x', '--', 'true'],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).to.equal(0);
    expect(nodesIn(r.stderr)).to.deep.equal([expected]);
  });

  describe('through a real nrpe, as the nagios user, with the PATH systemd gives the service', () => {
    let nrpe: RunningNrpe | undefined;
    before(async () => {
      const dir = join(tmp.dir, 'nrpe');
      mkdirSync(dir, { mode: 0o755 });
      // nrpe runs a command line with /bin/sh, so the debug line can join the plugin's output.
      const command = `command[node_version]=/usr/bin/env ENV_SYNC_DEBUG_CODE_CACHE=1 ${plugin('check_env_sync')} --job pull_x --state-dir ${state} --syslog ${syslog} 2>&1\n`;
      nrpe = await startNrpe(dir, await freePort(), command, { PATH: SERVICE_PATH });
    });
    after(async () => nrpe?.stop());

    it('runs check_env_sync on it, and the check still gives its verdict', () => {
      const r = checkNrpe(nrpe!.port, 'node_version');
      expect(r.stdout, r.stderr).to.match(/^ENV_SYNC OK - pull_x /m);
      expect(r.status, r.stdout).to.equal(0);
      expect(nodesIn(r.stdout), r.stdout).to.deep.equal([expected]);
    });
  });
});
