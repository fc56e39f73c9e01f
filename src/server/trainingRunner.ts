import type { SnapshotRecord } from './records';
import type { StepReport, TrainingJobSpec, TrainingQueuePort } from './trainerPort';
import { timestamp } from './wire';

const PROGRESS_SAVE_INTERVAL_MS = 1000;

export function toTimestamp(value: string | number): string {
  if (typeof value === 'number') return timestamp(value);
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? value : value.endsWith('Z') ? value : timestamp(parsed);
}

/** Adds a step's snapshot, replacing any the job reported before for this step or a later one (a resumed job repeats none). */
export function recordStep(snapshots: SnapshotRecord[], report: StepReport): SnapshotRecord {
  const snapshot: SnapshotRecord = {
    step: report.step,
    epoch: report.epoch,
    meanLoss: report.meanLoss,
    computeTime: toTimestamp(report.computeTime),
    ...(report.evalLoss !== undefined ? { evalLoss: report.evalLoss } : {}),
  };
  while (snapshots.length > 0 && snapshots[snapshots.length - 1].step >= snapshot.step) snapshots.pop();
  snapshots.push(snapshot);
  return snapshot;
}

export interface RunHooks {
  /** False once the job's owner no longer wants to hear of it (deleted, cancelled, ended). */
  wanted(): boolean;
  onStart?(): void;
  onStep(report: StepReport): void;
  onDone(): void;
  onError(error: Error): void;
}

/**
 * What both tuning surfaces (tunedModels and Vertex AI tuningJobs) do with their jobs: submit them
 * to the shared trainer queue and hear of them only while wanted, stop them, save progress at most
 * once a second, and load trained weights once. Jobs are known by their owner's key (a model or
 * tuning job id); the queue knows them by a job id unique per submission.
 */
export class TrainingRunner {
  private readonly running = new Map<string, string>();
  private readonly saveTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly queue: TrainingQueuePort,
    private readonly stepDelayMs: number,
  ) {}

  run(key: string, spec: Omit<TrainingJobSpec, 'stepDelayMs'>, hooks: RunHooks): void {
    this.running.set(key, spec.jobId);
    const alive = (): boolean => this.running.get(key) === spec.jobId && hooks.wanted();
    const ended = (): boolean => {
      if (!alive()) return false;
      this.running.delete(key);
      return true;
    };
    this.queue.submit(
      { ...spec, stepDelayMs: this.stepDelayMs },
      {
        onStart: () => {
          if (alive()) hooks.onStart?.();
        },
        onStep: (report) => {
          if (alive()) hooks.onStep(report);
        },
        onDone: () => {
          if (ended()) hooks.onDone();
        },
        onError: (error) => {
          if (ended()) hooks.onError(error);
        },
      },
    );
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  /** Stops the key's job on the queue; false when it had none running. */
  stop(key: string): boolean {
    const jobId = this.running.get(key);
    if (jobId === undefined) return false;
    this.running.delete(key);
    void this.queue.cancel(jobId);
    return true;
  }

  /** Stops the key's job, if it has one, and resolves once its worker has exited. */
  async stopAndWait(key: string): Promise<void> {
    const jobId = this.running.get(key);
    if (jobId === undefined) return;
    this.running.delete(key);
    await this.queue.cancel(jobId);
  }

  /** Stops hearing of the key's job without stopping it (it ended, or failed on the server's side). */
  release(key: string): void {
    this.running.delete(key);
  }

  /**
   * Progress is saved at most once a second: the trainer's checkpoint, written every step, is
   * what a restart resumes from, so the owner's record only needs to follow it loosely.
   */
  saveSoon(key: string, save: () => Promise<void>): void {
    if (this.saveTimers.has(key)) return;
    this.saveTimers.set(
      key,
      setTimeout(() => {
        this.saveTimers.delete(key);
        void save().catch(() => undefined);
      }, PROGRESS_SAVE_INTERVAL_MS),
    );
  }

  cancelSave(key: string): void {
    clearTimeout(this.saveTimers.get(key));
    this.saveTimers.delete(key);
  }

  /** Cancels pending progress saves and returns their keys, so that the owner saves them now; forgets every job. */
  close(): string[] {
    const pending = [...this.saveTimers.keys()];
    for (const key of pending) this.cancelSave(key);
    this.running.clear();
    return pending;
  }
}
