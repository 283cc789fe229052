// --retries: one run, several attempts. The command is run again after a failure, after the delay;
// not after a signal from outside (an operator's kill, the OOM killer), a command that cannot start,
// or an interrupt of the wrapper; after an attempt's own time limit only with --retry-timeouts.
// --timeout stays the whole run's limit (as timeout(1) bounds what it runs), so a job with retries
// never overruns its slot: an attempt gets what is left of it, and no retry starts whose delay would
// not end before it.
import { constants as osConstants } from 'node:os';
import { formatDuration } from '../common/duration.js';
import { formatEvent } from '../common/wrapperEvent.js';
import { attemptOutcomeWords } from '../markers/attemptWords.js';
import type { Attempt, AttemptOutcome, OutputSummary } from '../markers/types.js';
import { runChild, type Finished } from './child.js';
import type { WrapperOptions } from './options.js';
import { OutputTail } from './outputTap.js';
import type { RunReporter } from './report.js';

const INTERRUPTS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export interface RetrySettings {
  retries: number;
  delaySeconds: number;
  retryTimeouts: boolean;
  attemptTimeoutSeconds: number | null;
  /** The whole run's limit. */
  timeoutSeconds: number | null;
  killAfterSeconds: number;
}

export function retrySettings(o: WrapperOptions): RetrySettings {
  return {
    retries: o.retries ?? 0,
    delaySeconds: o.retryDelay,
    retryTimeouts: o.retryTimeouts,
    attemptTimeoutSeconds: o.attemptTimeout ?? null,
    timeoutSeconds: o.runTimeout ?? null,
    killAfterSeconds: o.killAfter,
  };
}

export type RetryDecision = { retry: true } | { retry: false; why: string | null };

/**
 * Whether attempt `n` (from 1), which ended as `a`, is followed by another; when not, why (null: it
 * needs no saying). `interruptedBy`: a signal the wrapper received; `secondsLeft`: of --timeout.
 */
export function retryDecision(a: Attempt, n: number, s: RetrySettings, interruptedBy: string | null, secondsLeft: number | null): RetryDecision {
  if (a.outcome === 'success') return { retry: false, why: null };
  if (interruptedBy) return { retry: false, why: `env-sync-run received ${interruptedBy}` };
  if (n > s.retries) return { retry: false, why: s.retries ? `no retry left (--retries ${s.retries})` : null };
  // A command that cannot start (not found, not executable) will not start after the delay either.
  if (a.outcome === 'spawn-error') return { retry: false, why: 'a command that cannot start is not retried' };
  // Killed from outside the wrapper (an operator's kill, the OOM killer): someone meant it to stop.
  if (a.outcome === 'signal') return { retry: false, why: `an attempt killed by ${a.signal ?? 'a signal'} is not retried` };
  if (a.outcome === 'timeout' && a.stoppedBy === '--timeout') return { retry: false, why: "--timeout, the whole run's limit, is spent" };
  if (a.outcome === 'timeout' && !s.retryTimeouts) return { retry: false, why: 'a timed-out attempt is retried only with --retry-timeouts' };
  if (secondsLeft !== null && secondsLeft <= s.delaySeconds)
    return { retry: false, why: `--timeout leaves ${formatDuration(secondsLeft)}, not more than the --retry-delay ${formatDuration(s.delaySeconds)}` };
  return { retry: true };
}

export interface AttemptHooks {
  /** Attempt `n`'s command has started (spawn returned its pid). */
  onSpawned(pid: number, n: number): void;
  /** An attempt ended and the next is due after the delay: the attempts so far. */
  onRetry(attempts: Attempt[]): void;
}

export interface AttemptsResult {
  /** How the run ended: its last attempt's end, or an interrupt during a delay. */
  finished: Finished;
  /** The last attempt's output. */
  output: OutputSummary;
  attempts: Attempt[];
}

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const millis = (s: number) => Math.round(s * 1000) / 1000;

/**
 * Runs the command's attempts to the run's end. With --retries 0 it is one runChild, as before.
 * `t0`: when --timeout's clock started (the first attempt's start: waiting for the lock is not the sync's time).
 */
export async function runAttempts(
  spec: { job: string; runId: string; command: string[] },
  s: RetrySettings,
  reporter: RunReporter,
  hooks: AttemptHooks,
  t0: bigint = process.hrtime.bigint(),
): Promise<AttemptsResult> {
  const attempts: Attempt[] = [];
  // Held for the whole run, so that no moment between attempts has the default action (the
  // wrapper's death, unrecorded); runChild forwards the same signals to a live attempt.
  let received: NodeJS.Signals | null = null;
  let wake: (() => void) | null = null;
  const listeners = INTERRUPTS.map((sig) => {
    const h = () => {
      received ??= sig;
      wake?.();
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  const of = s.retries + 1;
  try {
    for (let n = 1; ; n++) {
      // The first attempt gets --timeout itself, as a run without retries always has.
      const left = s.timeoutSeconds === null ? null : n === 1 ? s.timeoutSeconds : Math.max(0.001, millis(s.timeoutSeconds - seconds(t0)));
      const byAttempt = s.attemptTimeoutSeconds !== null && (left === null || s.attemptTimeoutSeconds <= left);
      const limit = byAttempt ? s.attemptTimeoutSeconds : left;
      const stoppedBy = byAttempt ? '--attempt-timeout' : '--timeout';
      // The message of a run without retries is the one it has always had.
      const timeoutMessage =
        s.retries === 0 && !byAttempt
          ? undefined
          : byAttempt
            ? `stopped after --attempt-timeout ${formatDuration(s.attemptTimeoutSeconds!)} (attempt ${n} of ${of})`
            : `stopped by --timeout ${formatDuration(s.timeoutSeconds!)}, the whole run's limit (attempt ${n} of ${of})`;
      const tail = new OutputTail();
      const start = new Date();
      const a0 = process.hrtime.bigint();
      const f = await runChild(
        { ...spec, timeoutSeconds: limit, killAfterSeconds: s.killAfterSeconds, ...(timeoutMessage ? { timeoutMessage } : {}) },
        tail,
        reporter,
        (pid) => hooks.onSpawned(pid, n),
      );
      const output = tail.summary();
      const attempt: Attempt = {
        start: start.toISOString(),
        end: new Date().toISOString(),
        durationSeconds: millis(seconds(a0)),
        outcome: f.outcome as AttemptOutcome,
        exitCode: f.exitCode,
        signal: f.signal,
        stoppedBy: f.outcome === 'timeout' ? stoppedBy : null,
        output: { lines: output.lines, bytes: output.bytes },
      };
      attempts.push(attempt);
      const secondsLeft = s.timeoutSeconds === null ? null : Math.max(0, s.timeoutSeconds - seconds(t0));
      const d = retryDecision(attempt, n, s, received, secondsLeft);
      const words = `attempt ${n} of ${of} ${attemptOutcomeWords(attempt, { timeoutSeconds: s.timeoutSeconds, attemptTimeoutSeconds: s.attemptTimeoutSeconds })}`;
      if (!d.retry) {
        if (d.why && s.retries > 0) process.stderr.write(`env-sync-run: ${spec.job}: ${words}; not retried: ${d.why}\n`);
        return { finished: f, output, attempts };
      }
      process.stderr.write(`env-sync-run: ${spec.job}: ${words}; attempt ${n + 1} in ${formatDuration(s.delaySeconds)}\n`);
      reporter.event(
        formatEvent('retry', spec.job, [
          ['run', spec.runId],
          ['attempt', n + 1],
          ['of', of],
          ['after', f.outcome],
          ['exit', f.exitCode],
          ['signal', f.signal],
          ['delay', `${s.delaySeconds}s`],
        ]),
      );
      hooks.onRetry(attempts);
      await new Promise<void>((resolve) => {
        if (received) return resolve();
        const timer = setTimeout(resolve, s.delaySeconds * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      if (received) {
        const sig: NodeJS.Signals = received;
        const message = `env-sync-run received ${sig} while waiting to retry: ${words}, attempt ${n + 1} never started`;
        process.stderr.write(`env-sync-run: ${spec.job}: ${message}\n`);
        const signo = (osConstants.signals as Record<string, number>)[sig] ?? 15;
        return { finished: { outcome: 'interrupted', exitCode: 128 + signo, signal: sig, message }, output, attempts };
      }
    }
  } finally {
    for (const [sig, h] of listeners) process.off(sig, h);
  }
}
