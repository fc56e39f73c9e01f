import { promises as fsp } from 'node:fs';
import { operationStatus } from './httpErrors';
import type { ModelRecord, TrainingExample } from './records';
import { CHECKPOINT_FILE, type ModelStore, SOURCE_WEIGHTS_FILE, WEIGHTS_FILE } from './store';
import type { GenerationModel, TrainerPort, TrainingQueuePort } from './trainerPort';
import { TrainingRunner, recordStep, toTimestamp } from './trainingRunner';
import { timestamp } from './wire';

/** A job that restarts this many times in a row without completing a step is marked FAILED. */
export const MAX_RESUMES_WITHOUT_PROGRESS = 3;

function jobIdOf(record: ModelRecord): string {
  return `${record.id}/${record.operationId}`;
}

/** Runs tuning jobs on the trainer's worker queue and keeps each model's record in step with them. */
export class TuningService {
  private readonly runner: TrainingRunner;

  constructor(
    private readonly store: ModelStore,
    private readonly trainer: TrainerPort,
    private readonly queue: TrainingQueuePort,
    private readonly options: { stepDelayMs: number; log: (line: string) => void },
  ) {
    this.runner = new TrainingRunner(queue, options.stepDelayMs);
  }

  /** Starts a freshly created model's job. */
  start(record: ModelRecord, examples: TrainingExample[]): void {
    this.submit(record, examples);
  }

  /** Resumes or fails every model left CREATING by a previous run. */
  /**
   * Resumes or fails every model left CREATING by a previous run, oldest first so that the queue
   * keeps its order. A model that cannot be saved (a full disk) is logged and left as it is: the
   * server must still start, so that models can be deleted to make room.
   */
  async recover(): Promise<void> {
    const unfinished = this.store.all().filter((r) => r.state === 'CREATING').reverse();
    for (const record of unfinished) {
      try {
        await this.recoverOne(record);
      } catch (e) {
        this.runner.release(record.id);
        this.options.log(
          `[tuning] could not resume tunedModels/${record.id}: ${(e as Error).message}; it stays CREATING until the next start. ` +
            'If the disk is full, delete tuned models or other files to make room, then restart the server.',
        );
      }
    }
  }

  private async recoverOne(record: ModelRecord): Promise<void> {
    // Counts attempts whose training really began and completed no step; waiting in the queue is not an attempt.
    const withoutProgress = record.resumesWithoutProgress ?? 0;
    if (withoutProgress > MAX_RESUMES_WITHOUT_PROGRESS) {
      await this.fail(
        record,
        'ABORTED',
        `Tuning was interrupted by a server stop ${withoutProgress} times in a row without completing a step; it will not be resumed again.`,
      );
      return;
    }
    record.resumeCount += 1;
    let examples: TrainingExample[];
    try {
      examples = await this.store.readTrainingData(record.id);
    } catch (e) {
      await this.fail(record, 'DATA_LOSS', `Tuning was interrupted by a server stop and its training data could not be read back: ${(e as Error).message}`);
      return;
    }
    try {
      const checkpoint = await this.trainer.readCheckpoint(this.store.fileOf(record.id, CHECKPOINT_FILE));
      if (checkpoint) {
        record.snapshots = checkpoint.snapshots.map((s) => ({ ...s, computeTime: toTimestamp(s.computeTime) }));
      } else {
        record.snapshots = [];
      }
    } catch (e) {
      this.options.log(`[tuning] ${record.id}: checkpoint unreadable (${(e as Error).message}); training restarts from step 0`);
      record.snapshots = [];
    }
    this.options.log(`[tuning] resuming tunedModels/${record.id} after a restart at step ${record.snapshots.length}/${record.totalSteps}`);
    await this.store.save(record);
    this.submit(record, examples);
  }

  private submit(record: ModelRecord, examples: TrainingExample[]): void {
    const id = record.id;
    try {
      this.runner.run(
        id,
        {
          // Unique per create, so a job of a deleted model that is still stopping never blocks a new one with the same id.
          jobId: jobIdOf(record),
          examples,
          epochCount: record.hyperparameters.epochCount,
          batchSize: record.hyperparameters.batchSize,
          learningRate: record.learningRate,
          sourceWeightsFile: record.hasSourceWeights ? this.store.fileOf(id, SOURCE_WEIGHTS_FILE) : undefined,
          checkpointFile: this.store.fileOf(id, CHECKPOINT_FILE),
          weightsFile: this.store.fileOf(id, WEIGHTS_FILE),
          seed: record.seed,
        },
        {
          wanted: () => this.store.get(id) === record,
          onStart: () => {
            record.resumesWithoutProgress = (record.resumesWithoutProgress ?? 0) + 1;
            void this.store.save(record).catch(() => undefined);
          },
          onStep: (report) => {
            const snapshot = recordStep(record.snapshots, report);
            if (!record.startTime) record.startTime = snapshot.computeTime;
            if (report.totalSteps > 0) record.totalSteps = report.totalSteps;
            record.resumesWithoutProgress = 0;
            this.runner.saveSoon(id, () => this.store.save(record));
          },
          onDone: () => void this.complete(record),
          onError: (error) => void this.fail(record, 'INTERNAL', `Tuning failed: ${error.message}`),
        },
      );
    } catch (e) {
      void this.fail(record, 'INTERNAL', `Tuning could not start: ${(e as Error).message}`);
    }
  }

  private async complete(record: ModelRecord): Promise<void> {
    this.runner.cancelSave(record.id);
    try {
      await fsp.access(this.store.fileOf(record.id, WEIGHTS_FILE));
    } catch {
      await this.fail(record, 'INTERNAL', 'Tuning finished but the trained weights were not written.');
      return;
    }
    const now = timestamp();
    record.state = 'ACTIVE';
    if (!record.startTime) record.startTime = now;
    record.completeTime = now;
    record.updateTime = now;
    await this.store.save(record).catch(() => undefined);
    this.options.log(`[tuning] tunedModels/${record.id} is ACTIVE after ${record.snapshots.length} steps`);
  }

  private async fail(record: ModelRecord, status: Parameters<typeof operationStatus>[0], message: string): Promise<void> {
    this.runner.cancelSave(record.id);
    const now = timestamp();
    record.state = 'FAILED';
    record.error = operationStatus(status, message);
    record.completeTime = now;
    record.updateTime = now;
    this.runner.release(record.id);
    this.options.log(`[tuning] tunedModels/${record.id} FAILED: ${message}`);
    await this.store.save(record).catch(() => undefined);
  }

  /**
   * Stops the job of a CREATING model at a client's request (operations.cancel). The model ends
   * FAILED, its operation carrying CANCELLED, and keeps the snapshots of the steps it completed.
   * Returns false when the model has no job to stop (it already finished).
   */
  async cancelJob(record: ModelRecord): Promise<boolean> {
    if (record.state !== 'CREATING' || !this.runner.stop(record.id)) return false;
    const completed = record.snapshots.length > 0 ? record.snapshots[record.snapshots.length - 1].step : 0;
    await this.fail(record, 'CANCELLED', `Tuning was cancelled after ${completed} of ${record.totalSteps} steps.`);
    return true;
  }

  /**
   * Stops a model's job (the model is being deleted). Resolves once its worker has stopped, so
   * that it writes no checkpoint into a directory a new model of the same id may take next.
   */
  async cancel(id: string): Promise<void> {
    this.runner.cancelSave(id);
    await this.runner.stopAndWait(id);
  }

  /** Where an ACTIVE record's trained weights are, for the generation workers to load. */
  weightsFile(record: ModelRecord): string {
    return this.store.fileOf(record.id, WEIGHTS_FILE);
  }

  baseModelFile(): Promise<string> {
    return this.trainer.baseModelFile();
  }

  baseModel(): Promise<GenerationModel> {
    return this.trainer.baseModel();
  }

  async close(): Promise<void> {
    const pending = this.runner.close();
    await Promise.all(pending.map((id) => this.store.get(id)).map((r) => (r ? this.store.save(r).catch(() => undefined) : undefined)));
    await this.queue.close();
  }
}
