// libfaketime (Debian packages faketime and libfaketime) moves or freezes the wall clock of the
// processes it is preloaded into; the monotonic clock is left alone (DONT_FAKE_MONOTONIC), as an
// NTP step leaves it, so timers and durations stay real.
import { existsSync } from 'node:fs';

export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

export function requireLibfaketime(): void {
  if (!existsSync(LIBFAKETIME))
    throw new Error(`${LIBFAKETIME} is missing: apt-get install -y libfaketime faketime (npm test installs it via scripts/test-deps.sh)`);
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as FAKETIME takes an absolute time with TZ=UTC. */
export function faketimeStamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** Environment that freezes the wall clock at `at` (TZ=UTC), for outputs that must not depend on when they ran. */
export function frozenClock(at: Date | string): NodeJS.ProcessEnv {
  requireLibfaketime();
  return { TZ: 'UTC', LD_PRELOAD: LIBFAKETIME, FAKETIME: typeof at === 'string' ? at : faketimeStamp(at), DONT_FAKE_MONOTONIC: '1' };
}

/**
 * Environment that freezes the wall clock at the instant `at` in the time zone `tz`. FAKETIME is given
 * in seconds since the epoch (FAKETIME_FMT=%s): a local time would be ambiguous in a repeated hour.
 */
export function frozenClockIn(at: Date, tz: string): NodeJS.ProcessEnv {
  requireLibfaketime();
  return { TZ: tz, LD_PRELOAD: LIBFAKETIME, FAKETIME_FMT: '%s', FAKETIME: String(Math.floor(at.getTime() / 1000)), DONT_FAKE_MONOTONIC: '1' };
}
