import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import type { CandidatesRequest } from '../../../src/server/trainer/candidates';
import type { GenerationCommand, GenerationEvent } from '../../../src/server/trainer/generationProtocol';
import { serveGenerations } from '../../../src/server/trainer/generationWorker';
import { BOUNDARY_ID, DEFAULT_CONFIG, initialWeights, layoutOf } from '../../../src/server/trainer/network';
import { writeModelFile } from '../../../src/server/trainer/persistence';

/** Random weights that never end a text: the boundary's logit is far down and copying (which could copy one) is off. */
async function endlessModel(file: string): Promise<void> {
  const layout = layoutOf(DEFAULT_CONFIG);
  const weights = initialWeights(layout, 5);
  weights[layout.bv + BOUNDARY_ID] = -40;
  weights[layout.bp] = 40;
  await writeModelFile(file, { config: DEFAULT_CONFIG, weights, trainedSteps: 0 });
}

/** A generation worker's loop, run on this thread over a message channel. */
function serve(streamsWithoutFirstChunk?: Int32Array): { send(c: GenerationCommand): void; events: (GenerationEvent & { id: number })[]; until(done: () => boolean): Promise<void>; close(): void } {
  const { port1, port2 } = new MessageChannel();
  serveGenerations(port1, streamsWithoutFirstChunk);
  const events: (GenerationEvent & { id: number })[] = [];
  let waiter: (() => void) | undefined;
  port2.on('message', (e: GenerationEvent) => {
    for (const one of e.kind === 'batch' ? e.events : [e]) events.push(one as GenerationEvent & { id: number });
    waiter?.();
  });
  return {
    send: (c) => port2.postMessage(c),
    events,
    until: async (done) => {
      while (!done()) await new Promise<void>((r) => (waiter = r));
      waiter = undefined;
    },
    close: () => {
      port1.close();
      port2.close();
    },
  };
}

const request = (seed: number): CandidatesRequest => ({ input: `prompt ${seed}`, candidateCount: 1, sampling: { temperature: 1, maxOutputTokens: 100_000 }, seed });

describe('generation worker', function () {
  this.timeout(60_000);
  let dir: string;
  let weightsFile: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'generation-worker-'));
    weightsFile = path.join(dir, 'weights.json');
    await endlessModel(weightsFile);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('steps no stream that has its first chunk while a stream elsewhere in the server waits for its own, and goes on when none does', async () => {
    const elsewhere = new Int32Array(new SharedArrayBuffer(4));
    const worker = serve(elsewhere);
    try {
      const chunksOf = (id: number): number => worker.events.filter((e) => e.id === id && e.kind === 'chunk').length;
      Atomics.store(elsewhere, 0, 2);
      worker.send({ kind: 'start', id: 1, weightsFile, request: request(1), whole: false, window: 1_000_000 });
      // its own first chunk still comes: it is one of the streams waiting for one
      await worker.until(() => chunksOf(1) >= 1);
      // a message wakes the worker, which must still hold back
      worker.send({ kind: 'more', id: 1, chunks: 1 });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(chunksOf(1), 1, 'no further chunk while other streams wait for their first');
      Atomics.sub(elsewhere, 0, 1);
      Atomics.notify(elsewhere, 0);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(chunksOf(1), 1, 'one stream still waits');
      Atomics.sub(elsewhere, 0, 1);
      Atomics.notify(elsewhere, 0);
      await worker.until(() => chunksOf(1) >= 20);
      worker.send({ kind: 'cancel', id: 1 });
    } finally {
      worker.close();
    }
  });

  it("a new stream's first chunk comes before any further chunk of the streams already running", async () => {
    const worker = serve();
    try {
      const old = Array.from({ length: 24 }, (_, i) => i + 1);
      for (const id of old) worker.send({ kind: 'start', id, weightsFile, request: request(id), whole: false, window: 1_000_000 });
      const chunksOf = (id: number): number => worker.events.filter((e) => e.id === id && e.kind === 'chunk').length;
      await worker.until(() => old.every((id) => chunksOf(id) >= 3));
      const newId = 100;
      worker.send({ kind: 'start', id: newId, weightsFile, request: request(newId), whole: false, window: 1_000_000 });
      await worker.until(() => chunksOf(newId) >= 1);
      const loadedAt = worker.events.findIndex((e) => e.id === newId && e.kind === 'loaded');
      const firstAt = worker.events.findIndex((e) => e.id === newId && e.kind === 'chunk');
      const between = worker.events.slice(loadedAt + 1, firstAt).filter((e) => e.kind === 'chunk');
      assert.equal(between.length, 0, `${between.length} chunks of older streams came between the new stream's start and its first chunk`);
      // and the older streams go on afterwards
      const after = worker.events.length;
      await worker.until(() => worker.events.slice(after).some((e) => e.kind === 'chunk' && e.id !== newId));
      for (const id of [...old, newId]) worker.send({ kind: 'cancel', id });
    } finally {
      worker.close();
    }
  });

  it('a cancelled generation sends nothing more, and the others go on', async () => {
    const worker = serve();
    try {
      for (const id of [1, 2]) worker.send({ kind: 'start', id, weightsFile, request: request(id), whole: false, window: 1_000_000 });
      const chunksOf = (id: number): number => worker.events.filter((e) => e.id === id && e.kind === 'chunk').length;
      await worker.until(() => chunksOf(1) >= 2 && chunksOf(2) >= 2);
      worker.send({ kind: 'cancel', id: 1 });
      // the cancel is handled before the next step; a step already posted may still be in the channel
      const atCancel = chunksOf(2);
      await worker.until(() => chunksOf(2) >= atCancel + 20);
      const cancelledAt = chunksOf(1);
      await worker.until(() => chunksOf(2) >= atCancel + 40);
      assert.equal(chunksOf(1), cancelledAt, 'the cancelled generation went on');
      worker.send({ kind: 'cancel', id: 2 });
    } finally {
      worker.close();
    }
  });
});
