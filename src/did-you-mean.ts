/** Edit distance (insert, delete, substitute, swap of neighbours), for typo suggestions. */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * ` (did you mean 'x'?)` for the known name closest to `name`, or `''` when none is close
 * (at most a third of the name's letters off, case aside).
 */
export function didYouMean(name: string, known: readonly string[]): string {
  const lower = name.toLowerCase().slice(0, 100);
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(lower.length / 3));
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase());
    if (d <= bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}
