// judgeHost, the view check_env_sync_all and env-sync status share: keepFacts false gives the same
// verdicts without each job's facts (check_env_sync_all needs only the verdicts).
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { judgeHost } from '../../src/check/hostJobs.js';
import { parseCommandLine } from '../../src/common/commandLine.js';
import { recordRun } from '../../src/markers/store.js';
import { makeRun } from '../support/runs.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

describe('judgeHost: every job of the host, judged', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir('env-sync-host-jobs-')));
  afterEach(() => cleanup());

  it("keeps each job's facts unless asked not to, with the same verdicts either way", async () => {
    const state = stateDirIn(dir);
    const syslog = join(dir, 'syslog');
    writeFileSync(syslog, '');
    const now = new Date();
    const holder = { runId: 'test', pid: process.pid, startTicks: null, bootId: null, host: 'db1', start: now.toISOString() };
    const end = new Date(now.getTime() - 3600_000).toISOString();
    recordRun({ stateDir: state, job: 'pull_ok', bootId: null, holder }, makeRun('pull_ok', { start: end, end, outcome: 'success', exitCode: 0 }));
    recordRun({ stateDir: state, job: 'pull_bad', bootId: null, holder }, makeRun('pull_bad', { start: end, end, outcome: 'failure', exitCode: 3 }));
    const parsed = await parseCommandLine('check_env_sync_all', ['--state-dir', state, '--syslog', syslog]);
    if ('text' in parsed) throw new Error(parsed.text);
    const o = { ...parsed.values, grace: parsed.values.grace, deadline: Date.now() + 60_000, skipEvidence: true, trust: {} };
    const kept = await judgeHost(o, now);
    const dropped = await judgeHost({ ...o, keepFacts: false }, now);
    expect(kept.jobs.map((j) => j.job)).to.deep.equal(['pull_bad', 'pull_ok']);
    expect(kept.jobs.every((j) => j.facts?.jobState?.last)).to.equal(true);
    expect(dropped.jobs.map((j) => j.facts)).to.deep.equal([null, null]);
    const verdicts = (v: typeof kept) => v.jobs.map(({ facts: _f, ...rest }) => rest);
    expect(verdicts(dropped)).to.deep.equal(verdicts(kept));
    expect(kept.jobs.map((j) => j.state)).to.deep.equal([2, 0]);
  });
});
