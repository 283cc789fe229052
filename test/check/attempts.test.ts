import { expect } from 'chai';
import { judge, summarise } from '../../src/check/judge.js';
import { attemptLabel, attemptsWords } from '../../src/check/rules/attempts.js';
import { CRITICAL, OK } from '../../src/common/states.js';
import { applyRun } from '../../src/markers/store.js';
import { emptyJobState, type Attempt, type Run } from '../../src/markers/types.js';
import { NO_FACTS, policyFor } from '../support/checkFacts.js';
import { makeRun } from '../support/runs.js';

// A run made with --retries, in words: which attempt decided it, how the earlier ones ended. The
// words are added to what the run did (whatHappened) and its evidence says which attempt it is from.
const NOW = new Date(2026, 10, 24, 8, 0, 0);
const START = new Date(2026, 10, 24, 0, 18, 0);

function attempt(outcome: Attempt['outcome'], exitCode: number, extra: Partial<Attempt> = {}): Attempt {
  return {
    start: START.toISOString(),
    end: START.toISOString(),
    durationSeconds: 60,
    outcome,
    exitCode,
    signal: null,
    output: { lines: 1, bytes: 10 },
    ...extra,
  };
}

function run(outcome: Run['outcome'], attempts: Attempt[] | undefined, retries = 2, extra: Partial<Run> = {}): Run {
  return makeRun('pull_x', {
    runId: 'r1',
    wrapperPid: 4100,
    childPid: 4101,
    bootId: 'boot-a',
    start: START.toISOString(),
    end: new Date(START.getTime() + 23 * 60_000).toISOString(),
    durationSeconds: 23 * 60,
    outcome,
    exitCode: outcome === 'success' ? 0 : outcome === 'timeout' ? 124 : 1,
    output: { lines: 1, bytes: 10, tail: ['pg_restore: error: relation "events" does not exist'] },
    ...(attempts ? { retries, attempts, attemptTimeoutSeconds: null } : {}),
    ...extra,
  });
}

describe('attempts of a run made with --retries, in words (rules/attempts.ts)', () => {
  const rows: Array<[string, Run, string]> = [
    ['a run without retries (an old marker): nothing', run('success', undefined), ''],
    ['success at once: nothing', run('success', [attempt('success', 0)]), ''],
    ['success on attempt 2', run('success', [attempt('failure', 1), attempt('success', 0)]), ' (on attempt 2 of 3; attempt 1 failed with exit 1)'],
    [
      'success on attempt 3 after a failure and a timed-out attempt',
      run('success', [attempt('failure', 1), attempt('timeout', 124, { stoppedBy: '--attempt-timeout' }), attempt('success', 0)], 2, {
        attemptTimeoutSeconds: 3600,
      }),
      ' (on attempt 3 of 3; attempt 1 failed with exit 1, attempt 2 timed out (--attempt-timeout 1h))',
    ],
    [
      'every attempt failed',
      run('failure', [attempt('failure', 1), attempt('failure', 2), attempt('failure', 1)]),
      ' (all 3 attempts failed; attempt 1 failed with exit 1, attempt 2 failed with exit 2)',
    ],
    [
      'a timeout not retried',
      run('timeout', [attempt('timeout', 124, { stoppedBy: '--attempt-timeout' })]),
      ' (attempt 1 of 3: timeouts are retried only with --retry-timeouts)',
    ],
    [
      'a kill from outside, not retried',
      run('signal', [attempt('failure', 1), attempt('signal', 137, { signal: 'SIGKILL' })]),
      ' (attempt 2 of 3: killed from outside, not retried; attempt 1 failed with exit 1)',
    ],
    ['with --retries 0 (--attempt-timeout alone): nothing to add', run('failure', [attempt('failure', 1)], 0), ''],
  ];
  for (const [name, r, words] of rows) it(name, () => expect(attemptsWords(r)).to.equal(words));

  it('labels the evidence with the attempt it is from', () => {
    expect(attemptLabel(run('failure', [attempt('failure', 1), attempt('failure', 1), attempt('failure', 1)]))).to.equal(', attempt 3 of 3');
    expect(attemptLabel(run('failure', undefined))).to.equal('');
  });

  const POLICY = policyFor('pull_x');
  const judged = (r: Run) => summarise(judge({ ...NO_FACTS, jobState: applyRun(emptyJobState('pull_x'), r, NOW) }, POLICY, NOW));

  it('a success on attempt 2 is OK and says so', () => {
    const s = judged(run('success', [attempt('failure', 1), attempt('success', 0)]));
    expect(s.state).to.equal(OK);
    expect(s.summary).to.equal('pull_x last run succeeded at 00:41 after 23m (on attempt 2 of 3; attempt 1 failed with exit 1)');
  });

  it('every attempt failed is CRITICAL', () => {
    const s = judged(run('failure', [attempt('failure', 1), attempt('failure', 1), attempt('failure', 1)]));
    expect(s.state).to.equal(CRITICAL);
    expect(s.summary).to.match(
      /^pull_x failed with exit 1 at 00:41 after 23m \(all 3 attempts failed; attempt 1 failed with exit 1, attempt 2 failed with exit 1\); no success on record$/,
    );
  });

  it("a run stopped by its last attempt's own limit names --attempt-timeout, not --timeout", () => {
    const r = run('timeout', [attempt('failure', 1), attempt('timeout', 124, { stoppedBy: '--attempt-timeout' })], 1, {
      attemptTimeoutSeconds: 1800,
      timeoutSeconds: 6 * 3600,
    });
    expect(judged(r).summary).to.match(/^pull_x timed out at 00:41 after 30m \(--attempt-timeout\) \(all 2 attempts failed; attempt 1 failed with exit 1\)/);
    const whole = run('timeout', [attempt('failure', 1), attempt('timeout', 124, { stoppedBy: '--timeout' })], 2, { timeoutSeconds: 6 * 3600 });
    expect(judged(whole).summary).to.match(
      /^pull_x timed out at 00:41 after 6h \(--timeout\) \(attempt 2 of 3: --timeout, the whole run's limit, was spent; attempt 1 failed/,
    );
  });
});
