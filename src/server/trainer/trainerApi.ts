// The local model and its training machinery, as the local tuning server uses them.
import { readCheckpointState } from './persistence';
import { type StepReport } from './trainer';

export { removeStaleTemporaries, writeFileAtomic } from './atomicWrite';
export { BASE_RECIPE, ensureBaseModelFile, loadBaseModel, sharedModelCacheDir } from './baseModel';
export {
  DEFAULT_MAX_OUTPUT_TOKENS,
  type FinishReason,
  loadTrainedModel,
  type SamplingOptions,
  type TrainedModel,
} from './trainedModel';
export { type TrainingExample, type TrainingJobSpec } from './workerProtocol';
export { BaseModelProvider, type TrainingEvents, TrainingQueue } from './queue';
export { countTokens } from './tokens';
export { LEARNING_RATE_SCALE, type StepReport } from './trainer';

export interface GeneratedToken {
  text: string;
}

/**
 * What a job's checkpoint says was done: undefined when there is no checkpoint; rejects with a
 * message naming the file when it is damaged.
 */
export async function readCheckpoint(file: string): Promise<{ completedSteps: number; snapshots: StepReport[] } | undefined> {
  const state = await readCheckpointState(file);
  return state && { completedSteps: state.completedSteps, snapshots: state.snapshots };
}
