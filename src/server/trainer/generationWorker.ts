import { type Stats, promises as fsp } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { type GenerationChunk, runCandidates } from './candidates';
import type { GenerationCommand, GenerationEvent } from './generationProtocol';
import { type FinishReason, loadTrainedModel, type TrainedModel } from './trainedModel';

/** Models a worker keeps loaded; the least recently used beyond this are dropped. */
const LOADED_MODELS = 16;
/** How long the worker generates before it looks at its messages again (new requests, cancels). */
const SLICE_MS = 2;

interface Job {
  id: number;
  whole: boolean;
  credit: number;
  chunks?: Generator<GenerationChunk, void, void>;
  texts: string[];
  finished: (FinishReason | undefined)[];
  cancelled: boolean;
}

/**
 * Serves generations on a worker thread: loads each weights file once (again when it changes on
 * disk), and runs every open generation a chunk at a time in turn, so a long one does not hold up
 * the first chunk of a new one.
 */
export function serveGenerations(port: MessagePort): void {
  const post = (event: GenerationEvent): void => port.postMessage(event);
  const models = new Map<string, Promise<TrainedModel>>();
  const jobs = new Map<number, Job>();
  let turn: number[] = [];
  let scheduled = false;

  const modelFor = async (file: string): Promise<TrainedModel> => {
    // A model re-created under the same id writes a new file (atomically), so the key changes with it.
    let stat: Stats;
    try {
      stat = await fsp.stat(file);
    } catch {
      return loadTrainedModel(file); // which says what is wrong with the file, as loading always has
    }
    const key = `${file}\0${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    let loaded = models.get(key);
    if (loaded) {
      models.delete(key);
    } else {
      loaded = loadTrainedModel(file);
      loaded.catch(() => models.delete(key));
    }
    models.set(key, loaded);
    if (models.size > LOADED_MODELS) models.delete(models.keys().next().value as string);
    return loaded;
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(run);
  };

  const finish = (job: Job): void => {
    jobs.delete(job.id);
    if (job.whole) post({ kind: 'whole', id: job.id, texts: job.texts, finished: job.finished });
    else post({ kind: 'end', id: job.id });
  };

  const runnable = (job: Job): boolean => job.chunks !== undefined && !job.cancelled && (job.whole || job.credit > 0);

  /** One chunk of one job. */
  const step = (job: Job, chunks: Generator<GenerationChunk, void, void>): void => {
    let next: IteratorResult<GenerationChunk, void>;
    try {
      next = chunks.next();
    } catch (e) {
      jobs.delete(job.id);
      post({ kind: 'failed', id: job.id, stage: 'generate', message: (e as Error).message });
      return;
    }
    if (next.done) {
      finish(job);
      return;
    }
    const chunk = next.value;
    if (job.whole) {
      chunk.deltas.forEach((d, i) => {
        job.texts[i] += d;
        if (chunk.finished[i]) job.finished[i] = chunk.finished[i];
      });
    } else {
      job.credit--;
      post({ kind: 'chunk', id: job.id, chunk });
    }
  };

  function run(): void {
    scheduled = false;
    const started = performance.now();
    for (;;) {
      if (turn.length === 0) {
        turn = [...jobs.values()].filter(runnable).map((j) => j.id);
        // Nothing can move until a message arrives (a model loads, a client reads, a request comes).
        if (turn.length === 0) return;
      }
      const job = jobs.get(turn.shift() as number);
      if (job?.chunks && runnable(job)) step(job, job.chunks);
      if (performance.now() - started >= SLICE_MS) break;
    }
    schedule();
  }

  const start = async (command: Extract<GenerationCommand, { kind: 'start' }>): Promise<void> => {
    const { id, request } = command;
    const job: Job = {
      id,
      whole: command.whole,
      credit: command.window,
      texts: Array.from({ length: request.candidateCount }, () => ''),
      finished: Array.from({ length: request.candidateCount }, () => undefined),
      cancelled: false,
    };
    jobs.set(id, job);
    let model: TrainedModel;
    try {
      model = await modelFor(command.weightsFile);
    } catch (e) {
      jobs.delete(id);
      if (!job.cancelled) post({ kind: 'failed', id, stage: 'load', message: (e as Error).message });
      return;
    }
    if (job.cancelled) return;
    job.chunks = runCandidates(model, request);
    post({ kind: 'loaded', id });
    // A new generation goes first: its first chunk is what its client is waiting for.
    turn.unshift(id);
    schedule();
  };

  port.on('message', (command: GenerationCommand) => {
    switch (command.kind) {
      case 'start':
        void start(command);
        break;
      case 'more': {
        const job = jobs.get(command.id);
        if (job) {
          job.credit += command.chunks;
          schedule();
        }
        break;
      }
      case 'cancel': {
        const job = jobs.get(command.id);
        if (job) {
          job.cancelled = true;
          jobs.delete(command.id);
        }
        break;
      }
    }
  });
}
