// How far back through the rotated syslog files a reader goes (--rotated).

/**
 * --rotated auto's bound: Debian's logrotate keeps seven syslog files (syslog.1 … syslog.7.gz), so
 * auto reads what the host keeps. It is also what a misspelled or never-run job costs: every file,
 * once (host-wide views read them once for all their jobs).
 */
export const AUTO_ROTATED = 7;

export type Rotated = number | 'auto';

/** The number of rotated files a scan may read, and whether it stops once the job's run is found. */
export function rotationLimit(r: Rotated): { rotated: number; auto: boolean } {
  return r === 'auto' ? { rotated: AUTO_ROTATED, auto: true } : { rotated: r, auto: false };
}
