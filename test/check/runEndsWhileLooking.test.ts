// A run that ends while the check looks at it: read as running, then its wrapper is gone. Slowed
// deterministically: the probe of its pid is where the run ends (with the real marker store), as it
// did once in ~1,300 checks under load.
import { expect } from 'chai';
import { join } from 'node:path';
import { gather } from '../../src/check/gather.js';
import { judge, summarise } from '../../src/check/judge.js';
import { processStartTicks } from '../../src/common/host.js';
import { recordRun, writeRunning, type StoreContext } from '../../src/markers/store.js';
import type { Run } from '../../src/markers/types.js';
import { tempStateEach } from '../support/tmp.js';

describe('a run that ends while the check looks at it', () => {
  const t = tempStateEach();

  const now = new Date();
  const running: Run = {
    runId: 'r-ending',
    job: 'pull_x',
    part: null,
    host: 'h',
    user: 'root',
    wrapperPid: 2147483646,
    wrapperStartTicks: null,
    childPid: 2147483645,
    childStartTicks: null,
    bootId: null,
    argv: ['true'],
    cwd: '/',
    cronCommand: null,
    cronCwd: null,
    start: new Date(now.getTime() - 60_000).toISOString(),
    end: null,
    durationSeconds: null,
    outcome: 'running',
    exitCode: null,
    signal: null,
    timeoutSeconds: null,
    message: null,
    output: { lines: 0, bytes: 0, tail: [] },
  };
  const ctx = (): StoreContext => ({
    stateDir: t.state,
    job: 'pull_x',
    bootId: null,
    holder: { runId: 'r-ending', pid: process.pid, startTicks: processStartTicks(process.pid), bootId: null, host: 'h', start: running.start },
  });
  const look = (probe: () => 'dead') =>
    gather(
      {
        job: 'pull_x',
        stateDir: t.state,
        syslog: join(t.dir, 'syslog'),
        rotated: 1,
        bootIdFile: join(t.dir, 'boot_id'),
        rebootLockDir: join(t.dir, 'locks'),
        deadline: Date.now() + 10_000,
        probe,
      },
      now,
    );
  const verdict = async (probe: () => 'dead') => {
    const facts = await look(probe);
    return summarise(judge(facts, { job: 'pull_x', stateDir: t.state, syslog: join(t.dir, 'syslog'), grace: 3600, missing: 2 }, now));
  };

  it('is judged by its recorded end, not called dead, when it ends between the read and the probe', async () => {
    writeRunning(ctx(), running);
    const v = await verdict(() => {
      // The wrapper records the end, removes its running marker and exits: all before the probe.
      recordRun(ctx(), { ...running, outcome: 'success', exitCode: 0, end: now.toISOString(), durationSeconds: 60 });
      return 'dead';
    });
    expect(v.state, v.summary).to.equal(0);
    expect(v.summary).to.match(/^pull_x last run succeeded at/);
  });

  it('is still called dead when its running marker stays: its wrapper recorded no end', async () => {
    writeRunning(ctx(), running);
    const v = await verdict(() => 'dead');
    expect(v.state).to.equal(2);
    expect(v.summary).to.contain('its wrapper pid 2147483646 died and recorded no end');
  });
});
