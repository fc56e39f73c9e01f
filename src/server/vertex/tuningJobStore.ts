import { promises as fsp, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SnapshotRecord, TrainingExample } from '../records';
import { writeFileAtomic } from '../trainer/atomicWrite';
import { NUMERIC_ID_RE } from './names';

export type JobState = 'JOB_STATE_PENDING' | 'JOB_STATE_RUNNING' | 'JOB_STATE_SUCCEEDED' | 'JOB_STATE_FAILED' | 'JOB_STATE_CANCELLED';

export const TERMINAL_STATES: readonly JobState[] = ['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED'];

/** What a client asked for in `supervisedTuningSpec`, echoed back as given. */
export interface SupervisedSpecRecord {
  trainingDatasetUri: string;
  validationDatasetUri?: string;
  epochCount?: number;
  learningRateMultiplier?: number;
  adapterSize?: string;
  exportLastCheckpointOnly?: boolean;
}

/** What the trainer runs with, fixed once the dataset has been read. */
export interface TrainingPlan {
  exampleCount: number;
  epochCount: number;
  batchSize: number;
  learningRate: number;
  totalSteps: number;
  seed: number;
}

/** One Vertex AI tuning job, persisted as `job.json`; the TuningJob wire shape is derived from it. */
export interface TuningJobRecord {
  v: 1;
  id: string;
  projectNumber: string;
  location: string;
  baseModel: string;
  tunedModelDisplayName?: string;
  description?: string;
  labels?: Record<string, string>;
  spec: SupervisedSpecRecord;
  state: JobState;
  createTime: string;
  updateTime: string;
  startTime?: string;
  endTime?: string;
  error?: { code: number; message: string };
  experimentId: string;
  modelId: string;
  endpointId: string;
  /**
   * The endpoints of the checkpoints of epochs 1 … epochCount-1 (the last epoch's is
   * `endpointId`), fixed with the plan; absent when only the last checkpoint is kept.
   */
  checkpointEndpointIds?: string[];
  /** Endpoints deleted by a client: they no longer answer and are no longer listed. */
  deletedEndpointIds?: string[];
  /** The tuned model was deleted (after all its endpoints were). */
  modelDeleted?: boolean;
  plan?: TrainingPlan;
  dataStats?: Record<string, unknown>;
  snapshots: SnapshotRecord[];
  /** Restarts since the last completed step; too many in a row fail the job. */
  resumesWithoutProgress?: number;
}

/** What a job trains on and what it measures validation loss on, as read from its datasets. */
export interface TrainingData {
  examples: TrainingExample[];
  validation?: TrainingExample[];
}

export const JOB_FILE = 'job.json';
export const TRAINING_DATA_FILE = 'training-data.json';
export const CHECKPOINT_FILE = 'checkpoint.json';
export const WEIGHTS_FILE = 'weights.json';
/** The weights at the end of an epoch before the last, served by that checkpoint's endpoint. */
export const epochWeightsFile = (epoch: number): string => `epoch-${epoch}-weights.json`;

/** What an endpoint id serves: a job's tuned model, or one of its earlier checkpoints. */
export interface EndpointTarget {
  record: TuningJobRecord;
  /** Absent for the tuned model (the last checkpoint). */
  epoch?: number;
}

const sortKey = (r: TuningJobRecord): string => `${r.createTime}|${r.id}`;

/**
 * Tuning jobs in memory and on disk: `<dataDir>/vertex/tuningJobs/<id>/job.json` (written
 * atomically; its presence is the commit point of a create) next to the job's training data,
 * checkpoint and weights. Ids are numeric and checked before they reach a path.
 */
export class TuningJobStore {
  private readonly byId = new Map<string, TuningJobRecord>();
  private readonly byEndpoint = new Map<string, EndpointTarget>();
  /** Newest first. */
  private ordered: TuningJobRecord[] = [];
  private readonly chains = new Map<string, Promise<void>>();
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'vertex', 'tuningJobs');
  }

  /** Loads every job; returns a line per directory that could not be loaded. */
  async open(): Promise<string[]> {
    await fsp.mkdir(this.dir, { recursive: true });
    const problems: string[] = [];
    for (const entry of await fsp.readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !NUMERIC_ID_RE.test(entry.name)) continue;
      const file = path.join(this.dir, entry.name, JOB_FILE);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        problems.push(`tuningJobs/${entry.name}: the create never completed; removed`);
        await fsp.rm(path.join(this.dir, entry.name), { recursive: true, force: true });
        continue;
      }
      try {
        const record = JSON.parse(text) as TuningJobRecord;
        if (record.id !== entry.name) throw new Error(`id ${record.id} does not match its directory`);
        this.index(record);
      } catch (e) {
        problems.push(`tuningJobs/${entry.name}: job.json is unreadable (${(e as Error).message}); left on disk, not served`);
      }
    }
    this.ordered.sort((a, b) => (sortKey(a) > sortKey(b) ? -1 : 1));
    return problems;
  }

  private index(record: TuningJobRecord): void {
    this.byId.set(record.id, record);
    this.indexEndpoints(record);
    this.ordered.push(record);
  }

  /** Makes the record's checkpoint endpoints (known once its plan is) reachable by id. */
  indexEndpoints(record: TuningJobRecord): void {
    this.byEndpoint.set(record.endpointId, { record });
    record.checkpointEndpointIds?.forEach((id, i) => this.byEndpoint.set(id, { record, epoch: i + 1 }));
  }

  fileOf(id: string, file: string): string {
    if (!NUMERIC_ID_RE.test(id)) throw new Error(`refusing a file-system path for invalid job id ${JSON.stringify(id)}`);
    return path.join(this.dir, id, file);
  }

  get(id: string): TuningJobRecord | undefined {
    return this.byId.get(id);
  }

  byEndpointId(endpointId: string): EndpointTarget | undefined {
    return this.byEndpoint.get(endpointId);
  }

  all(): readonly TuningJobRecord[] {
    return this.ordered;
  }

  async create(record: TuningJobRecord): Promise<void> {
    await fsp.mkdir(path.dirname(this.fileOf(record.id, JOB_FILE)), { recursive: true });
    await writeFileAtomic(this.fileOf(record.id, JOB_FILE), JSON.stringify(record));
    this.index(record);
    this.ordered.sort((a, b) => (sortKey(a) > sortKey(b) ? -1 : 1));
  }

  /** Persists the record's current state; writes of one job never reorder. */
  save(record: TuningJobRecord): Promise<void> {
    const next = (this.chains.get(record.id) ?? Promise.resolve()).then(() => writeFileAtomic(this.fileOf(record.id, JOB_FILE), JSON.stringify(record)));
    const settled = next.catch(() => undefined);
    this.chains.set(record.id, settled);
    return next;
  }

  async writeTrainingData(id: string, data: TrainingData): Promise<void> {
    await writeFileAtomic(this.fileOf(id, TRAINING_DATA_FILE), JSON.stringify(data));
  }

  async readTrainingData(id: string): Promise<TrainingData> {
    const parsed = JSON.parse(await fsp.readFile(this.fileOf(id, TRAINING_DATA_FILE), 'utf8')) as { examples?: unknown; validation?: unknown };
    if (!Array.isArray(parsed.examples)) throw new Error('training-data.json has no examples array');
    if (parsed.validation !== undefined && !Array.isArray(parsed.validation)) throw new Error('training-data.json has a validation field that is not a list');
    return { examples: parsed.examples as TrainingExample[], ...(parsed.validation ? { validation: parsed.validation as TrainingExample[] } : {}) };
  }

  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}
