import type { CandidatesRequest, GenerationChunk } from './candidates';
import type { FinishReason } from './trainedModel';

/** A generation worker's workerData: it serves generations until it is terminated. */
export interface GenerationWorkerTask {
  kind: 'generate';
  /**
   * One Int32: how many streams anywhere in the server are still waiting for their first chunk,
   * from their start message to the first chunk the request thread takes (see
   * GenerationPool.expectFirstChunk).
   */
  streamsWithoutFirstChunk: SharedArrayBuffer;
}

/** Messages from the main thread to a generation worker. */
export type GenerationCommand =
  | {
      kind: 'start';
      id: number;
      /** The weights to generate with; each worker loads a file once and keeps it while it is unchanged. */
      weightsFile: string;
      request: CandidatesRequest;
      /** One `whole` message at the end instead of a message per chunk (unary generateContent). */
      whole: boolean;
      /** Chunks the worker may send before the main thread asks for more (flow control for slow clients). */
      window: number;
    }
  | { kind: 'more'; id: number; chunks: number }
  | { kind: 'cancel'; id: number };

/** Messages from a generation worker to the main thread. */
export type GenerationEvent =
  | { kind: 'loaded'; id: number }
  | { kind: 'chunk'; id: number; chunk: GenerationChunk }
  | { kind: 'whole'; id: number; texts: string[]; finished: (FinishReason | undefined)[] }
  | { kind: 'end'; id: number }
  /** `stage` tells a model that could not be loaded from one that failed while generating. */
  | { kind: 'failed'; id: number; stage: 'load' | 'generate'; message: string }
  /** Events that became ready together (the chunks one decoder step completed), in one message. */
  | { kind: 'batch'; events: GenerationEvent[] };
