// `env-sync logs JOB --follow` on a journal host, against a real namespaced journald: the job's lines
// so far once each, then new ones as they come (journalctl --follow with the job's matches), across a
// rotation of the journal's files, until it is stopped by its pid.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { startJournald, type Journald } from '../support/journald.js';
import { plugin, waitUntil } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const ENV_SYNC = plugin('env-sync');

describe('env-sync logs --follow from the journal', function () {
  this.timeout(120_000);
  let jd: Journald;
  const tmp = makeTempDir();
  const state = stateDirIn(tmp.dir);
  before(async () => {
    jd = await startJournald();
  });
  after(async () => {
    await jd?.stop();
    tmp.cleanup();
  });

  it("prints the job's lines once, then follows new ones across a rotation, until stopped", async () => {
    await jd.log('env-sync/pull_f', 'before: restoring');
    await jd.log('env-sync/pull_other', 'another job');
    await jd.log('env-sync-run', 'event=start job=pull_f run=r1');
    const child = spawn(ENV_SYNC, ['logs', 'pull_f', '--follow', '--state-dir', state, '--journal-namespace', jd.namespace], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    try {
      await waitUntil('the follow to start', () => err.includes(`env-sync: following journal:${jd.namespace} (Ctrl-C to stop)`), 20_000);
      await jd.log('env-sync/pull_f', 'after: still restoring');
      await waitUntil('the new line', () => out.includes('after: still restoring'), 20_000);
      await jd.rotate();
      await jd.log('env-sync/pull_f', 'after the rotation: pg_restore: error: disk full');
      await jd.log('env-sync-run', 'event=start job=pull_other run=r2');
      await jd.log('env-sync-run', 'event=finish job=pull_f run=r1 outcome=failure exit=1');
      await waitUntil('the lines after the rotation', () => out.includes('event=finish job=pull_f'), 20_000);
    } finally {
      process.kill(child.pid!, 'SIGTERM');
    }
    expect(await exited).to.equal(0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => l.replace(/^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ /, ''));
    expect(lines.map((l) => l.replace(/\[\d+\]/, ''))).to.deep.equal([
      'env-sync/pull_f: before: restoring',
      'env-sync-run: event=start job=pull_f run=r1',
      'env-sync/pull_f: after: still restoring',
      'env-sync/pull_f: after the rotation: pg_restore: error: disk full',
      'env-sync-run: event=finish job=pull_f run=r1 outcome=failure exit=1',
    ]);
    expect(err).not.to.match(/problem|cannot|denied/i);
  });

  it('says why when it cannot follow (no such namespace), and exits', async () => {
    const child = spawn(ENV_SYNC, ['logs', 'pull_f', '--follow', '--state-dir', state, '--journal-namespace', `${jd.namespace}-gone`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    expect(code).to.equal(0);
    const said = err.split('\n').filter((l) => l.startsWith(`env-sync: journal:${jd.namespace}-gone: no journal namespace ${jd.namespace}-gone on this host`));
    expect(said, err).to.have.length(1);
  });
});
