/**
 * Turns a stream of GenerateContentResponse chunks into batched output updates. Pure: the editor
 * layer supplies the sink (notebook outputs) and the benchmark supplies a counting one.
 */
import type { FinishReason, GenerateContentResponse, PromptFeedback, SafetyRating, UsageMetadata } from '../api/types';

export interface CandidateState {
  index: number;
  text: string;
  finishReason: FinishReason | undefined;
  finishMessage: string | undefined;
  safetyRatings: SafetyRating[] | undefined;
}

/** What a generation produced so far: per-candidate text, finish reasons, usage, timings. */
export class GenerationAccumulator {
  readonly candidates = new Map<number, CandidateState>();
  usage: UsageMetadata | undefined;
  promptFeedback: PromptFeedback | undefined;
  modelVersion: string | undefined;
  firstTokenAt: number | undefined;
  chunkCount = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds one chunk; returns the new text per candidate index (only non-empty deltas). */
  add(chunk: GenerateContentResponse): Map<number, string> {
    this.chunkCount++;
    const deltas = new Map<number, string>();
    if (chunk.usageMetadata) this.usage = chunk.usageMetadata;
    if (chunk.promptFeedback) this.promptFeedback = chunk.promptFeedback;
    if (chunk.modelVersion) this.modelVersion = chunk.modelVersion;
    for (const [position, candidate] of (chunk.candidates ?? []).entries()) {
      const index = candidate.index ?? position;
      let state = this.candidates.get(index);
      if (!state) {
        state = { index, text: '', finishReason: undefined, finishMessage: undefined, safetyRatings: undefined };
        this.candidates.set(index, state);
      }
      let delta = '';
      for (const part of candidate.content?.parts ?? []) {
        if ('text' in part && typeof part.text === 'string' && !part.thought) delta += part.text;
      }
      if (delta) {
        state.text += delta;
        deltas.set(index, (deltas.get(index) ?? '') + delta);
        this.firstTokenAt ??= this.now();
      }
      if (candidate.finishReason) state.finishReason = candidate.finishReason;
      if (candidate.finishMessage) state.finishMessage = candidate.finishMessage;
      if (candidate.safetyRatings) state.safetyRatings = candidate.safetyRatings;
    }
    return deltas;
  }

  /** Candidates in index order. */
  sortedCandidates(): CandidateState[] {
    return [...this.candidates.values()].sort((a, b) => a.index - b.index);
  }
}

export interface OutputSink {
  /** A candidate's first text: create its output. */
  open(candidate: number, text: string): void;
  /** More text for a candidate that already has an output. */
  append(candidate: number, text: string): void;
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export const DEFAULT_UPDATE_INTERVAL_MS = 50;

/**
 * Coalesces text deltas so that the sink sees at most one update per interval. The first text is
 * written at once (time to first token stays honest); later text waits for the interval to pass.
 */
export class OutputBatcher {
  private readonly pending = new Map<number, string>();
  private readonly opened = new Set<number>();
  private timer: unknown;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  /** Number of flushes that reached the sink. */
  updates = 0;

  constructor(
    private readonly sink: OutputSink,
    private readonly intervalMs = DEFAULT_UPDATE_INTERVAL_MS,
    private readonly timers: Timers = systemTimers,
  ) {}

  push(deltas: ReadonlyMap<number, string>): void {
    for (const [index, text] of deltas) {
      if (text) this.pending.set(index, (this.pending.get(index) ?? '') + text);
    }
    if (this.pending.size === 0 || this.timer !== undefined) return;
    const wait = this.lastFlushAt + this.intervalMs - this.timers.now();
    if (wait <= 0) {
      this.flush();
    } else {
      this.timer = this.timers.setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
    }
  }

  /** Writes everything pending now (used at the end of a run, whatever the interval). */
  flush(): void {
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.size === 0) return;
    const batch = [...this.pending.entries()].sort((a, b) => a[0] - b[0]);
    this.pending.clear();
    this.lastFlushAt = this.timers.now();
    this.updates++;
    for (const [index, text] of batch) {
      if (this.opened.has(index)) {
        this.sink.append(index, text);
      } else {
        this.opened.add(index);
        this.sink.open(index, text);
      }
    }
  }

  hasOpened(candidate: number): boolean {
    return this.opened.has(candidate);
  }

  dispose(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Consumes a stream through an accumulator and a batcher; rethrows the stream's error after flushing. */
export async function pumpStream(
  stream: AsyncIterable<GenerateContentResponse>,
  accumulator: GenerationAccumulator,
  batcher: OutputBatcher,
): Promise<void> {
  try {
    for await (const chunk of stream) batcher.push(accumulator.add(chunk));
  } finally {
    batcher.flush();
    batcher.dispose();
  }
}
