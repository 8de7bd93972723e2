/** "Did you mean ...?" for a misspelt flag, command or suite key. */

/**
 * Edits from `a` to `b`: insertions, deletions, substitutions and swaps of
 * two neighbouring characters (the optimal-string-alignment form of
 * Damerau-Levenshtein), so that "tiem" is one edit from "time".
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = d;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidates nearest to `given`, when they are near enough to be what
 * was meant: a third of the word's length in edits, at least one, or the
 * start of the word ("work" for workers and workload). Several only when
 * they are equally near; none when nothing is close.
 */
export function nearest(given: string, candidates: readonly string[]): string[] {
  const word = given.toLowerCase();
  const starts = word.length >= 3 ? [...new Set(candidates)].filter((c) => c.toLowerCase().startsWith(word)) : [];
  if (starts.length > 0) return starts;
  let best = Number.POSITIVE_INFINITY;
  let out: string[] = [];
  for (const c of new Set(candidates)) {
    const d = editDistance(word, c.toLowerCase());
    if (d > Math.max(1, Math.floor(c.length / 3))) continue;
    if (d < best) {
      best = d;
      out = [c];
    } else if (d === best) out.push(c);
  }
  return out;
}

/** "did you mean --suite?" (each candidate shown through `show`), or '' when none is near. */
export function didYouMean(given: string, candidates: readonly string[], show: (c: string) => string = (c) => c): string {
  const near = nearest(given, candidates).map(show);
  if (near.length === 0) return '';
  const last = near.pop();
  return `did you mean ${near.length > 0 ? `${near.join(', ')} or ${last}` : last}?`;
}
