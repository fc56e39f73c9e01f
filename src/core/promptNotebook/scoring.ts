/**
 * Scores for evaluating a tuned model against held-out examples: exact match and token F1 as in
 * SQuAD, and an edit similarity that gives partial credit for near misses without rewarding
 * answers that merely share letters.
 */

/**
 * SQuAD answer normalization: lowercase, delete punctuation (Unicode punctuation and ASCII symbols), drop the articles a/an/the, collapse
 * whitespace. Accents are kept: "Brasília" and "Brasilia" are different answers.
 */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}!-/:-@[-`{-~]/gu, '')
    .replace(/(^|\s)(a|an|the)(?=\s|$)/gu, ' ')
    .split(/\s+/u)
    .filter((t) => t !== '')
    .join(' ');
}

function answerTokens(text: string): string[] {
  const normalized = normalizeAnswer(text);
  return normalized === '' ? [] : normalized.split(' ');
}

/** Equal after {@link normalizeAnswer}. */
export function exactMatch(prediction: string, reference: string): boolean {
  return normalizeAnswer(prediction) === normalizeAnswer(reference);
}

/**
 * SQuAD token F1: the normalized answers as multisets of whitespace-separated tokens;
 * precision = shared / prediction tokens, recall = shared / reference tokens.
 * Both empty score 1; one empty scores 0.
 */
export function tokenF1(prediction: string, reference: string): number {
  const p = answerTokens(prediction);
  const r = answerTokens(reference);
  if (p.length === 0 && r.length === 0) return 1;
  if (p.length === 0 || r.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let shared = 0;
  for (const t of p) {
    const n = counts.get(t) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(t, n - 1);
    }
  }
  if (shared === 0) return 0;
  const precision = shared / p.length;
  const recall = shared / r.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Levenshtein distance (insert, delete, substitute, each costing 1) over Unicode code points. */
export function levenshtein(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length];
}

/**
 * 1 − Levenshtein / the longer length, over the code points of the trimmed strings (case and
 * punctuation count here, unlike the two SQuAD measures). Two empty strings score 1.
 */
export function editSimilarity(prediction: string, reference: string): number {
  const p = prediction.trim();
  const r = reference.trim();
  const longer = Math.max(Array.from(p).length, Array.from(r).length);
  return longer === 0 ? 1 : 1 - levenshtein(p, r) / longer;
}

export interface ExampleScore {
  exactMatch: boolean;
  tokenF1: number;
  editSimilarity: number;
}

export const FAILED_SCORE: ExampleScore = { exactMatch: false, tokenF1: 0, editSimilarity: 0 };

export function scoreExample(prediction: string, reference: string): ExampleScore {
  return {
    exactMatch: exactMatch(prediction, reference),
    tokenF1: tokenF1(prediction, reference),
    editSimilarity: editSimilarity(prediction, reference),
  };
}

export interface OverallScore {
  count: number;
  exactMatches: number;
  exactMatchRate: number;
  meanTokenF1: number;
  meanEditSimilarity: number;
}

/** Examples that produced no answer (failed) count as 0 on every score. */
export function overallScore(scores: readonly (ExampleScore | undefined)[]): OverallScore {
  const count = scores.length;
  const mean = (pick: (s: ExampleScore) => number): number => (count === 0 ? 0 : scores.reduce((sum, s) => sum + (s ? pick(s) : 0), 0) / count);
  const exactMatches = scores.filter((s) => s?.exactMatch).length;
  return {
    count,
    exactMatches,
    exactMatchRate: count === 0 ? 0 : exactMatches / count,
    meanTokenF1: mean((s) => s.tokenF1),
    meanEditSimilarity: mean((s) => s.editSimilarity),
  };
}

export function formatPercent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
