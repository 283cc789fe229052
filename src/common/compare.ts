/**
 * Orders strings by UTF-16 code unit, the same on every host. Not localeCompare: its first call
 * loads ICU's collator (its cost is in docs/benchmarks.md), and job names, run ids and ISO times are
 * ASCII, where both orders agree.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
