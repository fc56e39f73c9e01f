import { BOUNDARY, LocalModel, Memory, type TokenDistribution, Vocabulary } from './model';
import { readModelFile, type SavedModel } from './persistence';
import { Rng } from './rng';
import { codeToText, countTokens } from './tokens';

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
  /** Yields the text of each output token as it is produced; returns why generation ended. */
  generate(input: string, opts: SamplingOptions): Generator<string, FinishReason, void>;
  /** Tokens as this model counts them: one per Unicode code point. */
  countTokens(text: string): number;
  /** How many examples the model remembers and how many steps trained it. */
  readonly info: { memoryExamples: number; vocabularySize: number; trainedSteps: number };
}

export const DEFAULT_MAX_OUTPUT_TOKENS = 8192;

export class LocalTrainedModel implements TrainedModel {
  readonly info: TrainedModel['info'];

  constructor(
    private readonly model: LocalModel,
    trainedSteps: number,
  ) {
    this.info = { memoryExamples: model.memory.entries.length, vocabularySize: model.vocab.size, trainedSteps };
  }

  static fromSaved(saved: SavedModel): LocalTrainedModel {
    const model = new LocalModel(new Vocabulary(saved.vocabulary), new Memory(saved.memory), Float64Array.from(saved.params));
    return new LocalTrainedModel(model, saved.trainedSteps);
  }

  countTokens(text: string): number {
    return countTokens(text);
  }

  *generate(input: string, opts: SamplingOptions): Generator<string, FinishReason, void> {
    const rng = opts.seed !== undefined && Number.isFinite(opts.seed) ? Rng.fromSeed(opts.seed, opts.candidateIndex ?? 0) : Rng.random();
    const maxTokens = opts.maxOutputTokens && opts.maxOutputTokens > 0 ? Math.floor(opts.maxOutputTokens) : DEFAULT_MAX_OUTPUT_TOKENS;
    const stops = (opts.stopSequences ?? []).filter((s) => s.length > 0);
    const tracker = this.model.tracker(input);
    let prev = BOUNDARY;
    let pending = '';
    for (let produced = 0; produced < maxTokens; produced++) {
      const code = pickToken(this.model.nextDistribution(tracker, prev), opts, rng);
      if (code === BOUNDARY) {
        yield* codePoints(pending);
        return 'STOP';
      }
      tracker.advance(code);
      prev = code;
      pending += codeToText(code);
      const stopAt = firstStop(pending, stops);
      if (stopAt >= 0) {
        yield* codePoints(pending.slice(0, stopAt));
        return 'STOP';
      }
      const hold = heldBack(pending, stops);
      yield* codePoints(pending.slice(0, pending.length - hold));
      pending = pending.slice(pending.length - hold);
    }
    yield* codePoints(pending);
    return 'MAX_TOKENS';
  }
}

function* codePoints(text: string): Generator<string, void, void> {
  for (const ch of text) yield ch;
}

function firstStop(text: string, stops: readonly string[]): number {
  let first = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  return first;
}

/** Length of the longest end of `text` that could still grow into a stop sequence. */
function heldBack(text: string, stops: readonly string[]): number {
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

/** Temperature, then top-K, then top-P, then a draw (or the arg max at temperature 0). */
export function pickToken(dist: TokenDistribution, opts: SamplingOptions, rng: Rng): number {
  const { codes, probs } = dist;
  let best = -1;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0 && (best < 0 || probs[i] > probs[best])) best = i;
  if (best < 0) return BOUNDARY;
  const temperature = opts.temperature ?? 1;
  if (temperature <= 0) return codes[best];
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
    if (r < 0) return codes[i];
  }
  return codes[order[order.length - 1]];
}

export async function loadTrainedModel(weightsFile: string): Promise<TrainedModel> {
  return LocalTrainedModel.fromSaved(await readModelFile(weightsFile));
}
