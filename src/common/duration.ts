// Durations on the command line: `90m`, `26h`, `2d`, `30s`, `1h30m`, or plain seconds.
const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
// Longer than any sync could sensibly run or be left unchecked: catches typos like 1e99h.
const MAX_SECONDS = 366 * 86400 * 10;

export function parseDuration(text: string, option: string): number {
  const t = text.trim();
  let seconds: number;
  if (/^\d+(\.\d+)?$/.test(t)) seconds = Number(t);
  else if (/^(\d+(\.\d+)?[smhd])+$/.test(t)) {
    seconds = 0;
    for (const m of t.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) seconds += Number(m[1]) * UNIT[m[2]!]!;
  } else {
    throw new Error(`${option}: ${JSON.stringify(text)} is not a duration; use e.g. 30s, 90m, 26h, 2d, 1h30m or plain seconds`);
  }
  if (!Number.isFinite(seconds) || seconds > MAX_SECONDS) {
    throw new Error(`${option}: ${JSON.stringify(text)} is too long (at most 10 years)`);
  }
  return seconds;
}

/** Seconds as the shortest duration parseDuration reads back: 3600 → `1h`, 5400 → `1h30m`, 45 → `45s`. */
export function formatDuration(seconds: number): string {
  let s = Math.round(seconds);
  if (s === 0) return '0s';
  let out = '';
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (s >= size) {
      out += `${Math.floor(s / size)}${unit}`;
      s %= size;
    }
  }
  return out;
}
