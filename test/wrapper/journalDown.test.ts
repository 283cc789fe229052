// The wrapper on a journal host whose journald has died: its dev-log socket is still there, and every
// line sent to it is refused. The sync runs, its output passes through, its exit status and marker
// are kept, and the wrapper says once that the log is unavailable.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readJobState } from '../../src/markers/read.js';
import { startJournald, type Journald } from '../support/journald.js';
import { plugin, run, waitUntil, pidAlive } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

describe('env-sync-run when journald is down', function () {
  this.timeout(60_000);
  let jd: Journald;
  const tmp = makeTempDir();
  before(async () => {
    jd = await startJournald();
  });
  after(async () => {
    await jd?.stop();
    tmp.cleanup();
  });

  it('runs the sync and keeps its status, with one warning, when journald is gone from behind its socket', async () => {
    process.kill(jd.pid, 'SIGKILL');
    await waitUntil('journald to be gone', () => !pidAlive(jd.pid));
    expect(existsSync(jd.devLog), 'the socket file stays').to.equal(true);
    const state = stateDirIn(tmp.dir);
    const r = await run(plugin('env-sync-run'), [
      '--state-dir',
      state,
      '--syslog-socket',
      jd.devLog,
      '--job',
      'pull_down',
      '--',
      'sh',
      '-c',
      'echo restoring; echo "pg_restore: error" >&2; exit 3',
    ]);
    expect(r.code).to.equal(3);
    expect(r.stdout).to.equal('restoring\n');
    expect(r.stderr.split('\n').filter((l) => l.includes('syslog unavailable'))).to.have.length(1);
    expect(readJobState(state, 'pull_down', null)!.last).to.include({ outcome: 'failure', exitCode: 3 });
  });
});
