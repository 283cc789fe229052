// Prometheus' text exposition format (version 0.0.4), the one node_exporter's textfile collector reads:
// https://prometheus.io/docs/instrumenting/exposition_formats/. Only what our files need: gauges and
// counters with labels, no timestamps (node_exporter refuses samples that carry one).

import { visibleLines } from '../output/sanitize.js';

export type MetricType = 'gauge' | 'counter';

export interface MetricDef {
  name: string;
  type: MetricType;
  help: string;
  /** The labels a sample may carry, in the order they are written; a sample may leave out the optional ones. */
  labels: readonly string[];
  /** Labels every sample must carry. */
  required: readonly string[];
}

export interface Sample {
  def: MetricDef;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** Whether a label value needs no escaping: no backslash, quote, control or bidi character (job and part names). */
function plainLabel(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0x7f && c <= 0x9f)) return false;
    if (c >= 0x61c && (c === 0x61c || c === 0x200e || c === 0x200f || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))) return false;
  }
  return true;
}

/**
 * Label values escape backslash, double quote and line feed, the format's three; any other control
 * or bidi character is first written visibly (`\x1b`, `\u202e`, the sanitiser's form), so no file
 * carries one to a terminal or a dashboard.
 */
export function escapeLabelValue(value: string): string {
  // Job and part names never need it: no regular expression runs for them (a cold one is slow on the wrapper's path).
  if (plainLabel(value)) return value;
  return visibleLines(value).replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** HELP text escapes backslash and line feed only (a quote is literal there). */
export function escapeHelp(help: string): string {
  if (help.indexOf('\\') < 0 && help.indexOf('\n') < 0) return help;
  return help.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** Go's ParseFloat reads every finite JavaScript number string; the infinities and NaN have their own spellings. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The series of a sample, its name and labels: what must not be given twice in a file. */
function seriesOf(s: Sample): string {
  let labels = '';
  for (const name of s.def.labels) {
    const v = s.labels[name];
    if (v !== undefined) labels += `${labels ? ',' : ''}${name}="${escapeLabelValue(v)}"`;
  }
  return labels ? `${s.def.name}{${labels}}` : s.def.name;
}

function checkLabels(s: Sample): void {
  for (const name in s.labels) {
    if (!s.def.labels.includes(name)) throw new Error(`${s.def.name} has no label ${name} (it takes ${s.def.labels.join(', ') || 'none'})`);
  }
  for (const name of s.def.required) {
    if (s.labels[name] === undefined) throw new Error(`${s.def.name} needs the label ${name}`);
  }
}

/**
 * The text of one file: each family's HELP and TYPE once, then its samples, families in the order of
 * `defs` (a family with no sample is left out). A series given twice is refused here, because
 * node_exporter drops it from the scrape and counts a gathering error.
 */
export function renderFamilies(defs: readonly MetricDef[], samples: readonly Sample[]): string {
  const byDef = new Map<MetricDef, string>();
  for (const d of defs) byDef.set(d, '');
  const seen = new Set<string>();
  for (const s of samples) {
    const lines = byDef.get(s.def);
    if (lines === undefined) throw new Error(`${s.def.name} is not one of the metrics of this file`);
    checkLabels(s);
    const series = seriesOf(s);
    if (seen.has(series)) throw new Error(`series ${series} given twice`);
    seen.add(series);
    byDef.set(s.def, `${lines}${series} ${formatValue(s.value)}\n`);
  }
  let out = '';
  for (const [def, lines] of byDef) {
    if (lines) out += `# HELP ${def.name} ${escapeHelp(def.help)}\n# TYPE ${def.name} ${def.type}\n${lines}`;
  }
  return out;
}
