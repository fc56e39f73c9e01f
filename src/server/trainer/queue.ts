import { Worker } from 'node:worker_threads';
import { type TrainingJobSpec, type WorkerMessage } from './workerProtocol';
import { type StepReport } from './trainer';

export interface TrainingEvents {
  onStep(report: StepReport): void;
  onDone(): void;
  onError(error: Error): void;
}

interface QueuedJob {
  spec: TrainingJobSpec;
  events: TrainingEvents;
}

interface RunningJob extends QueuedJob {
  worker: Worker;
  /** Set once a terminal event was delivered or the job was cancelled: nothing more is reported. */
  settled: boolean;
  exited: Promise<void>;
}

/**
 * Runs training jobs on worker threads, `concurrency` at a time (1 by default), the others waiting
 * in submission order. Each job reports every completed step, then exactly one of onDone and
 * onError; a cancelled job reports nothing more.
 */
export class TrainingQueue {
  private readonly workerScript: string;
  private readonly concurrency: number;
  private readonly log: (line: string) => void;
  private readonly waiting: QueuedJob[] = [];
  /** Jobs with a live worker, including settled ones whose worker is still shutting down. */
  private readonly running = new Set<RunningJob>();
  private closed = false;

  constructor(opts: { workerScript: string; concurrency?: number; log?: (line: string) => void }) {
    this.workerScript = opts.workerScript;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
    this.log = opts.log ?? (() => undefined);
  }

  /** Jobs submitted and not yet finished (running first, then waiting). */
  get pendingJobIds(): string[] {
    const running = [...this.running].filter((j) => !j.settled).map((j) => j.spec.jobId);
    return [...running, ...this.waiting.map((j) => j.spec.jobId)];
  }

  submit(spec: TrainingJobSpec, events: TrainingEvents): void {
    if (this.closed) throw new Error('the training queue is closed');
    if (this.pendingJobIds.includes(spec.jobId)) {
      throw new Error(`training job ${spec.jobId} is already queued`);
    }
    this.waiting.push({ spec, events });
    this.log(`[trainer] queued job ${spec.jobId} (${this.running.size} running, ${this.waiting.length} waiting)`);
    this.pump();
  }

  cancel(jobId: string): void {
    const index = this.waiting.findIndex((j) => j.spec.jobId === jobId);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      this.log(`[trainer] cancelled waiting job ${jobId}`);
      return;
    }
    const job = [...this.running].find((j) => !j.settled && j.spec.jobId === jobId);
    if (job) {
      job.settled = true;
      this.log(`[trainer] cancelling job ${jobId}`);
      void job.worker.terminate();
    }
  }

  /** Stops every worker and drops waiting jobs; no events are delivered afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    const jobs = [...this.running];
    for (const job of jobs) {
      job.settled = true;
      void job.worker.terminate();
    }
    await Promise.all(jobs.map((j) => j.exited));
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency && this.waiting.length > 0) {
      this.start(this.waiting.shift() as QueuedJob);
    }
  }

  private start(queued: QueuedJob): void {
    const { spec, events } = queued;
    let worker: Worker;
    try {
      worker = new Worker(this.workerScript, { workerData: spec });
    } catch (err) {
      this.deliver(() => events.onError(new Error(`cannot start a training worker from ${this.workerScript}: ${(err as Error).message}`)));
      this.pump();
      return;
    }
    let resolveExit: () => void = () => undefined;
    const job: RunningJob = { spec, events, worker, settled: false, exited: new Promise((r) => (resolveExit = r)) };
    this.running.add(job);
    const finish = (outcome: () => void) => {
      if (job.settled) return;
      job.settled = true;
      this.deliver(outcome);
    };
    worker.on('message', (message: WorkerMessage) => {
      if (job.settled) return;
      switch (message.kind) {
        case 'started':
          this.log(
            message.resumedFrom > 0
              ? `[trainer] job ${spec.jobId} resumed at step ${message.resumedFrom} of ${message.totalSteps}`
              : `[trainer] job ${spec.jobId} started: ${message.totalSteps} steps`,
          );
          break;
        case 'step':
          this.deliver(() => events.onStep(message.report));
          break;
        case 'done':
          this.log(`[trainer] job ${spec.jobId} finished`);
          finish(() => events.onDone());
          break;
        case 'failed':
          this.log(`[trainer] job ${spec.jobId} failed: ${message.message}`);
          finish(() => events.onError(new Error(`training job ${spec.jobId} failed: ${message.message}`)));
          break;
      }
    });
    worker.on('error', (err) => {
      this.log(`[trainer] worker of job ${spec.jobId} crashed: ${err.stack ?? err.message}`);
      finish(() => events.onError(new Error(`the training worker of job ${spec.jobId} crashed: ${err.message}`)));
    });
    worker.on('exit', (code) => {
      this.running.delete(job);
      finish(() => events.onError(new Error(`the training worker of job ${spec.jobId} stopped unexpectedly (exit code ${code})`)));
      resolveExit();
      this.pump();
    });
  }

  private deliver(callback: () => void): void {
    try {
      callback();
    } catch (err) {
      this.log(`[trainer] a training event handler threw: ${(err as Error).stack ?? String(err)}`);
    }
  }
}
