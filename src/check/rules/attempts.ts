// The words a run made with --retries adds to what it did: which attempt decided it and how the
// earlier ones ended ("last run succeeded at 00:41 after 23m (on attempt 2 of 3; attempt 1 failed
// with exit 1)"). Pure; a run without attempts, or that succeeded at once, adds nothing.
import { attemptOutcomeWords } from '../../markers/attemptWords.js';
import type { Attempt } from '../../markers/types.js';
import { attemptsFailed, succeededOnAttempt } from '../words.js';

type RunAttempts = {
  outcome: string;
  retries?: number | null;
  attempts?: Attempt[] | null;
  timeoutSeconds: number | null;
  attemptTimeoutSeconds?: number | null;
};

function listed(run: RunAttempts, attempts: Attempt[], from = 1): string {
  return attempts.map((a, i) => `attempt ${from + i} ${attemptOutcomeWords(a, run)}`).join(', ');
}

/** Why the last attempt of a failed run had no successor, from how it ended. */
export function notRetriedWords(last: Attempt): string {
  switch (last.outcome) {
    case 'signal':
      return 'killed from outside, not retried';
    case 'spawn-error':
      return 'a command that cannot start is not retried';
    case 'timeout':
      return last.stoppedBy === '--timeout' ? "--timeout, the whole run's limit, was spent" : 'timeouts are retried only with --retry-timeouts';
    default:
      return '--timeout left no time for another';
  }
}

/** ` (on attempt 2 of 3; attempt 1 failed with exit 1)`, or '' when there is nothing to add. */
export function attemptsWords(run: RunAttempts): string {
  const attempts = run.attempts ?? [];
  const k = attempts.length;
  if (k === 0) return '';
  const of = Math.max((run.retries ?? 0) + 1, k);
  const earlier = listed(run, attempts.slice(0, -1));
  const last = attempts[k - 1]!;
  // Interrupted while waiting to retry: its message says so and names the last attempt.
  if (run.outcome === 'interrupted') return k > 1 ? ` (before it: ${listed(run, attempts.slice(0, -1))})` : '';
  if (run.outcome === 'success') return k === 1 ? '' : ` (${succeededOnAttempt({ attempt: k, of, earlier })})`;
  if (of === 1) return '';
  return ` (${attemptsFailed({ attempt: k, of, why: k === of ? null : notRetriedWords(last), earlier })})`;
}

/** `, attempt 3 of 3` for the evidence of a run made with --retries: its output tail is that attempt's. */
export function attemptLabel(run: RunAttempts): string {
  const k = run.attempts?.length ?? 0;
  return k > 0 && (run.retries ?? 0) > 0 ? `, attempt ${k} of ${Math.max((run.retries ?? 0) + 1, k)}` : '';
}

/** The limit a run that timed out was stopped by, for its words: its last attempt's own (--attempt-timeout), else --timeout. */
export function timeoutLimit(run: Pick<RunAttempts, 'timeoutSeconds' | 'attempts' | 'attemptTimeoutSeconds'> & { durationSeconds: number | null }): {
  seconds: number;
  option: string;
} {
  const last = run.attempts?.[run.attempts.length - 1];
  if (last?.outcome === 'timeout' && last.stoppedBy === '--attempt-timeout' && run.attemptTimeoutSeconds)
    return { seconds: run.attemptTimeoutSeconds, option: '--attempt-timeout' };
  return { seconds: run.timeoutSeconds ?? run.durationSeconds ?? 0, option: '--timeout' };
}
