// Which run a verdict is about: a failed part over a later part's success, and for a job whose cron
// line is unwrapped, its syslog run over a wrapped re-run's markers when it came later.
import { expect } from 'chai';
import { decidingRun, failuresInARow, syslogOnlyIsPrimary } from '../../src/check/judgedRun.js';
import { applyRun } from '../../src/markers/store.js';
import { emptyJobState, type Outcome, type Run } from '../../src/markers/types.js';

const T0 = Date.parse('2026-11-24T00:00:00.000Z');
function run(id: string, startMin: number, endMin: number | null, outcome: Outcome, part: string | null = null): Run {
  return {
    runId: id,
    job: 'j',
    part,
    host: 'h',
    user: 'u',
    wrapperPid: 1,
    wrapperStartTicks: null,
    childPid: 2,
    bootId: null,
    argv: [],
    cwd: '/',
    cronCommand: null,
    cronCwd: null,
    start: new Date(T0 + startMin * 60_000).toISOString(),
    end: endMin === null ? null : new Date(T0 + endMin * 60_000).toISOString(),
    durationSeconds: null,
    outcome,
    exitCode: outcome === 'success' ? 0 : 1,
    signal: null,
    timeoutSeconds: null,
    message: null,
    output: { lines: 0, bytes: 0, tail: [] },
  };
}
const state = (...runs: Run[]) => runs.reduce((s, r) => applyRun(s, r, new Date(r.end ?? r.start)), emptyJobState('j'));

describe('the run a verdict is about', () => {
  it("a failed part decides over a later part's success, and counts as a failure in a row", () => {
    const st = state(run('p1', 0, 5, 'success', 'assets'), run('p2', 6, 10, 'failure', 'mysql'), run('p3', 11, 20, 'success', 'pg'));
    expect(decidingRun(st)!.runId).to.equal('p2');
    expect(st.consecutiveFailures).to.equal(0);
    expect(failuresInARow(st)).to.equal(1);
    expect(decidingRun(state(run('a', 0, 5, 'success', 'x'), run('b', 6, 9, 'success', 'y')))!.runId).to.equal('b');
    expect(decidingRun(null)).to.equal(null);
  });

  it('of two failed parts before a success, the newer decides', () => {
    const st = state(run('p1', 0, 5, 'failure', 'assets'), run('p2', 6, 10, 'failure', 'mysql'), run('p3', 11, 20, 'success', 'pg'));
    expect(decidingRun(st)!.runId).to.equal('p2');
  });

  const at = (min: number, ms = 0) => ({ start: new Date(T0 + min * 60_000 + ms) });
  const ROWS: Array<[string, ReturnType<typeof state> | null, { start: Date } | null, boolean, boolean]> = [
    ['no markers: syslog is the record', null, at(30), false, true],
    ['no syslog run: the markers', state(run('r', 0, 10, 'success')), null, true, false],
    ['a wrapped job: the markers, whatever syslog says', state(run('r', 0, 10, 'success')), at(30), false, false],
    ['unwrapped, a cron run after the re-run: syslog', state(run('r', 0, 10, 'success')), at(30), true, true],
    ["unwrapped, the re-run's own script lines (inside its span): the markers", state(run('r', 0, 10, 'success')), at(0, 300), true, false],
    [
      "unwrapped, a whole-second stamp a moment before the re-run's start: the same run",
      state(run('r', 0, 10, 'success')),
      { start: new Date(T0 - 1000) },
      true,
      false,
    ],
    ['unwrapped, a precise stamp 300 ms after the re-run ended: a later run', state(run('r', 0, 10, 'success')), at(10, 300), true, true],
    ['unwrapped, a cron run before the re-run: the markers', state(run('r', 20, 30, 'success')), at(5), true, false],
  ];
  for (const [what, st, sys, unwrapped, primary] of ROWS) {
    it(what, () => {
      expect(syslogOnlyIsPrimary(st, [], sys, unwrapped)).to.equal(primary);
    });
  }
});
