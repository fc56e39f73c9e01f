import type { Hyperparameters } from './types';

/**
 * How a backend fills in hyperparameters the request left out. The Gemini API documents the
 * choices (epochs 5; batch size 4 or 16; learning rate 0.001 or 0.0002, "chosen by number of
 * examples") but not the threshold; 500 examples is the one the local server uses, and the spec
 * summary shows the same figures so the two never disagree.
 */
export const LARGE_DATASET_THRESHOLD = 500;
export const DEFAULT_EPOCH_COUNT = 5;

export interface ResolvedHyperparameters {
  epochCount: number;
  batchSize: number;
  learningRate: number;
}

export function resolveHyperparameters(exampleCount: number, given: Hyperparameters = {}): ResolvedHyperparameters {
  const large = exampleCount >= LARGE_DATASET_THRESHOLD;
  const recommendedLearningRate = large ? 0.0002 : 0.001;
  const learningRate =
    given.learningRate ?? recommendedLearningRate * (given.learningRateMultiplier ?? 1);
  return {
    epochCount: given.epochCount ?? DEFAULT_EPOCH_COUNT,
    batchSize: given.batchSize ?? (large ? 16 : 4),
    learningRate,
  };
}

export function totalSteps(exampleCount: number, epochCount: number, batchSize: number): number {
  return Math.ceil((exampleCount * epochCount) / batchSize);
}

/**
 * A snapshot's `epoch`: the epochs completed by the end of `step`, as the Gemini API reports it
 * (15 examples at batch size 2 show no epoch, that is 0, on steps 1 to 7 and 1 from step 8). The
 * last step's batch may run past the final epoch's end; the count never exceeds the planned epochs.
 */
export function completedEpochs(step: number, batchSize: number, exampleCount: number, epochCount: number): number {
  if (exampleCount <= 0) return 0;
  return Math.min(epochCount, Math.floor((step * batchSize) / exampleCount));
}
