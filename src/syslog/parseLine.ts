import { MONTH_NAMES } from '../common/timeWords.js';
import { withoutCutWord } from '../common/redact.js';
import { MAX_TAG_LENGTH } from './jobLines.js';
import type { LogLine } from '../log/line.js';

const MONTHS: Record<string, number> = Object.fromEntries(MONTH_NAMES.map((m, i) => [m, i]));
// `Nov  4 00:18:01 host tag[pid]: msg` — host-local time, no year.
// The s flag: a message may hold CR, U+2028 and other characters `.` would not match otherwise.
const TRADITIONAL = /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\S+) (.*)$/s;
// `2026-11-24T00:18:01.123456+00:00 host tag[pid]: msg`
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (\S+) (.*)$/s;
// rsyslog keeps tags far longer than RFC 3164's 32 characters (Debian 12's rsyslog 8.2302 keeps a 600-character one); the bound is
// that of the longest tag a job's lines carry, so no job's own lines are lost.
const TAG = new RegExp(`^([^\\s[\\]:]{1,${MAX_TAG_LENGTH}})(?:\\[(\\d{1,10})\\])?: ?(.*)$`, 's');
const MAX_LINE = 64 * 1024;
const DAY_MS = 86_400_000;

/**
 * Traditional timestamps carry no year: take now's year, and if that puts the line more than a day in
 * the future, it was written last year (December lines read in January).
 */
export function inferYear(month: number, day: number, h: number, m: number, s: number, now: Date): Date {
  const d = new Date(now.getFullYear(), month, day, h, m, s);
  if (d.getTime() - now.getTime() > DAY_MS) d.setFullYear(now.getFullYear() - 1);
  return d;
}

/** One syslog line, or null when it is not in a format we know. Never throws. */
export function parseLine(raw: string, file: string, now: Date): LogLine | null {
  if (raw.length > MAX_LINE) raw = withoutCutWord(raw.slice(0, MAX_LINE));
  if (raw.endsWith('\r')) raw = raw.slice(0, -1); // a CRLF log
  let time: Date;
  let host: string;
  let rest: string;
  const t = TRADITIONAL.exec(raw);
  if (t) {
    const month = MONTHS[t[1]!];
    if (month === undefined) return null;
    time = inferYear(month, Number(t[2]), Number(t[3]), Number(t[4]), Number(t[5]), now);
    host = t[6]!;
    rest = t[7]!;
  } else {
    const r = RFC3339.exec(raw);
    if (!r) return null;
    time = new Date(r[1]!);
    host = r[2]!;
    rest = r[3]!;
  }
  if (Number.isNaN(time.getTime())) return null;
  const tag = TAG.exec(rest);
  if (!tag) return { file, time, host, tag: '', pid: null, message: rest };
  return { file, time, host, tag: tag[1]!, pid: tag[2] ? Number(tag[2]) : null, message: tag[3]! };
}
