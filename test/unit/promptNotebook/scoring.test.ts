import * as assert from 'node:assert/strict';
import { editSimilarity, exactMatch, formatPercent, levenshtein, normalizeAnswer, overallScore, scoreExample, tokenF1 } from '../../../src/core/promptNotebook/scoring';

/** Levenshtein by its recursive definition, memoized: written independently of the row-by-row version. */
function referenceLevenshtein(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const memo = new Map<number, number>();
  const d = (i: number, j: number): number => {
    if (i === 0) return j;
    if (j === 0) return i;
    const key = i * (y.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const value = x[i - 1] === y[j - 1] ? d(i - 1, j - 1) : 1 + Math.min(d(i - 1, j), d(i, j - 1), d(i - 1, j - 1));
    memo.set(key, value);
    return value;
  };
  return d(x.length, y.length);
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function near(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${message ?? ''} ${actual} is not ${expected}`);
}

describe('evaluation scoring', () => {
  it('normalizes answers as SQuAD does: lowercase, no punctuation, no articles, single spaces; accents kept', () => {
    assert.equal(normalizeAnswer('  The capital of Spain is Madrid!\n'), 'capital of spain is madrid');
    assert.equal(normalizeAnswer('An apple, a day; THE end.'), 'apple day end');
    assert.equal(normalizeAnswer('Rio-de-Janeiro'), 'riodejaneiro');
    assert.equal(normalizeAnswer('theory and anthem'), 'theory and anthem');
    assert.equal(normalizeAnswer('«Brasília»'), 'brasília');
    assert.equal(normalizeAnswer('the a an'), '');
  });

  it('exact match compares normalized answers', () => {
    assert.equal(exactMatch('The capital of Spain is Madrid.', 'the capital of spain is  Madrid!'), true);
    assert.equal(exactMatch('Paris\n', 'Paris'), true);
    assert.equal(exactMatch('Paris', 'Paris, France'), false);
    assert.equal(exactMatch('Brasília', 'Brasilia'), false, 'accents are kept');
    assert.equal(exactMatch('Brasília', 'Brussels'), false);
  });

  it('token F1 is the overlap of token multisets of the normalized answers', () => {
    // "capital of peru is lima" (5 tokens) vs "lima": 1 shared, P = 1/5, R = 1 → F1 = 1/3
    near(tokenF1('The capital of Peru is Lima.', 'Lima'), 1 / 3);
    // "paris france" vs "paris": P = 1/2, R = 1 → 2/3
    near(tokenF1('Paris, France', 'paris'), 2 / 3);
    // a repeated token counts once per occurrence in the reference: P = 1/3, R = 1 → 1/2
    near(tokenF1('lima lima lima', 'Lima'), 1 / 2);
    // "new york city" vs "york new": 2 shared, P = 2/3, R = 1 → 4/5
    near(tokenF1('New York City', 'York, New'), 0.8);
    near(tokenF1('Brasília', 'Brussels'), 0, 'shared letters earn nothing');
    near(tokenF1('Brasília', 'Brasilia'), 0);
    near(tokenF1('', ''), 1);
    near(tokenF1('The', 'a'), 1, 'both empty once articles go');
    near(tokenF1('', 'Lima'), 0);
    near(tokenF1('Lima', '...'), 0);
  });

  it('edit similarity is 1 − Levenshtein / the longer length, over code points of the trimmed strings', () => {
    // Brasília → Brussels: a→u, í→s, insert e, i→s, delete a = 5 edits; 8 code points each → 1 − 5/8
    assert.equal(levenshtein('Brasília', 'Brussels'), 5);
    near(editSimilarity('Brasília', 'Brussels'), 3 / 8);
    near(editSimilarity('Brasília', 'Brasilia'), 7 / 8);
    // kitten → sitting: k→s, e→i, insert g = 3 edits over 7 → 4/7
    near(editSimilarity('kitten', 'sitting'), 4 / 7);
    // "The capital of Peru is Lima." (28) contains "Lima": 24 deletions → 4/28
    near(editSimilarity('The capital of Peru is Lima.', 'Lima'), 4 / 28);
    // case and punctuation count here: "Hello" vs "hello." is H→h plus one insertion over 6
    near(editSimilarity('Hello', 'hello.'), 4 / 6);
    // "🚀a" vs "🚀b": one substitution over 2 code points (3 UTF-16 units would give 2/3)
    near(editSimilarity('🚀a', '🚀b'), 0.5);
    near(editSimilarity(' Lima\n', 'Lima'), 1);
    near(editSimilarity('', ''), 1);
    near(editSimilarity('abc', ''), 0);
  });

  it('Levenshtein agrees with the recursive definition on seeded random strings', () => {
    const seed = Number(process.env.SCORING_SEED ?? Date.now() % 2 ** 31);
    console.log(`      Levenshtein cross-check seed ${seed} (SCORING_SEED=${seed} to repeat)`);
    const random = mulberry32(seed);
    const alphabet = ['a', 'b', 'c', 'í', '🚀', ' '];
    const word = (): string => Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let n = 0; n < 500; n++) {
      const a = word();
      const b = word();
      const expected = referenceLevenshtein(a, b);
      assert.equal(levenshtein(a, b), expected, `seed ${seed}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      assert.equal(levenshtein(b, a), expected, `seed ${seed}: symmetric for ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      const longer = Math.max([...a.trim()].length, [...b.trim()].length);
      const similarity = longer === 0 ? 1 : 1 - referenceLevenshtein(a.trim(), b.trim()) / longer;
      near(editSimilarity(a, b), similarity, `seed ${seed}: similarity of ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  });

  it('overall score averages each measure, counting a missing answer as zero', () => {
    // "Hello" vs "hello.": exact, token F1 1, edit 4/6; "ab" vs "abcd": not exact, token F1 0, edit 1/2
    const scores = [scoreExample('Hello', 'hello.'), scoreExample('ab', 'abcd'), undefined];
    assert.deepEqual(scores.map((s) => s && [s.exactMatch, s.tokenF1]), [[true, 1], [false, 0], undefined]);
    near(scores[0]!.editSimilarity, 4 / 6);
    near(scores[1]!.editSimilarity, 0.5);
    const overall = overallScore(scores);
    assert.equal(overall.count, 3);
    assert.equal(overall.exactMatches, 1);
    assert.equal(overall.exactMatchRate, 1 / 3);
    near(overall.meanTokenF1, 1 / 3);
    near(overall.meanEditSimilarity, 7 / 18);
    assert.equal(formatPercent(overall.meanEditSimilarity), '38.9%');
    assert.deepEqual(overallScore([]), { count: 0, exactMatches: 0, exactMatchRate: 0, meanTokenF1: 0, meanEditSimilarity: 0 });
  });
});
