// The one text cleaner and cutter. Plugin output must be one clean line per line: no control
// characters or ANSI escapes, and never `|`, which would start perfdata in Nagios's parser. The
// copies the wrapper keeps of a sync's output (the marker's tail) lose escapes and control
// characters but keep their words as printed.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_TAB = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/** Text for a plugin's output line: escapes gone, controls and runs of space as one space, `|` as ¦. */
export function cleanText(text: string): string {
  return text.replace(ANSI, '').replace(CONTROL, ' ').replace(/\|/g, '¦').replace(/\s+/g, ' ').trim();
}

/** A line of a sync's output as kept in a marker: escape sequences and control characters removed, tabs as spaces. */
export function stripControl(text: string): string {
  return text.replace(ANSI, '').replace(CONTROL_BUT_TAB, '').replace(/\t/g, ' ');
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
