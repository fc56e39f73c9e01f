import assert from 'node:assert/strict';
import { ApiError, NetworkError } from '../../../src/core/api/errors';
import { type GeminiClient, pollDelays } from '../../../src/core/api/client';
import { type Operation, type TunedModel } from '../../../src/core/api/types';
import { TestServer, clientFor, delay, errorBody, rejection, schedulingLag, sendJson } from './testServer';

const META = 'type.googleapis.com/google.ai.generativelanguage.v1beta.CreateTunedModelMetadata';
const opName = 'tunedModels/m1/operations/op1';

function operation(percent: number, done = false): Operation {
  return {
    name: opName,
    metadata: {
      '@type': META,
      tunedModel: 'tunedModels/m1',
      totalSteps: 10,
      completedSteps: percent / 10,
      completedPercent: percent,
      snapshots: Array.from({ length: percent / 10 }, (_, i) => ({ step: i + 1, epoch: 1, meanLoss: 2 - i / 10 })),
    },
    ...(done ? { done: true, response: { '@type': 'type.googleapis.com/google.ai.generativelanguage.v1beta.TunedModel', name: 'tunedModels/m1', state: 'ACTIVE' as const } } : {}),
  };
}

describe('api/waitForOperation', () => {
  let server: TestServer;
  let client: GeminiClient;
  const fast = { initialDelayMs: 10, multiplier: 1.5, maxDelayMs: 40 };

  before(async () => {
    server = await TestServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    client = clientFor(server.url, { retry: false });
  });
  afterEach(async () => {
    await client.destroy();
  });

  it('polls operations.get until done, reporting completedPercent and snapshots', async () => {
    const script = [operation(20), operation(50), operation(80), operation(100, true)];
    let i = 0;
    server.handle((_req, res) => sendJson(res, 200, script[Math.min(i++, script.length - 1)]));
    const progress: { percent?: number; snapshots: number }[] = [];
    const done = await client.waitForOperation(operation(0), {
      ...fast,
      onProgress: (op) => progress.push({ percent: op.metadata?.completedPercent, snapshots: op.metadata?.snapshots?.length ?? 0 }),
    });
    assert.equal(done.done, true);
    assert.equal(done.response?.state, 'ACTIVE');
    assert.deepEqual(progress, [
      { percent: 20, snapshots: 2 },
      { percent: 50, snapshots: 5 },
      { percent: 80, snapshots: 8 },
      { percent: 100, snapshots: 10 },
    ]);
    assert.equal(server.requests.length, 4);
    assert.ok(server.requests.every((r) => r.method === 'GET' && r.url === `/v1beta/${opName}`));
  });

  it('returns a finished operation without a request', async () => {
    const done = await client.waitForOperation(operation(100, true), fast);
    assert.equal(done.done, true);
    assert.equal(server.requests.length, 0);
  });

  it('returns an operation that finished with an error', async () => {
    server.handle((_req, res) => sendJson(res, 200, { name: opName, done: true, error: { code: 3, message: 'bad data' } }));
    const done = await client.waitForOperation(operation(0), fast);
    assert.deepEqual(done.error, { code: 3, message: 'bad data' });
  });

  it('waits 5 s, then ×1.5 up to 45 s by default', () => {
    const delays = pollDelays();
    const first = Array.from({ length: 9 }, () => delays.next().value);
    assert.deepEqual(first, [5000, 7500, 11250, 16875, 25312.5, 37968.75, 45000, 45000, 45000]);
    const custom = pollDelays({ initialDelayMs: 100, multiplier: 2, maxDelayMs: 350 });
    assert.deepEqual([custom.next().value, custom.next().value, custom.next().value, custom.next().value], [100, 200, 350, 350]);
  });

  it('paces its polls by the schedule it is given', async () => {
    const times: number[] = [];
    server.handle((_req, res) => {
      times.push(Date.now());
      sendJson(res, 200, operation(times.length >= 4 ? 100 : 10, times.length >= 4));
    });
    const started = Date.now();
    await client.waitForOperation(operation(0), { initialDelayMs: 40, multiplier: 2, maxDelayMs: 100 });
    const gaps = [times[0] - started, ...times.slice(1).map((t, i) => t - times[i])];
    // Lower bounds show the growth; the upper bounds only need to show the cap (uncapped: 160, 320).
    [40, 80, 100, 100].forEach((expected, i) => assert.ok(gaps[i] >= expected - 3, `poll ${i} after ${gaps[i]} ms, expected ${expected}`));
    assert.ok(gaps[2] < 160 && gaps[3] < 320, `capped at 100 ms: ${gaps.join(', ')}`);
  });

  it('survives transient errors and stops on a permanent one', async () => {
    const script: ((res: Parameters<Parameters<TestServer['handle']>[0]>[1]) => void)[] = [
      (res) => sendJson(res, 503, errorBody(503, 'UNAVAILABLE', 'busy')),
      (res) => sendJson(res, 500, errorBody(500, 'INTERNAL', 'oops')),
      (res) => res.destroy(),
      (res) => sendJson(res, 200, operation(100, true)),
    ];
    let i = 0;
    server.handle((_req, res) => script[i++](res));
    const done = await client.waitForOperation(operation(0), fast);
    assert.equal(done.done, true);
    assert.equal(server.requests.length, 4);

    server.reset();
    server.handle((_req, res) => sendJson(res, 404, errorBody(404, 'NOT_FOUND', 'gone')));
    const err = await rejection(client.waitForOperation(operation(0), fast));
    assert.ok(err instanceof ApiError && err.status === 'NOT_FOUND');
    assert.equal(server.requests.length, 1);
  });

  it('is abortable while waiting, and calls nothing after abort', async () => {
    server.handle((_req, res) => sendJson(res, 200, operation(10)));
    const controller = new AbortController();
    let calls = 0;
    const pending = rejection(
      client.waitForOperation(operation(0), { initialDelayMs: 30, maxDelayMs: 10_000, multiplier: 100, signal: controller.signal, onProgress: () => calls++ }),
    );
    while (calls < 1) await delay(5);
    const abortedAt = Date.now();
    const lag = schedulingLag();
    controller.abort();
    const err = await pending;
    const took = Date.now() - abortedAt;
    assert.ok(took < 100 + (await lag), `took ${took} ms`);
    assert.ok(err instanceof NetworkError && err.kind === 'aborted');
    const seen = server.requests.length;
    await delay(60);
    assert.equal(calls, 1);
    assert.equal(server.requests.length, seen);
  });

  it('gives up after timeoutMs when one is set', async () => {
    server.handle((_req, res) => sendJson(res, 200, operation(10)));
    const err = await rejection(client.waitForOperation(operation(0), { ...fast, timeoutMs: 100 }));
    assert.ok(err instanceof NetworkError && err.kind === 'timeout');
    assert.match(err.message, /tunedModels\/m1\/operations\/op1 was not done after 100 ms/);
  });
});

describe('api/pagination', () => {
  let server: TestServer;
  let client: GeminiClient;

  before(async () => {
    server = await TestServer.start();
    client = clientFor(server.url);
  });
  after(async () => {
    await client.destroy();
    await server.close();
  });
  beforeEach(() => server.reset());

  /** 25 models served `pageSize` at a time with opaque tokens. */
  function serveModels(total: number): void {
    server.handle((req, res) => {
      const url = new URL(req.url ?? '', server.url);
      const size = Number(url.searchParams.get('pageSize') ?? 10);
      const start = url.searchParams.get('pageToken') ? Number(Buffer.from(url.searchParams.get('pageToken') ?? '', 'base64url').toString()) : 0;
      const models: TunedModel[] = [];
      for (let i = start; i < Math.min(total, start + size); i++) models.push({ name: `tunedModels/m${i}`, state: 'ACTIVE' });
      const next = start + size < total ? Buffer.from(String(start + size)).toString('base64url') : undefined;
      sendJson(res, 200, { tunedModels: models, ...(next ? { nextPageToken: next } : {}) });
    });
  }

  it('listAll walks every page, 1000 per page by default', async () => {
    serveModels(25);
    const names: string[] = [];
    for await (const model of client.tunedModels.listAll()) names.push(model.name ?? '');
    assert.equal(names.length, 25);
    assert.equal(server.requests.length, 1);
    assert.match(server.requests[0].url, /pageSize=1000/);
  });

  it('listAll follows nextPageToken across pages and passes the filter unchanged each time', async () => {
    serveModels(25);
    const names: string[] = [];
    for await (const model of client.tunedModels.listAll({ pageSize: 10, filter: 'readers:everyone' })) names.push(model.name ?? '');
    assert.deepEqual(names, Array.from({ length: 25 }, (_, i) => `tunedModels/m${i}`));
    assert.equal(server.requests.length, 3);
    for (const r of server.requests) assert.equal(new URL(r.url, server.url).searchParams.get('filter'), 'readers:everyone');
    assert.equal(new URL(server.requests[0].url, server.url).searchParams.get('pageToken'), null);
    assert.ok(new URL(server.requests[1].url, server.url).searchParams.get('pageToken'));
  });

  it('fetches pages lazily, so a consumer that stops early does not load the rest', async () => {
    serveModels(25);
    for await (const model of client.tunedModels.listAll({ pageSize: 10 })) {
      if (model.name === 'tunedModels/m3') break;
    }
    assert.equal(server.requests.length, 1);
  });

  it('handles empty collections and pages without the list field', async () => {
    server.handle((_req, res) => sendJson(res, 200, {}));
    const all: unknown[] = [];
    for await (const p of client.permissions.listAll('tunedModels/m1')) all.push(p);
    for await (const m of client.models.listAll()) all.push(m);
    for await (const o of client.operations.listAll('tunedModels/m1')) all.push(o);
    assert.equal(all.length, 0);
    assert.deepEqual(
      server.requests.map((r) => r.url),
      ['/v1beta/tunedModels/m1/permissions?pageSize=1000', '/v1beta/models?pageSize=1000', '/v1beta/tunedModels/m1/operations?pageSize=1000'],
    );
  });

  it('stops with an error when the backend repeats a page token', async () => {
    server.handle((_req, res) => sendJson(res, 200, { tunedModels: [{ name: 'tunedModels/a' }], nextPageToken: 'same' }));
    const err = await rejection(
      (async () => {
        for await (const m of client.tunedModels.listAll()) void m;
      })(),
    );
    assert.match(err.message, /page token "same" twice/);
    assert.equal(server.requests.length, 2);
  });
});
