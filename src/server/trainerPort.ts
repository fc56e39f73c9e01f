/** The parts of the trainer (`./trainer`) the HTTP server relies on. */
export interface StepReport {
  step: number;
  epoch: number;
  meanLoss: number;
  /** When the step finished: an RFC 3339 string or epoch milliseconds. */
  computeTime: string | number;
  totalSteps: number;
  evalLoss?: number;
}

import type { TrainingJobSpec } from './trainer/workerProtocol';

export type { TrainingJobSpec };

export interface TrainingCallbacks {
  /** Training really began (a job waiting in the queue has not started). */
  onStart?(): void;
  onStep(report: StepReport): void;
  onDone(): void;
  onError(error: Error): void;
}

export interface SamplingOptions {
  temperature: number;
  topK: number;
  topP: number;
  maxOutputTokens: number;
  stopSequences: string[];
  seed: number;
  candidateIndex?: number;
}

export interface GenerationModel {
  generate(input: string, options: SamplingOptions): Generator<string, 'STOP' | 'MAX_TOKENS'>;
  countTokens(text: string): number;
}

export interface TrainingQueuePort {
  submit(spec: TrainingJobSpec, callbacks: TrainingCallbacks): void;
  /** Resolves once the job's worker has stopped (at once for a job that was only waiting). */
  cancel(jobId: string): void | Promise<void>;
  close(): void | Promise<void>;
}

export interface CheckpointSummary {
  completedSteps: number;
  snapshots: { step: number; epoch: number; meanLoss: number; computeTime: string | number; evalLoss?: number }[];
}

export interface TrainerPort {
  createQueue(options: { workerScript: string; log?: (line: string) => void }): TrainingQueuePort;
  readCheckpoint(file: string): CheckpointSummary | undefined | Promise<CheckpointSummary | undefined>;
  /** The base model, pretrained on first use (on a worker thread) and cached on disk. */
  baseModel(): Promise<GenerationModel>;
  /** The base model's weights file, pretrained first if need be: what generation workers load. */
  baseModelFile(): Promise<string>;
}
