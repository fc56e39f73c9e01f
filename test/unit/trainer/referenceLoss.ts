import { BOUNDARY_ID, type Layout, ngramHashes, outputHistoryKey, VOCAB, wideBucketsAt } from '../../../src/server/trainer/network';

/**
 * The negative log-likelihood of docs/local-model.md, written again from the formulas with plain
 * arrays and no shared code beyond the weight layout and the hashing of n-grams and output bytes:
 * an independent check of the network's forward pass. `withoutWide` leaves the wide part's logits
 * out (the second term of what fine-tuning minimizes).
 */
export function referenceNll(layout: Layout, w: Float32Array, input: Int32Array, target: Int32Array, withoutWide = false): number {
  const { embed: D, hidden: H, state: S, outHidden: A, window: Wn, buckets: B, wideBuckets, wideRank: R } = layout.config;
  const matrix = (off: number, rows: number, cols: number): number[][] =>
    Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => w[off + r * cols + c]));
  const vector = (off: number, n: number): number[] => Array.from({ length: n }, (_, i) => w[off + i]);
  const mul = (m: number[][], x: number[]): number[] => m.map((row) => row.reduce((s, v, i) => s + v * x[i], 0));
  const add = (a: number[], b: number[]): number[] => a.map((v, i) => v + b[i]);
  const tanh = (a: number[]): number[] => a.map(Math.tanh);
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  const softmax = (a: number[]): number[] => {
    const m = Math.max(...a);
    const e = a.map((v) => Math.exp(v - m));
    const s = e.reduce((x, y) => x + y, 0);
    return e.map((v) => v / s);
  };
  const emb = (id: number): number[] => vector(layout.emb + id * D, D);
  const n = input.length;
  // encoder
  const Wc = matrix(layout.wc, H, Wn * D);
  const half = (Wn - 1) / 2;
  const h: number[][] = [];
  for (let j = 0; j < n; j++) {
    const window: number[] = [];
    for (let o = -half; o <= half; o++) window.push(...(j + o >= 0 && j + o < n ? emb(input[j + o]) : new Array<number>(D).fill(0)));
    h.push(tanh(add(mul(Wc, window), vector(layout.bc, H))));
  }
  const hbar = h.reduce((s, hj) => add(s, hj), new Array<number>(H).fill(0)).map((v) => v / n);
  const hashes = [...ngramHashes(input)];
  const wideNgram = layout.config.wideNgram;
  const common = layout.config.wideCommon ?? [];
  const wideHashes = (wideNgram === undefined ? hashes : [...ngramHashes(input, wideNgram, wideNgram)]).filter((h) => !common.includes(h));
  let bag = new Array<number>(H).fill(0);
  for (const x of hashes) bag = add(bag, vector(layout.bag + (x % B) * H, H));
  if (hashes.length > 0) bag = bag.map((v) => v / hashes.length);
  const g = tanh(add(add(bag, mul(matrix(layout.wm, H, H), hbar)), vector(layout.bm, H)));
  // decoder
  let s = tanh(add(mul(matrix(layout.ws, S, H), g), vector(layout.bs, S)));
  let c = h[0];
  let alpha: number[] = h.map((_, j) => (j === 0 ? 1 : 0));
  const Wx = matrix(layout.wx, 3 * S, D + 2 * H);
  const Wh = matrix(layout.wh, 3 * S, S);
  const bx = vector(layout.bx, 3 * S);
  const bh = vector(layout.bh, 3 * S);
  const offsets = [-1, 0, 1, 2];
  let prev = BOUNDARY_ID;
  let nll = 0;
  for (let t = 0; t < target.length; t++) {
    const u = [...emb(prev), ...c, ...g];
    const xg = add(mul(Wx, u), bx);
    const hg = add(mul(Wh, s), bh);
    const z = s.map((_, k) => sig(xg[k] + hg[k]));
    const r = s.map((_, k) => sig(xg[S + k] + hg[S + k]));
    const cand = s.map((_, k) => Math.tanh(xg[2 * S + k] + r[k] * hg[2 * S + k]));
    s = s.map((sk, k) => (1 - z[k]) * cand[k] + z[k] * sk);
    const q = mul(matrix(layout.wq, H, S), s);
    const loc = add(mul(matrix(layout.wl, offsets.length, S), s), vector(layout.bl, offsets.length));
    const scores = h.map((hj, j) => hj.reduce((acc, v, k) => acc + v * q[k], 0) + offsets.reduce((acc, off, o) => acc + (j - off >= 0 && j - off < n ? loc[o] * alpha[j - off] : 0), 0));
    alpha = softmax(scores);
    c = h.reduce((acc, hj, j) => add(acc, hj.map((v) => v * alpha[j])), new Array<number>(H).fill(0));
    const sc = [...s, ...c];
    const a = tanh(add(mul(matrix(layout.wa, A, S + H), sc), vector(layout.ba, A)));
    let logits = add(mul(matrix(layout.wv, VOCAB, A), a), vector(layout.bv, VOCAB));
    if (!withoutWide && R > 0 && wideHashes.length > 0) {
      const first = new Int32Array(wideHashes.length);
      wideBucketsAt(Uint32Array.from(wideHashes), t, prev, wideBuckets, first);
      const keys = [...first];
      const history = layout.config.wideHistory;
      if (history !== undefined) {
        const second = new Int32Array(wideHashes.length);
        wideBucketsAt(Uint32Array.from(wideHashes), t, outputHistoryKey(target, t, history), wideBuckets, second);
        keys.push(...second);
      }
      const wide = new Array<number>(R).fill(0).map((_, k) => [...keys].reduce((acc, key) => acc + w[layout.wide + key * R + k], 0) / Math.sqrt(keys.length));
      logits = add(logits, mul(matrix(layout.wproj, VOCAB, R), wide));
    }
    const pgen = sig(sc.reduce((acc, v, k) => acc + v * w[layout.wp + k], w[layout.bp]));
    const y = target[t];
    const copy = alpha.reduce((acc, aj, j) => acc + (input[j] === y ? aj : 0), 0);
    nll -= Math.log(pgen * softmax(logits)[y] + (1 - pgen) * copy);
    prev = y;
  }
  return nll;
}
