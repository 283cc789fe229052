// The wrapper's `event=` lines (tag env-sync-run), written by env-sync-run and read by the checks:
// one codec for both, so a field the writer adds or renames is one the readers see. The text is what
// syslog files hold (and the journal's MESSAGE): `event=NAME job=JOB key=value … [free words]`.
// A value holding a blank, a quote or a backslash (and argv, always) is written "quoted", with `\"`
// and `\\` inside.

export type EventName =
  | 'start'
  | 'finish'
  | 'skip'
  | 'paused'
  | 'downtime'
  | 'timeout'
  | 'spawn-error'
  | 'interrupted'
  | 'inventory'
  | 'recorded-late'
  | 'warning'
  | 'dropped'
  /** An attempt of a run made with --retries failed and the next one is due after the delay. */
  | 'retry';

export interface WrapperEvent {
  event: EventName;
  job: string;
  /** key=value fields, in the order written; an absent optional field is left out, not empty. */
  fields: Array<[string, string]>;
  /** The words after the fields (a reason, a message), or null. */
  text: string | null;
}

const ALWAYS_QUOTED = new Set(['argv']);
const KEY = /^[a-z][a-z-]*$/;

function value(key: string, v: string): string {
  if (!ALWAYS_QUOTED.has(key) && v !== '' && !/[\s"\\]/.test(v)) return v;
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The line for an event; fields whose value is null or undefined are left out. */
export function formatEvent(event: EventName, job: string, fields: Array<[string, string | number | null | undefined]>, text: string | null = null): string {
  let line = `event=${event} job=${job}`;
  for (const [k, v] of fields) if (v !== null && v !== undefined) line += ` ${k}=${value(k, String(v))}`;
  return text === null ? line : `${line} ${text}`;
}

const FIELD = /^([a-z][a-z-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?= |$)/;

/** An event line back to its parts, or null when the text is not one. */
export function parseEvent(line: string): WrapperEvent | null {
  const head = /^event=([a-z-]+) job=(\S+)(?: |$)/.exec(line);
  if (!head) return null;
  const fields: Array<[string, string]> = [];
  let rest = line.slice(head[0].length);
  for (;;) {
    const m = FIELD.exec(rest);
    if (!m || !KEY.test(m[1]!)) break;
    const raw = m[2]!;
    fields.push([m[1]!, raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw]);
    rest = rest.slice(m[0].length).replace(/^ /, '');
  }
  return { event: head[1] as EventName, job: head[2]!, fields, text: rest === '' ? null : rest };
}

/** A field's value, or undefined. */
export function eventField(e: WrapperEvent, key: string): string | undefined {
  return e.fields.find(([k]) => k === key)?.[1];
}
