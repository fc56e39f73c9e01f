/** Edit distance (insertions, deletions, substitutions), two-row dynamic programming. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  let current = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}

function normalize(key: string): string {
  return key.replace(/[-_\s]/g, '').toLowerCase();
}

/**
 * The known key the user most likely meant, or undefined. `display_name` and `DisplayName` match
 * `displayName` exactly once case and separators are ignored; otherwise a small edit distance
 * (about a third of the word) or a shared stem of five letters (`epochs` → `epochCount`) counts.
 */
export function didYouMean(unknown: string, known: readonly string[]): string | undefined {
  const wanted = normalize(unknown);
  let best: { key: string; score: number } | undefined;
  for (const key of known) {
    const candidate = normalize(key);
    let score: number;
    if (candidate === wanted) {
      score = 0;
    } else {
      const distance = levenshtein(wanted, candidate);
      const stem = Math.min(wanted.length, 5);
      if (distance <= Math.max(2, Math.floor(wanted.length / 3))) {
        score = distance;
      } else if (stem >= 5 && candidate.startsWith(wanted.slice(0, stem))) {
        score = 100 + distance;
      } else {
        continue;
      }
    }
    if (!best || score < best.score) best = { key, score };
  }
  return best?.key;
}
