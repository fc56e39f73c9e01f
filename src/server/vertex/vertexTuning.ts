import { promises as fsp } from 'node:fs';
import { resolveHyperparameters, totalSteps } from '../../core/api/tuningDefaults';
import { RPC_CODES } from '../httpErrors';
import type { TrainingExample } from '../records';
import type { GenerationModel, TrainerPort, TrainingQueuePort } from '../trainerPort';
import { toTimestamp } from '../tuningService';
import { timestamp } from '../wire';
import { DatasetError, type ParsedDataset, distribution, parseDataset } from './dataset';
import { type ObjectStore, StorageError } from './objectStore';
import { CHECKPOINT_FILE, type JobState, TERMINAL_STATES, type TuningJobRecord, type TuningJobStore, WEIGHTS_FILE } from './tuningJobStore';
import { newTrainingSeed } from '../trainingSeed';

/** A job that restarts this many times in a row without completing a step is failed. */
export const MAX_RESUMES_WITHOUT_PROGRESS = 3;
const PROGRESS_SAVE_INTERVAL_MS = 1000;

const jobIdOf = (record: TuningJobRecord): string => `vertex-tuningJobs/${record.id}`;

/**
 * Runs Vertex AI tuning jobs on the same trainer queue as the Gemini API surface: reads the
 * JSONL dataset from the local Cloud Storage, turns its conversations into the trainer's
 * input/output examples, and moves each job PENDING → RUNNING → SUCCEEDED / FAILED / CANCELLED.
 */
export class VertexTuning {
  private readonly running = new Set<string>();
  private readonly models = new Map<string, Promise<GenerationModel>>();
  private readonly saveTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly jobs: TuningJobStore,
    private readonly objects: ObjectStore,
    private readonly trainer: TrainerPort,
    private readonly queue: TrainingQueuePort,
    private readonly options: { stepDelayMs: number; log: (line: string) => void },
  ) {}

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
    let examples: TrainingExample[];
    try {
      examples = await this.jobs.readTrainingData(record.id);
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
    this.submit(record, examples);
  }

  /** PENDING: reads and checks the datasets, then starts training (RUNNING). */
  private async prepare(record: TuningJobRecord): Promise<void> {
    let training: ParsedDataset;
    try {
      training = await this.readDataset(record.spec.trainingDatasetUri);
      if (record.spec.validationDatasetUri) await this.readDataset(record.spec.validationDatasetUri);
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
    await this.jobs.writeTrainingData(record.id, training.examples);
    // A cancel that came while the data was being written has already ended the job.
    if (record.state !== 'JOB_STATE_PENDING') return;
    const now = timestamp();
    record.state = 'JOB_STATE_RUNNING';
    record.startTime = now;
    record.updateTime = now;
    await this.jobs.save(record);
    this.submit(record, training.examples);
  }

  private async readDataset(uri: string): Promise<ParsedDataset> {
    return parseDataset(await this.objects.readGsUri(uri), uri);
  }

  private submit(record: TuningJobRecord, examples: TrainingExample[]): void {
    const plan = record.plan;
    if (!plan) return;
    this.running.add(record.id);
    const alive = (): boolean => this.running.has(record.id) && record.state === 'JOB_STATE_RUNNING';
    this.queue.submit(
      {
        jobId: jobIdOf(record),
        examples,
        epochCount: plan.epochCount,
        batchSize: plan.batchSize,
        learningRate: plan.learningRate,
        checkpointFile: this.jobs.fileOf(record.id, CHECKPOINT_FILE),
        weightsFile: this.jobs.fileOf(record.id, WEIGHTS_FILE),
        seed: plan.seed,
        stepDelayMs: this.options.stepDelayMs,
      },
      {
        onStep: (report) => {
          if (!alive()) return;
          const snapshots = record.snapshots;
          while (snapshots.length > 0 && snapshots[snapshots.length - 1].step >= report.step) snapshots.pop();
          snapshots.push({ step: report.step, epoch: report.epoch, meanLoss: report.meanLoss, computeTime: toTimestamp(report.computeTime) });
          record.resumesWithoutProgress = 0;
          record.updateTime = timestamp();
          this.saveSoon(record);
        },
        onDone: () => {
          if (!alive()) return;
          this.running.delete(record.id);
          void this.succeed(record);
        },
        onError: (error) => {
          if (!alive()) return;
          this.running.delete(record.id);
          void this.finish(record, 'JOB_STATE_FAILED', { code: RPC_CODES.INTERNAL.number, message: `Tuning failed: ${error.message}` });
        },
      },
    );
  }

  private saveSoon(record: TuningJobRecord): void {
    if (this.saveTimers.has(record.id)) return;
    this.saveTimers.set(
      record.id,
      setTimeout(() => {
        this.saveTimers.delete(record.id);
        void this.jobs.save(record).catch(() => undefined);
      }, PROGRESS_SAVE_INTERVAL_MS),
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
    clearTimeout(this.saveTimers.get(record.id));
    this.saveTimers.delete(record.id);
    this.running.delete(record.id);
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
    if (this.running.delete(record.id)) this.queue.cancel(jobIdOf(record));
    await this.finish(record, 'JOB_STATE_CANCELLED', { code: RPC_CODES.CANCELLED.number, message: 'CANCELLED' });
    return true;
  }

  /** The trained model behind a SUCCEEDED job, loaded once. */
  model(record: TuningJobRecord): Promise<GenerationModel> {
    let loaded = this.models.get(record.id);
    if (!loaded) {
      loaded = this.trainer.loadTrainedModel(this.jobs.fileOf(record.id, WEIGHTS_FILE));
      loaded.catch(() => this.models.delete(record.id));
      this.models.set(record.id, loaded);
      if (this.models.size > 64) this.models.delete(this.models.keys().next().value as string);
    }
    return loaded;
  }

  async close(): Promise<void> {
    for (const [id, timer] of this.saveTimers) {
      clearTimeout(timer);
      const record = this.jobs.get(id);
      if (record) await this.jobs.save(record).catch(() => undefined);
    }
    this.saveTimers.clear();
    this.running.clear();
    await this.jobs.flush();
  }
}
