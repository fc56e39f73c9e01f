import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { ApiError, NetworkError, StreamInterruptedError } from '../../../src/core/api/errors';
import { GeminiClient } from '../../../src/core/api/client';
import { type Operation, type TunedModel } from '../../../src/core/api/types';
import { startLocalServer, type LocalServer } from '../../../src/server/localServer';
import { TEST_API_KEY, clientFor, drain, recordLog, rejection, schedulingLag } from './testServer';

const BASE = 'models/gemini-1.5-flash-001-tuning';
const prompt = { contents: [{ role: 'user', parts: [{ text: 'one two three' }] }], generationConfig: { maxOutputTokens: 24 } };

describe('api/against the local tuning server', function () {
  this.timeout(60_000);
  let server: LocalServer;
  let client: GeminiClient;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gemini-tuning-api-'));
    server = await startLocalServer({
      dataDir,
      apiKey: TEST_API_KEY,
      faultInjection: true,
      workerScript: resolve('dist/trainer-worker.js'),
      stepDelayMs: 0,
    });
    client = clientFor(server.url);
  });
  after(async () => {
    await client?.destroy();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function faults(rules: unknown[]): Promise<void> {
    const res = await request(`${server.url}/_faults`, { method: 'POST', body: JSON.stringify({ rules }), headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 200, await res.body.text());
  }
  async function remainingFaults(): Promise<unknown[]> {
    const res = await request(`${server.url}/_faults`);
    return ((await res.body.json()) as { rules: unknown[] }).rules;
  }
  afterEach(async () => {
    await request(`${server.url}/_faults`, { method: 'DELETE' }).then((r) => r.body.dump());
  });

  it('lists and gets the base model', async () => {
    const models = [];
    for await (const m of client.models.listAll()) models.push(m);
    const base = models.find((m) => m.name === BASE);
    assert.ok(base, 'the tunable base model is listed');
    assert.ok(base.supportedGenerationMethods?.includes('createTunedModel'));
    assert.equal((await client.models.get(BASE)).name, BASE);
  });

  it('creates a tuned model, follows its operation to the end, and uses it', async () => {
    const model: TunedModel = {
      baseModel: BASE,
      displayName: 'api client test',
      description: 'made by the API client tests',
      tuningTask: {
        trainingData: { examples: { examples: Array.from({ length: 8 }, (_, i) => ({ textInput: `${i}`, output: `${i + 1}` })) } },
        hyperparameters: { epochCount: 2, batchSize: 4, learningRate: 0.001 },
      },
    };
    const op = await client.tunedModels.create(model, { tunedModelId: 'api-client-test' });
    assert.match(op.name ?? '', /^tunedModels\/api-client-test\/operations\/[a-z0-9]+$/);
    assert.equal(op.metadata?.tunedModel, 'tunedModels/api-client-test');

    const progress: Operation[] = [];
    const done = await client.waitForOperation(op, { initialDelayMs: 50, maxDelayMs: 200, onProgress: (o) => progress.push(o) });
    assert.equal(done.done, true);
    assert.equal(done.error, undefined);
    assert.equal(done.response?.name, 'tunedModels/api-client-test');
    assert.equal(done.metadata?.completedPercent, 100);
    assert.ok(progress.length >= 1);
    assert.ok((done.metadata?.snapshots?.length ?? 0) > 0, 'snapshots were reported');

    const got = await client.tunedModels.get('tunedModels/api-client-test');
    assert.equal(got.state, 'ACTIVE');
    assert.equal(got.tuningTask?.trainingData, undefined, 'trainingData is input-only');

    const ops = await client.operations.list('tunedModels/api-client-test');
    assert.ok(ops.operations?.some((o) => o.name === op.name));
    assert.equal((await client.operations.get(op.name ?? '')).done, true);

    const patched = await client.tunedModels.patch({ name: 'tunedModels/api-client-test', description: 'changed' }, ['description']);
    assert.equal(patched.description, 'changed');

    const answer = await client.generateContent('tunedModels/api-client-test', prompt);
    assert.ok(answer.candidates?.[0]?.finishReason);

    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/api-client-test', prompt));
    assert.equal(error, undefined);
    assert.ok(chunks.length >= 1);
    assert.ok(chunks[chunks.length - 1].candidates?.[0]?.finishReason);
  });

  it('pages through tuned models, passing the filter', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) {
      await client.tunedModels.create(
        { baseModel: BASE, displayName: `paging ${id}`, tuningTask: { trainingData: { examples: { examples: [{ textInput: 'a', output: 'b' }] } }, hyperparameters: { epochCount: 1 } } },
        { tunedModelId: id },
      );
    }
    const names: string[] = [];
    for await (const m of client.tunedModels.listAll({ pageSize: 1, filter: 'paging' })) names.push(m.name ?? '');
    assert.deepEqual(names.sort(), ['tunedModels/page-a', 'tunedModels/page-b', 'tunedModels/page-c']);
    const first = await client.tunedModels.list({ pageSize: 1, filter: 'paging' });
    assert.equal(first.tunedModels?.length, 1);
    assert.ok(first.nextPageToken);
  });

  it('manages permissions', async () => {
    const parent = 'tunedModels/page-a';
    const created = await client.permissions.create(parent, { granteeType: 'USER', emailAddress: 'reader@example.com', role: 'READER' });
    assert.match(created.name ?? '', /^tunedModels\/page-a\/permissions\//);
    assert.equal((await client.permissions.get(created.name ?? '')).role, 'READER');
    const updated = await client.permissions.patch({ name: created.name ?? '', role: 'WRITER' }, ['role']);
    assert.equal(updated.role, 'WRITER');
    const all = [];
    for await (const p of client.permissions.listAll(parent)) all.push(p);
    assert.ok(all.some((p) => p.name === created.name));
    await client.permissions.delete(created.name ?? '');
    const gone = await rejection(client.permissions.get(created.name ?? ''));
    assert.ok(gone instanceof ApiError && gone.status === 'NOT_FOUND');
  });

  it('transfers ownership and deletes; a deleted model is NOT_FOUND', async () => {
    await client.tunedModels.transferOwnership('tunedModels/page-b', 'new-owner@example.com');
    await client.tunedModels.delete('tunedModels/page-c');
    const err = await rejection(client.tunedModels.get('tunedModels/page-c'));
    assert.ok(err instanceof ApiError);
    assert.equal(err.httpStatus, 404);
    assert.equal(err.status, 'NOT_FOUND');
    assert.equal(err.resource, 'tunedModels/page-c');
  });

  it('reports a wrong key as API_KEY_INVALID and a missing key as PERMISSION_DENIED', async () => {
    const wrong = new GeminiClient({ baseUrl: server.url, apiKey: 'AIzaWRONG-wrongwrongwrongwrongwrongwron', log: recordLog });
    const err = await rejection(wrong.models.list());
    assert.ok(err instanceof ApiError);
    assert.equal(err.httpStatus, 400);
    assert.equal(err.reason, 'API_KEY_INVALID');
    const none = new GeminiClient({ baseUrl: server.url, log: recordLog });
    const denied = await rejection(none.models.list());
    assert.ok(denied instanceof ApiError && denied.httpStatus === 403 && denied.status === 'PERMISSION_DENIED');
    await Promise.all([wrong.destroy(), none.destroy()]);
  });

  it('retries injected 503s and a 429 with RetryInfo on a list', async () => {
    await faults([
      { match: 'GET /v1beta/tunedModels', count: 2, action: 'status', status: 503 },
      { match: 'GET /v1beta/models', count: 1, action: 'status', status: 429, retryDelay: '0.2s' },
    ]);
    await client.tunedModels.list();
    await client.models.list();
    assert.deepEqual(await remainingFaults(), [], 'every injected failure was met by a retry');
  });

  it('does not retry an injected 503 on create', async () => {
    await faults([{ match: 'POST /v1beta/tunedModels', count: 2, action: 'status', status: 503 }]);
    const err = await rejection(client.tunedModels.create({ baseModel: BASE, tuningTask: { trainingData: { examples: { examples: [{ textInput: 'a', output: 'b' }] } } } }));
    assert.ok(err instanceof ApiError && err.httpStatus === 503);
    assert.equal((await remainingFaults()).length, 1, 'only one of the two injected failures was used');
  });

  it('surfaces an injected cut stream and an in-band error', async () => {
    await faults([{ match: ':streamGenerateContent', action: 'cutStream', afterChunks: 1 }]);
    const cut = await drain(client.streamGenerateContent(BASE, prompt));
    assert.ok(cut.error instanceof StreamInterruptedError);
    assert.equal(cut.error.received.length, 1);

    await faults([{ match: ':streamGenerateContent', action: 'inBandError', afterChunks: 1, status: 500 }]);
    const inBand = await drain(client.streamGenerateContent(BASE, prompt));
    assert.ok(inBand.error instanceof ApiError);
    assert.equal(inBand.error.httpStatus, 500);
    assert.equal(inBand.error.received?.length, 1);
  });

  it('cancels a slow stream within 100 ms', async () => {
    await faults([{ match: ':streamGenerateContent', action: 'slowStream', chunkDelayMs: 300 }]);
    const controller = new AbortController();
    let abortedAt = 0;
    let lag: Promise<number> = Promise.resolve(0);
    const result = drain(client.streamGenerateContent(BASE, prompt, { signal: controller.signal }), () => {
      abortedAt = Date.now();
      lag = schedulingLag();
      controller.abort();
    });
    const { chunks, error, settledAt } = await result;
    assert.equal(chunks.length, 1);
    assert.ok(error instanceof NetworkError && error.kind === 'aborted');
    const limit = 100 + (await lag);
    assert.ok(settledAt - abortedAt < limit, `settled ${settledAt - abortedAt} ms after cancel (limit ${limit})`);
  });

  it('times out a stream whose headers are delayed past the idle timeout', async () => {
    await faults([{ match: ':streamGenerateContent', action: 'delayHeaders', ms: 1000 }]);
    const { error } = await drain(client.streamGenerateContent(BASE, prompt, { idleTimeoutMs: 200 }));
    assert.ok(error instanceof StreamInterruptedError && error.reason === 'idle');
  });
});
