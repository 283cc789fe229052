// When something ends, as a person types it: a duration from now (`2d`, `36h`, `1h30m`) or a date
// and time (`2026-12-10 14:00` in the host's time zone, or ISO 8601 with a zone). Parsed without a
// clock; `whenAt` turns it into an instant once "now" is known.
import { parseDuration } from './duration.js';

export type When = { kind: 'in'; seconds: number; text: string } | { kind: 'at'; date: Date; text: string };

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

const FIX = 'give a duration from now (2d, 36h, 90m) or a date and time (2026-12-10 14:00, or 2026-12-10T14:00+00:00)';

export function parseWhen(raw: string, flag: string): When {
  const t = raw.trim();
  if (/^[\d.]+[smhd]/.test(t) || /^\d+$/.test(t)) {
    try {
      return { kind: 'in', seconds: parseDuration(t, flag), text: t };
    } catch {
      throw new Error(`${flag}: ${JSON.stringify(raw)} is not a duration or a date; ${FIX}`);
    }
  }
  const m = DATE_TIME.exec(t);
  if (!m) throw new Error(`${flag}: ${JSON.stringify(raw)} is not a duration or a date; ${FIX}`);
  const [, y, mo, d, h = '00', mi = '00', s = '00', zone] = m;
  // Without a zone, the host's local time (as `date` and cron read it); JS reads a bare date as UTC.
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${zone ? zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : ''}`;
  const date = new Date(iso);
  const back = zone ? null : [date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes()];
  const valid = !Number.isNaN(date.getTime()) && (back === null || back.join() === [Number(y), Number(mo), Number(d), Number(h), Number(mi)].join());
  if (!valid) throw new Error(`${flag}: ${JSON.stringify(raw)} is not a real date and time; ${FIX}`);
  return { kind: 'at', date, text: t };
}

/** The instant a When names, seen from now. */
export function whenAt(w: When, now: Date): Date {
  return w.kind === 'in' ? new Date(now.getTime() + w.seconds * 1000) : w.date;
}
