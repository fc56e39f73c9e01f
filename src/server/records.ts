/** What the server keeps per tuned model (persisted as `model.json`); wire shapes are derived from it. */
export type ModelState = 'CREATING' | 'ACTIVE' | 'FAILED';

export interface SnapshotRecord {
  step: number;
  epoch: number;
  meanLoss: number;
  computeTime: string;
  /** Validation loss measured after this step (Vertex AI jobs with a validation set, at evaluation steps). */
  evalLoss?: number;
}

export interface PermissionRecord {
  id: string;
  granteeType: 'USER' | 'GROUP' | 'EVERYONE';
  emailAddress?: string;
  role: 'OWNER' | 'WRITER' | 'READER';
}

export interface HyperparameterEcho {
  learningRate?: number;
  learningRateMultiplier?: number;
  epochCount: number;
  batchSize: number;
}

export interface ModelRecord {
  /** Format version of this record. */
  v: 1;
  id: string;
  displayName?: string;
  description?: string;
  /** The base model this model (or its source chain) was tuned from. */
  baseModel: string;
  /** Set when tuned from another tuned model. */
  sourceTunedModel?: string;
  temperature: number;
  topP: number;
  topK: number;
  state: ModelState;
  createTime: string;
  updateTime: string;
  startTime?: string;
  completeTime?: string;
  /** What the API echoes in tuningTask.hyperparameters. */
  hyperparameters: HyperparameterEcho;
  /** What the trainer actually uses. */
  learningRate: number;
  snapshots: SnapshotRecord[];
  readerProjectNumbers?: string[];
  operationId: string;
  totalSteps: number;
  exampleCount: number;
  seed: number;
  error?: { code: number; message: string };
  permissions: PermissionRecord[];
  /** How many times training was resumed after the server stopped mid-job. */
  resumeCount: number;
  /** Restarts since the last completed step; too many in a row fail the job. */
  resumesWithoutProgress?: number;
  /** True when tuning started from a copy of another model's weights (`source-weights`). */
  hasSourceWeights?: boolean;
}

export interface TrainingExample {
  textInput: string;
  output: string;
}
