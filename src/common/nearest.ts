// "Did you mean": the known names nearest to a mistyped one, for a message that offers the fix.

/** Edits (insert, delete, change, swap two neighbours) from a to b: the optimal string alignment distance. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Up to `max` names near `word`, nearest first: those within a few edits (a third of the word's
 * length, at least 2), then those that hold the word or are held in it (a job name typed short).
 * Ties keep the names' order. None when nothing is near: a list of unrelated names is no help.
 */
export function nearestNames(word: string, names: readonly string[], max = 3): string[] {
  const w = word.toLowerCase();
  const within = Math.max(2, Math.floor(w.length / 3));
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of names) {
    const n = name.toLowerCase();
    const edits = editDistance(w, n);
    if (edits <= within) scored.push({ name, score: edits });
    else if (Math.min(w.length, n.length) >= 3 && (n.includes(w) || w.includes(n)))
      scored.push({ name, score: within + 1 + Math.abs(n.length - w.length) / 1000 });
  }
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, max)
    .map((s) => s.name);
}
