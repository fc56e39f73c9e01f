/**
 * Input similarity for the copy component: character 1- to 3-grams and whole words, hashed,
 * weighted by sublinear term frequency and by inverse document frequency over the model's memory,
 * then L2-normalised so that a dot product is a cosine in [0, 1].
 */

/** Sorted hashed feature ids with their weights. */
export interface SparseVector {
  readonly ids: Int32Array;
  readonly values: Float64Array;
}

/** Inputs longer than this are read at their start and end only; similarity needs no more. */
const MAX_FEATURE_CHARS = 20_000;
/** Weight of a feature by kind: index 0 is a whole word, 1–3 an n-gram of that order. */
const KIND_WEIGHT = [1.5, 0.5, 1, 1.5];

export function countFeatures(text: string): Map<number, number> {
  let chars = Array.from(text.toLowerCase());
  if (chars.length > MAX_FEATURE_CHARS) {
    chars = chars.slice(0, MAX_FEATURE_CHARS / 2).concat(chars.slice(chars.length - MAX_FEATURE_CHARS / 2));
  }
  const counts = new Map<number, number>();
  const add = (id: number) => counts.set(id, (counts.get(id) ?? 0) + 1);
  const padded = ['\u0002', ...chars, '\u0003'];
  for (let n = 1; n <= 3; n++) {
    for (let i = 0; i + n <= padded.length; i++) {
      if (n === 1 && (i === 0 || i === padded.length - 1)) continue;
      let h = fnvStart(n);
      for (let k = 0; k < n; k++) h = fnvAdd(h, padded[i + k]);
      add(featureId(n, h));
    }
  }
  let word = '';
  const flush = () => {
    if (word) add(featureId(0, fnvAdd(fnvStart(9), word)));
    word = '';
  };
  for (const ch of chars) {
    if (/[\p{L}\p{N}]/u.test(ch)) word += ch;
    else flush();
  }
  flush();
  return counts;
}

/** The kind lives in the top two bits so that its weight can be recovered from the id alone. */
function featureId(kind: number, hash: number): number {
  return ((hash & 0x3fffffff) | (kind << 30)) | 0;
}

function fnvStart(kind: number): number {
  return Math.imul(0x811c9dc5 ^ kind, 0x01000193) >>> 0;
}

function fnvAdd(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return Math.imul(h ^ 0xff, 0x01000193) >>> 0;
}

/** Document frequencies of the memory's inputs, which decide how much a shared feature counts. */
export class FeatureSpace {
  private readonly idf = new Map<number, number>();
  private readonly unseenIdf: number;

  constructor(documents: readonly Map<number, number>[]) {
    const df = new Map<number, number>();
    for (const doc of documents) for (const id of doc.keys()) df.set(id, (df.get(id) ?? 0) + 1);
    const n = Math.max(1, documents.length);
    for (const [id, count] of df) this.idf.set(id, Math.log(1 + n / count));
    this.unseenIdf = Math.log(1 + 2 * n);
  }

  vectorize(counts: Map<number, number>): SparseVector {
    const entries = [...counts.entries()].sort((a, b) => a[0] - b[0]);
    const ids = new Int32Array(entries.length);
    const values = new Float64Array(entries.length);
    let norm = 0;
    entries.forEach(([id, count], i) => {
      const w = (1 + Math.log(count)) * (this.idf.get(id) ?? this.unseenIdf) * weightOf(id);
      ids[i] = id;
      values[i] = w;
      norm += w * w;
    });
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < values.length; i++) values[i] *= inv;
    }
    return { ids, values };
  }
}

function weightOf(id: number): number {
  return KIND_WEIGHT[id >>> 30];
}
