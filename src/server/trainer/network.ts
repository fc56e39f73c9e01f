import { matTVecAdd, matVec, matVecAdd, matVecColumns, outerAdd, outerAddSteps, sigmoid, transpose, type Vec, type Weights } from './kernels';
import { Rng } from './rng';

/**
 * The local model: a byte-level encoder-decoder with attention and a copy gate (a
 * pointer-generator). Every token is one byte of UTF-8; id 256 is the boundary that starts and
 * ends a text.
 *
 * - Encoder: each input position j gets h_j = tanh(Wc · [embeddings of the bytes j−2 … j+2] + bc).
 *   A summary g = tanh(mean of hashed byte 2–4-gram vectors + Wm · mean_j h_j + bm) tells the
 *   decoder what kind of input this is.
 * - Decoder: a GRU whose input is the previous output byte's embedding, the previous attention
 *   context and g. Its state s starts at tanh(Ws · g + bs).
 * - Attention: score_j = (Wq s)·h_j + Σ_k loc_k · α_prev[j − offset_k], with loc = Wl s + bl: the
 *   decoder can look up content and also move relative to where it looked last (stay, advance
 *   one or two, step back), which is what copying and reformatting need.
 * - Output: p(y) = p_gen · softmax(Wv · tanh(Wa [s; c] + ba) + bv)[y] + (1 − p_gen) · Σ_{j: x_j = y} α_j,
 *   with p_gen = σ(wp · [s; c] + bp). The second term copies bytes of the prompt.
 *
 * Every output comes from these weights and the prompt: nothing of the training data is kept.
 */
export const BOUNDARY_ID = 256;
export const VOCAB = 257;
/** The model reads the last this-many bytes of a prompt. */
export const MAX_INPUT_BYTES = 1024;
/** Where attention can move from where it looked last (see Network). */
export const OFFSETS = [-1, 0, 1, 2];
/** Keeps the loss finite when weights driven to extremes give the target no probability at all. */
const MIN_PROBABILITY = 1e-300;
const NGRAM_MIN = 2;
const NGRAM_MAX = 4;

export interface NetworkConfig {
  /** byte embedding size */
  embed: number;
  /** encoder features per input position */
  hidden: number;
  /** decoder GRU state */
  state: number;
  /** output layer's hidden size */
  outHidden: number;
  /** hashed n-gram buckets of the input summary */
  buckets: number;
  /** bytes each encoder position sees (odd) */
  window: number;
  /** hashed (input n-gram, output position) buckets of the wide part; 0 disables it */
  wideBuckets: number;
  /** size of a wide bucket's vector, projected onto the output bytes */
  wideRank: number;
  /**
   * With it, the wide part keys every input n-gram a second time at each output position: with the
   * hash of the previous `wideHistory` output bytes instead of the previous byte alone. Those keys
   * tell apart examples whose inputs differ only in n-grams that other examples share, from what
   * the output has said so far. Absent: one key per n-gram, as in models made before.
   */
  wideHistory?: number;
  /**
   * Length of the input byte n-grams the wide part keys on. Absent: every 2-, 3- and 4-gram, as
   * in models made before this was chosen (and in the base model, whose wide part is zero).
   */
  wideNgram?: number;
  /**
   * Hashes of the n-grams the wide part leaves out: those shared by more than half of the tuning
   * set's prompts (their template). Dozens of them sit in every prompt, so their buckets
   * outweighed the few n-grams that tell one prompt from another. Absent: every n-gram is keyed,
   * as in models made before.
   */
  wideCommon?: number[];
}

export const DEFAULT_CONFIG: NetworkConfig = { embed: 24, hidden: 48, state: 64, outHidden: 64, buckets: 1024, window: 5, wideBuckets: 16384, wideRank: 16 };
/** Output positions beyond this share the wide part's last position. */
const WIDE_POSITIONS = 128;

export interface Layout {
  readonly config: NetworkConfig;
  readonly size: number;
  readonly emb: number;
  readonly wc: number;
  readonly bc: number;
  readonly bag: number;
  readonly wm: number;
  readonly bm: number;
  readonly ws: number;
  readonly bs: number;
  readonly wx: number;
  readonly bx: number;
  readonly wh: number;
  readonly bh: number;
  readonly wq: number;
  readonly wl: number;
  readonly bl: number;
  readonly wa: number;
  readonly ba: number;
  readonly wv: number;
  readonly bv: number;
  readonly wp: number;
  readonly bp: number;
  readonly wide: number;
  readonly wproj: number;
}

export function layoutOf(config: NetworkConfig): Layout {
  const { embed: D, hidden: H, state: S, outHidden: A, buckets: B, window: W } = config;
  const U = D + 2 * H;
  const K = OFFSETS.length;
  let at = 0;
  const take = (n: number) => {
    const start = at;
    at += n;
    return start;
  };
  const layout = {
    config,
    emb: take(VOCAB * D),
    wc: take(H * W * D),
    bc: take(H),
    bag: take(B * H),
    wm: take(H * H),
    bm: take(H),
    ws: take(S * H),
    bs: take(S),
    wx: take(3 * S * U),
    bx: take(3 * S),
    wh: take(3 * S * S),
    bh: take(3 * S),
    wq: take(H * S),
    wl: take(K * S),
    bl: take(K),
    wa: take(A * (S + H)),
    ba: take(A),
    wv: take(VOCAB * A),
    bv: take(VOCAB),
    wp: take(S + H),
    bp: take(1),
    // the wide part comes last: the base model's pretraining leaves it at zero
    wide: take(config.wideBuckets * config.wideRank),
    wproj: take(VOCAB * config.wideRank),
  };
  return { ...layout, size: at };
}

/** Fresh weights drawn from `seed`: uniform in ±1/√fan-in, biases zero, attention set to move forward. */
export function initialWeights(layout: Layout, seed: number): Float32Array {
  const { embed: D, hidden: H, state: S, outHidden: A, buckets: B, window: W } = layout.config;
  const U = D + 2 * H;
  const w = new Float32Array(layout.size);
  const rng = Rng.fromSeed(seed, 0x5eed);
  const fill = (at: number, count: number, scale: number) => {
    for (let i = 0; i < count; i++) w[at + i] = (rng.next() * 2 - 1) * scale;
  };
  fill(layout.emb, VOCAB * D, 0.5);
  fill(layout.wc, H * W * D, 1 / Math.sqrt(W * D));
  fill(layout.bag, B * H, 0.05);
  fill(layout.wm, H * H, 1 / Math.sqrt(H));
  fill(layout.ws, S * H, 1 / Math.sqrt(H));
  fill(layout.wx, 3 * S * U, 1 / Math.sqrt(U));
  fill(layout.wh, 3 * S * S, 1 / Math.sqrt(S));
  fill(layout.wq, H * S, 0.1 / Math.sqrt(S));
  fill(layout.wl, OFFSETS.length * S, 0.1 / Math.sqrt(S));
  w[layout.bl + OFFSETS.indexOf(1)] = 4;
  fill(layout.wa, A * (S + H), 1 / Math.sqrt(S + H));
  fill(layout.wv, VOCAB * A, 1 / Math.sqrt(A));
  fill(layout.wp, S + H, 1 / Math.sqrt(S + H));
  fill(layout.wproj, VOCAB * layout.config.wideRank, 1 / Math.sqrt(layout.config.wideRank));
  return w;
}

export function utf8Bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/** The token ids the encoder reads: boundary, the prompt's last MAX_INPUT_BYTES bytes, boundary. */
export function inputIds(text: string): Int32Array {
  let bytes = utf8Bytes(text);
  if (bytes.length > MAX_INPUT_BYTES) bytes = bytes.subarray(bytes.length - MAX_INPUT_BYTES);
  const ids = new Int32Array(bytes.length + 2);
  ids[0] = BOUNDARY_ID;
  ids.set(bytes, 1);
  ids[ids.length - 1] = BOUNDARY_ID;
  return ids;
}

/** What the decoder must produce: the output's bytes, then the boundary. */
export function targetIds(text: string): Int32Array {
  const bytes = utf8Bytes(text);
  const ids = new Int32Array(bytes.length + 1);
  ids.set(bytes, 0);
  ids[bytes.length] = BOUNDARY_ID;
  return ids;
}

/** Bucket ids of the byte 2–4-grams of `ids` (boundaries included). */
export function ngramBuckets(ids: Int32Array, buckets: number): Int32Array {
  return Int32Array.from(ngramHashes(ids), (h) => h % buckets);
}

/** 32-bit hashes of the byte n-grams of `ids` (boundaries included), for n from `min` to `max`. */
export function ngramHashes(ids: Int32Array, min = NGRAM_MIN, max = NGRAM_MAX): Uint32Array {
  const out: number[] = [];
  for (let n = min; n <= max; n++) {
    for (let i = 0; i + n <= ids.length; i++) {
      let h = (0x811c9dc5 ^ n) >>> 0;
      for (let k = 0; k < n; k++) h = Math.imul(h ^ ids[i + k], 0x01000193) >>> 0;
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d) >>> 0;
      h ^= h >>> 12;
      out.push(h >>> 0);
    }
  }
  return Uint32Array.from(out);
}

/**
 * The hashes of the `ngram`-byte n-grams found in more than `share` of the prompts (and in two at
 * least), in ascending order: what NetworkConfig.wideCommon holds.
 */
export function commonGrams(prompts: readonly string[], ngram: number, share: number): number[] {
  const counts = new Map<number, number>();
  for (const prompt of prompts) {
    for (const hash of new Set(ngramHashes(inputIds(prompt), ngram, ngram))) counts.set(hash, (counts.get(hash) ?? 0) + 1);
  }
  const more = Math.max(1, share * prompts.length);
  return [...counts].filter(([, count]) => count > more).map(([hash]) => hash).sort((a, b) => a - b);
}

/** The wide part's buckets at output position `t`: each input n-gram paired with the position and `prev`. */
export function wideBucketsAt(hashes: Uint32Array, t: number, prev: number, buckets: number, into: Int32Array): void {
  const pos = t < WIDE_POSITIONS ? t : WIDE_POSITIONS - 1;
  const salt = Math.imul(pos + 1, 0x9e3779b1) ^ Math.imul(prev + 7, 0x27d4eb2f);
  for (let k = 0; k < hashes.length; k++) {
    let h = Math.imul(hashes[k] ^ salt, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    into[k] = (h >>> 0) % buckets;
  }
}

/**
 * What the wide part's second set of keys pairs the n-grams with (see NetworkConfig.wideHistory):
 * a 24-bit hash of the `length` output bytes before position `t` (the boundary before the first),
 * offset so that it never equals a byte or the boundary, which key the first set.
 */
export function outputHistoryKey(output: ArrayLike<number>, t: number, length: number): number {
  let h = 0x811c9dc5;
  for (let k = 1; k <= length; k++) h = Math.imul(h ^ (t - k >= 0 ? output[t - k] : BOUNDARY_ID), 0x01000193) >>> 0;
  return HISTORY_KEY_OFFSET + (h & 0xffffff);
}
const HISTORY_KEY_OFFSET = 1000;

function softmax(logits: Vec, into: Vec): void {
  let max = -Infinity;
  for (let v = 0; v < VOCAB; v++) if (logits[v] > max) max = logits[v];
  let sum = 0;
  for (let v = 0; v < VOCAB; v++) sum += into[v] = Math.exp(logits[v] - max);
  for (let v = 0; v < VOCAB; v++) into[v] /= sum;
}

/** The encoder's result for one prompt. */
export interface Encoded {
  ids: Int32Array;
  n: number;
  /** the embedding window of every position, n × W·D */
  win: Vec;
  /** n × H */
  h: Vec;
  hbar: Vec;
  buckets: Int32Array;
  hashes: Uint32Array;
  /** hashes of the n-grams the wide part keys on */
  wideHashes: Uint32Array;
  g: Vec;
  s0: Vec;
  /** bx + the GRU input weights' columns for g times g: the part of every step's input gates that g decides */
  xgFromG: Vec;
}

/** Everything one decoder step computed, kept for its backward pass. */
export interface StepCache {
  prev: number;
  u: Vec;
  sPrev: Vec;
  z: Vec;
  r: Vec;
  nn: Vec;
  hn: Vec;
  s: Vec;
  /** the attention query Wq · s */
  q: Vec;
  loc: Vec;
  alphaPrev: Vec;
  alpha: Vec;
  c: Vec;
  sc: Vec;
  a: Vec;
  p: Vec;
  /** the generated distribution without the wide part (filled only when asked for) */
  pd: Vec;
  pgen: number;
  /** output position, the wide part's buckets there and their summed vector */
  t: number;
  wideKeys: Int32Array;
  wide: Vec;
}

export class Network {
  readonly layout: Layout;
  private readonly D: number;
  private readonly H: number;
  private readonly S: number;
  private readonly A: number;
  private readonly U: number;
  private readonly W: number;
  // scratch
  private readonly xg: Vec;
  private readonly hg: Vec;
  private readonly logits: Vec;
  private readonly cachePool: StepCache[] = [];
  private poolCapacity = 0;
  private transposes?: { wv: Weights; wa: Weights; wq: Weights; wl: Weights; wx: Weights; wh: Weights };
  private readonly wideCommon?: ReadonlySet<number>;

  constructor(
    readonly config: NetworkConfig,
    readonly weights: Weights,
  ) {
    this.layout = layoutOf(config);
    if (weights.length !== this.layout.size) throw new Error(`the network needs ${this.layout.size} weights, got ${weights.length}`);
    this.D = config.embed;
    this.H = config.hidden;
    this.S = config.state;
    this.A = config.outHidden;
    this.W = config.window;
    this.U = this.D + 2 * this.H;
    this.xg = new Float64Array(3 * this.S);
    this.hg = new Float64Array(3 * this.S);
    this.logits = new Float64Array(VOCAB);
    if (config.wideCommon && config.wideCommon.length > 0) this.wideCommon = new Set(config.wideCommon);
  }

  encode(ids: Int32Array): Encoded {
    const { D, H, S, W } = this;
    const L = this.layout;
    const w = this.weights;
    const n = ids.length;
    const WD = W * D;
    const half = (W - 1) >> 1;
    const win = new Float64Array(n * WD);
    const h = new Float64Array(n * H);
    for (let j = 0; j < n; j++) {
      for (let o = 0; o < W; o++) {
        const at = j + o - half;
        if (at < 0 || at >= n) continue;
        const e = L.emb + ids[at] * D;
        for (let d = 0; d < D; d++) win[j * WD + o * D + d] = w[e + d];
      }
      matVec(w, L.wc, H, WD, win, j * WD, h, j * H, L.bc);
      for (let k = 0; k < H; k++) h[j * H + k] = Math.tanh(h[j * H + k]);
    }
    const hbar = new Float64Array(H);
    for (let j = 0; j < n; j++) for (let k = 0; k < H; k++) hbar[k] += h[j * H + k];
    for (let k = 0; k < H; k++) hbar[k] /= n;
    const hashes = ngramHashes(ids);
    const buckets = Int32Array.from(hashes, (h) => h % this.config.buckets);
    const g = new Float64Array(H);
    matVec(w, L.wm, H, H, hbar, 0, g, 0, L.bm);
    if (buckets.length > 0) {
      const inv = 1 / buckets.length;
      for (const b of buckets) for (let k = 0; k < H; k++) g[k] += w[L.bag + b * H + k] * inv;
    }
    for (let k = 0; k < H; k++) g[k] = Math.tanh(g[k]);
    const s0 = new Float64Array(S);
    matVec(w, L.ws, S, H, g, 0, s0, 0, L.bs);
    for (let k = 0; k < S; k++) s0[k] = Math.tanh(s0[k]);
    const wideNgram = this.config.wideNgram;
    const grams = wideNgram === undefined ? hashes : ngramHashes(ids, wideNgram, wideNgram);
    const common = this.wideCommon;
    const wideHashes = common ? grams.filter((hash) => !common.has(hash)) : grams;
    // the GRU's input is [embedding of the previous byte; previous context; g], and g is the same at every step
    const U = this.U;
    const xgFromG = new Float64Array(3 * S);
    for (let r = 0; r < 3 * S; r++) {
      let sum = w[L.bx + r];
      const row = L.wx + r * U + D + H;
      for (let k = 0; k < H; k++) sum += w[row + k] * g[k];
      xgFromG[r] = sum;
    }
    return { ids, n, win, h, hbar, buckets, hashes, wideHashes, g, s0, xgFromG };
  }

  /** A decoder step's cache sized for this prompt, ready to be filled by `step`. */
  newCache(n: number): StepCache {
    const { H, S, A, U } = this;
    return {
      prev: BOUNDARY_ID,
      u: new Float64Array(U),
      sPrev: new Float64Array(S),
      z: new Float64Array(S),
      r: new Float64Array(S),
      nn: new Float64Array(S),
      hn: new Float64Array(S),
      s: new Float64Array(S),
      q: new Float64Array(H),
      loc: new Float64Array(OFFSETS.length),
      alphaPrev: new Float64Array(n),
      alpha: new Float64Array(n),
      c: new Float64Array(H),
      sc: new Float64Array(S + H),
      a: new Float64Array(A),
      p: new Float64Array(VOCAB),
      pd: new Float64Array(VOCAB),
      pgen: 0,
      t: 0,
      wideKeys: new Int32Array(0),
      wide: new Float64Array(this.config.wideRank),
    };
  }

  /**
   * The cache of output position `t` while computing a loss: kept from one sequence to the next
   * (a sequence's caches are done with when its loss and gradient are), with attention arrays of
   * at least `n` entries, of which the first n are used.
   */
  private trainingCache(t: number, n: number): StepCache {
    if (n > this.poolCapacity) {
      this.cachePool.length = 0;
      this.poolCapacity = Math.max(n, 2 * this.poolCapacity);
    }
    return (this.cachePool[t] ??= this.newCache(this.poolCapacity));
  }

  /** The decoder's starting point: state s0, context h_0 (the opening boundary), attention on position 0. */
  start(enc: Encoded): { s: Vec; c: Vec; alpha: Vec } {
    const alpha = new Float64Array(enc.n);
    alpha[0] = 1;
    return { s: enc.s0.slice(), c: enc.h.slice(0, this.H), alpha };
  }

  /**
   * One decoder step after token `prev`, from (sPrev, cPrev, alphaPrev), into `out`. `history` is
   * the output's outputHistoryKey at `t` (read only when the shape has `wideHistory`).
   */
  step(enc: Encoded, t: number, prev: number, history: number, sPrev: Vec, cPrev: Vec, alphaPrev: Vec, out: StepCache, withoutWide = false): void {
    const { D, H, S, A, U } = this;
    const L = this.layout;
    const w = this.weights;
    this.stepInputs(enc, t, prev, sPrev, cPrev, alphaPrev, out);
    const xg = this.xg;
    const hg = this.hg;
    matVecColumns(w, L.wx, 3 * S, D + H, U, out.u, 0, xg, 0, enc.xgFromG);
    matVec(w, L.wh, 3 * S, S, sPrev, 0, hg, 0, L.bh);
    this.gruUpdate(xg, hg, out);
    matVec(w, L.wq, H, S, out.s, 0, out.q, 0);
    matVec(w, L.wl, OFFSETS.length, S, out.s, 0, out.loc, 0, L.bl);
    this.attend(enc, out);
    matVec(w, L.wa, A, S + H, out.sc, 0, out.a, 0, L.ba);
    for (let k = 0; k < A; k++) out.a[k] = Math.tanh(out.a[k]);
    const logits = this.logits;
    matVec(w, L.wv, VOCAB, A, out.a, 0, logits, 0, L.bv);
    if (withoutWide) softmax(logits, out.pd);
    if (this.wideVector(enc, t, prev, history, out)) {
      const R = this.config.wideRank;
      const wide = out.wide;
      for (let v = 0; v < VOCAB; v++) {
        let sum = 0;
        for (let k = 0; k < R; k++) sum += w[L.wproj + v * R + k] * wide[k];
        logits[v] += sum;
      }
    }
    this.output(logits, out);
  }

  /**
   * The parts of a step that are the same for one candidate or many decoded together (see
   * batchedDecoding.ts), which differ only in how they multiply by the weight matrices in between.
   * First: the step's inputs kept in `out`, and the GRU's input u = [embedding of prev; cPrev; g].
   */
  stepInputs(enc: Encoded, t: number, prev: number, sPrev: Vec, cPrev: Vec, alphaPrev: Vec, out: StepCache): void {
    const { D, H } = this;
    const w = this.weights;
    out.prev = prev;
    out.t = t;
    const u = out.u;
    const e = this.layout.emb + prev * D;
    for (let d = 0; d < D; d++) u[d] = w[e + d];
    u.set(cPrev, D);
    u.set(enc.g, D + H);
    out.sPrev.set(sPrev);
    out.alphaPrev.set(alphaPrev);
  }

  /** The GRU's new state from its gates' input (xg) and state (hg) terms. */
  gruUpdate(xg: Vec, hg: Vec, out: StepCache): void {
    const S = this.S;
    const { z, r, nn, hn, s, sPrev } = out;
    for (let k = 0; k < S; k++) {
      z[k] = sigmoid(xg[k] + hg[k]);
      r[k] = sigmoid(xg[S + k] + hg[S + k]);
      hn[k] = hg[2 * S + k];
      nn[k] = Math.tanh(xg[2 * S + k] + r[k] * hn[k]);
      s[k] = (1 - z[k]) * nn[k] + z[k] * sPrev[k];
    }
  }

  /** Attention from the step's query q and location terms loc: alpha, the context c, and sc = [s; c]. */
  attend(enc: Encoded, out: StepCache): void {
    const { H, S } = this;
    const n = enc.n;
    const { q, loc, alphaPrev, alpha, c } = out;
    const h = enc.h;
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      let score = 0;
      for (let k = 0; k < H; k++) score += q[k] * h[j * H + k];
      for (let o = 0; o < OFFSETS.length; o++) {
        const from = j - OFFSETS[o];
        if (from >= 0 && from < n) score += loc[o] * alphaPrev[from];
      }
      alpha[j] = score;
      if (score > max) max = score;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += alpha[j] = Math.exp(alpha[j] - max);
    c.fill(0);
    for (let j = 0; j < n; j++) {
      const aj = (alpha[j] /= sum);
      for (let k = 0; k < H; k++) c[k] += aj * h[j * H + k];
    }
    out.sc.set(out.s, 0);
    out.sc.set(c, S);
  }

  /** The step's generated distribution p from its logits (wide part included), and the copy gate. */
  output(logits: Vec, out: StepCache): void {
    const SH = this.S + this.H;
    const L = this.layout;
    const w = this.weights;
    softmax(logits, out.p);
    let gate = w[L.bp];
    for (let k = 0; k < SH; k++) gate += w[L.wp + k] * out.sc[k];
    out.pgen = sigmoid(gate);
  }

  /**
   * The wide part's keys at output position `t` (after `prev`, with `history` as `step` takes it)
   * into `out.wideKeys`, and the sum of their vectors into `out.wide`. False when this prompt or
   * shape has no wide part; the keys are then empty.
   */
  wideVector(enc: Encoded, t: number, prev: number, history: number, out: StepCache): boolean {
    const { wideRank: R, wideBuckets, wideHistory } = this.config;
    const grams = enc.wideHashes;
    if (!(R > 0 && wideBuckets > 0 && grams.length > 0)) {
      // a reused cache must not keep the keys of an earlier prompt
      if (out.wideKeys.length > 0) out.wideKeys = new Int32Array(0);
      return false;
    }
    const keyCount = wideHistory ? 2 * grams.length : grams.length;
    if (out.wideKeys.length !== keyCount) out.wideKeys = new Int32Array(keyCount);
    wideBucketsAt(grams, t, prev, wideBuckets, out.wideKeys);
    if (wideHistory) wideBucketsAt(grams, t, history, wideBuckets, out.wideKeys.subarray(grams.length));
    const w = this.weights;
    const at = this.layout.wide;
    const wide = out.wide;
    wide.fill(0);
    for (const key of out.wideKeys) for (let k = 0; k < R; k++) wide[k] += w[at + key * R + k];
    const inv = 1 / Math.sqrt(out.wideKeys.length);
    for (let k = 0; k < R; k++) wide[k] *= inv;
    return true;
  }

  /** The `history` that `step` takes at position `t` of `output`; 0 when the shape has no `wideHistory`. */
  historyKey(output: ArrayLike<number>, t: number): number {
    const length = this.config.wideHistory;
    return length ? outputHistoryKey(output, t, length) : 0;
  }

  /** p(y) of a filled step: the generated and the copied probability mixed by the gate. */
  static probability(enc: Encoded, cache: StepCache, y: number): { p: number; copy: number } {
    let copy = 0;
    for (let j = 0; j < enc.n; j++) if (enc.ids[j] === y) copy += cache.alpha[j];
    return { p: cache.pgen * cache.p[y] + (1 - cache.pgen) * copy, copy };
  }

  /** The full next-token distribution of a filled step. */
  static distribution(enc: Encoded, cache: StepCache, into: Float64Array): void {
    const g = cache.pgen;
    for (let v = 0; v < VOCAB; v++) into[v] = g * cache.p[v];
    for (let j = 0; j < enc.n; j++) into[enc.ids[j]] += (1 - g) * cache.alpha[j];
  }

  /**
   * Teacher-forced negative log-likelihood (nats) of `target` (ending with the boundary) given the
   * prompt `input`; with `grad`, adds `scale` × its gradient.
   */
  sequenceLoss(input: Int32Array, target: Int32Array, grad?: Float64Array, scale = 1): number {
    return this.run(input, target, grad, scale, false).nll;
  }

  /**
   * What fine-tuning minimizes: the negative log-likelihood of the whole model plus that of the
   * network without its wide part (`denseNll`). The second term keeps the dense network learning
   * the transformation itself instead of leaving every example to the wide part, which is what
   * lets it answer inputs it has not seen; the wide part learns from the first term only. With
   * `grad`, adds `scale` × the gradient of `nll + denseNll`.
   */
  tuningLoss(input: Int32Array, target: Int32Array, grad?: Float64Array, scale = 1): { nll: number; denseNll: number } {
    return this.run(input, target, grad, scale, true);
  }

  /** The transposes the backward pass multiplies by, taken from the current weights. */
  private transposed(): { wv: Weights; wa: Weights; wq: Weights; wl: Weights; wx: Weights; wh: Weights } {
    const { H, S, A, U } = this;
    const L = this.layout;
    const tr = (this.transposes ??= {
      wv: new Float32Array(VOCAB * A),
      wa: new Float32Array(A * (S + H)),
      wq: new Float32Array(H * S),
      wl: new Float32Array(OFFSETS.length * S),
      wx: new Float32Array(3 * S * U),
      wh: new Float32Array(3 * S * S),
    });
    transpose(this.weights, L.wv, VOCAB, A, tr.wv);
    transpose(this.weights, L.wa, A, S + H, tr.wa);
    transpose(this.weights, L.wq, H, S, tr.wq);
    transpose(this.weights, L.wl, OFFSETS.length, S, tr.wl);
    transpose(this.weights, L.wx, 3 * S, U, tr.wx);
    transpose(this.weights, L.wh, 3 * S, S, tr.wh);
    return tr;
  }

  private run(input: Int32Array, target: Int32Array, grad: Float64Array | undefined, scale: number, denseTerm: boolean): { nll: number; denseNll: number } {
    const enc = this.encode(input);
    const caches: StepCache[] = [];
    let { s, c, alpha } = this.start(enc);
    let nll = 0;
    let denseNll = 0;
    let prev = BOUNDARY_ID;
    const copies: number[] = [];
    for (let t = 0; t < target.length; t++) {
      const cache = this.trainingCache(t, enc.n);
      this.step(enc, t, prev, this.historyKey(target, t), s, c, alpha, cache, denseTerm);
      const y = target[t];
      const { p, copy } = Network.probability(enc, cache, y);
      nll -= Math.log(Math.max(p, MIN_PROBABILITY));
      if (denseTerm) denseNll -= Math.log(Math.max(cache.pgen * cache.pd[y] + (1 - cache.pgen) * copy, MIN_PROBABILITY));
      caches.push(cache);
      copies.push(copy);
      s = cache.s;
      c = cache.c;
      alpha = cache.alpha;
      prev = y;
    }
    if (grad) this.backward(enc, caches, copies, target, grad, scale, denseTerm);
    return { nll, denseNll };
  }

  private backward(enc: Encoded, caches: StepCache[], copies: number[], target: Int32Array, grad: Float64Array, scale: number, denseTerm: boolean): void {
    const { D, H, S, A, U, W } = this;
    const L = this.layout;
    const w = this.weights;
    const n = enc.n;
    const T = caches.length;
    const K = OFFSETS.length;
    const SH = S + H;
    const R = this.config.wideRank;
    const tr = this.transposed();
    // The output layer does not feed the recurrence, so its backward pass runs for every step at
    // once; only the attention and the GRU go step by step. Weight gradients are summed over the
    // steps in one pass per matrix (outerAddSteps).
    const dLogits = new Float64Array(T * VOCAB);
    const dA = new Float64Array(T * A);
    const dSc = new Float64Array(T * SH);
    const copyGrad = new Float64Array(T);
    const dwide = new Float64Array(R);
    const dlogits = new Float64Array(VOCAB);
    for (let t = 0; t < T; t++) {
      const cache = caches[t];
      const y = target[t];
      const pgen = cache.pgen;
      const py = Math.max(pgen * cache.p[y] + (1 - pgen) * copies[t], MIN_PROBABILITY);
      const coef = -scale / py;
      // output mixture
      let dgate = coef * (cache.p[y] - copies[t]) * pgen * (1 - pgen);
      const k0 = coef * pgen * cache.p[y];
      for (let v = 0; v < VOCAB; v++) dlogits[v] = -k0 * cache.p[v];
      dlogits[y] += k0;
      copyGrad[t] = coef * (1 - pgen);
      if (cache.wideKeys.length > 0) {
        outerAdd(grad, L.wproj, VOCAB, R, dlogits, 0, cache.wide, 0);
        dwide.fill(0);
        matTVecAdd(w, L.wproj, VOCAB, R, dlogits, 0, dwide, 0);
        const inv = 1 / Math.sqrt(cache.wideKeys.length);
        for (const key of cache.wideKeys) for (let k = 0; k < R; k++) grad[L.wide + key * R + k] += dwide[k] * inv;
      }
      if (denseTerm) {
        const pyd = Math.max(pgen * cache.pd[y] + (1 - pgen) * copies[t], MIN_PROBABILITY);
        const coefd = -scale / pyd;
        dgate += coefd * (cache.pd[y] - copies[t]) * pgen * (1 - pgen);
        const kd = coefd * pgen * cache.pd[y];
        for (let v = 0; v < VOCAB; v++) dlogits[v] -= kd * cache.pd[v];
        dlogits[y] += kd;
        copyGrad[t] += coefd * (1 - pgen);
      }
      dLogits.set(dlogits, t * VOCAB);
      for (let k = 0; k < SH; k++) {
        dSc[t * SH + k] = dgate * w[L.wp + k];
        grad[L.wp + k] += dgate * cache.sc[k];
      }
      grad[L.bp] += dgate;
    }
    const as: Vec[] = caches.map((c) => c.a);
    outerAddSteps(grad, L.wv, VOCAB, A, dLogits, as, L.bv);
    for (let t = 0; t < T; t++) {
      matVecAdd(tr.wv, 0, A, VOCAB, dLogits, t * VOCAB, dA, t * A);
      const a = as[t];
      for (let k = 0; k < A; k++) dA[t * A + k] *= 1 - a[k] * a[k];
      matVecAdd(tr.wa, 0, SH, A, dA, t * A, dSc, t * SH);
    }
    outerAddSteps(grad, L.wa, A, SH, dA, caches.map((c) => c.sc), L.ba);

    const dH = new Float64Array(n * H);
    const dg = new Float64Array(H);
    // each of ds, dc and dalpha alternates between two buffers: this step's and the previous one's
    let ds = new Float64Array(S);
    let dsPrev = new Float64Array(S);
    let dc = new Float64Array(H);
    let dcPrev = new Float64Array(H);
    let dalpha = new Float64Array(n);
    let dalphaPrev = new Float64Array(n);
    const dQ = new Float64Array(T * H);
    const dLoc = new Float64Array(T * K);
    const dXg = new Float64Array(T * 3 * S);
    const dHg = new Float64Array(T * 3 * S);
    const du = new Float64Array(D + H);
    /** Σ_t of the GRU input gates' gradients: g's share of it is taken once, after the loop */
    const dXgSum = new Float64Array(3 * S);
    const dscore = new Float64Array(n);
    for (let t = T - 1; t >= 0; t--) {
      const cache = caches[t];
      const y = target[t];
      const cg = copyGrad[t];
      for (let j = 0; j < n; j++) if (enc.ids[j] === y) dalpha[j] += cg;
      for (let k = 0; k < S; k++) ds[k] += dSc[t * SH + k];
      for (let k = 0; k < H; k++) dc[k] += dSc[t * SH + S + k];
      // context and attention
      const alpha = cache.alpha;
      let dot = 0;
      for (let j = 0; j < n; j++) {
        const aj = alpha[j];
        let dj = dalpha[j];
        const hj = j * H;
        for (let k = 0; k < H; k++) {
          dH[hj + k] += aj * dc[k];
          dj += enc.h[hj + k] * dc[k];
        }
        dalpha[j] = dj;
        dot += aj * dj;
      }
      for (let j = 0; j < n; j++) dscore[j] = alpha[j] * (dalpha[j] - dot);
      // score_j = q·h_j + Σ loc_o · alphaPrev[j − offset_o]
      const q = cache.q;
      const dq = t * H;
      const dl = t * K;
      dalphaPrev.fill(0);
      for (let j = 0; j < n; j++) {
        const d = dscore[j];
        if (d === 0) continue;
        const hj = j * H;
        for (let k = 0; k < H; k++) {
          dQ[dq + k] += d * enc.h[hj + k];
          dH[hj + k] += d * q[k];
        }
        for (let o = 0; o < K; o++) {
          const from = j - OFFSETS[o];
          if (from < 0 || from >= n) continue;
          dLoc[dl + o] += d * cache.alphaPrev[from];
          dalphaPrev[from] += d * cache.loc[o];
        }
      }
      matVecAdd(tr.wq, 0, S, H, dQ, dq, ds, 0);
      matVecAdd(tr.wl, 0, S, K, dLoc, dl, ds, 0);
      // GRU
      const { z, r, nn, hn, sPrev } = cache;
      const x3 = t * 3 * S;
      for (let k = 0; k < S; k++) {
        const d = ds[k];
        const dn = d * (1 - z[k]);
        const dz = d * (sPrev[k] - nn[k]);
        dsPrev[k] = d * z[k];
        const dnpre = dn * (1 - nn[k] * nn[k]);
        const dzpre = dz * z[k] * (1 - z[k]);
        const drpre = dnpre * hn[k] * r[k] * (1 - r[k]);
        dXg[x3 + k] = dzpre;
        dXg[x3 + S + k] = drpre;
        dXg[x3 + 2 * S + k] = dnpre;
        dHg[x3 + k] = dzpre;
        dHg[x3 + S + k] = drpre;
        dHg[x3 + 2 * S + k] = dnpre * r[k];
      }
      du.fill(0);
      matVecAdd(tr.wx, 0, D + H, 3 * S, dXg, x3, du, 0);
      for (let k = 0; k < 3 * S; k++) dXgSum[k] += dXg[x3 + k];
      matVecAdd(tr.wh, 0, S, 3 * S, dHg, x3, dsPrev, 0);
      const e = L.emb + cache.prev * D;
      for (let d = 0; d < D; d++) grad[e + d] += du[d];
      dcPrev.set(du.subarray(D, D + H));
      [ds, dsPrev] = [dsPrev, ds];
      [dc, dcPrev] = [dcPrev, dc];
      // the first step's previous attention is the fixed start, not a result
      if (t > 0) [dalpha, dalphaPrev] = [dalphaPrev, dalpha];
      else dalpha.fill(0);
    }
    matVecAdd(tr.wx, (D + H) * 3 * S, H, 3 * S, dXgSum, 0, dg, 0);
    const ss = caches.map((c) => c.s);
    outerAddSteps(grad, L.wq, H, S, dQ, ss);
    outerAddSteps(grad, L.wl, K, S, dLoc, ss, L.bl);
    outerAddSteps(grad, L.wx, 3 * S, U, dXg, caches.map((c) => c.u), L.bx);
    outerAddSteps(grad, L.wh, 3 * S, S, dHg, caches.map((c) => c.sPrev), L.bh);
    // c_0 = h_0; s_0 = tanh(Ws g + bs)
    for (let k = 0; k < H; k++) dH[k] += dc[k];
    const ds0 = new Float64Array(S);
    for (let k = 0; k < S; k++) ds0[k] = ds[k] * (1 - enc.s0[k] * enc.s0[k]);
    outerAdd(grad, L.ws, S, H, ds0, 0, enc.g, 0, L.bs);
    matTVecAdd(w, L.ws, S, H, ds0, 0, dg, 0);
    // g = tanh(mean bag + Wm hbar + bm)
    const dgpre = new Float64Array(H);
    for (let k = 0; k < H; k++) dgpre[k] = dg[k] * (1 - enc.g[k] * enc.g[k]);
    if (enc.buckets.length > 0) {
      const inv = 1 / enc.buckets.length;
      for (const b of enc.buckets) for (let k = 0; k < H; k++) grad[L.bag + b * H + k] += dgpre[k] * inv;
    }
    outerAdd(grad, L.wm, H, H, dgpre, 0, enc.hbar, 0, L.bm);
    const dhbar = new Float64Array(H);
    matTVecAdd(w, L.wm, H, H, dgpre, 0, dhbar, 0);
    // encoder
    const WD = W * D;
    const half = (W - 1) >> 1;
    const dpre = new Float64Array(H);
    const dwin = new Float64Array(WD);
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < H; k++) {
        const hv = enc.h[j * H + k];
        dpre[k] = (dH[j * H + k] + dhbar[k] / n) * (1 - hv * hv);
      }
      outerAdd(grad, L.wc, H, WD, dpre, 0, enc.win, j * WD, L.bc);
      dwin.fill(0);
      matTVecAdd(w, L.wc, H, WD, dpre, 0, dwin, 0);
      for (let o = 0; o < W; o++) {
        const at = j + o - half;
        if (at < 0 || at >= n) continue;
        const e = L.emb + enc.ids[at] * D;
        for (let d = 0; d < D; d++) grad[e + d] += dwin[o * D + d];
      }
    }
  }
}
