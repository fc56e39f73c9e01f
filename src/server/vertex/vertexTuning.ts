import { promises as fsp } from 'node:fs';
import { resolveHyperparameters, totalSteps } from '../../core/api/tuningDefaults';
import { RPC_CODES } from '../httpErrors';
import type { TrainerPort, TrainingQueuePort } from '../trainerPort';
import { TrainingRunner, recordStep, toTimestamp } from '../trainingRunner';
import { timestamp } from '../wire';
import { DatasetError, type ParsedDataset, distribution, parseDataset } from './dataset';
import { type ObjectStore, StorageError } from './objectStore';
import { numericId } from './names';
import { CHECKPOINT_FILE, type JobState, TERMINAL_STATES, type TrainingData, type TuningJobRecord, type TuningJobStore, WEIGHTS_FILE, epochWeightsFile } from './tuningJobStore';
import { newTrainingSeed } from '../trainingSeed';

/** A job that restarts this many times in a row without completing a step is failed. */
export const MAX_RESUMES_WITHOUT_PROGRESS = 3;

const jobIdOf = (record: TuningJobRecord): string => `vertex-tuningJobs/${record.id}`;

/** The most examples a validation dataset may hold (the documented limit for Gemini 2.5 models). */
export const MAX_VALIDATION_EXAMPLES = 5000;

/** Validation loss is measured about ten times per job, and after the last step. */
export function evaluationIntervalOf(totalSteps: number): number {
  return Math.max(1, Math.ceil(totalSteps / 10));
}

/**
 * Runs Vertex AI tuning jobs on the same trainer queue as the Gemini API surface: reads the
 * JSONL dataset from the local Cloud Storage, turns its conversations into the trainer's
 * input/output examples, and moves each job PENDING → RUNNING → SUCCEEDED / FAILED / CANCELLED.
 */
export class VertexTuning {
  private readonly runner: TrainingRunner;

  constructor(
    private readonly jobs: TuningJobStore,
    private readonly objects: ObjectStore,
    private readonly trainer: TrainerPort,
    queue: TrainingQueuePort,
    private readonly options: { stepDelayMs: number; log: (line: string) => void },
  ) {
    this.runner = new TrainingRunner(queue, options.stepDelayMs);
  }

  async create(record: TuningJobRecord): Promise<void> {
    await this.jobs.create(record);
    void this.prepare(record);
  }

  /** Resumes jobs a previous run left PENDING or RUNNING, or fails them with the reason. */
  async recover(): Promise<void> {
    for (const record of this.jobs.all()) {
      if (record.state === 'JOB_STATE_PENDING') {
        void this.prepare(record);
      } else if (record.state === 'JOB_STATE_RUNNING') {
        await this.resume(record);
      }
    }
  }

  private async resume(record: TuningJobRecord): Promise<void> {
    const withoutProgress = (record.resumesWithoutProgress ?? 0) + 1;
    record.resumesWithoutProgress = withoutProgress;
    if (withoutProgress > MAX_RESUMES_WITHOUT_PROGRESS || !record.plan) {
      await this.finish(record, 'JOB_STATE_FAILED', {
        code: RPC_CODES.ABORTED.number,
        message: `Tuning was interrupted by a server stop ${withoutProgress} times in a row without completing a step; it will not be resumed again.`,
      });
      return;
    }
    let data: TrainingData;
    try {
      data = await this.jobs.readTrainingData(record.id);
    } catch (e) {
      await this.finish(record, 'JOB_STATE_FAILED', {
        code: RPC_CODES.DATA_LOSS.number,
        message: `Tuning was interrupted by a server stop and its training data could not be read back: ${(e as Error).message}`,
      });
      return;
    }
    const checkpoint = await Promise.resolve(this.trainer.readCheckpoint(this.jobs.fileOf(record.id, CHECKPOINT_FILE))).catch(() => undefined);
    record.snapshots = (checkpoint?.snapshots ?? []).map((s) => ({ ...s, computeTime: toTimestamp(s.computeTime) }));
    this.options.log(`[vertex] resuming tuningJobs/${record.id} at step ${record.snapshots.length}/${record.plan.totalSteps}`);
    await this.jobs.save(record);
    this.submit(record, data);
  }

  /** PENDING: reads and checks the datasets, then starts training (RUNNING). */
  private async prepare(record: TuningJobRecord): Promise<void> {
    let training: ParsedDataset;
    let validation: ParsedDataset | undefined;
    try {
      training = await this.readDataset(record.spec.trainingDatasetUri);
      if (record.spec.validationDatasetUri) {
        validation = await this.readDataset(record.spec.validationDatasetUri);
        if (validation.examples.length > MAX_VALIDATION_EXAMPLES) {
          throw new DatasetError(`${record.spec.validationDatasetUri} holds ${validation.examples.length} examples; a validation dataset holds at most ${MAX_VALIDATION_EXAMPLES}.`);
        }
      }
    } catch (e) {
      if (record.state !== 'JOB_STATE_PENDING') return;
      const code = e instanceof StorageError && e.httpStatus === 404 ? RPC_CODES.NOT_FOUND.number : RPC_CODES.INVALID_ARGUMENT.number;
      const known = e instanceof DatasetError || e instanceof StorageError;
      await this.finish(record, 'JOB_STATE_FAILED', { code: known ? code : RPC_CODES.INTERNAL.number, message: (e as Error).message });
      return;
    }
    if (record.state !== 'JOB_STATE_PENDING') return;
    const n = training.examples.length;
    const resolved = resolveHyperparameters(n, { epochCount: record.spec.epochCount, learningRateMultiplier: record.spec.learningRateMultiplier });
    const steps = totalSteps(n, resolved.epochCount, resolved.batchSize);
    record.plan = { exampleCount: n, ...resolved, totalSteps: steps, seed: newTrainingSeed() };
    if (!record.spec.exportLastCheckpointOnly) {
      record.checkpointEndpointIds = Array.from({ length: resolved.epochCount - 1 }, numericId);
      this.jobs.indexEndpoints(record);
    }
    record.dataStats = {
      supervisedTuningDataStats: {
        tuningDatasetExampleCount: String(n),
        totalTuningCharacterCount: String(training.totalCharacters),
        totalBillableCharacterCount: String(training.totalCharacters),
        totalBillableTokenCount: String(training.totalCharacters),
        tuningStepCount: String(steps),
        userInputTokenDistribution: distribution(training.inputLengths),
        userOutputTokenDistribution: distribution(training.outputLengths),
        userMessagePerExampleDistribution: distribution(training.messageCounts),
        userDatasetExamples: training.samples,
        totalTruncatedExampleCount: '0',
      },
    };
    const data: TrainingData = { examples: training.examples, ...(validation ? { validation: validation.examples } : {}) };
    await this.jobs.writeTrainingData(record.id, data);
    // A cancel that came while the data was being written has already ended the job.
    if (record.state !== 'JOB_STATE_PENDING') return;
    const now = timestamp();
    record.state = 'JOB_STATE_RUNNING';
    record.startTime = now;
    record.updateTime = now;
    await this.jobs.save(record);
    this.submit(record, data);
  }

  private async readDataset(uri: string): Promise<ParsedDataset> {
    return parseDataset(await this.objects.readGsUri(uri), uri);
  }

  private submit(record: TuningJobRecord, { examples, validation }: TrainingData): void {
    const plan = record.plan;
    if (!plan) return;
    this.runner.run(
      record.id,
      {
        jobId: jobIdOf(record),
        examples,
        ...(validation ? { validationExamples: validation, evaluationInterval: evaluationIntervalOf(plan.totalSteps) } : {}),
        epochWeightsFiles: record.checkpointEndpointIds?.map((_, i) => this.jobs.fileOf(record.id, epochWeightsFile(i + 1))),
        epochCount: plan.epochCount,
        batchSize: plan.batchSize,
        learningRate: plan.learningRate,
        checkpointFile: this.jobs.fileOf(record.id, CHECKPOINT_FILE),
        weightsFile: this.jobs.fileOf(record.id, WEIGHTS_FILE),
        seed: plan.seed,
      },
      {
        wanted: () => record.state === 'JOB_STATE_RUNNING',
        onStep: (report) => {
          recordStep(record.snapshots, report);
          record.resumesWithoutProgress = 0;
          record.updateTime = timestamp();
          this.runner.saveSoon(record.id, () => this.jobs.save(record));
        },
        onDone: () => void this.succeed(record),
        onError: (error) => void this.finish(record, 'JOB_STATE_FAILED', { code: RPC_CODES.INTERNAL.number, message: `Tuning failed: ${error.message}` }),
      },
    );
  }

  private async succeed(record: TuningJobRecord): Promise<void> {
    try {
      await fsp.access(this.jobs.fileOf(record.id, WEIGHTS_FILE));
    } catch {
      await this.finish(record, 'JOB_STATE_FAILED', { code: RPC_CODES.INTERNAL.number, message: 'Tuning finished but the trained weights were not written.' });
      return;
    }
    await this.finish(record, 'JOB_STATE_SUCCEEDED');
    this.options.log(`[vertex] tuningJobs/${record.id} SUCCEEDED after ${record.snapshots.length} steps`);
  }

  private async finish(record: TuningJobRecord, state: JobState, error?: { code: number; message: string }): Promise<void> {
    this.runner.cancelSave(record.id);
    this.runner.release(record.id);
    const now = timestamp();
    record.state = state;
    record.endTime = now;
    record.updateTime = now;
    if (error) record.error = error;
    if (state === 'JOB_STATE_FAILED') this.options.log(`[vertex] tuningJobs/${record.id} FAILED: ${error?.message ?? ''}`);
    await this.jobs.save(record).catch((e: unknown) => this.options.log(`[vertex] could not save tuningJobs/${record.id}: ${(e as Error).message}`));
  }

  /** Stops a job that has not ended; false when it already had. */
  async cancel(record: TuningJobRecord): Promise<boolean> {
    if (TERMINAL_STATES.includes(record.state)) return false;
    this.runner.stop(record.id);
    await this.finish(record, 'JOB_STATE_CANCELLED', { code: RPC_CODES.CANCELLED.number, message: 'CANCELLED' });
    return true;
  }

  /** The weights file behind a SUCCEEDED job, or behind one of its earlier epochs. */
  weightsFile(record: TuningJobRecord, epoch?: number): string {
    return this.jobs.fileOf(record.id, epoch === undefined ? WEIGHTS_FILE : epochWeightsFile(epoch));
  }

  /** The weights file of the untuned model that answers for every publisher (base) model. */
  baseModelFile(): Promise<string> {
    return Promise.resolve(this.trainer.baseModelFile());
  }

  /** A deleted endpoint's earlier-epoch weights file goes with it. */
  forget(record: TuningJobRecord, epoch?: number): void {
    if (epoch !== undefined) void fsp.rm(this.jobs.fileOf(record.id, epochWeightsFile(epoch)), { force: true }).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const id of this.runner.close()) {
      const record = this.jobs.get(id);
      if (record) await this.jobs.save(record).catch(() => undefined);
    }
    await this.jobs.flush();
  }
}
