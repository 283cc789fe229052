import { expect } from 'chai';
import { judge, summarise } from '../../src/check/judge.js';
import { PAUSE_ENDING_SECONDS, pauseResult, withPause } from '../../src/check/rules/pause.js';
import type { CheckFacts, CheckPolicy } from '../../src/check/types.js';
import { parseWhen, whenAt } from '../../src/common/when.js';
import { convert, OptionError } from '../../src/common/options.js';
import { activePause, type Pause } from '../../src/markers/pause.js';
import { applyRun } from '../../src/markers/store.js';
import { emptyJobState, type Outcome, type Run } from '../../src/markers/types.js';
import { NO_FACTS, policyFor } from '../support/checkFacts.js';
import { makeRun } from '../support/runs.js';

// The pause rule alone (src/check/rules/pause.ts) and its place in judge(): facts in, state and words
// out. The wrapper, the CLI and the real clock are tested end to end in test/cli/pause.test.ts.
const NOW = new Date(2026, 10, 24, 8, 0, 0);
const H = 3600_000;

function runAt(hoursAgo: number, outcome: Outcome): Run {
  const start = new Date(NOW.getTime() - hoursAgo * H);
  const end = outcome === 'paused' ? start : new Date(start.getTime() + 23 * 60_000);
  return makeRun('pull_x', {
    runId: `r-${hoursAgo}-${outcome}`,
    wrapperPid: 4100,
    childPid: outcome === 'paused' ? null : 4101,
    bootId: 'boot-a',
    start: start.toISOString(),
    end: end.toISOString(),
    durationSeconds: (end.getTime() - start.getTime()) / 1000,
    outcome,
    exitCode: outcome === 'failure' ? 1 : 0,
    output: { lines: 0, bytes: 0, tail: [] },
  });
}

const state = (...runs: Run[]) => runs.reduce((s, r) => applyRun(s, r, new Date(r.end!)), emptyJobState('pull_x'));

function pauseFor(hoursLeft: number, extra: Partial<Pause> = {}): Pause {
  return {
    schema: 1,
    job: 'pull_x',
    by: 'root',
    sudoUser: 'alice',
    since: new Date(NOW.getTime() - H).toISOString(),
    until: new Date(NOW.getTime() + hoursLeft * H).toISOString(),
    reason: 'DB migration on the target',
    downtimes: [],
    ...extra,
  };
}

const POLICY = policyFor('pull_x');
const verdictOf = (facts: Partial<CheckFacts>, policy: Partial<CheckPolicy> = {}, now = NOW) =>
  summarise(judge({ ...NO_FACTS, ...facts }, { ...POLICY, ...policy }, now));

describe('pause rule (src/check/rules/pause.ts)', () => {
  it('a paused job whose last run failed is OK, says who paused it, until when and why, and still says the failure', () => {
    const v = verdictOf({ jobState: state(runAt(30, 'success'), runAt(8, 'failure')), pause: { active: pauseFor(5), problem: null } });
    expect(v.state).to.equal(0);
    expect(v.summary).to.equal(
      'pull_x paused until 13:00 (for 5h more) by root (sudo from alice): DB migration on the target; failed with exit 1 at 00:23 after 23m; last success 1 day ago',
    );
  });

  it('is WARNING in the last hour of the pause, saying when it ends', () => {
    const v = verdictOf({ jobState: state(runAt(8, 'failure')), pause: { active: pauseFor(0.5), problem: null } });
    expect(v.state).to.equal(1);
    expect(v.summary).to.match(/^pull_x paused until 08:30 \(for 30m more\) by root \(sudo from alice\): DB migration on the target; the pause ends in 30m: /);
    // One second before the last hour it is still OK.
    const justBefore = pauseResult({ active: pauseFor(PAUSE_ENDING_SECONDS / 3600 + 1 / 3600), problem: null }, NOW);
    expect(justBefore?.state).to.equal(0);
  });

  it('after the pause ends the job is judged as usual (the pause file may still be there)', () => {
    const ended = pauseFor(-0.1);
    const facts = { jobState: state(runAt(8, 'failure')) };
    // gather passes the pause in force, none once it has ended: activePause decides that.
    expect(activePause([ended, null], NOW)).to.equal(null);
    expect(verdictOf({ ...facts, pause: { active: activePause([ended], NOW), problem: null } })).to.deep.equal(verdictOf(facts));
    expect(verdictOf(facts).state).to.equal(2);
  });

  it('takes the pause that ends last of the job’s own and every job’s', () => {
    const own = pauseFor(2);
    const all = pauseFor(20, { job: null, by: 'govuk-backup', sudoUser: null });
    expect(activePause([own, all], NOW)).to.equal(all);
    expect(verdictOf({ pause: { active: all, problem: null }, jobState: state(runAt(8, 'success')) }).summary).to.match(
      /^pull_x paused \(every job\) until Nov 25 04:00 \(for 20h more\) by govuk-backup: /,
    );
  });

  it('a job with no record at all, paused: OK and paused, the missing record still said', () => {
    const v = verdictOf({ pause: { active: pauseFor(3), problem: null } });
    expect(v.state).to.equal(0);
    expect(v.summary).to.match(/^pull_x paused until 11:00 .*; no record of this job: /);
  });

  it('a pause file that is not believed does not count: the verdict stays, with a WARNING saying why', () => {
    const problem = "/var/lib/env-sync/pull_x/pause.json: is owned by mallory, not by the job's user govuk-backup (--user) or root: …";
    const v = verdictOf({ jobState: state(runAt(8, 'failure')), pause: { active: null, problem } });
    expect(v.state).to.equal(2);
    expect(v.summary).to.include(`a pause file is not believed, so the job is judged as if not paused: ${problem}`);
    expect(verdictOf({ jobState: state(runAt(8, 'success')), pause: { active: null, problem } }).state).to.equal(1);
  });

  it('withPause leaves a judgement alone when there is no pause', () => {
    const j = judge({ ...NO_FACTS, jobState: state(runAt(8, 'success')) }, POLICY, NOW);
    expect(withPause(j, {}, NOW)).to.equal(j);
  });

  it('the missed-run rule does not fire for a run held back by a pause that has ended since', () => {
    // Due at 00:18, 7.7h ago; the start at 00:18 found the job paused; the pause ended at 07:00.
    const due = new Date(NOW.getTime() - 7.7 * H);
    const facts = { jobState: state(runAt(31.7, 'success'), runAt(7.7, 'paused')), previousScheduled: due };
    const policy = { schedule: '18 0 * * *' };
    expect(verdictOf(facts, policy).state).to.equal(0);
    expect(verdictOf(facts, policy).summary).to.not.include('missed');
    // Without the paused start, the same facts are a missed run.
    expect(verdictOf({ ...facts, jobState: state(runAt(31.7, 'success')) }, policy).summary).to.match(/missed the run due at 00:1[78]/);
  });
});

describe('a paused start in the state (markers/store.ts applyRun)', () => {
  it('is kept as lastPaused only: not the last run, not in the history (readers before it check each entry)', () => {
    const before = state(runAt(30, 'success'), runAt(8, 'failure'));
    const after = applyRun(before, runAt(2, 'paused'), NOW);
    expect(after.lastPaused?.outcome).to.equal('paused');
    expect(after.last).to.deep.equal(before.last);
    expect(after.history).to.deep.equal(before.history);
    expect(after.consecutiveFailures).to.equal(before.consecutiveFailures);
    expect(after.seq).to.equal(before.seq + 1);
  });
});

describe('--until WHEN (src/common/when.ts) and the pause options', () => {
  it('reads a duration from now, a local date and time, and ISO 8601 with a zone', () => {
    expect(whenAt(parseWhen('2d', '--until'), NOW).getTime()).to.equal(NOW.getTime() + 48 * H);
    expect(whenAt(parseWhen('1h30m', '--until'), NOW).getTime()).to.equal(NOW.getTime() + 1.5 * H);
    expect(whenAt(parseWhen('2026-11-25 14:00', '--until'), NOW).getTime()).to.equal(new Date(2026, 10, 25, 14, 0).getTime());
    expect(whenAt(parseWhen('2026-11-25T14:00:30', '--until'), NOW).getTime()).to.equal(new Date(2026, 10, 25, 14, 0, 30).getTime());
    expect(whenAt(parseWhen('2026-11-25T14:00+01:00', '--until'), NOW).toISOString()).to.equal('2026-11-25T13:00:00.000Z');
    expect(whenAt(parseWhen('2026-11-25', '--until'), NOW).getTime()).to.equal(new Date(2026, 10, 25).getTime());
  });

  for (const bad of ['tomorow', '2 days', '2026-13-01 10:00', '2026-02-30', '10:00', '-2d', '2x']) {
    it(`refuses ${JSON.stringify(bad)}, naming the option and the forms it takes`, () => {
      expect(() => convert('env-sync pause', { until: bad, reason: 'x' }, {})).to.throw(
        OptionError,
        /^--until: ".*" is not a (duration or a date|real date and time); give a duration from now \(2d, 36h, 90m\) or a date and time \(2026-12-10 14:00/,
      );
    });
  }

  it('needs --until and --reason, and --max-pause is 7 days unless given', () => {
    expect(convert('env-sync pause', { reason: 'x' }, {}).until).to.equal(undefined); // env-sync pause says it: test/cli/pause.test.ts
    expect(() => convert('env-sync pause', { until: '2d' }, {})).to.throw(OptionError, /--reason TEXT is required/);
    expect(() => convert('env-sync pause', { until: '2d', reason: '  ' }, {})).to.throw(OptionError, /--reason: say why/);
    expect(convert('env-sync pause', { until: '2d', reason: 'x' }, {}).maxPause).to.equal(7 * 86400);
  });

  it('--downtime-services takes HOST!SERVICE words and refuses anything else, naming the word', () => {
    const v = convert('env-sync-run', { 'downtime-services': 'db-1!postgres replication, search-1!elasticsearch' }, {});
    expect(v.downtimeServices).to.deep.equal([
      { host: 'db-1', service: 'postgres replication' },
      { host: 'search-1', service: 'elasticsearch' },
    ]);
    for (const bad of ['db-1', '!svc', 'h!', 'a!b!c'])
      expect(() => convert('env-sync-run', { 'downtime-services': bad }, {})).to.throw(OptionError, /--downtime-services: ".*" is not HOST!SERVICE/);
  });
});
