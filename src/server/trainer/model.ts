import { countFeatures, FeatureSpace, type SparseVector } from './features';
import { toCodes } from './tokens';

/**
 * The local model. Each output token (a code point, or the boundary that ends the output) gets
 *
 *   p(y) = g · copy(y) + (1 − g) · bigram(y | previous token)
 *
 * - `copy` attends over (memory example i, output position j) pairs of the K most similar memory
 *   examples. A pair qualifies when its output up to j is consistent with what has been produced
 *   so far: either all of it (an aligned prefix) or at least its last character. Its score is
 *   `β·sim(input, input_i) + prefixBonus·[aligned] + matchBonus·min(matchLength, MATCH_CAP)` and a
 *   softmax over the pairs gives the probability of copying output_i[j] next.
 * - `bigram` is a learned table of next-token logits given the previous token.
 * - `g` is a learned gate over the copy evidence (is a prefix aligned, how long is the best match).
 *
 * The learned parameters are log β (sharpness), the two bonuses, three gate weights and the
 * bigram table; Adam fits them to the per-token negative log-likelihood of the training outputs.
 */
export const BOUNDARY = -1;
export const MAX_VOCAB_CHARS = 254;
export const CANDIDATE_COUNT = 16;
export const MATCH_CAP = 8;
/** Bounds the work per token (it is linear in the candidates' output length). */
export const CANDIDATE_CHAR_BUDGET = 8192;

export const PARAM = {
  logSharpness: 0,
  prefixBonus: 1,
  matchBonus: 2,
  gateBias: 3,
  gatePrefix: 4,
  gateMatch: 5,
} as const;
export const SCALAR_PARAMS = 6;
const INITIAL_SCALARS = [Math.log(5), 2, 0.5, 0, 0, 0];

export interface MemoryExample {
  textInput: string;
  output: string;
}

/** Index 0 is the boundary token, index 1 stands for any character outside the table. */
export class Vocabulary {
  static readonly BOUNDARY_INDEX = 0;
  static readonly UNKNOWN_INDEX = 1;
  private readonly index = new Map<number, number>();

  constructor(readonly codes: readonly number[]) {
    codes.forEach((code, i) => this.index.set(code, i + 2));
  }

  get size(): number {
    return this.codes.length + 2;
  }

  indexOf(code: number): number {
    if (code === BOUNDARY) return Vocabulary.BOUNDARY_INDEX;
    return this.index.get(code) ?? Vocabulary.UNKNOWN_INDEX;
  }

  /** The characters of `base` first, in order, then the most frequent new ones, up to the cap. */
  static build(outputs: readonly Int32Array[], base: readonly number[] = []): Vocabulary {
    const seen = new Set<number>();
    const codes: number[] = [];
    for (const code of base) {
      if (!seen.has(code) && codes.length < MAX_VOCAB_CHARS) {
        seen.add(code);
        codes.push(code);
      }
    }
    const counts = new Map<number, number>();
    for (const out of outputs) for (const code of out) if (!seen.has(code)) counts.set(code, (counts.get(code) ?? 0) + 1);
    const fresh = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    for (const [code] of fresh) {
      if (codes.length >= MAX_VOCAB_CHARS) break;
      codes.push(code);
    }
    return new Vocabulary(codes);
  }
}

export interface MemoryEntry {
  readonly input: string;
  readonly outputText: string;
  readonly output: Int32Array;
  readonly vector: SparseVector;
}

export interface Candidate {
  entry: number;
  sim: number;
}

/** The examples the copy component can draw from, with their input feature vectors. */
export class Memory {
  readonly entries: MemoryEntry[];
  private readonly space: FeatureSpace;
  /** feature id → the entries having it and its weight there, for fast similarity search */
  private readonly postings = new Map<number, { entries: number[]; weights: number[] }>();

  constructor(examples: readonly MemoryExample[]) {
    const counts = examples.map((e) => countFeatures(e.textInput ?? ''));
    this.space = new FeatureSpace(counts);
    this.entries = examples.map((e, i) => ({
      input: e.textInput ?? '',
      outputText: e.output ?? '',
      output: toCodes(e.output ?? ''),
      vector: this.space.vectorize(counts[i]),
    }));
    this.entries.forEach((entry, i) => {
      const { ids, values } = entry.vector;
      for (let k = 0; k < ids.length; k++) {
        let list = this.postings.get(ids[k]);
        if (!list) this.postings.set(ids[k], (list = { entries: [], weights: [] }));
        list.entries.push(i);
        list.weights.push(values[k]);
      }
    });
  }

  vectorize(input: string): SparseVector {
    return this.space.vectorize(countFeatures(input));
  }

  /** Cosine similarity of `vector` to every entry's input. */
  similarities(vector: SparseVector): Float64Array {
    const sims = new Float64Array(this.entries.length);
    for (let k = 0; k < vector.ids.length; k++) {
      const list = this.postings.get(vector.ids[k]);
      if (!list) continue;
      const w = vector.values[k];
      for (let m = 0; m < list.entries.length; m++) sims[list.entries[m]] += w * list.weights[m];
    }
    for (let i = 0; i < sims.length; i++) sims[i] = sims[i] < 0 ? 0 : sims[i] > 1 ? 1 : sims[i];
    return sims;
  }

  /**
   * The `k` most similar entries, best first (ties: earlier entry first), as far as their outputs
   * fit in CANDIDATE_CHAR_BUDGET characters (the first one always fits); `include` is always kept.
   */
  nearest(vector: SparseVector, k: number, include?: number): Candidate[] {
    const sims = this.similarities(vector);
    const order = Array.from(sims.keys());
    const better = (a: number, b: number) => sims[b] - sims[a] || a - b;
    // a full sort only when the memory is small; otherwise select the top few first
    const ranked = order.length <= 4 * k ? order.sort(better) : selectTop(order, better, 4 * k);
    const chosen: Candidate[] = [];
    let chars = 0;
    const take = (entry: number) => {
      chosen.push({ entry, sim: sims[entry] });
      chars += this.entries[entry].output.length + 1;
    };
    if (include !== undefined) take(include);
    const scan = (list: number[]) => {
      for (const entry of list) {
        if (chosen.length >= k) break;
        if (entry === include || chosen.some((c) => c.entry === entry)) continue;
        if (chosen.length > 0 && chars + this.entries[entry].output.length + 1 > CANDIDATE_CHAR_BUDGET) continue;
        take(entry);
      }
    };
    scan(ranked);
    if (chosen.length < k && ranked.length < order.length) scan(order.sort(better));
    return chosen.sort((a, b) => better(a.entry, b.entry));
  }
}

/** The best `n` of `items` under `better`, in order, without sorting everything. */
function selectTop(items: number[], better: (a: number, b: number) => number, n: number): number[] {
  const top: number[] = [];
  for (const item of items) {
    if (top.length === n && better(item, top[n - 1]) >= 0) continue;
    let at = top.length === n ? n - 1 : top.length;
    while (at > 0 && better(item, top[at - 1]) < 0) at--;
    top.splice(at, 0, item);
    if (top.length > n) top.pop();
  }
  return top;
}

/**
 * Follows, token by token, which memory positions are consistent with the output so far:
 * `match[c][j]` is how many characters before position j of candidate c's output agree with the
 * latest produced characters, `aligned[c][j]` whether everything produced so far equals its first j.
 */
export class CopyTracker {
  readonly outputs: Int32Array[];
  readonly sims: Float64Array;
  private readonly match: Int32Array[];
  private readonly aligned: Uint8Array[];
  // per-pair scratch, reused across tokens
  readonly pairNext: Int32Array;
  readonly pairCand: Int32Array;
  readonly pairAligned: Uint8Array;
  readonly pairMatch: Int32Array;
  readonly pairWeight: Float64Array;
  anyAligned = false;
  maxMatch = 0;

  constructor(memory: Memory, candidates: readonly Candidate[]) {
    this.outputs = candidates.map((c) => memory.entries[c.entry].output);
    this.sims = Float64Array.from(candidates.map((c) => c.sim));
    this.match = this.outputs.map((o) => new Int32Array(o.length + 1));
    this.aligned = this.outputs.map((o) => {
      const a = new Uint8Array(o.length + 1);
      a[0] = 1;
      return a;
    });
    const capacity = this.outputs.reduce((n, o) => n + o.length + 1, 0);
    this.pairNext = new Int32Array(capacity);
    this.pairCand = new Int32Array(capacity);
    this.pairAligned = new Uint8Array(capacity);
    this.pairMatch = new Int32Array(capacity);
    this.pairWeight = new Float64Array(capacity);
  }

  advance(code: number): void {
    for (let c = 0; c < this.outputs.length; c++) {
      const out = this.outputs[c];
      const match = this.match[c];
      const aligned = this.aligned[c];
      for (let j = out.length; j >= 1; j--) {
        if (out[j - 1] === code) {
          match[j] = match[j - 1] + 1;
          aligned[j] = aligned[j - 1];
        } else {
          match[j] = 0;
          aligned[j] = 0;
        }
      }
      match[0] = 0;
      aligned[0] = 0;
    }
  }

  /** Fills the pair scratch with every qualifying pair and returns how many there are. */
  collectPairs(): number {
    let n = 0;
    let anyAligned = false;
    let maxMatch = 0;
    for (let c = 0; c < this.outputs.length; c++) {
      const out = this.outputs[c];
      const match = this.match[c];
      const aligned = this.aligned[c];
      for (let j = 0; j <= out.length; j++) {
        const m = match[j];
        const a = aligned[j];
        if (m === 0 && a === 0) continue;
        const capped = m < MATCH_CAP ? m : MATCH_CAP;
        this.pairNext[n] = j < out.length ? out[j] : BOUNDARY;
        this.pairCand[n] = c;
        this.pairAligned[n] = a;
        this.pairMatch[n] = capped;
        if (a) anyAligned = true;
        if (capped > maxMatch) maxMatch = capped;
        n++;
      }
    }
    this.anyAligned = anyAligned;
    this.maxMatch = maxMatch;
    return n;
  }
}

export interface TokenDistribution {
  codes: number[];
  probs: number[];
}

export class LocalModel {
  private readonly bigramScratch: Float64Array;
  /** The code of each vocabulary index (index 1, the unknown class, never gets probability). */
  private readonly outcomeCodes: number[];

  constructor(
    readonly vocab: Vocabulary,
    readonly memory: Memory,
    readonly params: Float64Array,
  ) {
    if (params.length !== LocalModel.parameterCount(vocab)) {
      throw new Error(`model has ${params.length} parameters, its vocabulary needs ${LocalModel.parameterCount(vocab)}`);
    }
    this.bigramScratch = new Float64Array(vocab.size);
    this.outcomeCodes = [BOUNDARY, BOUNDARY, ...vocab.codes];
  }

  static parameterCount(vocab: Vocabulary): number {
    return SCALAR_PARAMS + vocab.size * vocab.size;
  }

  /**
   * Fresh parameters for `vocab`. With a source model, its scalars and the bigram rows and columns
   * of every character it knows are carried over; new characters start at zero logits.
   */
  static initialParams(vocab: Vocabulary, source?: { vocab: Vocabulary; params: Float64Array | Float32Array }): Float64Array {
    const params = new Float64Array(LocalModel.parameterCount(vocab));
    if (!source) {
      params.set(INITIAL_SCALARS);
      return params;
    }
    for (let i = 0; i < SCALAR_PARAMS; i++) params[i] = source.params[i];
    const V = vocab.size;
    const S = source.vocab.size;
    const map = new Int32Array(V).fill(-1);
    map[Vocabulary.BOUNDARY_INDEX] = Vocabulary.BOUNDARY_INDEX;
    map[Vocabulary.UNKNOWN_INDEX] = Vocabulary.UNKNOWN_INDEX;
    vocab.codes.forEach((code, i) => {
      const s = source.vocab.indexOf(code);
      if (s !== Vocabulary.UNKNOWN_INDEX) map[i + 2] = s;
    });
    for (let r = 0; r < V; r++) {
      if (map[r] < 0) continue;
      for (let c = 0; c < V; c++) {
        if (map[c] < 0) continue;
        params[SCALAR_PARAMS + r * V + c] = source.params[SCALAR_PARAMS + map[r] * S + map[c]];
      }
    }
    return params;
  }

  tracker(input: string, include?: number): CopyTracker {
    const candidates = this.memory.entries.length === 0 ? [] : this.memory.nearest(this.memory.vectorize(input), CANDIDATE_COUNT, include);
    return new CopyTracker(this.memory, candidates);
  }

  /** Bigram probabilities after `prevIndex` into the scratch row. */
  private bigramRow(prevIndex: number): Float64Array {
    const V = this.vocab.size;
    const off = SCALAR_PARAMS + prevIndex * V;
    const row = this.bigramScratch;
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (this.params[off + v] > max) max = this.params[off + v];
    let sum = 0;
    for (let v = 0; v < V; v++) {
      const e = Math.exp(this.params[off + v] - max);
      row[v] = e;
      sum += e;
    }
    for (let v = 0; v < V; v++) row[v] /= sum;
    return row;
  }

  /** Softmax weights of the collected pairs into `tracker.pairWeight`. */
  private pairWeights(tracker: CopyTracker, n: number): void {
    const beta = Math.exp(this.params[PARAM.logSharpness]);
    const prefixBonus = this.params[PARAM.prefixBonus];
    const matchBonus = this.params[PARAM.matchBonus];
    const w = tracker.pairWeight;
    let max = -Infinity;
    for (let k = 0; k < n; k++) {
      const z = beta * tracker.sims[tracker.pairCand[k]] + prefixBonus * tracker.pairAligned[k] + matchBonus * tracker.pairMatch[k];
      w[k] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let k = 0; k < n; k++) {
      w[k] = Math.exp(w[k] - max);
      sum += w[k];
    }
    for (let k = 0; k < n; k++) w[k] /= sum;
  }

  private gate(tracker: CopyTracker): number {
    const a =
      this.params[PARAM.gateBias] +
      this.params[PARAM.gatePrefix] * (tracker.anyAligned ? 1 : 0) +
      (this.params[PARAM.gateMatch] * tracker.maxMatch) / MATCH_CAP;
    return 1 / (1 + Math.exp(-a));
  }

  /**
   * Teacher-forced negative log-likelihood (nats) of `output` followed by the boundary, given the
   * tracker of its input; adds `scale` × the gradient into `grad`. The tracker is consumed.
   */
  sequenceLoss(tracker: CopyTracker, output: Int32Array, grad?: Float64Array, scale = 1): { nll: number; tokens: number } {
    const V = this.vocab.size;
    const beta = Math.exp(this.params[PARAM.logSharpness]);
    let prevIndex = Vocabulary.BOUNDARY_INDEX;
    let nll = 0;
    for (let t = 0; t <= output.length; t++) {
      const y = t < output.length ? output[t] : BOUNDARY;
      const yIndex = this.vocab.indexOf(y);
      const bigram = this.bigramRow(prevIndex);
      const by = bigram[yIndex];
      const n = tracker.collectPairs();
      let g = 0;
      let copy = 0;
      if (n > 0) {
        this.pairWeights(tracker, n);
        for (let k = 0; k < n; k++) if (tracker.pairNext[k] === y) copy += tracker.pairWeight[k];
        g = this.gate(tracker);
      }
      const p = Math.max(g * copy + (1 - g) * by, 1e-300);
      nll -= Math.log(p);
      if (grad) {
        if (n > 0) {
          const dg = (-(copy - by) / p) * g * (1 - g) * scale;
          grad[PARAM.gateBias] += dg;
          grad[PARAM.gatePrefix] += dg * (tracker.anyAligned ? 1 : 0);
          grad[PARAM.gateMatch] += (dg * tracker.maxMatch) / MATCH_CAP;
          const coef = (-g / p) * scale;
          let dSharp = 0;
          let dPrefix = 0;
          let dMatch = 0;
          for (let k = 0; k < n; k++) {
            const dz = coef * tracker.pairWeight[k] * ((tracker.pairNext[k] === y ? 1 : 0) - copy);
            dSharp += dz * beta * tracker.sims[tracker.pairCand[k]];
            dPrefix += dz * tracker.pairAligned[k];
            dMatch += dz * tracker.pairMatch[k];
          }
          grad[PARAM.logSharpness] += dSharp;
          grad[PARAM.prefixBonus] += dPrefix;
          grad[PARAM.matchBonus] += dMatch;
        }
        const bcoef = (-(1 - g) * by / p) * scale;
        const off = SCALAR_PARAMS + prevIndex * V;
        for (let v = 0; v < V; v++) grad[off + v] -= bcoef * bigram[v];
        grad[off + yIndex] += bcoef;
      }
      tracker.advance(y);
      prevIndex = yIndex;
    }
    return { nll, tokens: output.length + 1 };
  }

  /** The next-token distribution after `prev` (BOUNDARY at the start); the tracker is not advanced. */
  nextDistribution(tracker: CopyTracker, prev: number): TokenDistribution {
    const bigram = this.bigramRow(this.vocab.indexOf(prev));
    const n = tracker.collectPairs();
    let g = 0;
    if (n > 0) {
      this.pairWeights(tracker, n);
      g = this.gate(tracker);
    }
    const V = this.vocab.size;
    const codes = this.outcomeCodes.slice();
    const probs = new Array<number>(V).fill(0);
    // the unknown class cannot be written out, so its mass is spread over the rest
    const known = 1 - bigram[Vocabulary.UNKNOWN_INDEX];
    if (g < 1 && known > 0) {
      const scale = (1 - g) / known;
      for (let v = 0; v < V; v++) probs[v] = v === Vocabulary.UNKNOWN_INDEX ? 0 : bigram[v] * scale;
    }
    let extra: Map<number, number> | undefined;
    for (let k = 0; k < n; k++) {
      const code = tracker.pairNext[k];
      const v = this.vocab.indexOf(code);
      if (v !== Vocabulary.UNKNOWN_INDEX) {
        probs[v] += g * tracker.pairWeight[k];
      } else {
        extra ??= new Map();
        extra.set(code, (extra.get(code) ?? 0) + g * tracker.pairWeight[k]);
      }
    }
    if (extra) {
      for (const [code, p] of extra) {
        codes.push(code);
        probs.push(p);
      }
    }
    return { codes, probs };
  }
}
