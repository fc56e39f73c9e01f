import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { type Harness, call, examples, startServer, tempDir, trainModel, tuningBody, waitDone } from './harness';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls the operation until it reports at least `step` completed steps. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function waitForStep(base: string, operationName: string, step: number): Promise<any> {
  for (;;) {
    const op = (await call(base, 'GET', `/v1beta/${operationName}`)).json;
    if ((op.metadata.completedSteps ?? 0) >= step) return op;
    if (op.done) throw new Error(`${operationName} finished before step ${step}`);
    await sleep(20);
  }
}

describe('local server: v1 bindings', function () {
  let h: Harness;
  let model: string;
  before(async () => {
    h = await startServer();
    model = await trainModel(h.url, tuningBody({ displayName: 'v1 model' }));
  });
  after(async () => h.close());

  it('serves tunedModels generateContent and streamGenerateContent under /v1', async () => {
    const body = { contents: [{ parts: [{ text: 'item 1' }] }], generationConfig: { temperature: 0, seed: 7 } };
    const v1 = await call(h.url, 'POST', `/v1/${model}:generateContent`, body);
    assert.equal(v1.status, 200, v1.text);
    const v1beta = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, body);
    assert.deepEqual(v1.json.candidates, v1beta.json.candidates);
    assert.equal(v1.json.modelVersion, model);
    const sse = await call(h.url, 'POST', `/v1/${model}:streamGenerateContent?alt=sse`, body);
    assert.equal(sse.status, 200, sse.text);
    assert.match(sse.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.match(sse.text, /^data: \{"candidates"/);
  });

  it('lists a model operations under /v1 as under /v1beta', async () => {
    const v1 = await call(h.url, 'GET', `/v1/${model}/operations`);
    assert.equal(v1.status, 200, v1.text);
    assert.equal(v1.json.operations.length, 1);
    assert.deepEqual(v1.json, (await call(h.url, 'GET', `/v1beta/${model}/operations`)).json);
  });

  it('binds operations cancel under /v1 only, and answers {} for a finished operation without changing it', async () => {
    const op = (await call(h.url, 'GET', `/v1beta/${model}/operations`)).json.operations[0];
    const cancel = await call(h.url, 'POST', `/v1/${op.name}:cancel`, {});
    assert.equal(cancel.status, 200, cancel.text);
    assert.deepEqual(cancel.json, {});
    assert.deepEqual((await call(h.url, 'GET', `/v1/${op.name}`)).json, op);
    const v1beta = await call(h.url, 'POST', `/v1beta/${op.name}:cancel`, {});
    assert.equal(v1beta.status, 404);
    assert.equal(v1beta.json.error.message, `No method serves POST /v1beta/${op.name}:cancel on this server.`);
    const wrongMethod = await call(h.url, 'GET', `/v1/${op.name}:cancel`);
    assert.equal(wrongMethod.status, 404);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    const missing = await call(h.url, 'POST', `/v1/${model}/operations/zzzzzzzzzzzz:cancel`, {});
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.message, `Operation ${model}/operations/zzzzzzzzzzzz does not exist.`);
    const unknownField = await call(h.url, 'POST', `/v1/${op.name}:cancel`, { force: true });
    assert.equal(unknownField.status, 400);
  });
});

describe('local server: cancelling a running tuning job', function () {
  this.timeout(60_000);

  it('stops the job: the model ends FAILED with CANCELLED, keeps its snapshots across a restart, and frees the trainer', async () => {
    const dataDir = tempDir();
    const log: string[] = [];
    // 40 examples × 20 epochs at batch 1: 800 steps of at least 25 ms, far longer than this test may run.
    let h = await startServer({ dataDir, stepDelayMs: 25, log: (line) => log.push(line) });
    try {
      const body = tuningBody({ displayName: 'long job' });
      (body.tuningTask as Record<string, unknown>).trainingData = { examples: { examples: examples(40) } };
      (body.tuningTask as Record<string, unknown>).hyperparameters = { epochCount: 20, batchSize: 1 };
      const created = await call(h.url, 'POST', '/v1beta/tunedModels', body);
      assert.equal(created.status, 200, created.text);
      const opName: string = created.json.name;
      const modelName: string = created.json.metadata.tunedModel;
      assert.equal(created.json.metadata.totalSteps, 800);
      await waitForStep(h.url, opName, 3);

      const cancel = await call(h.url, 'POST', `/v1/${opName}:cancel`, {});
      assert.equal(cancel.status, 200, cancel.text);
      assert.deepEqual(cancel.json, {});
      assert.ok(log.some((l) => l.includes('[trainer] cancelling job')), 'the trainer was told to stop the worker');

      const op = (await call(h.url, 'GET', `/v1/${opName}`)).json;
      assert.equal(op.done, true);
      assert.equal(op.error.code, 1, 'google.rpc.Code.CANCELLED');
      const kept: { step: number }[] = op.metadata.snapshots;
      assert.ok(kept.length >= 3, `snapshots kept: ${kept.length}`);
      assert.equal(op.error.message, `Tuning was cancelled after ${kept[kept.length - 1].step} of 800 steps.`);
      const tuned = (await call(h.url, 'GET', `/v1beta/${modelName}`)).json;
      assert.equal(tuned.state, 'FAILED');
      assert.deepEqual(tuned.tuningTask.snapshots, kept);

      // One job trains at a time: a job created now runs only if the cancelled one gave up its worker.
      const next = await call(h.url, 'POST', '/v1beta/tunedModels', tuningBody({ displayName: 'after cancel' }, 2));
      const nextOp = await waitDone(h.url, next.json.name, 15_000);
      assert.equal(nextOp.error, undefined);

      await h.close();
      h = await startServer({ dataDir, stepDelayMs: 25 });
      const reopened = (await call(h.url, 'GET', `/v1beta/${opName}`)).json;
      assert.deepEqual(reopened, op, 'a cancelled job is not resumed after a restart');
    } finally {
      await h.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('drops a job still waiting for the trainer: FAILED with CANCELLED after 0 steps', async () => {
    const h = await startServer({ stepDelayMs: 25 });
    try {
      const long = tuningBody({ displayName: 'occupies the trainer' });
      (long.tuningTask as Record<string, unknown>).hyperparameters = { epochCount: 200, batchSize: 1 };
      const running = await call(h.url, 'POST', '/v1beta/tunedModels', long);
      const waiting = await call(h.url, 'POST', '/v1beta/tunedModels', tuningBody({ displayName: 'waits' }));
      assert.equal((await call(h.url, 'POST', `/v1/${waiting.json.name}:cancel`, {})).status, 200);
      const op = (await call(h.url, 'GET', `/v1/${waiting.json.name}`)).json;
      assert.equal(op.done, true);
      assert.deepEqual(op.error, { code: 1, message: `Tuning was cancelled after 0 of ${op.metadata.totalSteps} steps.` });
      assert.equal(op.metadata.snapshots, undefined);
      assert.equal((await call(h.url, 'DELETE', `/v1beta/${running.json.metadata.tunedModel}`)).status, 200);
    } finally {
      await h.close();
    }
  });
});
