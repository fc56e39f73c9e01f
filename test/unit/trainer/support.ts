import { resolveHyperparameters } from '../../../src/core/api/tuningDefaults';
import { loadBaseModel, sharedModelCacheDir } from '../../../src/server/trainer/baseModel';
import { initialWeights, layoutOf, type NetworkConfig } from '../../../src/server/trainer/network';
import { type SavedModel } from '../../../src/server/trainer/persistence';
import { LocalTrainedModel } from '../../../src/server/trainer/trainedModel';
import { type StartingWeights, Trainer, type TrainerOptions, type TrainingPair } from '../../../src/server/trainer/trainer';

/** A network small enough for exhaustive checks and quick mechanical tests; it learns little. */
export const TINY: NetworkConfig = { embed: 8, hidden: 12, state: 16, outHidden: 16, buckets: 64, window: 3, wideBuckets: 256, wideRank: 4 };

export function tinyStart(seed = 1): StartingWeights {
  return { config: TINY, weights: initialWeights(layoutOf(TINY), seed) };
}

let base: Promise<SavedModel> | undefined;

/**
 * The pretrained base model from the shared cache. The first run on a machine pretrains it, which
 * takes minutes; call this from a `before` hook with a long timeout.
 */
export function baseStart(): Promise<SavedModel> {
  base ??= loadBaseModel([sharedModelCacheDir()]);
  return base;
}

/** Pretraining may run here on a fresh machine, so hooks that need the base model wait this long. */
export const BASE_MODEL_TIMEOUT_MS = 30 * 60_000;

export function train(examples: readonly TrainingPair[], start: StartingWeights, overrides: Partial<TrainerOptions> = {}): Trainer {
  const trainer = new Trainer({ examples, ...resolveHyperparameters(examples.length), seed: 11, start, ...overrides });
  trainer.runToEnd();
  return trainer;
}

export function greedy(model: LocalTrainedModel, input: string, maxOutputTokens = 200): string {
  return [...model.generate(input, { temperature: 0, maxOutputTokens })].join('');
}

export function modelOf(trainer: Trainer): LocalTrainedModel {
  return new LocalTrainedModel(trainer.network, trainer.totalSteps);
}

/** Share of `examples` whose output the model reproduces exactly at temperature 0. */
export function exactShare(model: LocalTrainedModel, examples: readonly TrainingPair[]): number {
  return examples.filter((e) => greedy(model, e.textInput) === e.output).length / examples.length;
}
