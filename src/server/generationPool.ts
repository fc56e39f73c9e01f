import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CandidatesRequest, GenerationChunk } from './trainer/candidates';
import type { GenerationCommand, GenerationEvent, GenerationWorkerTask } from './trainer/generationProtocol';
import type { FinishReason } from './trainer/trainedModel';

/** Chunks a worker may run ahead of a stream's client; more are granted as the client takes them. */
const STREAM_WINDOW = 16;
const STREAM_ACK = 8;

/** The model's weights could not be loaded (a missing or damaged file); nothing was generated. */
export class GenerationLoadError extends Error {}

export interface WholeGeneration {
  texts: string[];
  finished: (FinishReason | undefined)[];
}

/** A generation whose model is loaded and which is running on a worker. */
export interface Generation {
  /** The chunks in order, as the worker produces them (stream mode only). */
  chunks(): AsyncIterable<GenerationChunk>;
  /** The chunks that have arrived and not been taken yet, taken now (stream mode only). */
  takeArrived(): GenerationChunk[];
  /** Every candidate's whole text (whole mode only). */
  whole(): Promise<WholeGeneration>;
  /** Stops the generation on its worker; nothing happens once it has ended. */
  cancel(): void;
}

interface Pending {
  id: number;
  slot: Slot;
  loaded: { resolve(): void; reject(e: Error): void };
  chunks: GenerationChunk[];
  result?: WholeGeneration;
  ended: boolean;
  error?: Error;
  wake?: () => void;
  /** Stops counting a stream as waiting for its first chunk (see expectFirstChunk). */
  firstChunkTaken: () => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** When it was last picked for a generation, counted in picks. */
  picked: number;
}

/** One worker per core, at most this many: generation is the only thing they do. */
export function defaultGenerationWorkers(): number {
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

/**
 * Runs generations on worker threads, so that the server's main thread stays free to answer other
 * requests however many generations run. All workers start with the first generation; each one
 * loads the weights it is asked for once, and interleaves its generations chunk by chunk. A new
 * generation goes to the worker with the fewest open ones, of those the one picked longest ago.
 */
export class GenerationPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private picks = 0;
  private closed = false;
  private readonly streamsWithoutFirstChunk = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly opts: { workerScript: string; size?: number; log?: (line: string) => void },
  ) {}

  get size(): number {
    return Math.max(1, Math.floor(this.opts.size ?? defaultGenerationWorkers()));
  }

  /**
   * Starts a generation and resolves once its worker has loaded the model, so that a model that
   * cannot be loaded is reported (GenerationLoadError) before any response is sent.
   */
  open(weightsFile: string, request: CandidatesRequest, mode: 'stream' | 'whole'): Promise<Generation> {
    if (this.closed) return Promise.reject(new Error('the local server is stopping'));
    const slot = this.pickSlot();
    const id = this.nextId++;
    return new Promise<Generation>((resolve, reject) => {
      const pending: Pending = {
        id,
        slot,
        chunks: [],
        ended: false,
        loaded: { resolve: () => resolve(this.handle(pending)), reject },
        firstChunkTaken: mode === 'stream' ? this.expectFirstChunk() : () => undefined,
      };
      slot.pending.set(id, pending);
      this.send(slot, { kind: 'start', id, weightsFile, request, whole: mode === 'whole', window: STREAM_WINDOW });
    });
  }

  /**
   * Counts a stream as waiting for its first chunk until the returned function is called (once the
   * first chunk is taken, or the stream ends, fails or is cancelled without one; calling it again
   * does nothing). Meanwhile workers step only streams without a first chunk. It counts from
   * `open`, after the request was read and the weights found, so that neither a slow client nor a
   * base model still being made holds back the other generations.
   */
  private expectFirstChunk(): () => void {
    const counter = this.streamsWithoutFirstChunk;
    Atomics.add(counter, 0, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      Atomics.sub(counter, 0, 1);
      Atomics.notify(counter, 0);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) this.failAll(slot, new Error('the local server is stopping'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private handle(p: Pending): Generation {
    const cancel = (): void => {
      p.firstChunkTaken();
      if (p.ended) return;
      p.ended = true;
      p.slot.pending.delete(p.id);
      this.send(p.slot, { kind: 'cancel', id: p.id });
      p.wake?.();
    };
    const wait = (): Promise<void> => new Promise<void>((r) => (p.wake = r));
    let taken = 0;
    const took = (count: number): void => {
      if (count > 0) p.firstChunkTaken();
      const before = Math.floor(taken / STREAM_ACK);
      taken += count;
      const acks = Math.floor(taken / STREAM_ACK) - before;
      if (acks > 0 && !p.ended) this.send(p.slot, { kind: 'more', id: p.id, chunks: acks * STREAM_ACK });
    };
    return {
      cancel,
      whole: async () => {
        while (!p.result && !p.error && !p.ended) await wait();
        if (p.error) throw p.error;
        if (!p.result) throw new Error('the generation was cancelled');
        return p.result;
      },
      takeArrived: () => {
        const arrived = p.chunks.splice(0);
        took(arrived.length);
        return arrived;
      },
      chunks: () => ({
        [Symbol.asyncIterator]: async function* (): AsyncGenerator<GenerationChunk, void, void> {
          try {
            for (;;) {
              const chunk = p.chunks.shift();
              if (chunk) {
                took(1);
                yield chunk;
                continue;
              }
              if (p.error) throw p.error;
              if (p.ended) return;
              await wait();
            }
          } finally {
            cancel();
          }
        },
      }),
    };
  }

  private send(slot: Slot, command: GenerationCommand): void {
    slot.worker.postMessage(command);
  }

  private pickSlot(): Slot {
    // All workers start with the first generation: one started later, in the middle of a burst of
    // requests, would spend the burst starting its thread and compiling the decoder.
    while (this.slots.length < this.size) this.spawn();
    // the fewest open generations, and of those the one picked longest ago: every worker gets
    // work, and loads and compiles what it needs, before a burst comes
    let best = this.slots[0];
    for (const slot of this.slots) {
      if (slot.pending.size < best.pending.size || (slot.pending.size === best.pending.size && slot.picked < best.picked)) best = slot;
    }
    best.picked = ++this.picks;
    return best;
  }

  private spawn(): Slot {
    const task: GenerationWorkerTask = { kind: 'generate', streamsWithoutFirstChunk: this.streamsWithoutFirstChunk.buffer as SharedArrayBuffer };
    const worker = new Worker(this.opts.workerScript, { workerData: task });
    const slot: Slot = { worker, pending: new Map(), picked: 0 };
    this.slots.push(slot);
    worker.on('message', (event: GenerationEvent) => this.receive(slot, event));
    const gone = (why: string): void => {
      const at = this.slots.indexOf(slot);
      if (at < 0) return;
      this.slots.splice(at, 1);
      this.opts.log?.(`[generation] a generation worker ${why}`);
      this.failAll(slot, new Error(`the generation worker ${why}`));
    };
    worker.on('error', (e) => gone(`crashed: ${e.message}`));
    worker.on('exit', (code) => gone(`stopped unexpectedly (exit code ${code})`));
    return slot;
  }

  private receive(slot: Slot, event: GenerationEvent): void {
    if (event.kind === 'batch') {
      for (const e of event.events) this.receive(slot, e);
      return;
    }
    const p = slot.pending.get(event.id);
    if (!p) return;
    if (event.kind === 'end' || event.kind === 'failed') p.firstChunkTaken();
    switch (event.kind) {
      case 'loaded':
        p.loaded.resolve();
        return;
      case 'chunk':
        p.chunks.push(event.chunk);
        break;
      case 'whole':
        p.result = { texts: event.texts, finished: event.finished };
        p.ended = true;
        slot.pending.delete(p.id);
        break;
      case 'end':
        p.ended = true;
        slot.pending.delete(p.id);
        break;
      case 'failed':
        slot.pending.delete(p.id);
        if (event.stage === 'load') {
          p.loaded.reject(new GenerationLoadError(event.message));
          return;
        }
        p.error = new Error(`generation failed: ${event.message}`);
        break;
    }
    const wake = p.wake;
    p.wake = undefined;
    wake?.();
  }

  private failAll(slot: Slot, error: Error): void {
    for (const p of slot.pending.values()) {
      p.firstChunkTaken();
      p.error = error;
      p.loaded.reject(error);
      const wake = p.wake;
      p.wake = undefined;
      wake?.();
    }
    slot.pending.clear();
  }
}
