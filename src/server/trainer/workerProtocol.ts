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
  /** Weights of the tuned model this one is tuned from. */
  sourceWeightsFile?: string;
  /** Written atomically after every completed step; training resumes from it when it exists. */
  checkpointFile: string;
  /** The trained weights, written atomically at the end. */
  weightsFile: string;
  seed: number;
  /** Pause after each step so that a person can watch progress; 0 or absent in tests. */
  stepDelayMs?: number;
}

/** Messages from a training worker to the queue. */
export type WorkerMessage =
  | { kind: 'started'; resumedFrom: number; totalSteps: number }
  | { kind: 'step'; report: StepReport }
  | { kind: 'done' }
  | { kind: 'failed'; message: string };
