import type { FinishReason, SamplingOptions } from './trainedModel';

/** What a generation asks of a model: the input, how many candidates, and how to sample them. */
export interface CandidatesRequest {
  input: string;
  candidateCount: number;
  sampling: Omit<SamplingOptions, 'seed' | 'candidateIndex'>;
  seed: number;
}

/** The part of a model that runs candidates. */
export interface CandidateModel {
  generate(input: string, options: SamplingOptions): Generator<string, FinishReason, void>;
}

/** How many model tokens go in one stream chunk. */
export const TOKENS_PER_CHUNK = 4;

export interface GenerationChunk {
  /** Text added per candidate index in this chunk ('' when a candidate had nothing new). */
  deltas: string[];
  /** Set on the chunk where a candidate finished. */
  finished: (FinishReason | undefined)[];
}

/**
 * Runs all candidates side by side, yielding a chunk every TOKENS_PER_CHUNK tokens. Each candidate
 * draws from its own stream of the seed, so one seed gives one reproducible set of candidates.
 */
export function* runCandidates(model: CandidateModel, request: CandidatesRequest): Generator<GenerationChunk, void, void> {
  const generators = Array.from({ length: request.candidateCount }, (_, i) =>
    model.generate(request.input, { ...request.sampling, seed: request.seed, candidateIndex: i }),
  );
  const done: boolean[] = generators.map(() => false);
  // One token of look-ahead so finishReason rides on the chunk carrying the last text.
  const pending: (string | undefined)[] = generators.map(() => undefined);
  while (done.some((d) => !d)) {
    const chunk: GenerationChunk = { deltas: generators.map(() => ''), finished: generators.map(() => undefined) };
    generators.forEach((gen, i) => {
      if (done[i]) return;
      let text = pending[i] ?? '';
      let count = pending[i] === undefined ? 0 : 1;
      pending[i] = undefined;
      for (;;) {
        const next = gen.next();
        if (next.done) {
          done[i] = true;
          chunk.finished[i] = next.value;
          break;
        }
        if (count === TOKENS_PER_CHUNK) {
          pending[i] = next.value;
          break;
        }
        text += next.value;
        count++;
      }
      chunk.deltas[i] = text;
    });
    yield chunk;
  }
}
