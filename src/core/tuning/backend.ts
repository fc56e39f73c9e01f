import type { TunedModelInfo } from './model';

/** The fields a person may change on a tuned model; which of them a backend accepts is in its capabilities. */
export interface ModelChanges {
  displayName?: string;
  description?: string;
  temperature?: number;
  topP?: number;
  topK?: number;
}

/**
 * What features ask of a backend about tuned models, beyond listing them (the store does that).
 * Every backend implements it; an action its capabilities deny is never called.
 */
export interface TuningBackend {
  /** The model as the backend has it now; for a failed job, with the reason in `stateDetail`. */
  getModel(name: string, opts?: { signal?: AbortSignal }): Promise<TunedModelInfo>;
  /** Changes exactly the fields listed in `fields`, to the values in `changes`. */
  updateModel(name: string, changes: ModelChanges, fields: readonly (keyof ModelChanges)[]): Promise<TunedModelInfo>;
  deleteModel(name: string): Promise<void>;
  /** Asks the backend to stop the job; resolves with the resource it cancelled, for the log. */
  cancelJob(name: string): Promise<string>;
}

/** How often to ask whether a job just submitted has ended. */
export interface WaitOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (model: TunedModelInfo) => void;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** A tuning job the backend has accepted. */
export interface SubmittedJob {
  /** The model as the backend first reports it. */
  readonly model: TunedModelInfo;
  /** Polls until the job ends; resolves with the model as it ended (`failed` with its reason in `stateDetail`). */
  whenDone(opts?: WaitOptions): Promise<TunedModelInfo>;
}

/**
 * Submits tuning jobs. `Request` is the backend's own create request, built from a tuning spec
 * by `core/tuningSpec`; what comes back is neutral.
 */
export interface TuningJobSubmitter<Request> {
  submitJob(request: Request, opts?: { tunedModelId?: string; signal?: AbortSignal }): Promise<SubmittedJob>;
}
