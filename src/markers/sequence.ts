// The order of a job's records, and which of them the clock cannot vouch for. The wall clock is not an
// order: a VM restored from a snapshot, or an RTC that is wrong until NTP steps it back, records a run
// days "ahead", and every run recorded after it would then look older than it.

/** What ordering needs of a recorded run (a Run or a HistoryEntry). */
export interface Recorded {
  seq?: number | null;
  start: string;
  end?: string | null;
}

/**
 * > 0 when `a` was recorded after `b`, < 0 before, 0 the same record (or no way to tell). By the
 * marker's own sequence (schema 3); a record without one (schema 1 and 2) comes before every record
 * with one, since a wrapper that numbers its records wrote it later; two without one are ordered by
 * their start, as readers of schema 2 always did.
 */
export function recordOrder(a: Recorded, b: Recorded): number {
  const sa = a.seq ?? null;
  const sb = b.seq ?? null;
  if (sa !== null && sb !== null) return sa - sb;
  if (sa !== null) return 1;
  if (sb !== null) return -1;
  return Date.parse(a.start) - Date.parse(b.start);
}

/** The record made last, or null for none. */
export function newestRecord<T extends Recorded>(records: Iterable<T | null | undefined>): T | null {
  let best: T | null = null;
  for (const r of records) if (r && (best === null || recordOrder(r, best) > 0)) best = r;
  return best;
}

/**
 * How far ahead of the checking host's clock a record can be before it is "in the future": a
 * clock slewed by NTP, or a check that reads the time a moment before the wrapper stamps its end,
 * is not a wrong clock.
 */
export const FUTURE_SLACK_MS = 60_000;

/**
 * Milliseconds by which a time (ms since the epoch) is ahead of `now` beyond the slack, else 0. A
 * time, not a record: the judge has each record's times parsed once already (observedRun.ts).
 */
export function aheadBy(ms: number, now: Date): number {
  const ahead = ms - now.getTime();
  return ahead > FUTURE_SLACK_MS ? ahead : 0;
}
