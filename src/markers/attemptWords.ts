// An attempt of a run made with --retries, in words: said by the wrapper (stderr, cron mail) and by
// the checks (src/check/rules/attempts.ts), so both say it alike.
import { formatDuration } from '../common/duration.js';
import type { Attempt, Run } from './types.js';

/** `failed with exit 1`, `timed out (--attempt-timeout 1h)`, `was killed by SIGKILL`, `could not start (exit 127)`, `succeeded`. */
export function attemptOutcomeWords(a: Attempt, run?: Pick<Run, 'timeoutSeconds' | 'attemptTimeoutSeconds'>): string {
  switch (a.outcome) {
    case 'success':
      return 'succeeded';
    case 'failure':
      return `failed with exit ${a.exitCode}`;
    case 'timeout': {
      const limit = a.stoppedBy === '--attempt-timeout' ? run?.attemptTimeoutSeconds : a.stoppedBy === '--timeout' ? run?.timeoutSeconds : null;
      return a.stoppedBy ? `timed out (${a.stoppedBy}${limit ? ` ${formatDuration(limit)}` : ''})` : 'timed out';
    }
    case 'signal':
      return `was killed by ${a.signal ?? 'a signal'}`;
    case 'spawn-error':
      return `could not start (exit ${a.exitCode})`;
  }
}
