import { readlinkSync, type Stats, statSync } from 'node:fs';
import * as os from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { BatchedGeneration, EncoderCache, stepCandidates } from './batchedDecoding';
import type { GenerationCommand, GenerationEvent } from './generationProtocol';
import type { Network } from './network';
import { type FinishReason, LocalTrainedModel, loadTrainedModel } from './trainedModel';

/** Models a worker keeps loaded; the least recently used beyond this are dropped. */
const LOADED_MODELS = 16;
/** How long the worker generates before it looks at its messages again (new requests, cancels). */
const SLICE_MS = 2;
/** The scheduling priority (nice) of a generation thread, below the thread that answers requests. */
export const GENERATION_NICE = 5;
/** Candidates one decoder step takes at most; beyond about this many a batch is no faster per candidate. */
const MAX_BATCH = 16;

interface Job {
  id: number;
  whole: boolean;
  credit: number;
  net?: Network;
  generation?: BatchedGeneration;
  texts: string[];
  finished: (FinishReason | undefined)[];
  cancelled: boolean;
  /** When the job last stepped, counted in jobs stepped; 0 before its first step. */
  lastStep: number;
}

/**
 * Serves generations on a worker thread: loads each weights file once (again when it changes on
 * disk), and decodes its open generations together, one decoder step for up to MAX_BATCH
 * candidates at a time, the least recently stepped first (batchedDecoding, which gives each the
 * same text as decoding it alone). While some stream still waits for its first chunk, only such
 * streams step, so a new stream's first chunk does not wait behind the chunks of older ones; and
 * while some stream anywhere in the server waits for its first chunk (`streamsWithoutFirstChunk`,
 * counted from the moment the request thread sends its start message), a worker with none of its
 * own steps nothing else, leaving the processor to the threads that bring that chunk about.
 * Chunks leave as soon as a step completes them, all of a step's in one message.
 */
export function serveGenerations(port: MessagePort, streamsWithoutFirstChunk?: Int32Array): void {
  const models = new Map<string, Promise<LocalTrainedModel>>();
  const encoders = new WeakMap<Network, EncoderCache>();
  const jobs = new Map<number, Job>();
  let outbox: GenerationEvent[] = [];
  let scheduled = false;
  let steps = 0;
  let waitingForOthers = false;

  const post = (event: GenerationEvent): void => {
    outbox.push(event);
  };
  const flush = (): void => {
    if (outbox.length === 0) return;
    port.postMessage(outbox.length === 1 ? outbox[0] : { kind: 'batch', events: outbox });
    outbox = [];
  };

  const load = async (file: string): Promise<LocalTrainedModel> => {
    const model = await loadTrainedModel(file);
    if (!(model instanceof LocalTrainedModel)) throw new Error(`${file} is not a local model`);
    return model;
  };

  const modelFor = (file: string): Promise<LocalTrainedModel> => {
    // A model re-created under the same id writes a new file (atomically), so the key changes with it.
    // Synchronous: a stat blocks this thread for microseconds, where a trip through the thread pool
    // costs a turn of the event loop, behind a decoder step, before every generation.
    let stat: Stats;
    try {
      stat = statSync(file);
    } catch {
      return load(file); // which says what is wrong with the file, as loading always has
    }
    const key = `${file}\0${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    let loaded = models.get(key);
    if (loaded) {
      models.delete(key);
    } else {
      loaded = load(file);
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

  const fail = (job: Job, message: string): void => {
    jobs.delete(job.id);
    post({ kind: 'failed', id: job.id, stage: 'generate', message });
  };

  /** Hands out the chunks a job has complete, as far as its client's window allows. */
  const deliver = (job: Job, generation: BatchedGeneration): void => {
    while (job.whole || job.credit > 0) {
      const chunk = generation.takeChunk();
      if (!chunk) break;
      if (job.whole) {
        chunk.deltas.forEach((d, i) => {
          job.texts[i] += d;
          if (chunk.finished[i]) job.finished[i] = chunk.finished[i];
        });
      } else {
        job.credit--;
        post({ kind: 'chunk', id: job.id, chunk });
      }
    }
    if (generation.finished) {
      jobs.delete(job.id);
      if (job.whole) post({ kind: 'whole', id: job.id, texts: job.texts, finished: job.finished });
      else post({ kind: 'end', id: job.id });
    }
  };

  const movable = (job: Job): job is Job & { generation: BatchedGeneration; net: Network } =>
    job.generation !== undefined && !job.cancelled && (job.whole || job.credit > 0);

  /** Resumes once no stream in the server waits for its first chunk any more (or a message comes). */
  const waitForOthers = (seen: number): void => {
    if (waitingForOthers || !streamsWithoutFirstChunk) return;
    waitingForOthers = true;
    const { async, value } = Atomics.waitAsync(streamsWithoutFirstChunk, 0, seen);
    const resume = (): void => {
      waitingForOthers = false;
      schedule();
    };
    if (async) void value.then(resume);
    else resume();
  };

  /** One decoder step for every job that can move (only the streams without a first chunk, while there are any); false when none can. */
  const stepOnce = (): boolean => {
    const open = [...jobs.values()].filter(movable);
    for (const job of open) deliver(job, job.generation);
    const moving = open.filter((j) => jobs.has(j.id) && movable(j) && j.generation.needingStep().length > 0);
    if (moving.length === 0) return false;
    const waitingForFirst = moving.filter((j) => !j.whole && j.generation.chunksOut === 0);
    if (waitingForFirst.length === 0 && streamsWithoutFirstChunk) {
      const elsewhere = Atomics.load(streamsWithoutFirstChunk, 0);
      if (elsewhere > 0) {
        waitForOthers(elsewhere);
        return false;
      }
    }
    // The least recently stepped first, up to a batch: a step stays short, so a new request is
    // looked at soon, and larger batches gain nothing more per candidate.
    const candidates = (waitingForFirst.length > 0 ? waitingForFirst : moving).sort((a, b) => a.lastStep - b.lastStep);
    const batch: typeof candidates = [];
    let size = 0;
    for (const job of candidates) {
      if (size >= MAX_BATCH) break;
      batch.push(job);
      size += job.generation.needingStep().length;
      job.lastStep = ++steps;
    }
    const byNetwork = new Map<Network, typeof batch>();
    for (const job of batch) {
      const group = byNetwork.get(job.net);
      if (group) group.push(job);
      else byNetwork.set(job.net, [job]);
    }
    for (const [net, group] of byNetwork) {
      try {
        stepCandidates(net, group.flatMap((j) => j.generation.needingStep()));
      } catch (e) {
        for (const job of group) fail(job, (e as Error).message);
        continue;
      }
      for (const job of group) deliver(job, job.generation);
    }
    return true;
  };

  function run(): void {
    scheduled = false;
    const started = performance.now();
    let more = true;
    while (more && performance.now() - started < SLICE_MS) {
      more = stepOnce();
      // the first chunks go as soon as they exist
      flush();
    }
    flush();
    // Otherwise nothing can move until a message arrives (a model loads, a client reads, a request comes).
    if (more) schedule();
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
      lastStep: 0,
    };
    jobs.set(id, job);
    let model: LocalTrainedModel;
    try {
      model = await modelFor(command.weightsFile);
    } catch (e) {
      jobs.delete(id);
      if (!job.cancelled) port.postMessage({ kind: 'failed', id, stage: 'load', message: (e as Error).message } satisfies GenerationEvent);
      return;
    }
    if (job.cancelled) return;
    try {
      const net = model.network;
      let encoder = encoders.get(net);
      if (!encoder) encoders.set(net, (encoder = new EncoderCache(net)));
      job.generation = new BatchedGeneration(net, request, encoder.encode(request.input));
      job.net = model.network;
    } catch (e) {
      jobs.delete(id);
      port.postMessage({ kind: 'failed', id, stage: 'generate', message: (e as Error).message } satisfies GenerationEvent);
      return;
    }
    port.postMessage({ kind: 'loaded', id } satisfies GenerationEvent);
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

/**
 * Generation keeps every core busy while it runs; the thread that answers requests must still get a
 * core at once, or a GET and the first chunk of a new stream wait behind it. Linux schedules threads
 * on their own, so this thread (its id read from /proc/thread-self) is made nicer than the main
 * thread; elsewhere the threads keep the process's priority.
 */
export function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, Math.max(os.getPriority(tid), GENERATION_NICE));
  } catch {
    // no /proc, or not allowed: generation then competes with the request thread as an equal
  }
}
