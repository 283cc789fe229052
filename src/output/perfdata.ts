import { perfRange, type Range } from '../common/range.js';

export interface Metric {
  label: string;
  value: number;
  uom?: 's' | 'ms' | 'us' | '%' | 'B' | 'KB' | 'MB' | 'TB' | 'c' | '';
  warn?: Range | undefined;
  crit?: Range | undefined;
  min?: number;
  max?: number;
}

function label(text: string): string {
  const clean = text.replace(/[=|\s]+/g, (m) => (m.includes('=') || m.includes('|') ? '_' : ' ')).replace(/'/g, "''");
  return /[\s']/.test(clean) ? `'${clean}'` : clean;
}

// C-locale numbers: a dot, no grouping, no exponent for ordinary values.
function num(n: number): string {
  if (!Number.isFinite(n)) return '';
  return String(Math.round(n * 1000) / 1000);
}

export function formatMetric(m: Metric): string {
  const fields = [
    `${num(m.value)}${m.uom ?? ''}`,
    perfRange(m.warn),
    perfRange(m.crit),
    m.min === undefined ? '' : num(m.min),
    m.max === undefined ? '' : num(m.max),
  ];
  while (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
  return `${label(m.label)}=${fields.join(';')}`;
}

export function formatPerfdata(metrics: Metric[]): string {
  return metrics
    .filter((m) => Number.isFinite(m.value))
    .map(formatMetric)
    .join(' ');
}
