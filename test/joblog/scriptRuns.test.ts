// Runs of govuk_env_sync.sh from its own lines, for many jobs in one backward scan, and --rotated
// auto's bound: read back until each job's last run is found.
import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { findScriptRuns } from '../../src/joblog/scriptRuns.js';
import { scriptRunsLookup } from '../../src/joblog/scriptRunsLookup.js';
import { lastFinishAfter } from '../../src/joblog/wrapperEvents.js';
import { collectRunEvidence } from '../../src/joblog/jobQueries.js';
import { makeTempDir } from '../support/tmp.js';
import { syslogLine } from '../support/proc.js';

const NOW = new Date(2026, 10, 24, 8, 0, 0);
const H = 3600_000;
const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * H);
const argv = (job: string) => `/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${job}.cfg`;
const starting = (h: number, job: string) => syslogLine(at(h), `govuk_env_sync.sh: Starting "${argv(job)}"`);
const completed = (h: number, job: string) => syslogLine(at(h), `govuk_env_sync.sh: Completed "${argv(job)}"`);
const failed = (h: number, job: string) => syslogLine(at(h), `govuk_env_sync.sh: Error running "${argv(job)}" in function f on line 1 executing "x"`);

describe('script runs from syslog, many jobs in one scan', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());
  const file = (name: string, lines: string[], gz = false) => {
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, name), gz ? gzipSync(text) : text);
  };

  it("a host view's lookup: one scan answers its jobs, its problems said once; a job outside it scanned alone, with that scan's problems", async () => {
    file('syslog', [starting(2, 'a'), completed(1, 'a'), starting(2, 'z'), failed(1, 'z')]);
    // syslog.1 a directory: a problem of every scan that reads it.
    mkdirSync(join(dir, 'syslog.1'));
    const lookup = scriptRunsLookup({ syslog: join(dir, 'syslog'), rotated: 1, now: NOW }, [{ job: 'a' }, { job: 'b' }], false);
    const a = await lookup('a');
    expect(a.run).to.include({ outcome: 'success' });
    expect(a.problems.map((p) => p.path)).to.deep.equal([join(dir, 'syslog.1')]);
    expect((await lookup('b')).problems).to.deep.equal([]);
    const z = await lookup('z');
    expect(z.run).to.include({ outcome: 'failure' });
    expect(z.problems.map((p) => p.path)).to.deep.equal([join(dir, 'syslog.1')]);
  });

  it('answers every job from one pass, each with its last run and, for a failure, its last success', async () => {
    file('syslog', [starting(30, 'a'), completed(29, 'a'), starting(20, 'b'), starting(6, 'a'), failed(5.9, 'a'), starting(2, 'c'), completed(1, 'c')]);
    const jobs = ['a', 'b', 'c', 'never'].map((job) => ({ job }));
    const r = await findScriptRuns({ syslog: join(dir, 'syslog'), rotated: 0, now: NOW }, jobs);
    expect(r.filesRead).to.deep.equal([join(dir, 'syslog')]);
    expect(r.byJob.get('a')!.run).to.include({ outcome: 'failure' });
    expect(r.byJob.get('a')!.lastSuccessEnd!.getTime()).to.equal(Math.floor(at(29).getTime() / 1000) * 1000);
    expect(r.byJob.get('b')!.run).to.include({ outcome: 'running' });
    expect(r.byJob.get('c')!.run).to.include({ outcome: 'success' });
    expect(r.byJob.get('never')!.run).to.equal(null);
    // The same answers with many jobs (the scan then searches for the script's tag, not each cfg).
    const many = await findScriptRuns({ syslog: join(dir, 'syslog'), rotated: 0, now: NOW }, [
      ...jobs,
      ...Array.from({ length: 20 }, (_, i) => ({ job: `other_${i}` })),
    ]);
    for (const job of ['a', 'b', 'c', 'never']) expect(many.byJob.get(job)!.run?.outcome ?? null, job).to.equal(r.byJob.get(job)!.run?.outcome ?? null);
  });

  it("--rotated auto reads back only until every job's last run is found; a failure's older success is looked for in its own file only", async () => {
    file('syslog', [starting(3, 'a'), failed(2.5, 'a')]);
    file('syslog.1', [completed(26, 'a'), starting(27, 'b'), completed(26.5, 'b')].sort());
    file('syslog.2.gz', [starting(50, 'c'), completed(49, 'c')], true);
    file('syslog.3.gz', [], true);
    const opts = { syslog: join(dir, 'syslog'), rotated: 7, now: NOW };
    const onlyA = await findScriptRuns(opts, [{ job: 'a' }], true);
    expect(onlyA.byJob.get('a')!.run).to.include({ outcome: 'failure' });
    expect(onlyA.byJob.get('a')!.lastSuccessEnd, "not looked for past the run's file").to.equal(null);
    expect(onlyA.filesRead).to.deep.equal([join(dir, 'syslog')]);
    const withC = await findScriptRuns(opts, [{ job: 'b' }, { job: 'c' }], true);
    expect(withC.byJob.get('c')!.run).to.include({ outcome: 'success' });
    expect(withC.filesRead.map((f) => f.slice(dir.length + 1))).to.deep.equal(['syslog', 'syslog.1', 'syslog.2.gz']);
    // A given --rotated N reads to its limit for the older success, and no further for anything.
    const explicit = await findScriptRuns({ ...opts, rotated: 1 }, [{ job: 'a' }, { job: 'c' }]);
    expect(explicit.byJob.get('a')!.lastSuccessEnd).to.not.equal(null);
    expect(explicit.byJob.get('c')!.run).to.equal(null);
  });

  it("the wrapper's newest finish line after a time, for that job only", async () => {
    file('syslog', [
      syslogLine(at(5), 'env-sync-run[10]: event=finish job=a run=r1 outcome=success exit=0 duration=1s'),
      syslogLine(at(3), 'env-sync-run[11]: event=finish job=a_other run=r2 outcome=failure exit=1 duration=1s'),
      syslogLine(at(2), 'env-sync-run[12]: event=finish job=a part=p1 run=r3 outcome=failure exit=4 duration=1s'),
      syslogLine(at(1), 'other[1]: event=finish job=a run=forged-tag outcome=success exit=0 duration=1s'),
    ]);
    const opts = { syslog: join(dir, 'syslog'), rotated: 0, now: NOW };
    expect((await lastFinishAfter(opts, 'a', at(6))).event).to.include({ runId: 'r3', part: 'p1', outcome: 'failure', exitCode: 4 });
    expect((await lastFinishAfter(opts, 'a', at(1.5))).event).to.equal(null);
  });

  it("a run's evidence is its own: the wrapper's pid and run id, the script's cfg lines from its start", async () => {
    const start = at(1);
    const end = new Date(start.getTime() + 60_000);
    const stamp = (d: Date, rest: string) => `${d.toISOString()} db1 ${rest}`;
    file('syslog', [
      // The run before, ending half a second before this one started: same job, another wrapper.
      stamp(new Date(start.getTime() - 900), `env-sync/a[100]: previous run's output`),
      stamp(new Date(start.getTime() - 500), `govuk_env_sync.sh: Error running "${argv('a')}" in function f on line 1 executing "x"`),
      stamp(new Date(start.getTime() - 400), `env-sync-run[100]: event=finish job=a run=r-before outcome=failure exit=1 duration=3s`),
      stamp(new Date(start.getTime() + 10), `env-sync-run[200]: event=start job=a run=r-this pid=201 argv="x"`),
      stamp(new Date(start.getTime() + 20), `govuk_env_sync.sh: Starting "${argv('a')}"`),
      stamp(new Date(start.getTime() + 30_000), `env-sync/a[200]: this run's output`),
      stamp(new Date(start.getTime() + 31_000), `env-sync-run[300]: event=skip job=a run=r-other outcome=skipped-overlap exit=75 running=r-this`),
      stamp(new Date(end.getTime() - 10), `env-sync-run[200]: event=finish job=a run=r-this outcome=failure exit=1 duration=60s`),
    ]);
    const ev = await collectRunEvidence({ syslog: join(dir, 'syslog'), rotated: 0, now: NOW }, { job: 'a', runId: 'r-this', wrapperPid: 200, start, end });
    expect(ev.lines.map((e) => e.message.split(' ').slice(0, 2).join(' '))).to.deep.equal([
      'event=start job=a',
      'Starting "/usr/local/bin/govuk_env_sync.sh',
      "this run's",
      'event=finish job=a',
    ]);
  });
});
