import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../../src/server/trainer/rng';
import type { DiskChange } from '../../../src/server/store';
import { describeSeed, seedFrom } from '../../harness/seed';
import { type Harness, type Reply, call, startServer, tempDir, tuningBody, waitDone } from './harness';

/** A promise with its resolve function, to hold a step of the server until the test lets it go. */
function gate(): { promise: Promise<void>; open(): void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const ID = 'raced-model';
const NAME = `tunedModels/${ID}`;
/** Two steps of training, so each create's job ends quickly. */
const smallBody = (label: string): Record<string, unknown> => tuningBody({ displayName: label, tuningTask: { trainingData: { examples: { examples: [{ textInput: 'a', output: label }, { textInput: 'b', output: label }] } }, hyperparameters: { epochCount: 1, batchSize: 1 } } });

/** What a restarted server on the same folder serves for the id: the acknowledged state must have reached the disk. */
async function servedAfterRestart(dataDir: string): Promise<number> {
  const again = await startServer({ dataDir });
  try {
    return (await call(again.url, 'GET', `/v1beta/${NAME}`)).status;
  } finally {
    await again.close();
  }
}

describe('local server: a delete racing a re-create of the same id', function () {
  it('never moves away the re-created model: two deletes, and a create between them (deterministic interleaving)', async () => {
    const dataDir = tempDir();
    const entered = [gate(), gate()];
    const release = [gate(), gate()];
    const logs: string[] = [];
    let moves = 0;
    const h: Harness = await startServer({
      dataDir,
      log: (line) => {
        logs.push(line);
        if (line.includes(`delete of ${NAME} waits`)) entered[1].open();
      },
      beforeDiskChange: async (change: DiskChange) => {
        if (change.kind !== 'moveToTrash' || change.id !== ID) return;
        const n = moves++;
        if (n > 1) return;
        entered[n].open();
        await release[n].promise;
      },
    });
    try {
      const first = await call(h.url, 'POST', `/v1beta/tunedModels?tunedModelId=${ID}`, smallBody('first'));
      assert.equal(first.status, 200, first.text);
      await waitDone(h.url, first.json.name);

      // The first delete is held in the middle of its move; the second one arrives meanwhile and
      // either starts its own move of the same path (held too) or waits its turn.
      const deleteOne = call(h.url, 'DELETE', `/v1beta/${NAME}`);
      await entered[0].promise;
      const deleteTwo = call(h.url, 'DELETE', `/v1beta/${NAME}`);
      await entered[1].promise;
      release[0].open();
      assert.equal((await deleteOne).status, 200);

      // The id is free: a create of it is acknowledged while the second delete is still pending.
      const recreate = await call(h.url, 'POST', `/v1beta/tunedModels?tunedModelId=${ID}`, smallBody('second'));
      assert.equal(recreate.status, 200, recreate.text);
      release[1].open();
      const second: Reply = await deleteTwo;
      assert.notEqual(second.status, 500, second.text);
      assert.equal(second.status, 404, 'the model the second delete was sent for was already gone when its turn came');

      const done = await waitDone(h.url, recreate.json.name);
      assert.equal(done.error, undefined, JSON.stringify(done.error));
      assert.equal(done.response.displayName, 'second');
      assert.ok(existsSync(path.join(dataDir, NAME, 'model.json')), 'the acknowledged model is on disk');
      assert.ok(existsSync(path.join(dataDir, NAME, 'weights.json')), 'with its trained weights');
    } finally {
      await h.close();
    }
    assert.equal(await servedAfterRestart(dataDir), 200, 'a restart still serves the acknowledged model');
  });

  it('keeps memory and disk in step under random interleavings of creates and deletes of one id', async function () {
    this.timeout(120_000);
    const seed = seedFrom('GEMINI_TUNING_DELETE_RACE_SEED');
    console.log(`      delete race: ${describeSeed('GEMINI_TUNING_DELETE_RACE_SEED', seed)}`);
    const rng = Rng.fromSeed(seed);
    const dataDir = tempDir();
    // A move to the trash may be held, by a seeded choice, until the test receives the answer of a
    // create (or for a seeded number of event-loop turns, should none come): creates then land
    // between deletes at different points in each round.
    const yields = Rng.fromSeed(seed, 1);
    let answered = gate();
    const h = await startServer({
      dataDir,
      beforeDiskChange: async (change) => {
        if (change.kind !== 'moveToTrash' || yields.below(2) === 0) return;
        let turns = yields.below(3000);
        const next = answered.promise.then(() => (turns = 0));
        while (turns-- > 0) await Promise.race([next, new Promise((r) => setImmediate(r))]);
      },
    });
    const statuses = new Map<number, number>();
    try {
      for (let round = 0; round < 40; round++) {
        // A burst of creates and deletes of the same id. Deletes are sent at once; most creates
        // as soon as a seeded earlier request is answered, so that they land between deletes.
        const ops = Array.from({ length: 3 + rng.below(6) }, () => (rng.below(2) === 0 ? 'create' : 'delete'));
        const pending: Promise<Reply>[] = [];
        for (const [i, op] of ops.entries()) {
          const after = op === 'create' && i > 0 && rng.below(4) > 0 ? pending[rng.below(i)] : Promise.resolve(undefined);
          const send = (): Promise<Reply> => (op === 'create' ? call(h.url, 'POST', `/v1beta/tunedModels?tunedModelId=${ID}`, smallBody(`round ${round} op ${i}`)) : call(h.url, 'DELETE', `/v1beta/${NAME}`));
          pending.push(
            after.then(send, send).then((reply) => {
              if (op === 'create') {
                answered.open();
                answered = gate();
              }
              return reply;
            }),
          );
        }
        for (const [i, reply] of (await Promise.all(pending)).entries()) {
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          assert.ok([200, 404, 409].includes(reply.status), `round ${round}, ${ops[i]} ${i}: ${reply.status} ${reply.text} (${describeSeed('GEMINI_TUNING_DELETE_RACE_SEED', seed)})`);
        }
        const served = await call(h.url, 'GET', `/v1beta/${NAME}`);
        const onDisk = existsSync(path.join(dataDir, NAME, 'model.json'));
        assert.equal(served.status === 200, onDisk, `round ${round}: GET says ${served.status}, model.json ${onDisk ? 'exists' : 'is missing'} (${describeSeed('GEMINI_TUNING_DELETE_RACE_SEED', seed)})`);
        if (served.status === 200) {
          const operations = await call(h.url, 'GET', `/v1beta/${NAME}/operations`);
          const done = await waitDone(h.url, operations.json.operations[0].name);
          assert.equal(done.error, undefined, `round ${round}: the served model trains to the end: ${JSON.stringify(done.error)} (${describeSeed('GEMINI_TUNING_DELETE_RACE_SEED', seed)})`);
        }
      }
    } finally {
      await h.close();
    }
    console.log(`      delete race: answers ${[...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')}`);
  });
});
