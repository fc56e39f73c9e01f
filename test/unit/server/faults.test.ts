import assert from 'node:assert/strict';
import * as http from 'node:http';
import { type Harness, call, startServer, trainModel, tuningBody } from './harness';

function rawStream(base: string, path: string, body: unknown): Promise<{ status: number; text: string; error?: Error }> {
  return new Promise((resolve) => {
    const req = http.request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', (error) => resolve({ status: res.statusCode ?? 0, text, error }));
      res.on('aborted', () => resolve({ status: res.statusCode ?? 0, text, error: new Error('aborted') }));
    });
    req.on('error', (error) => resolve({ status: 0, text: '', error }));
    req.end(JSON.stringify(body));
  });
}

const LONG = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ';

describe('local server: fault injection', function () {
  let h: Harness;
  let model: string;
  const ask = { contents: [{ parts: [{ text: 'long' }] }], generationConfig: { temperature: 0 } };
  before(async () => {
    h = await startServer({ faultInjection: true });
    const body = tuningBody();
    (body.tuningTask as { trainingData: unknown }).trainingData = { examples: { examples: [{ textInput: 'long', output: LONG }, { textInput: 'short', output: 'ok' }] } };
    (body.tuningTask as { hyperparameters: unknown }).hyperparameters = { epochCount: 20, batchSize: 2 };
    model = await trainModel(h.url, body);
  });
  after(async () => h.close());
  afterEach(async () => call(h.url, 'DELETE', '/_faults'));
  const addRules = (...rules: unknown[]): ReturnType<typeof call> => call(h.url, 'POST', '/_faults', { rules });

  it('POST appends rules, GET lists them, DELETE clears them; bad rules are refused', async () => {
    assert.equal((await addRules({ match: 'GET /v1beta/models', action: 'status', status: 503, count: 2 })).status, 200);
    await addRules({ match: ':streamGenerateContent', action: 'cutStream', afterChunks: 1 });
    const listed = await call(h.url, 'GET', '/_faults');
    assert.equal(listed.json.rules.length, 2);
    assert.equal(listed.json.rules[0].count, 2);
    assert.deepEqual(await (await call(h.url, 'DELETE', '/_faults')).json, {});
    assert.deepEqual((await call(h.url, 'GET', '/_faults')).json, { rules: [] });
    const bad = await addRules({ match: 'x', action: 'explode' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /rules\[0\]\.action/);
  });

  it('status 503 fails the next N matching requests, then they succeed', async () => {
    await addRules({ match: 'GET /v1beta/tunedModels', action: 'status', status: 503, count: 2 });
    const a = await call(h.url, 'GET', '/v1beta/tunedModels');
    const b = await call(h.url, 'GET', `/v1beta/${model}`);
    const c = await call(h.url, 'GET', '/v1beta/tunedModels');
    assert.equal(a.status, 503);
    assert.equal(a.json.error.status, 'UNAVAILABLE');
    assert.match(a.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(b.status, 503);
    assert.equal(c.status, 200);
    assert.equal((await call(h.url, 'GET', '/v1beta/models')).status, 200, 'non-matching requests are untouched');
  });

  it('status 429 carries a RetryInfo detail', async () => {
    await addRules({ match: ':generateContent', action: 'status', status: 429, retryDelay: '2s' });
    const r = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, ask);
    assert.equal(r.status, 429);
    assert.equal(r.json.error.status, 'RESOURCE_EXHAUSTED');
    assert.deepEqual(r.json.error.details, [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }]);
  });

  it('cutStream destroys the socket after K chunks', async () => {
    await addRules({ match: ':streamGenerateContent', action: 'cutStream', afterChunks: 2 });
    const r = await rawStream(h.url, `/v1beta/${model}:streamGenerateContent?alt=sse`, ask);
    assert.equal(r.status, 200);
    assert.ok(r.error, 'the stream ends with an error, not cleanly');
    assert.equal(r.text.split('\r\n\r\n').filter((f) => f.startsWith('data: ')).length, 2);
    const clean = await rawStream(h.url, `/v1beta/${model}:streamGenerateContent?alt=sse`, ask);
    assert.equal(clean.error, undefined, 'count 1: the next stream is whole');
    assert.match(clean.text, /"finishReason":"STOP"/);
  });

  it('inBandError writes an error object into the stream after K chunks (SSE and JSON array)', async () => {
    await addRules({ match: ':streamGenerateContent', action: 'inBandError', afterChunks: 1, status: 500, count: 2 });
    const sse = await rawStream(h.url, `/v1beta/${model}:streamGenerateContent?alt=sse`, ask);
    const frames = sse.text.split('\r\n\r\n').filter((f) => f !== '');
    assert.equal(frames.length, 2);
    assert.deepEqual(JSON.parse(frames[1].slice(6)), { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } });
    const array = await rawStream(h.url, `/v1beta/${model}:streamGenerateContent`, ask);
    const parsed = JSON.parse(array.text) as unknown[];
    assert.equal(parsed.length, 2);
    assert.deepEqual(parsed[1], { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } });
  });

  it('delayHeaders holds the response headers back', async () => {
    await addRules({ match: 'GET /v1beta/models', action: 'delayHeaders', ms: 300 });
    const started = Date.now();
    const r = await call(h.url, 'GET', '/v1beta/models');
    assert.equal(r.status, 200);
    assert.ok(Date.now() - started >= 290, 'delayed');
  });

  it('slowStream spaces the chunks out, and a client that goes away stops the generation', async () => {
    await addRules({ match: ':streamGenerateContent', action: 'slowStream', chunkDelayMs: 100 });
    const controller = new AbortController();
    const res = await fetch(`${h.url}/v1beta/${model}:streamGenerateContent?alt=sse`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask), signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const started = Date.now();
    await reader.read();
    await reader.read();
    assert.ok(Date.now() - started >= 90, 'chunks are spaced by the delay');
    controller.abort();
    await reader.read().catch(() => undefined);
    assert.equal((await call(h.url, 'GET', '/v1beta/models')).status, 200, 'server still serves');
  });

  it('fault control is absent when not enabled', async () => {
    const plain = await startServer();
    try {
      assert.equal((await call(plain.url, 'POST', '/_faults', { rules: [] })).status, 404);
    } finally {
      await plain.close();
    }
  });
});
