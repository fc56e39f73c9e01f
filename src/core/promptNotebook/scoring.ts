/** Scores for evaluating a tuned model against held-out examples. */

/** Exact match after trimming surrounding whitespace (models often end with a newline). */
export function exactMatch(prediction: string, reference: string): boolean {
  return prediction.trim() === reference.trim();
}

/**
 * Character-level F1: both strings (trimmed) as multisets of characters (Unicode code points);
 * precision = shared / |prediction|, recall = shared / |reference|. Two empty strings score 1.
 */
export function charF1(prediction: string, reference: string): number {
  const p = Array.from(prediction.trim());
  const r = Array.from(reference.trim());
  if (p.length === 0 && r.length === 0) return 1;
  if (p.length === 0 || r.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of r) counts.set(c, (counts.get(c) ?? 0) + 1);
  let shared = 0;
  for (const c of p) {
    const n = counts.get(c) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(c, n - 1);
    }
  }
  if (shared === 0) return 0;
  const precision = shared / p.length;
  const recall = shared / r.length;
  return (2 * precision * recall) / (precision + recall);
}

export interface ExampleScore {
  exactMatch: boolean;
  f1: number;
}

export function scoreExample(prediction: string, reference: string): ExampleScore {
  return { exactMatch: exactMatch(prediction, reference), f1: charF1(prediction, reference) };
}

export interface OverallScore {
  count: number;
  exactMatches: number;
  exactMatchRate: number;
  meanF1: number;
}

/** Examples that produced no answer (failed) count as 0 on both scores. */
export function overallScore(scores: readonly (ExampleScore | undefined)[]): OverallScore {
  const count = scores.length;
  const exactMatches = scores.filter((s) => s?.exactMatch).length;
  const f1Sum = scores.reduce((sum, s) => sum + (s?.f1 ?? 0), 0);
  return {
    count,
    exactMatches,
    exactMatchRate: count === 0 ? 0 : exactMatches / count,
    meanF1: count === 0 ? 0 : f1Sum / count,
  };
}

export function formatPercent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
