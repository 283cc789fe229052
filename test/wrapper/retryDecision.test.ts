import { expect } from 'chai';
import type { Attempt } from '../../src/markers/types.js';
import { retryDecision, type RetrySettings } from '../../src/wrapper/retries.js';

// When a failed attempt is followed by another: the wrapper's rule alone, as a table. The real
// processes (test/wrapper/retries.test.ts) run it end to end.
const S: RetrySettings = { retries: 2, delaySeconds: 60, retryTimeouts: false, attemptTimeoutSeconds: 600, timeoutSeconds: null, killAfterSeconds: 30 };
const a = (outcome: Attempt['outcome'], extra: Partial<Attempt> = {}): Attempt => ({
  start: '2026-11-24T00:18:00Z',
  end: '2026-11-24T00:19:00Z',
  durationSeconds: 60,
  outcome,
  exitCode: outcome === 'success' ? 0 : 1,
  signal: null,
  output: { lines: 0, bytes: 0 },
  ...extra,
});

describe('retryDecision: which attempts are followed by another', () => {
  const rows: Array<[string, Attempt, number, Partial<RetrySettings>, string | null, number | null, boolean, RegExp | null]> = [
    ['a success: never', a('success'), 1, {}, null, null, false, null],
    ['a failure with retries left: yes', a('failure'), 1, {}, null, null, true, null],
    ['a failure on the last attempt: no', a('failure'), 3, {}, null, null, false, /no retry left \(--retries 2\)/],
    ['without --retries: no, and nothing to say', a('failure'), 1, { retries: 0 }, null, null, false, null],
    ['a failure while the wrapper was told to stop: no', a('failure'), 1, {}, 'SIGTERM', null, false, /received SIGTERM/],
    ['killed by a signal from outside: no', a('signal', { signal: 'SIGKILL' }), 1, {}, null, null, false, /killed by SIGKILL is not retried/],
    ['a command that cannot start: no', a('spawn-error', { exitCode: 127 }), 1, {}, null, null, false, /cannot start/],
    ['an attempt timed out, without --retry-timeouts: no', a('timeout', { stoppedBy: '--attempt-timeout' }), 1, {}, null, null, false, /--retry-timeouts/],
    ['an attempt timed out, with --retry-timeouts: yes', a('timeout', { stoppedBy: '--attempt-timeout' }), 1, { retryTimeouts: true }, null, null, true, null],
    [
      'the whole run timed out: never, even with --retry-timeouts',
      a('timeout', { stoppedBy: '--timeout' }),
      1,
      { retryTimeouts: true },
      null,
      0,
      false,
      /whole run's limit/,
    ],
    ['--timeout leaves less than the delay: no', a('failure'), 1, { timeoutSeconds: 3600 }, null, 30, false, /leaves 30s, not more than the --retry-delay 1m/],
    ['--timeout leaves more than the delay: yes', a('failure'), 1, { timeoutSeconds: 3600 }, null, 61, true, null],
  ];
  for (const [name, attempt, n, s, interrupted, left, retry, why] of rows) {
    it(name, () => {
      const d = retryDecision(attempt, n, { ...S, ...s }, interrupted, left);
      expect(d.retry).to.equal(retry);
      if (!d.retry) {
        if (why) expect(d.why).to.match(why);
        else expect(d.why).to.equal(null);
      }
    });
  }
});
