/**
 * The backend-neutral model of a tuning job and the tuned model it produces. Features (tree,
 * loss chart, prompt notebook, spec editor) read only this; each cloud API has an adapter that
 * maps its wire objects here (`geminiApi.ts` for the Gemini API and the local tuning server).
 */

/** Which API family a model came from. The local tuning server speaks the Gemini API. */
export type BackendKind = 'gemini' | 'vertex';

/**
 * Where a job stands. `creating` covers every state before the model is usable (queued, pending,
 * running); `unspecified` is a job whose backend has not said yet, shown with the creating ones.
 */
export type TuningState = 'creating' | 'active' | 'failed' | 'cancelled' | 'unspecified';

export const TUNING_STATES: readonly TuningState[] = ['creating', 'active', 'failed', 'cancelled', 'unspecified'];

export interface TuningProgress {
  readonly completedSteps?: number;
  readonly totalSteps?: number;
  /** 0–100, whole percent. */
  readonly percent?: number;
}

export interface TuningHyperparameters {
  readonly epochCount?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly learningRateMultiplier?: number;
  /** Vertex AI only, e.g. `ADAPTER_SIZE_FOUR`. */
  readonly adapterSize?: string;
}

/** A token (or character) distribution over a dataset's examples. */
export interface DatasetDistributionSummary {
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
  readonly median?: number;
  readonly p5?: number;
  readonly p95?: number;
}

/** What the backend found in the training data, where it reports it (Vertex AI does). */
export interface TuningDataStats {
  readonly exampleCount?: number;
  readonly billableTokenCount?: number;
  readonly characterCount?: number;
  readonly stepCount?: number;
  readonly truncatedExampleCount?: number;
  readonly truncatedExampleIndices?: readonly number[];
  readonly droppedExampleReasons?: readonly string[];
  readonly inputTokens?: DatasetDistributionSummary;
  readonly outputTokens?: DatasetDistributionSummary;
  readonly messagesPerExample?: DatasetDistributionSummary;
}

/** One point of a loss curve. `loss` is NaN when the backend reported a value that is not a number. */
export interface TuningLossPoint {
  readonly step: number;
  readonly epoch?: number;
  readonly loss: number;
  /** RFC 3339. */
  readonly computeTime?: string;
}

/** An intermediate (or the last) checkpoint of a tuned model that serves on its own. */
export interface TunedCheckpoint {
  /** The backend's checkpoint ID, e.g. `2`. */
  readonly id: string;
  readonly epoch?: number;
  readonly step?: number;
  /** Where generate requests for this checkpoint go. */
  readonly generationModel: string;
}

/**
 * The name a feature uses for one checkpoint of a tuned model (a notebook's model, say):
 * `<model name>/checkpoints/<id>`. The backend maps it to the checkpoint's own endpoint.
 */
export function checkpointModelName(modelName: string, checkpointId: string): string {
  return `${modelName}/checkpoints/${checkpointId}`;
}

/** The model and checkpoint a `checkpointModelName` names, or undefined for any other name. */
export function parseCheckpointModelName(name: string): { modelName: string; checkpointId: string } | undefined {
  const m = /^(.+)\/checkpoints\/([^/]+)$/.exec(name);
  return m ? { modelName: m[1], checkpointId: m[2] } : undefined;
}

export interface SamplingDefaults {
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
}

/** What a backend lets a person do with a model, so that the UI offers only that. */
export interface TuningCapabilities {
  readonly rename: boolean;
  readonly editDescription: boolean;
  readonly editSampling: boolean;
  readonly delete: boolean;
  readonly share: boolean;
  readonly transferOwnership: boolean;
  readonly cancel: boolean;
}

export interface TunedModelInfo {
  /** The resource name, the model's identity on its backend (`tunedModels/…`, `projects/…/tuningJobs/…`). */
  readonly name: string;
  readonly backend: BackendKind;
  readonly displayName?: string;
  readonly description?: string;
  /** The base model it was tuned from, directly or through `sourceModel`. */
  readonly baseModel?: string;
  /** The tuned model it was tuned further from, if any. */
  readonly sourceModel?: string;
  readonly state: TuningState;
  /** What the state does not say: the error of a failed job, "waiting for resources"… */
  readonly stateDetail?: string;
  readonly createTime?: string;
  readonly updateTime?: string;
  readonly startTime?: string;
  readonly endTime?: string;
  /** While creating, when the backend reports it. */
  readonly progress?: TuningProgress;
  readonly hyperparameters?: TuningHyperparameters;
  /** How many training examples the job was given, when known. */
  readonly exampleCount?: number;
  /** The backend's statistics of the training data, when it reports them. */
  readonly dataStats?: TuningDataStats;
  /** Training loss by step, in the order the backend reported it. */
  readonly loss: readonly TuningLossPoint[];
  /** Validation loss by step, when the backend evaluates one. */
  readonly evalLoss?: readonly TuningLossPoint[];
  readonly sampling: SamplingDefaults;
  /** The model name to send generate requests to; absent until the model can serve. */
  readonly generationModel?: string;
  /** Checkpoints that serve on their own, in training order, when the backend keeps them. */
  readonly checkpoints?: readonly TunedCheckpoint[];
  readonly capabilities: TuningCapabilities;
  /** The backend's own object, for the Details JSON view. */
  readonly raw: unknown;
}

/** A job that has not ended yet, and is therefore followed by polling. */
export function isInFlight(state: TuningState): boolean {
  return state === 'creating' || state === 'unspecified';
}

/** A job that ended without a usable model. */
export function endedWithoutModel(state: TuningState): boolean {
  return state === 'failed' || state === 'cancelled';
}

/** The state as shown to people: upper case, like the backends write it. */
export function stateLabel(state: TuningState): string {
  return state === 'unspecified' ? 'STATE_UNSPECIFIED' : state.toUpperCase();
}
