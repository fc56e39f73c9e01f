import assert from 'node:assert/strict';
import { ApiError, NetworkError } from '../../../src/core/api/errors';
import { type GeminiClient } from '../../../src/core/api/client';
import { TestServer, clientFor, drain, errorBody, recorder, rejection, schedulingLag, sendJson, sseEvent, startSse, textChunk } from './testServer';

/** Answers the first `failures` requests with `fail`, then 200 `{}`. */
function failThenSucceed(server: TestServer, failures: number, fail: Parameters<TestServer['handle']>[0]): void {
  let seen = 0;
  server.handle((req, res, body) => {
    seen++;
    if (seen <= failures) return fail(req, res, body);
    sendJson(res, 200, { tunedModels: [] });
  });
}

const status503 = errorBody(503, 'UNAVAILABLE', 'The service is currently unavailable.');

describe('api/retries (AIP-194)', () => {
  let server: TestServer;
  let client: GeminiClient;

  before(async () => {
    server = await TestServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    client = clientFor(server.url);
  });
  afterEach(async () => {
    await client.destroy();
  });

  it('retries GET on 503, 502 and 504 and succeeds', async () => {
    for (const status of [503, 502, 504]) {
      server.reset();
      failThenSucceed(server, 2, (_req, res) => sendJson(res, status, errorBody(status, 'UNAVAILABLE', 'try later')));
      await client.tunedModels.list();
      assert.equal(server.requests.length, 3, `HTTP ${status}`);
    }
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    failThenSucceed(server, 100, (_req, res) => sendJson(res, 503, status503));
    const err = await rejection(client.tunedModels.get('tunedModels/m1'));
    assert.ok(err instanceof ApiError);
    assert.equal(err.httpStatus, 503);
    assert.equal(server.requests.length, 4);
  });

  it('retries GET after a connection reset', async () => {
    failThenSucceed(server, 1, (req) => {
      req.socket.destroy();
    });
    await client.operations.get('tunedModels/m1/operations/o1');
    assert.equal(server.requests.length, 2);
  });

  it('does not retry errors AIP-194 says not to (400, 401, 403, 404, 409, 500)', async () => {
    for (const [code, status] of [
      [400, 'INVALID_ARGUMENT'],
      [401, 'UNAUTHENTICATED'],
      [403, 'PERMISSION_DENIED'],
      [404, 'NOT_FOUND'],
      [409, 'ABORTED'],
      [500, 'INTERNAL'],
    ] as const) {
      server.reset();
      server.handle((_req, res) => sendJson(res, code, errorBody(code, status, 'no')));
      const err = await rejection(client.tunedModels.get('tunedModels/m1'));
      assert.ok(err instanceof ApiError && err.httpStatus === code);
      assert.equal(server.requests.length, 1, `HTTP ${code} must not be retried`);
    }
  });

  it('never retries create, patch, delete, generateContent or permissions.create', async () => {
    server.handle((_req, res) => sendJson(res, 503, status503));
    const calls: [string, () => Promise<unknown>][] = [
      ['create', () => client.tunedModels.create({ baseModel: 'models/x' })],
      ['patch', () => client.tunedModels.patch({ name: 'tunedModels/m1', description: 'd' }, ['description'])],
      ['delete', () => client.tunedModels.delete('tunedModels/m1')],
      ['generateContent', () => client.generateContent('tunedModels/m1', { contents: [] })],
      ['permissions.create', () => client.permissions.create('tunedModels/m1', { role: 'READER', granteeType: 'EVERYONE' })],
    ];
    for (const [name, call] of calls) {
      server.reset();
      const err = await rejection(call());
      assert.ok(err instanceof ApiError && err.httpStatus === 503, name);
      assert.equal(server.requests.length, 1, `${name} must not be retried`);
    }
    server.reset();
    const err = await rejection(client.tunedModels.create({ baseModel: 'models/x' }).then(() => undefined));
    assert.ok(err instanceof ApiError);
    server.reset();
    server.handle((req) => {
      req.socket.destroy();
    });
    const reset = await rejection(client.tunedModels.create({ baseModel: 'models/x' }));
    assert.ok(reset instanceof NetworkError && reset.kind === 'reset');
    assert.equal(server.requests.length, 1, 'a reset create is not repeated');
  });

  it('never retries a stream', async () => {
    server.handle((_req, res) => sendJson(res, 503, status503));
    const { error } = await drain(client.streamGenerateContent('tunedModels/m1', { contents: [] }));
    assert.ok(error instanceof ApiError && error.httpStatus === 503);
    assert.equal(server.requests.length, 1);
    server.reset();
    server.handle((_req, res) => {
      startSse(res);
      res.write(sseEvent(textChunk('a')));
      setTimeout(() => res.destroy(), 20);
    });
    const cut = await drain(client.streamGenerateContent('tunedModels/m1', { contents: [] }));
    assert.ok(cut.error);
    assert.equal(server.requests.length, 1);
  });

  it('retries 429 when RetryInfo says when, waiting that long', async () => {
    failThenSucceed(server, 1, (_req, res) =>
      sendJson(res, 429, errorBody(429, 'RESOURCE_EXHAUSTED', 'quota', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.3s' }])),
    );
    const started = Date.now();
    await client.tunedModels.list();
    const waited = Date.now() - started;
    assert.equal(server.requests.length, 2);
    assert.ok(waited >= 290, `waited ${waited} ms, RetryInfo asked for 300`);
  });

  it('retries 429 when Retry-After says when', async () => {
    failThenSucceed(server, 1, (_req, res) => sendJson(res, 429, errorBody(429, 'RESOURCE_EXHAUSTED', 'quota'), { 'retry-after': '0' }));
    await client.tunedModels.list();
    assert.equal(server.requests.length, 2);
  });

  it('does not retry 429 without a delay, or with one above the cap', async () => {
    failThenSucceed(server, 1, (_req, res) => sendJson(res, 429, errorBody(429, 'RESOURCE_EXHAUSTED', 'quota')));
    const bare = await rejection(client.tunedModels.list());
    assert.ok(bare instanceof ApiError && bare.httpStatus === 429);
    assert.equal(server.requests.length, 1);

    server.reset();
    failThenSucceed(server, 1, (_req, res) =>
      sendJson(res, 429, errorBody(429, 'RESOURCE_EXHAUSTED', 'quota', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '47s' }])),
    );
    const long = await rejection(client.tunedModels.list());
    assert.ok(long instanceof ApiError);
    assert.equal(long.retryDelayMs, 47_000, 'the caller still learns when to try again');
    assert.equal(server.requests.length, 1);
  });

  it('backs off exponentially with jitter', async () => {
    const times: number[] = [];
    server.handle((_req, res) => {
      times.push(Date.now());
      sendJson(res, 503, status503);
    });
    const c = clientFor(server.url, { retry: { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, maxAttempts: 4 } });
    await rejection(c.models.list());
    await c.destroy();
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.equal(gaps.length, 3);
    // equal jitter: each wait lies in [base/2, base] with base 100, 200, 400
    [100, 200, 400].forEach((base, i) => {
      assert.ok(gaps[i] >= base / 2 - 5 && gaps[i] <= base + 250, `gap ${i} was ${gaps[i]} ms for base ${base}`);
    });
  });

  it('spreads retries of the same request with jitter', async () => {
    const c = clientFor(server.url, { retry: { initialDelayMs: 40, maxAttempts: 2 } });
    const before = recorder().lines.length;
    for (let i = 0; i < 8; i++) {
      failThenSucceed(server, 1, (_req, res) => sendJson(res, 503, status503));
      await c.models.list();
    }
    await c.destroy();
    const delays = recorder()
      .lines.slice(before)
      .map((l) => /retrying in (\d+) ms/.exec(l)?.[1])
      .filter((d): d is string => d !== undefined)
      .map(Number);
    assert.equal(delays.length, 8);
    assert.ok(delays.every((d) => d >= 20 && d <= 40), delays.join(', '));
    assert.ok(new Set(delays).size > 1, `all eight waits were ${delays[0]} ms`);
  });

  it('can be turned off', async () => {
    const c = clientFor(server.url, { retry: false });
    failThenSucceed(server, 1, (_req, res) => sendJson(res, 503, status503));
    await rejection(c.models.list());
    await c.destroy();
    assert.equal(server.requests.length, 1);
  });

  it('stops waiting at once when aborted during a backoff, and sends nothing more', async () => {
    server.handle((_req, res) => sendJson(res, 503, status503));
    const c = clientFor(server.url, { retry: { initialDelayMs: 5000, maxDelayMs: 5000 } });
    const controller = new AbortController();
    const pending = rejection(c.models.list({ signal: controller.signal }));
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    const lag = schedulingLag();
    controller.abort();
    const err = await pending;
    const took = Date.now() - started;
    assert.ok(took < 100 + (await lag), `took ${took} ms`);
    assert.ok(err instanceof NetworkError && err.kind === 'aborted');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.requests.length, 1);
    await c.destroy();
  });

  it('logs each retry with its cause and attempt number', async () => {
    const before = recorder().lines.length;
    failThenSucceed(server, 1, (_req, res) => sendJson(res, 503, status503));
    await client.models.list();
    const lines = recorder().lines.slice(before);
    assert.ok(lines.some((l) => /models\.list: 503 UNAVAILABLE; retrying in \d+ ms \(attempt 2 of 4\)/.test(l)), lines.join('\n'));
  });
});
