import { Worker } from 'node:worker_threads';
import { sharedModelCacheDir } from './baseModel';
import { loadTrainedModel, type TrainedModel } from './trainedModel';
import { type TrainingJobSpec, type WorkerMessage, type WorkerTask } from './workerProtocol';
import { type StepReport } from './trainer';

export interface TrainingEvents {
  /** The job's worker began training (a queued job that never got here did not run). */
  onStart?(): void;
  onStep(report: StepReport): void;
  onDone(): void;
  onError(error: Error): void;
}

interface QueuedJob {
  spec: TrainingJobSpec;
  events: TrainingEvents;
}

interface RunningJob extends QueuedJob {
  /** Absent while the job waits for the base model. */
  worker?: Worker;
  /** Set once a terminal event was delivered or the job was cancelled: nothing more is reported. */
  settled: boolean;
  exited: Promise<void>;
  resolveExit(): void;
}

/**
 * The base model's weights file, pretrained once on a worker thread when no cache has it. Every
 * caller shares one pretraining run.
 */
export class BaseModelProvider {
  private pending?: Promise<string>;
  private loaded?: Promise<TrainedModel>;
  private worker?: Worker;
  private closed = false;

  constructor(
    private readonly opts: {
      workerScript: string;
      /** Where the weights are cached, in order of preference; the first one receives them. */
      dirs?: string[];
      log?: (line: string) => void;
    },
  ) {}

  file(): Promise<string> {
    if (!this.pending) {
      this.pending = this.pretrainOnWorker();
      this.pending.catch(() => (this.pending = undefined));
    }
    return this.pending;
  }

  model(): Promise<TrainedModel> {
    if (!this.loaded) {
      this.loaded = this.file().then(loadTrainedModel);
      this.loaded.catch(() => (this.loaded = undefined));
    }
    return this.loaded;
  }

  /** Stops a pretraining run in progress (it starts over, from nothing, next time). */
  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
  }

  private pretrainOnWorker(): Promise<string> {
    if (this.closed) return Promise.reject(new Error('the local server is stopping'));
    const log = this.opts.log ?? (() => undefined);
    const task: WorkerTask = { kind: 'pretrain', dirs: this.opts.dirs ?? [sharedModelCacheDir()] };
    return new Promise((resolve, reject) => {
      let file: string | undefined;
      let failure: string | undefined;
      const worker = new Worker(this.opts.workerScript, { workerData: task });
      this.worker = worker;
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'log') log(message.line);
        else if (message.kind === 'pretrained') file = message.file;
        else if (message.kind === 'failed') failure = message.message;
      });
      worker.on('error', (err) => (failure ??= err.message));
      worker.on('exit', (code) => {
        this.worker = undefined;
        if (file) resolve(file);
        else reject(new Error(`the base model could not be prepared: ${failure ?? `its worker stopped with exit code ${code}`}`));
      });
    });
  }
}

/**
 * Runs training jobs on worker threads, `concurrency` at a time (1 by default), the others waiting
 * in submission order. Each job reports every completed step, then exactly one of onDone and
 * onError; a cancelled job reports nothing more. A job without a source model starts from the base
 * model, which is prepared first if need be.
 */
export class TrainingQueue {
  private readonly workerScript: string;
  private readonly concurrency: number;
  private readonly log: (line: string) => void;
  readonly baseModel: BaseModelProvider;
  private readonly waiting: QueuedJob[] = [];
  /** Jobs with a live worker, including settled ones whose worker is still shutting down. */
  private readonly running = new Set<RunningJob>();
  private closed = false;

  constructor(opts: { workerScript: string; concurrency?: number; log?: (line: string) => void; baseModel?: BaseModelProvider }) {
    this.workerScript = opts.workerScript;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
    this.log = opts.log ?? (() => undefined);
    this.baseModel = opts.baseModel ?? new BaseModelProvider({ workerScript: opts.workerScript, log: this.log });
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

  /** Drops a waiting job or stops a running one; resolves once its worker has exited. */
  cancel(jobId: string): Promise<void> {
    const index = this.waiting.findIndex((j) => j.spec.jobId === jobId);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      this.log(`[trainer] cancelled waiting job ${jobId}`);
      return Promise.resolve();
    }
    const job = [...this.running].find((j) => !j.settled && j.spec.jobId === jobId);
    if (!job) return Promise.resolve();
    job.settled = true;
    this.log(`[trainer] cancelling job ${jobId}`);
    this.stop(job);
    return job.exited;
  }

  /** Stops every worker and drops waiting jobs; no events are delivered afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    const jobs = [...this.running];
    for (const job of jobs) {
      job.settled = true;
      this.stop(job);
    }
    await Promise.all([...jobs.map((j) => j.exited), this.baseModel.close()]);
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency && this.waiting.length > 0) {
      this.start(this.waiting.shift() as QueuedJob);
    }
  }

  /** Terminates the job's worker, or, while it waits for the base model, frees its place. */
  private stop(job: RunningJob): void {
    if (job.worker) void job.worker.terminate();
    else this.release(job);
  }

  private release(job: RunningJob): void {
    if (!this.running.delete(job)) return;
    job.resolveExit();
    this.pump();
  }

  private start(queued: QueuedJob): void {
    let resolveExit: () => void = () => undefined;
    const exited = new Promise<void>((r) => (resolveExit = r));
    const job: RunningJob = { ...queued, settled: false, exited, resolveExit: () => resolveExit() };
    this.running.add(job);
    if (queued.spec.sourceWeightsFile || queued.spec.baseWeightsFile) {
      this.launch(job, queued.spec);
      return;
    }
    this.baseModel.file().then(
      (file) => {
        if (!job.settled) this.launch(job, { ...queued.spec, baseWeightsFile: file });
        else this.release(job);
      },
      (err: Error) => {
        if (!job.settled) {
          job.settled = true;
          this.deliver(() => queued.events.onError(new Error(`training job ${queued.spec.jobId} cannot start: ${err.message}`)));
        }
        this.release(job);
      },
    );
  }

  private launch(job: RunningJob, spec: TrainingJobSpec): void {
    const { events } = job;
    let worker: Worker;
    try {
      const task: WorkerTask = { kind: 'train', spec };
      worker = new Worker(this.workerScript, { workerData: task });
    } catch (err) {
      job.settled = true;
      this.deliver(() => events.onError(new Error(`cannot start a training worker from ${this.workerScript}: ${(err as Error).message}`)));
      this.release(job);
      return;
    }
    job.worker = worker;
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
          if (events.onStart) this.deliver(() => events.onStart?.());
          break;
        case 'log':
          this.log(message.line);
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
      finish(() => events.onError(new Error(`the training worker of job ${spec.jobId} stopped unexpectedly (exit code ${code})`)));
      this.release(job);
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
