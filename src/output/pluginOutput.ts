import { STATE_NAMES, type State } from '../common/states.js';
import { redactText } from '../common/redact.js';
import { cleanText, cutBytes, noMarkup } from './sanitize.js';
import { formatPerfdata, type Metric } from './perfdata.js';

const PREFIX = 'ENV_SYNC';
/**
 * The lines we build from the crontab to be pasted as shown (explain's rerunLines): only these keep
 * `<`. Evidence is neutralised where it is made; every other line here (a usage error repeating an
 * argument, a marker's message) loses its markup too, so Icinga Web 2 never switches to HTML.
 */
const PASTEABLE = /^(Re-run( part [A-Za-z0-9_.-]+)?: |Or: |\(as )/;

export interface PluginResult {
  state: State;
  summary: string;
  longOutput: string[];
  perfdata: Metric[];
  /**
   * Where the long output's lines can all be read, for output whose lines each name something whole
   * (a job): at --max-output whole lines are left out, never cut, and the last says `N more: <this>`.
   */
  moreAt?: string;
}

/**
 * `ENV_SYNC <STATE> - <summary>|<perfdata>` then the long output, bounded to maxBytes: long output
 * lines are dropped from the end first, then the summary is cut; the perfdata stays whole and valid.
 * No blank before the `|`: Icinga 2 keeps everything before it as the output, so a blank there would
 * end the service's first line in a space (docs/icinga.md, "Plugin output").
 */
export function render(result: PluginResult, maxBytes: number): string {
  const perf = formatPerfdata(result.perfdata);
  const head = `${PREFIX} ${STATE_NAMES[result.state]} - `;
  const tail = perf ? `|${perf}` : '';
  const summaryRoom = Math.max(16, maxBytes - Buffer.byteLength(head) - Buffer.byteLength(tail) - 1);
  // Secrets are redacted here too: evidence lines come from syslog, where any program may have put one.
  const summary = cutBytes(noMarkup(cleanText(redactText(result.summary))) || STATE_NAMES[result.state], summaryRoom);
  let first = `${head}${summary}${tail}`;
  if (Buffer.byteLength(first) + 1 > maxBytes) first = cutBytes(`${head}${summary}`, maxBytes - 1); // tiny limits: drop perfdata
  let out = `${first}\n`;
  let used = Buffer.byteLength(out);
  const lines = result.longOutput
    .map((l) => cleanText(redactText(l)))
    .map((l) => (PASTEABLE.test(l) ? l : noMarkup(l)))
    .filter((l) => l !== '');
  if (result.moreAt !== undefined) return out + wholeLines(lines, maxBytes - used, result.moreAt);
  for (let i = 0; i < lines.length; i++) {
    const line = `${lines[i]}\n`;
    const note = `(${lines.length - i} more lines cut: --max-output)\n`;
    const room = maxBytes - used - (i < lines.length - 1 ? Buffer.byteLength(note) : 0);
    if (Buffer.byteLength(line) <= room) {
      out += line;
      used += Buffer.byteLength(line);
      continue;
    }
    if (room > 40) {
      const cut = `${cutBytes(lines[i]!, room - 1)}\n`;
      out += cut;
      used += Buffer.byteLength(cut);
      if (i === lines.length - 1) break;
    }
    const rest = `(${lines.length - i - (room > 40 ? 1 : 0)} more lines cut: --max-output)\n`;
    if (used + Buffer.byteLength(rest) <= maxBytes) out += rest;
    break;
  }
  return out;
}

/** As many whole lines as fit in `room` bytes with, when some are left out, `N more: <where>` after them. */
function wholeLines(lines: string[], room: number, where: string): string {
  let out = '';
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = `${lines[i]}\n`;
    const note = i < lines.length - 1 ? Buffer.byteLength(`${lines.length - i - 1} more: ${where}\n`) : 0;
    if (used + Buffer.byteLength(line) + note > room) {
      const rest = `${lines.length - i} more: ${where}\n`;
      return used + Buffer.byteLength(rest) <= room ? out + rest : out;
    }
    out += line;
    used += Buffer.byteLength(line);
  }
  return out;
}
