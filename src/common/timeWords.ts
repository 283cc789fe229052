// Times and durations as an engineer woken at 3am reads them.
import { formatDistanceStrict } from 'date-fns/formatDistanceStrict';

/** Month abbreviations as syslog writes them (and as the checks print dates). */
export const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** `00:41` today, `yesterday 00:41`, else `Nov 22 00:41` (host-local time). */
export function clock(at: Date, now: Date): string {
  const hm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  // Calendar days compared field by field: a host-wide view asks this of 500 runs, most of them today's,
  // and making a local midnight is a time-zone lookup; only a run not of today needs yesterday's.
  const sameDay = (a: Date, b: Date) => a.getDate() === b.getDate() && a.getMonth() === b.getMonth() && a.getFullYear() === b.getFullYear();
  if (sameDay(at, now)) return hm;
  if (sameDay(at, new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1))) return `yesterday ${hm}`;
  // Not toLocaleString: loading the ICU locale data costs a check tens of milliseconds.
  return `${MONTH_NAMES[at.getMonth()]} ${at.getDate()} ${hm}`;
}

/** `40m ago`, `7h ago`, `3d ago`: one unit, for a table's narrow column. */
export function shortAgo(at: Date, now: Date): string {
  const s = Math.round((now.getTime() - at.getTime()) / 1000);
  if (s < 0) return 'in the future';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

export function ago(at: Date, now: Date): string {
  if (at.getTime() > now.getTime()) return 'in the future (clock skew?)';
  return `${formatDistanceStrict(at, now)} ago`;
}
