// One line of `journalctl --output=json` to a JournalEntry, and the line splitter both the one-shot
// read and the follower feed journalctl's stdout through.
import type { JournalEntry } from './types.js';

/**
 * A field's value as journalctl's JSON gives it: a string; null (a field over 4096 bytes without
 * --all); an array of byte values (not valid UTF-8, or holding control characters); or, when the field
 * occurs more than once in the entry, an array of such values.
 */
export function decodeValue(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) return null;
  if (v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
  const parts = v.map(decodeValue).filter((p): p is string => p !== null);
  return parts.length ? parts.join('\n') : null;
}

function int(v: unknown): number | null {
  const s = decodeValue(v);
  if (s === null || !/^\d{1,16}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** The entry, or null when the object has no realtime timestamp (not a journal entry). */
export function entryFromJson(j: Record<string, unknown>, source: string, extra: readonly string[]): JournalEntry | null {
  const usec = int(j.__REALTIME_TIMESTAMP);
  if (usec === null) return null;
  const trustedPid = int(j._PID);
  const fields: Record<string, string> = {};
  for (const f of extra) {
    const v = decodeValue(j[f]);
    if (v !== null) fields[f] = v;
  }
  return {
    file: source,
    time: new Date(Math.floor(usec / 1000)),
    timeUsec: usec,
    host: decodeValue(j._HOSTNAME) ?? '',
    tag: decodeValue(j.SYSLOG_IDENTIFIER) ?? '',
    pid: int(j.SYSLOG_PID) ?? trustedPid,
    message: decodeValue(j.MESSAGE) ?? '',
    uid: int(j._UID),
    trustedPid,
    comm: decodeValue(j._COMM),
    bootId: decodeValue(j._BOOT_ID),
    transport: decodeValue(j._TRANSPORT),
    cursor: decodeValue(j.__CURSOR) ?? '',
    fields,
  };
}

/**
 * Feeds whole lines to onLine as chunks arrive. Lines are cut on newline bytes and decoded whole, so a
 * UTF-8 character split between two chunks of journalctl's output is not mangled.
 */
export class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      if (nl > start) this.onLine(buf.toString('utf8', start, nl));
      start = nl + 1;
    }
    this.carry = start < buf.length ? Buffer.from(buf.subarray(start)) : Buffer.alloc(0);
  }

  /** The last line when journalctl ended without a newline after it. */
  end(): void {
    if (this.carry.length) this.onLine(this.carry.toString('utf8'));
    this.carry = Buffer.alloc(0);
  }
}
