import { BOUNDARY_ID, inputIds, Network, type StepCache, VOCAB } from './network';
import { readModelFile, type SavedModel } from './persistence';
import { Rng } from './rng';
import { countTokens } from './tokens';

export interface SamplingOptions {
  /** 0 picks the most likely token every time; default 1. */
  temperature?: number;
  /** Sample only among the K most likely tokens; 0 or absent means no limit. */
  topK?: number;
  /** Sample only among the most likely tokens whose probabilities add up to P; absent means 1. */
  topP?: number;
  /** Absent or 0 means DEFAULT_MAX_OUTPUT_TOKENS. */
  maxOutputTokens?: number;
  /** Generation stops before the first occurrence of any of these, which is not part of the output. */
  stopSequences?: string[];
  /** Same seed, candidate index, input and options → same output. Absent: a fresh random draw. */
  seed?: number;
  /** Which candidate of a request this is; with a seed, each candidate draws from its own stream. */
  candidateIndex?: number;
}

export type FinishReason = 'STOP' | 'MAX_TOKENS';

export interface TrainedModel {
  /** Yields the text of each output token (one code point) as it is produced; returns why generation ended. */
  generate(input: string, opts: SamplingOptions): Generator<string, FinishReason, void>;
  /** Tokens as this model counts them: one per Unicode code point. */
  countTokens(text: string): number;
  /** The network's size and how many optimizer steps trained it (pretraining included). */
  readonly info: { parameters: number; trainedSteps: number };
}

export const DEFAULT_MAX_OUTPUT_TOKENS = 8192;

export class LocalTrainedModel implements TrainedModel {
  readonly info: TrainedModel['info'];

  constructor(
    readonly network: Network,
    trainedSteps: number,
  ) {
    this.info = { parameters: network.weights.length, trainedSteps };
  }

  static fromSaved(saved: SavedModel): LocalTrainedModel {
    return new LocalTrainedModel(new Network(saved.config, saved.weights), saved.trainedSteps);
  }

  countTokens(text: string): number {
    return countTokens(text);
  }

  /**
   * The network writes bytes of UTF-8; they are decoded as they come and each complete code point
   * is one token of the output (a byte sequence that is not UTF-8 becomes U+FFFD).
   */
  *generate(input: string, opts: SamplingOptions): Generator<string, FinishReason, void> {
    const rng = opts.seed !== undefined && Number.isFinite(opts.seed) ? Rng.fromSeed(opts.seed, opts.candidateIndex ?? 0) : Rng.random();
    const maxTokens = opts.maxOutputTokens && opts.maxOutputTokens > 0 ? Math.floor(opts.maxOutputTokens) : DEFAULT_MAX_OUTPUT_TOKENS;
    const stops = (opts.stopSequences ?? []).filter((s) => s.length > 0);
    const net = this.network;
    const enc = net.encode(inputIds(input));
    const caches: StepCache[] = [net.newCache(enc.n), net.newCache(enc.n)];
    let { s, c, alpha } = net.start(enc);
    const dist = new Float64Array(VOCAB);
    const decoder = new TextDecoder('utf-8', { fatal: false });
    let prev = BOUNDARY_ID;
    const written: number[] = [];
    let pending = '';
    let produced = 0;
    // a byte stream that never completes a code point still ends
    for (let bytes = 0; bytes < 4 * maxTokens + 4; bytes++) {
      const cache = caches[bytes & 1];
      net.step(enc, bytes, prev, net.historyKey(written, bytes), s, c, alpha, cache);
      Network.distribution(enc, cache, dist);
      const token = pickToken(dist, opts, rng);
      if (token === BOUNDARY_ID) break;
      s = cache.s;
      c = cache.c;
      alpha = cache.alpha;
      prev = token;
      written.push(token);
      const text = decoder.decode(Uint8Array.of(token), { stream: true });
      for (const ch of text) {
        pending += ch;
        produced++;
        const stopAt = firstStop(pending, stops);
        if (stopAt >= 0) {
          yield* codePoints(pending.slice(0, stopAt));
          return 'STOP';
        }
        if (produced >= maxTokens) {
          yield* codePoints(pending);
          return 'MAX_TOKENS';
        }
      }
      const hold = heldBack(pending, stops);
      yield* codePoints(pending.slice(0, pending.length - hold));
      pending = pending.slice(pending.length - hold);
    }
    // bytes of an unfinished code point become U+FFFD, which still counts against the limit
    for (const ch of decoder.decode()) {
      if (produced >= maxTokens) {
        yield* codePoints(pending);
        return 'MAX_TOKENS';
      }
      pending += ch;
      produced++;
    }
    const stopAt = firstStop(pending, stops);
    yield* codePoints(stopAt >= 0 ? pending.slice(0, stopAt) : pending);
    return stopAt < 0 && produced >= maxTokens ? 'MAX_TOKENS' : 'STOP';
  }
}

function* codePoints(text: string): Generator<string, void, void> {
  for (const ch of text) yield ch;
}

export function firstStop(text: string, stops: readonly string[]): number {
  let first = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  return first;
}

/** Length of the longest end of `text` that could still grow into a stop sequence. */
export function heldBack(text: string, stops: readonly string[]): number {
  let hold = 0;
  for (const stop of stops) {
    for (let len = Math.min(stop.length - 1, text.length); len > hold; len--) {
      if (text.endsWith(stop.slice(0, len))) {
        hold = len;
        break;
      }
    }
  }
  return hold;
}

/**
 * Picks a token index from `probs`: temperature (p^(1/T)), then top-K, then top-P, then a draw;
 * at temperature 0, the most likely token (the lowest index among equals).
 */
export function pickToken(probs: ArrayLike<number>, opts: SamplingOptions, rng: Rng): number {
  let best = -1;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0 && (best < 0 || probs[i] > probs[best])) best = i;
  if (best < 0) return probs.length - 1;
  const temperature = opts.temperature ?? 1;
  if (temperature <= 0) return best;
  const topK = opts.topK && opts.topK > 0 ? Math.max(1, Math.floor(opts.topK)) : Infinity;
  const topP = opts.topP ?? 1;
  let order: number[] = [];
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) order.push(i);
  const weights = new Float64Array(probs.length);
  for (const i of order) weights[i] = temperature === 1 ? probs[i] / probs[best] : Math.pow(probs[i] / probs[best], 1 / temperature);
  if (topK < order.length || topP < 1) {
    order.sort((a, b) => weights[b] - weights[a] || a - b);
    if (topK < order.length) order = order.slice(0, topK);
    if (topP < 1) {
      const total = order.reduce((sum, i) => sum + weights[i], 0);
      let cumulative = 0;
      let keep = 0;
      while (keep < order.length && (keep === 0 || cumulative < topP * total)) cumulative += weights[order[keep++]];
      order = order.slice(0, keep);
    }
  }
  let total = 0;
  for (const i of order) total += weights[i];
  let r = rng.next() * total;
  for (const i of order) {
    r -= weights[i];
    if (r < 0) return i;
  }
  return order[order.length - 1];
}

export async function loadTrainedModel(weightsFile: string): Promise<TrainedModel> {
  return LocalTrainedModel.fromSaved(await readModelFile(weightsFile));
}
