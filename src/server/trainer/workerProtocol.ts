import { type StepReport } from './trainer';

export interface TrainingExample {
  textInput: string;
  output: string;
}

export interface TrainingJobSpec {
  jobId: string;
  examples: TrainingExample[];
  epochCount: number;
  batchSize: number;
  learningRate: number;
  /** Held-out examples whose loss is measured, without training on them, every `evaluationInterval` steps and at the last step. */
  validationExamples?: TrainingExample[];
  evaluationInterval?: number;
  /**
   * Where the weights reached at the end of each epoch are written (index 0 for epoch 1), before
   * the step that ends the epoch is reported; absent or shorter lists write fewer epochs.
   */
  epochWeightsFiles?: string[];
  /** Weights of the tuned model this one is tuned from. */
  sourceWeightsFile?: string;
  /** Weights of the base model, for a job without a source model; the queue fills it in. */
  baseWeightsFile?: string;
  /** Written atomically after every completed step; training resumes from it when it exists. */
  checkpointFile: string;
  /** The trained weights, written atomically at the end. */
  weightsFile: string;
  seed: number;
  /** Pause after each step so that a person can watch progress; 0 or absent trains at full speed. */
  stepDelayMs?: number;
}

/** What a worker thread is asked to do: train one job, or pretrain the base model into a cache. */
export type WorkerTask = { kind: 'train'; spec: TrainingJobSpec } | { kind: 'pretrain'; dirs: string[] };

/** Messages from a worker to the main thread. */
export type WorkerMessage =
  | { kind: 'started'; resumedFrom: number; totalSteps: number }
  | { kind: 'step'; report: StepReport }
  | { kind: 'log'; line: string }
  | { kind: 'pretrained'; file: string }
  | { kind: 'done' }
  | { kind: 'failed'; message: string };
