// The one text cleaner and cutter: every renderer shows untrusted text (log lines, a sync's output,
// marker fields, an API's reply) through it. What it guarantees: no C0 or C1 control, no escape
// sequence and no bidi control reaches a terminal, Icinga or a JSON consumer; plugin output never
// holds `|` (it would start perfdata in Nagios's parser); evidence never holds markup.
//
// How a control is shown: as visible text, `\xNN` (C0, DEL, C1; `\t`, `\n`, `\r` for those three)
// or `\uNNNN` (bidi controls, line and paragraph separators), so an engineer sees that a line
// carried one, and a "[sent by …]" after it can be neither hidden (SGR 8), overwritten (CR, cursor
// moves) nor reordered (U+202E). JSON keeps the text exact and writes each of them as a \u escape.
// Plugin output drops whole escape sequences (`\e[31m` colours a tool's own output) and keeps the
// words; `env-sync logs` shows them, escaped, as they were logged.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
/** Bidi controls: ALM, LRM, RLM, LRE…RLO, LRI…PDI. */
const BIDI = '\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069';
// eslint-disable-next-line no-control-regex
const CONTROL = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029${BIDI}]`, 'g');
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_SPACE = new RegExp(`[\\u0000-\\u0008\\u000e-\\u001f\\u007f-\\u009f${BIDI}]`, 'g');
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_TAB = new RegExp(`[\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f\\u2028\\u2029${BIDI}]`, 'g');
/** What JSON.stringify leaves raw of CONTROL: DEL, C1, the separators and bidi controls. */
const JSON_RAW = new RegExp(`[\\u007f-\\u009f\\u2028\\u2029${BIDI}]`, 'g');

/** Text cleanText would return unchanged: printable ASCII without `|`, no space at either end or twice in a row. */
const ALREADY_CLEAN = /^(?:[!-{}~]+(?: [!-{}~]+)*)?$/;

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A control character as visible text: `\x1b`, `\n`, `\u202e`. */
export function visibleControl(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Whether the text holds any control, escape or bidi character (a cheap test before replacing). */
export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}

/**
 * A line of a log or output as a terminal should show it: every control character, escape
 * sequence and bidi control as visible text (`\x1b]52;c;…\x07`), the rest exactly as logged.
 */
export function visibleText(text: string): string {
  return hasControl(text) ? text.replace(CONTROL, visibleControl) : text;
}

/** Several lines of a message (a usage error's), each through visibleText. */
export function visibleLines(text: string): string {
  return text.split('\n').map(visibleText).join('\n');
}

/**
 * Text for a plugin's output line (Icinga, NRPE, a terminal): escape sequences gone, spacing controls
 * and runs of space as one space, every other control visible (`\x00`), `|` as ¦.
 */
export function cleanText(text: string): string {
  // Nearly every line is already clean (a host-wide view renders 500): printable ASCII but `|`, single
  // spaces inside. Those are returned as they are; anything else goes through every step below.
  if (ALREADY_CLEAN.test(text)) return text;
  return text
    .replace(ANSI, '')
    .replace(/[\t\n\v\f\r\u2028\u2029]/g, ' ')
    .replace(CONTROL_BUT_SPACE, visibleControl)
    .replace(/\|/g, '¦')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A line of a sync's output as kept in a marker: escape sequences and control characters removed, tabs as spaces. */
export function stripControl(text: string): string {
  return text.replace(ANSI, '').replace(CONTROL_BUT_TAB, '').replace(/\t/g, ' ');
}

/**
 * Text that came from a log or a job's output, made unable to become markup where a renderer allows
 * HTML (Icinga Web 2 treats plugin output holding a tag as HTML): `<` becomes `‹` (U+2039), which no
 * HTML parser reads as a tag and every reader (a mail, a terminal, the web) shows as a bracket.
 * Only evidence is changed this way: the Re-run line is ours, built from the crontab, and is
 * pasted as it is shown.
 */
export function noMarkup(text: string): string {
  return text.indexOf('<') < 0 ? text : text.replace(/</g, '\u2039');
}

/** JSON for a terminal or a consumer: exact text, with every control and bidi character as a \u escape. */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Cuts to at most maxBytes of UTF-8 without splitting a character, marking the cut with … */
export function cutBytes(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  if (maxBytes < 3) return '';
  let end = maxBytes - 3; // room for the ellipsis
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return `${buf.subarray(0, end).toString('utf8')}…`;
}

export function oneLine(text: string, maxBytes: number): string {
  return cutBytes(cleanText(text), maxBytes);
}
