import assert from 'node:assert/strict';
import { createServer as createNetServer } from 'node:net';
import { inspect } from 'node:util';
import { ApiError, NetworkError } from '../../../src/core/api/errors';
import { GeminiClient } from '../../../src/core/api/client';
import { type Operation, type TunedModel } from '../../../src/core/api/types';
import {
  TEST_API_KEY,
  TEST_TOKEN,
  TestServer,
  clientFor,
  errorBody,
  recordLog,
  recordThrown,
  rejection,
  sendJson,
} from './testServer';

describe('api/client methods', () => {
  let server: TestServer;
  let client: GeminiClient;

  before(async () => {
    server = await TestServer.start();
  });
  after(async () => {
    await client?.destroy();
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    client = clientFor(server.url);
    server.handle((req, res) => sendJson(res, 200, { echo: req.url }));
  });
  afterEach(async () => {
    await client.destroy();
  });

  const last = () => server.requests[server.requests.length - 1];

  it('tunedModels.create POSTs the TunedModel itself, with tunedModelId in the query', async () => {
    const op: Operation = {
      name: 'tunedModels/m1/operations/abc',
      metadata: { '@type': 'type.googleapis.com/google.ai.generativelanguage.v1beta.CreateTunedModelMetadata', totalSteps: 38, tunedModel: 'tunedModels/m1' },
    };
    server.handle((_req, res) => sendJson(res, 200, op));
    const model: TunedModel = {
      baseModel: 'models/gemini-1.5-flash-001-tuning',
      displayName: 'number generator',
      tuningTask: { trainingData: { examples: { examples: [{ textInput: '1', output: '2' }] } }, hyperparameters: { epochCount: 5 } },
    };
    const result = await client.tunedModels.create(model, { tunedModelId: 'm1' });
    assert.deepEqual(result, op);
    assert.equal(last().method, 'POST');
    assert.equal(last().url, '/v1beta/tunedModels?tunedModelId=m1');
    assert.deepEqual(JSON.parse(last().body), model);
    assert.equal(last().headers['content-type'], 'application/json');
  });

  it('tunedModels.get, list, patch, delete and transferOwnership use the reference bindings', async () => {
    await client.tunedModels.get('tunedModels/m1');
    assert.equal(`${last().method} ${last().url}`, 'GET /v1beta/tunedModels/m1');
    await client.tunedModels.get('m2');
    assert.equal(last().url, '/v1beta/tunedModels/m2', 'a bare id is prefixed');

    await client.tunedModels.list({ pageSize: 5000, pageToken: 'tok', filter: 'owner:me "sentence translator"' });
    const url = new URL(last().url, server.url);
    assert.equal(url.pathname, '/v1beta/tunedModels');
    assert.equal(url.searchParams.get('pageSize'), '1000', 'pageSize is capped at 1000');
    assert.equal(url.searchParams.get('pageToken'), 'tok');
    assert.equal(url.searchParams.get('filter'), 'owner:me "sentence translator"', 'the filter passes unchanged');

    await client.tunedModels.patch({ name: 'tunedModels/m1', description: 'new', displayName: 'x' }, ['description', 'displayName']);
    assert.equal(`${last().method} ${last().url}`, 'PATCH /v1beta/tunedModels/m1?updateMask=description%2CdisplayName');
    assert.equal(JSON.parse(last().body).description, 'new');

    server.handle((_req, res) => sendJson(res, 200, {}));
    assert.equal(await client.tunedModels.delete('tunedModels/m1'), undefined);
    assert.equal(`${last().method} ${last().url}`, 'DELETE /v1beta/tunedModels/m1');

    await client.tunedModels.transferOwnership('tunedModels/m1', 'someone@example.com');
    assert.equal(`${last().method} ${last().url}`, 'POST /v1beta/tunedModels/m1:transferOwnership');
    assert.deepEqual(JSON.parse(last().body), { emailAddress: 'someone@example.com' });
  });

  it('operations.get and operations.list', async () => {
    await client.operations.get('tunedModels/m1/operations/op1');
    assert.equal(`${last().method} ${last().url}`, 'GET /v1beta/tunedModels/m1/operations/op1');
    await client.operations.list('tunedModels/m1', { pageSize: 3, filter: 'done=true' });
    assert.equal(`${last().method} ${last().url}`, 'GET /v1beta/tunedModels/m1/operations?pageSize=3&filter=done%3Dtrue');
  });

  it('operations.cancel posts to the operation\'s v1 :cancel binding and refuses a name that is not an operation', async () => {
    server.handle((_req, res) => sendJson(res, 200, {}));
    assert.equal(await client.operations.cancel('tunedModels/m1/operations/op1'), undefined);
    assert.equal(`${last().method} ${last().url}`, 'POST /v1/tunedModels/m1/operations/op1:cancel');
    assert.deepEqual(JSON.parse(last().body), {});
    const sent = server.requests.length;
    await assert.rejects(client.operations.cancel('tunedModels/m1'), /tunedModels\/\{model\}\/operations\/\{operation\}/);
    assert.equal(server.requests.length, sent, 'nothing is sent for a name that is not an operation');
  });

  it('permissions create, get, list, patch and delete', async () => {
    await client.permissions.create('tunedModels/m1', { granteeType: 'USER', emailAddress: 'a@example.com', role: 'READER' });
    assert.equal(`${last().method} ${last().url}`, 'POST /v1beta/tunedModels/m1/permissions');
    assert.deepEqual(JSON.parse(last().body), { granteeType: 'USER', emailAddress: 'a@example.com', role: 'READER' });
    await client.permissions.get('tunedModels/m1/permissions/p1');
    assert.equal(`${last().method} ${last().url}`, 'GET /v1beta/tunedModels/m1/permissions/p1');
    await client.permissions.list('tunedModels/m1', { pageSize: 2, pageToken: 'n' });
    assert.equal(`${last().method} ${last().url}`, 'GET /v1beta/tunedModels/m1/permissions?pageSize=2&pageToken=n');
    await client.permissions.patch({ name: 'tunedModels/m1/permissions/p1', role: 'WRITER' }, ['role']);
    assert.equal(`${last().method} ${last().url}`, 'PATCH /v1beta/tunedModels/m1/permissions/p1?updateMask=role');
    await client.permissions.delete('tunedModels/m1/permissions/p1');
    assert.equal(`${last().method} ${last().url}`, 'DELETE /v1beta/tunedModels/m1/permissions/p1');
  });

  it('models.list and models.get', async () => {
    await client.models.list({ pageSize: 50 });
    assert.equal(`${last().method} ${last().url}`, 'GET /v1beta/models?pageSize=50');
    await client.models.get('models/gemini-1.5-flash-001-tuning');
    assert.equal(`${last().method} ${last().url}`, 'GET /v1beta/models/gemini-1.5-flash-001-tuning');
  });

  it('generateContent POSTs the request to {model}:generateContent', async () => {
    const response = { candidates: [{ content: { parts: [{ text: 'hi' }], role: 'model' }, finishReason: 'STOP', index: 0 }] };
    server.handle((_req, res) => sendJson(res, 200, response));
    const request = { contents: [{ role: 'user', parts: [{ text: 'hello' }] }], generationConfig: { temperature: 0.5 } };
    assert.deepEqual(await client.generateContent('tunedModels/m1', request), response);
    assert.equal(`${last().method} ${last().url}`, 'POST /v1beta/tunedModels/m1:generateContent');
    assert.deepEqual(JSON.parse(last().body), request);
    await client.generateContent('gemini-x', request);
    assert.equal(last().url, '/v1beta/models/gemini-x:generateContent', 'a bare model name means models/…');
  });

  it('rejects resource names that would change the path', async () => {
    for (const bad of ['tunedModels/../models/x', 'tunedModels/a/b', 'tunedModels/a?key=1', '']) {
      const err = await rejection(Promise.resolve().then(() => client.tunedModels.get(bad)));
      assert.ok(err instanceof TypeError, bad);
    }
    assert.equal(server.requests.length, 0);
  });

  it('sends the API key only in x-goog-api-key, and identifies itself', async () => {
    await client.tunedModels.get('tunedModels/m1');
    assert.equal(last().headers['x-goog-api-key'], TEST_API_KEY);
    assert.ok(!last().url.includes(TEST_API_KEY));
    assert.ok(!last().url.includes('key='));
    assert.match(String(last().headers['user-agent']), /^gemini-tuning-vscode\//);
  });

  it('asks a key provider before each request, and sends OAuth bearer tokens with x-goog-user-project', async () => {
    let asked = 0;
    const c = new GeminiClient({
      baseUrl: server.url,
      apiKey: async () => {
        asked++;
        return TEST_API_KEY;
      },
      accessToken: async () => TEST_TOKEN,
      userProject: 'my-project',
      log: recordLog,
    });
    await c.models.list();
    await c.models.list();
    assert.equal(asked, 2);
    assert.equal(last().headers.authorization, `Bearer ${TEST_TOKEN}`);
    assert.equal(last().headers['x-goog-user-project'], 'my-project');
    const noKey = new GeminiClient({ baseUrl: server.url, accessToken: async () => TEST_TOKEN });
    await noKey.models.list();
    assert.equal(last().headers['x-goog-api-key'], undefined);
    await Promise.all([c.destroy(), noKey.destroy()]);
  });

  it('keeps a base URL path prefix and does not double /v1beta', async () => {
    const prefixed = new GeminiClient({ baseUrl: `${server.url}/gateway/`, apiKey: TEST_API_KEY });
    await prefixed.models.list();
    assert.equal(last().url, '/gateway/v1beta/models');
    const versioned = new GeminiClient({ baseUrl: `${server.url}/v1beta`, apiKey: TEST_API_KEY });
    await versioned.models.list();
    assert.equal(last().url, '/v1beta/models');
    await Promise.all([prefixed.destroy(), versioned.destroy()]);
    assert.throws(() => new GeminiClient({ baseUrl: `${server.url}/?key=${TEST_API_KEY}` }), (err: Error) => {
      recordThrown(err);
      return err instanceof TypeError && !err.message.includes(TEST_API_KEY);
    });
  });

  it('never shows credentials when the client is inspected or printed', () => {
    const shown = [inspect(client, { depth: 10, showHidden: true }), String(client), JSON.stringify(client)].join('\n');
    recordLog(shown);
    assert.ok(!shown.includes(TEST_API_KEY));
    assert.match(shown, /127\.0\.0\.1/);
  });
});

describe('api/client errors', () => {
  let server: TestServer;
  let client: GeminiClient;

  before(async () => {
    server = await TestServer.start();
    client = clientFor(server.url, { retry: false });
  });
  after(async () => {
    await client.destroy();
    await server.close();
  });

  it('parses the AIP-193 envelope: status, message, ErrorInfo reason, method and resource', async () => {
    server.handle((_req, res) =>
      sendJson(
        res,
        400,
        errorBody(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
          { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
        ]),
      ),
    );
    const err = await rejection(client.tunedModels.get('tunedModels/m1'));
    assert.ok(err instanceof ApiError);
    assert.equal(err.httpStatus, 400);
    assert.equal(err.status, 'INVALID_ARGUMENT');
    assert.equal(err.message, 'API key not valid. Please pass a valid API key.');
    assert.equal(err.reason, 'API_KEY_INVALID');
    assert.equal(err.errorInfo?.domain, 'googleapis.com');
    assert.equal(err.localizedMessage?.locale, 'en-US');
    assert.equal(err.method, 'tunedModels.get');
    assert.equal(err.httpMethod, 'GET');
    assert.equal(err.resource, 'tunedModels/m1');
    assert.equal(err.details.length, 2);
    assert.match(err.toString(), /tunedModels\.get tunedModels\/m1: 400 INVALID_ARGUMENT \[API_KEY_INVALID\]/);
  });

  it('parses RetryInfo, QuotaFailure, Help, BadRequest and DebugInfo details', async () => {
    server.handle((_req, res) =>
      sendJson(
        res,
        429,
        errorBody(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota. Please retry in 47.43s.', [
          { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
          { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'm', quotaId: 'q', quotaValue: '4000000' }] },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '47.434s' },
          { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'tuningTask.trainingData', description: 'required' }] },
          { '@type': 'type.googleapis.com/google.rpc.DebugInfo', detail: 'trace' },
        ]),
      ),
    );
    const err = await rejection(client.generateContent('tunedModels/m1', { contents: [] }));
    assert.ok(err instanceof ApiError);
    assert.equal(err.retryDelayMs, 47_434);
    assert.equal(err.quotaViolations[0].quotaId, 'q');
    assert.equal(err.helpLinks[0].url, 'https://ai.google.dev/gemini-api/docs/rate-limits');
    assert.deepEqual(err.fieldViolations, [{ field: 'tuningTask.trainingData', description: 'required' }]);
    assert.equal(err.debugInfo?.detail, 'trace');
    assert.equal(err.method, 'generateContent');
  });

  it('uses Retry-After when there is no RetryInfo', async () => {
    server.handle((_req, res) => sendJson(res, 429, errorBody(429, 'RESOURCE_EXHAUSTED', 'slow down'), { 'retry-after': '3' }));
    const err = await rejection(client.models.list());
    assert.ok(err instanceof ApiError);
    assert.equal(err.retryDelayMs, 3000);
  });

  it('turns a non-JSON error page into an ApiError with the HTTP status', async () => {
    server.handle((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    });
    const err = await rejection(client.models.get('models/x'));
    assert.ok(err instanceof ApiError);
    assert.equal(err.httpStatus, 502);
    assert.equal(err.status, undefined);
    assert.match(err.message, /^HTTP 502 Bad Gateway: 502 Bad Gateway$/);
  });

  it('redacts a key the backend echoes back in an error', async () => {
    server.handle((_req, res) => sendJson(res, 400, errorBody(400, 'INVALID_ARGUMENT', `bad key ${TEST_API_KEY}`, [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', metadata: { key: TEST_API_KEY } }])));
    const err = await rejection(client.models.list());
    assert.ok(err instanceof ApiError);
    assert.equal(err.message, 'bad key [redacted]');
    assert.ok(!JSON.stringify(err.details).includes(TEST_API_KEY));
  });

  it('reports refused connections in words', async () => {
    const port = await freePort();
    const c = clientFor(`http://127.0.0.1:${port}`, { retry: false });
    const err = await rejection(c.models.list());
    await c.destroy();
    assert.ok(err instanceof NetworkError);
    assert.equal(err.kind, 'refused');
    assert.equal(err.message, `models.list: could not connect to http://127.0.0.1:${port}: connection refused`);
    assert.equal(err.code, 'ECONNREFUSED');
  });

  it('reports unknown hosts as dns errors', async () => {
    const c = clientFor('http://no-such-host.invalid', { retry: false });
    const err = await rejection(c.models.list());
    await c.destroy();
    assert.ok(err instanceof NetworkError);
    assert.equal(err.kind, 'dns');
    assert.match(err.message, /could not connect to http:\/\/no-such-host\.invalid: host no-such-host\.invalid not found/);
  });

  it('reports a connection reset before the response as reset', async () => {
    server.handle((req) => {
      req.socket.destroy();
    });
    const err = await rejection(client.models.list());
    assert.ok(err instanceof NetworkError);
    assert.equal(err.kind, 'reset');
    assert.match(err.message, /was closed before the response was complete/);
  });

  it('reports TLS failures as tls', async () => {
    // A plain-HTTP server answering an https:// client fails the handshake.
    const c = clientFor(server.url.replace('http:', 'https:'), { retry: false });
    const err = await rejection(c.models.list());
    await c.destroy();
    assert.ok(err instanceof NetworkError);
    assert.equal(err.kind, 'tls');
    assert.match(err.message, /could not connect to https:\/\/127\.0\.0\.1:\d+: TLS error/);
  });

  it('times out a unary request after requestTimeoutMs', async () => {
    server.handle(() => undefined);
    const c = clientFor(server.url, { retry: false, requestTimeoutMs: 150 });
    const err = await rejection(c.models.list());
    await c.destroy();
    assert.ok(err instanceof NetworkError);
    assert.equal(err.kind, 'timeout');
    assert.match(err.message, /no complete response from http:\/\/127\.0\.0\.1:\d+ within 150 ms/);
  });

  it('reports a cancelled request as aborted', async () => {
    server.handle(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const err = await rejection(client.models.list({ signal: controller.signal }));
    assert.ok(err instanceof NetworkError);
    assert.equal(err.kind, 'aborted');
    assert.match(err.message, /was cancelled/);
  });
});

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
