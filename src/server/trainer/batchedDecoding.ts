import type { Vec } from './kernels';
import { BOUNDARY_ID, type Encoded, inputIds, Network, OFFSETS, type StepCache, VOCAB } from './network';
import { Rng } from './rng';
import { type CandidatesRequest, type GenerationChunk, TOKENS_PER_CHUNK } from './candidates';
import { DEFAULT_MAX_OUTPUT_TOKENS, type FinishReason, firstStop, heldBack, pickToken, type SamplingOptions } from './trainedModel';

/**
 * Decoding many generations at once: one decoder step for every open candidate of a model, so each
 * weight matrix is read once per step for all of them (matrix × matrix) instead of once per
 * candidate. Every candidate computes exactly the operations, in exactly the order, of
 * `Network.step` and `LocalTrainedModel.generate`, so it writes the same text token for token, at
 * temperature 0 and for a seed alike; only the throughput differs.
 */

/** One candidate's decoder step: what `Network.step` takes. */
interface StepInput {
  enc: Encoded;
  t: number;
  prev: number;
  history: number;
  sPrev: Vec;
  cPrev: Vec;
  alphaPrev: Vec;
  out: StepCache;
}

/**
 * ys[b][r] = bias[r] + Σ_c W[wo + r·cols + c] · xs[b][c] for every b: `matVec` for a batch, with
 * each candidate's sum taken in matVec's order, so every result is bit for bit matVec's.
 */
function matVecBatch(w: Float32Array, wo: number, rows: number, cols: number, xs: readonly Vec[], ys: readonly Vec[], bo = -1): void {
  // a block of candidates at a time, so that their inputs stay in the first-level cache while the rows go by
  for (let from = 0; from < xs.length; from += BLOCK) matVecBlock(w, wo, rows, cols, cols, xs, ys, bo, undefined, from, Math.min(xs.length, from + BLOCK));
}

/**
 * ys[b][r] = inits[b][r] + Σ_c W[wo + r·stride + c] · xs[b][c] over the first `cols` columns:
 * `matVecColumns` for a batch, bit for bit.
 */
function matVecColumnsBatch(w: Float32Array, wo: number, rows: number, cols: number, stride: number, xs: readonly Vec[], ys: readonly Vec[], inits: readonly Vec[]): void {
  for (let from = 0; from < xs.length; from += BLOCK) matVecBlock(w, wo, rows, cols, stride, xs, ys, -1, inits, from, Math.min(xs.length, from + BLOCK));
}

const BLOCK = 8;

/** Each sum starts at the bias (bo ≥ 0), at the candidate's own `inits` entry when given, or at 0. */
function matVecBlock(w: Float32Array, wo: number, rows: number, cols: number, stride: number, xs: readonly Vec[], ys: readonly Vec[], bo: number, inits: readonly Vec[] | undefined, from: number, to: number): void {
  for (let r = 0; r < rows; r++) {
    const bias = bo >= 0 ? w[bo + r] : 0;
    const row = wo + r * stride;
    let b = from;
    for (; b + 3 < to; b += 4) {
      const x0 = xs[b];
      const x1 = xs[b + 1];
      const x2 = xs[b + 2];
      const x3 = xs[b + 3];
      let s0 = inits ? inits[b][r] : bias;
      let s1 = inits ? inits[b + 1][r] : bias;
      let s2 = inits ? inits[b + 2][r] : bias;
      let s3 = inits ? inits[b + 3][r] : bias;
      let c = 0;
      for (; c + 3 < cols; c += 4) {
        const a0 = w[row + c];
        const a1 = w[row + c + 1];
        const a2 = w[row + c + 2];
        const a3 = w[row + c + 3];
        s0 += a0 * x0[c] + a1 * x0[c + 1] + a2 * x0[c + 2] + a3 * x0[c + 3];
        s1 += a0 * x1[c] + a1 * x1[c + 1] + a2 * x1[c + 2] + a3 * x1[c + 3];
        s2 += a0 * x2[c] + a1 * x2[c + 1] + a2 * x2[c + 2] + a3 * x2[c + 3];
        s3 += a0 * x3[c] + a1 * x3[c + 1] + a2 * x3[c + 2] + a3 * x3[c + 3];
      }
      for (; c < cols; c++) {
        const a = w[row + c];
        s0 += a * x0[c];
        s1 += a * x1[c];
        s2 += a * x2[c];
        s3 += a * x3[c];
      }
      ys[b][r] = s0;
      ys[b + 1][r] = s1;
      ys[b + 2][r] = s2;
      ys[b + 3][r] = s3;
    }
    for (; b < to; b++) {
      const x = xs[b];
      let sum = inits ? inits[b][r] : bias;
      let c = 0;
      for (; c + 3 < cols; c += 4) sum += w[row + c] * x[c] + w[row + c + 1] * x[c + 1] + w[row + c + 2] * x[c + 2] + w[row + c + 3] * x[c + 3];
      for (; c < cols; c++) sum += w[row + c] * x[c];
      ys[b][r] = sum;
    }
  }
}

interface Scratch {
  xg: Vec[];
  hg: Vec[];
  logits: Vec[];
}

const scratches = new WeakMap<Network, Scratch>();

function scratchFor(net: Network, size: number): Scratch {
  let scratch = scratches.get(net);
  if (!scratch) scratches.set(net, (scratch = { xg: [], hg: [], logits: [] }));
  const S = net.config.state;
  while (scratch.xg.length < size) {
    scratch.xg.push(new Float64Array(3 * S));
    scratch.hg.push(new Float64Array(3 * S));
    scratch.logits.push(new Float64Array(VOCAB));
  }
  return scratch;
}

/** `net.step(enc, t, prev, history, sPrev, cPrev, alphaPrev, out)` for every input, as one batch. */
export function stepBatch(net: Network, inputs: readonly StepInput[]): void {
  const { embed: D, hidden: H, state: S, outHidden: A, wideRank: R } = net.config;
  const U = D + 2 * H;
  const L = net.layout;
  const w = net.weights;
  const count = inputs.length;
  const scratch = scratchFor(net, count);
  const xg = scratch.xg.slice(0, count);
  const hg = scratch.hg.slice(0, count);
  const logits = scratch.logits.slice(0, count);
  const outs = inputs.map((i) => i.out);
  for (const { enc, t, prev, sPrev, cPrev, alphaPrev, out } of inputs) net.stepInputs(enc, t, prev, sPrev, cPrev, alphaPrev, out);
  // the share of the GRU's input gates that g decides is the prompt's, computed once by the encoder
  matVecColumnsBatch(w, L.wx, 3 * S, D + H, U, outs.map((o) => o.u), xg, inputs.map((i) => i.enc.xgFromG));
  matVecBatch(w, L.wh, 3 * S, S, outs.map((o) => o.sPrev), hg, L.bh);
  outs.forEach((out, b) => net.gruUpdate(xg[b], hg[b], out));
  const states = outs.map((o) => o.s);
  matVecBatch(w, L.wq, H, S, states, outs.map((o) => o.q));
  matVecBatch(w, L.wl, OFFSETS.length, S, states, outs.map((o) => o.loc), L.bl);
  for (const { enc, out } of inputs) net.attend(enc, out);
  matVecBatch(w, L.wa, A, S + H, outs.map((o) => o.sc), outs.map((o) => o.a), L.ba);
  for (const out of outs) for (let k = 0; k < A; k++) out.a[k] = Math.tanh(out.a[k]);
  matVecBatch(w, L.wv, VOCAB, A, outs.map((o) => o.a), logits, L.bv);
  const wides: Vec[] = [];
  const wideLogits: Vec[] = [];
  inputs.forEach(({ enc, t, prev, history, out }, b) => {
    if (!net.wideVector(enc, t, prev, history, out)) return;
    wides.push(out.wide);
    wideLogits.push(logits[b]);
  });
  addWideLogits(w, L.wproj, R, wides, wideLogits);
  outs.forEach((out, b) => net.output(logits[b], out));
}

/** logits[b][v] += Σ_k Wproj[v·R + k] · wide[b][k], each sum in Network.step's order. */
function addWideLogits(w: Float32Array, wo: number, R: number, wides: readonly Vec[], logits: readonly Vec[]): void {
  const n = wides.length;
  if (n === 0) return;
  for (let v = 0; v < VOCAB; v++) {
    const row = wo + v * R;
    for (let b = 0; b < n; b++) {
      const wide = wides[b];
      let sum = 0;
      for (let k = 0; k < R; k++) sum += w[row + k] * wide[k];
      logits[b][v] += sum;
    }
  }
}

/**
 * One candidate of a generation, decoded a step at a time from outside: `LocalTrainedModel.generate`
 * taken apart at its decoder step, so that steps of many candidates can be computed together. The
 * code points it produces gather in `out`; `finish` is set once it has ended.
 */
export class CandidateDecoder {
  readonly out: string[] = [];
  finish?: FinishReason;
  private readonly rng: Rng;
  private readonly maxTokens: number;
  private readonly stops: string[];
  private readonly enc: Encoded;
  private readonly caches: StepCache[];
  private s: Vec;
  private c: Vec;
  private alpha: Vec;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private prev = BOUNDARY_ID;
  private readonly written: number[] = [];
  private pending = '';
  private produced = 0;
  private bytes = 0;
  private readonly dist = new Float64Array(VOCAB);

  /** `enc` is the prompt's encoding (`net.encode(inputIds(input))`), which decoding only reads, so candidates can share it. */
  constructor(
    readonly net: Network,
    enc: Encoded,
    private readonly opts: SamplingOptions,
  ) {
    this.rng = opts.seed !== undefined && Number.isFinite(opts.seed) ? Rng.fromSeed(opts.seed, opts.candidateIndex ?? 0) : Rng.random();
    this.maxTokens = opts.maxOutputTokens && opts.maxOutputTokens > 0 ? Math.floor(opts.maxOutputTokens) : DEFAULT_MAX_OUTPUT_TOKENS;
    this.stops = (opts.stopSequences ?? []).filter((s) => s.length > 0);
    this.enc = enc;
    this.caches = [net.newCache(this.enc.n), net.newCache(this.enc.n)];
    ({ s: this.s, c: this.c, alpha: this.alpha } = net.start(this.enc));
  }

  /** The next decoder step's input. */
  stepInput(): StepInput {
    const t = this.bytes;
    return { enc: this.enc, t, prev: this.prev, history: this.net.historyKey(this.written, t), sPrev: this.s, cPrev: this.c, alphaPrev: this.alpha, out: this.caches[this.bytes & 1] };
  }

  /** Takes the result of the step `stepInput` asked for: picks a token and adds what it completes to `out`. */
  accept(): void {
    const cache = this.caches[this.bytes & 1];
    Network.distribution(this.enc, cache, this.dist);
    const token = pickToken(this.dist, this.opts, this.rng);
    this.bytes++;
    if (token === BOUNDARY_ID) return this.end();
    this.s = cache.s;
    this.c = cache.c;
    this.alpha = cache.alpha;
    this.prev = token;
    this.written.push(token);
    const text = this.decoder.decode(Uint8Array.of(token), { stream: true });
    for (const ch of text) {
      this.pending += ch;
      this.produced++;
      const stopAt = firstStop(this.pending, this.stops);
      if (stopAt >= 0) return this.emit(this.pending.slice(0, stopAt), 'STOP');
      if (this.produced >= this.maxTokens) return this.emit(this.pending, 'MAX_TOKENS');
    }
    const hold = heldBack(this.pending, this.stops);
    this.emit(this.pending.slice(0, this.pending.length - hold));
    this.pending = this.pending.slice(this.pending.length - hold);
    // a byte stream that never completes a code point still ends
    if (this.bytes >= 4 * this.maxTokens + 4) this.end();
  }

  private emit(text: string, finish?: FinishReason): void {
    for (const ch of text) this.out.push(ch);
    if (finish) this.finish = finish;
  }

  /** bytes of an unfinished code point become U+FFFD, which still counts against the limit */
  private end(): void {
    for (const ch of this.decoder.decode()) {
      if (this.produced >= this.maxTokens) return this.emit(this.pending, 'MAX_TOKENS');
      this.pending += ch;
      this.produced++;
    }
    const stopAt = firstStop(this.pending, this.stops);
    this.emit(stopAt >= 0 ? this.pending.slice(0, stopAt) : this.pending, stopAt < 0 && this.produced >= this.maxTokens ? 'MAX_TOKENS' : 'STOP');
  }
}

/**
 * A generation's candidates, cut into chunks exactly as `runCandidates` cuts them: TOKENS_PER_CHUNK
 * tokens per candidate, the finish reason on the chunk that carries a candidate's last text.
 */
export class BatchedGeneration {
  readonly decoders: CandidateDecoder[];
  private readonly done: boolean[];
  /** How many chunks this generation has given out. */
  chunksOut = 0;

  constructor(net: Network, request: CandidatesRequest, enc: Encoded = net.encode(inputIds(request.input))) {
    this.decoders = Array.from({ length: request.candidateCount }, (_, i) => new CandidateDecoder(net, enc, { ...request.sampling, seed: request.seed, candidateIndex: i }));
    this.done = this.decoders.map(() => false);
  }

  get finished(): boolean {
    return this.done.every((d) => d);
  }

  /** A candidate has what the next chunk needs once it has more than a chunk's tokens, or has ended. */
  private ready(i: number): boolean {
    const d = this.decoders[i];
    return this.done[i] || d.finish !== undefined || d.out.length > TOKENS_PER_CHUNK;
  }

  /** The candidates whose decoders must step before the next chunk is complete. */
  needingStep(): CandidateDecoder[] {
    if (this.finished) return [];
    return this.decoders.filter((_, i) => !this.ready(i));
  }

  /** The next chunk, if every candidate has what it needs. */
  takeChunk(): GenerationChunk | undefined {
    if (this.finished || this.decoders.some((_, i) => !this.ready(i))) return undefined;
    const chunk: GenerationChunk = { deltas: this.decoders.map(() => ''), finished: this.decoders.map(() => undefined) };
    this.decoders.forEach((d, i) => {
      if (this.done[i]) return;
      const take = d.out.splice(0, TOKENS_PER_CHUNK);
      chunk.deltas[i] = take.join('');
      if (d.finish !== undefined && d.out.length === 0) {
        this.done[i] = true;
        chunk.finished[i] = d.finish;
      }
    });
    this.chunksOut++;
    return chunk;
  }
}

/** One decoder step for every given candidate; all must decode with the same network. */
export function stepCandidates(net: Network, decoders: readonly CandidateDecoder[]): void {
  if (decoders.length === 0) return;
  stepBatch(net, decoders.map((d) => d.stepInput()));
  for (const d of decoders) d.accept();
}

/**
 * The encodings of a model's recent prompts: the encoder's pass over a prompt is the same every
 * time, and a prompt is often sent again (several candidates, a notebook run again).
 */
export class EncoderCache {
  private readonly recent = new Map<string, Encoded>();

  constructor(
    private readonly net: Network,
    private readonly size = 16,
  ) {}

  encode(input: string): Encoded {
    let enc = this.recent.get(input);
    if (enc) this.recent.delete(input);
    else enc = this.net.encode(inputIds(input));
    this.recent.set(input, enc);
    if (this.recent.size > this.size) this.recent.delete(this.recent.keys().next().value as string);
    return enc;
  }
}
