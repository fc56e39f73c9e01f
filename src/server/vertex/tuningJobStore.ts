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
  plan?: TrainingPlan;
  dataStats?: Record<string, unknown>;
  snapshots: SnapshotRecord[];
  /** Restarts since the last completed step; too many in a row fail the job. */
  resumesWithoutProgress?: number;
}

export const JOB_FILE = 'job.json';
export const TRAINING_DATA_FILE = 'training-data.json';
export const CHECKPOINT_FILE = 'checkpoint.json';
export const WEIGHTS_FILE = 'weights.json';

const sortKey = (r: TuningJobRecord): string => `${r.createTime}|${r.id}`;

/**
 * Tuning jobs in memory and on disk: `<dataDir>/vertex/tuningJobs/<id>/job.json` (written
 * atomically; its presence is the commit point of a create) next to the job's training data,
 * checkpoint and weights. Ids are numeric and checked before they reach a path.
 */
export class TuningJobStore {
  private readonly byId = new Map<string, TuningJobRecord>();
  private readonly byEndpoint = new Map<string, TuningJobRecord>();
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
    this.byEndpoint.set(record.endpointId, record);
    this.ordered.push(record);
  }

  fileOf(id: string, file: string): string {
    if (!NUMERIC_ID_RE.test(id)) throw new Error(`refusing a file-system path for invalid job id ${JSON.stringify(id)}`);
    return path.join(this.dir, id, file);
  }

  get(id: string): TuningJobRecord | undefined {
    return this.byId.get(id);
  }

  byEndpointId(endpointId: string): TuningJobRecord | undefined {
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

  async writeTrainingData(id: string, examples: TrainingExample[]): Promise<void> {
    await writeFileAtomic(this.fileOf(id, TRAINING_DATA_FILE), JSON.stringify({ examples }));
  }

  async readTrainingData(id: string): Promise<TrainingExample[]> {
    const parsed = JSON.parse(await fsp.readFile(this.fileOf(id, TRAINING_DATA_FILE), 'utf8')) as { examples?: unknown };
    if (!Array.isArray(parsed.examples)) throw new Error('training-data.json has no examples array');
    return parsed.examples as TrainingExample[];
  }

  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}
