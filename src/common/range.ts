// Monitoring Plugins threshold ranges (the shared "utils" semantics), with duration units allowed in
// the bounds: `10` alerts outside 0..10, `10:` below 10, `~:10` above 10, `10:20` outside 10..20,
// `@10:20` inside 10..20 (inclusive).
import { parseDuration } from './duration.js';

export interface Range {
  text: string;
  start: number; // -Infinity for ~
  end: number; // +Infinity when open
  inside: boolean; // @: alert when inside
}

function bound(text: string, option: string, whole: string): number {
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    if (!Number.isFinite(n)) throw new Error(`${option}: ${JSON.stringify(whole)} has a number out of range`);
    return n;
  }
  if (text.startsWith('-')) throw new Error(`${option}: ${JSON.stringify(whole)}: a duration cannot be negative`);
  try {
    return parseDuration(text, option);
  } catch {
    throw new Error(`${option}: ${JSON.stringify(whole)} is not a range; use N, N:, ~:N, N:M or @N:M, where N may be a duration like 90m, 26h or 2d`);
  }
}

export function parseRange(text: string, option: string): Range {
  const whole = text;
  let t = text.trim();
  if (t === '') throw new Error(`${option}: an empty range is invalid; use N, N:, ~:N, N:M or @N:M`);
  let inside = false;
  if (t.startsWith('@')) {
    inside = true;
    t = t.slice(1);
  }
  let start = 0;
  let end = Infinity;
  const colon = t.indexOf(':');
  if (colon === -1) {
    end = bound(t, option, whole);
  } else {
    const s = t.slice(0, colon);
    const e = t.slice(colon + 1);
    if (s === '~') start = -Infinity;
    else if (s !== '') start = bound(s, option, whole);
    if (e !== '') end = bound(e, option, whole);
    if (s === '' && e === '') throw new Error(`${option}: ${JSON.stringify(whole)} is not a range; use N, N:, ~:N, N:M or @N:M`);
  }
  if (start > end) throw new Error(`${option}: ${JSON.stringify(whole)}: the start is greater than the end`);
  return { text: whole.trim(), start, end, inside };
}

/** True when the value should raise the alert this range belongs to. */
export function alerts(range: Range, value: number): boolean {
  const within = value >= range.start && value <= range.end;
  return range.inside ? within : !within;
}

/** The range in perfdata form: plain numbers (seconds), as Monitoring Plugins print it. */
export function perfRange(range: Range | undefined): string {
  if (!range) return '';
  const n = (x: number) => (Number.isFinite(x) ? String(Math.round(x * 1000) / 1000) : '');
  const start = range.start === -Infinity ? '~' : range.start === 0 && !range.inside ? '' : n(range.start);
  const end = n(range.end);
  const body = start === '' ? end : `${start}:${end}`;
  return `${range.inside ? '@' : ''}${body}`;
}
