import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { GeminiClient } from '../../../src/core/api/client';
import {
  ALL_SECRETS,
  TEST_API_KEY,
  TEST_TOKEN,
  TestServer,
  drain,
  errorBody,
  recordLog,
  recorder,
  rejection,
  sendJson,
  sseEvent,
  startSse,
  textChunk,
} from './testServer';

/** Every place a secret could surface: log lines, thrown errors (message, stack, inspect, JSON), request URLs. */
function leaks(): string[] {
  const r = recorder();
  const found: string[] = [];
  const sources: [string, string[]][] = [
    ['log line', r.lines],
    ['thrown error', r.thrown],
    ['request URL', r.urls],
  ];
  for (const [what, texts] of sources) {
    for (const text of texts) {
      for (const secret of ALL_SECRETS) {
        if (text.includes(secret)) found.push(`${what} contains a secret: ${text.slice(0, 200)}`);
      }
      if (what === 'request URL' && /[?&]key=/.test(text)) found.push(`request URL carries key=: ${text}`);
    }
  }
  return found;
}

describe('api/secret hygiene', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
  });
  after(async () => {
    await server.close();
  });

  it('keeps the key and token out of everything logged, thrown or sent in a URL, even when the backend echoes them', async () => {
    const client = new GeminiClient({
      baseUrl: server.url,
      apiKey: () => TEST_API_KEY,
      accessToken: async () => TEST_TOKEN,
      retry: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 },
      log: recordLog,
    });
    const echo = (status: number) =>
      errorBody(status, 'INVALID_ARGUMENT', `key ${TEST_API_KEY} token Bearer ${TEST_TOKEN}`, [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', metadata: { key: TEST_API_KEY, token: TEST_TOKEN } },
        { '@type': 'type.googleapis.com/google.rpc.DebugInfo', detail: `x-goog-api-key: ${TEST_API_KEY}` },
      ]);
    server.handle((_req, res) => sendJson(res, 400, echo(400)));
    await rejection(client.tunedModels.get('tunedModels/m1'));
    server.handle((_req, res) => sendJson(res, 503, echo(503)));
    await rejection(client.tunedModels.list());
    server.handle((_req, res) => {
      startSse(res);
      res.write(sseEvent(textChunk('a')));
      res.end(sseEvent(echo(500)));
    });
    await drain(client.streamGenerateContent('tunedModels/m1', { contents: [] }));
    server.handle((_req, res) => {
      startSse(res);
      res.end(`data: {"oops": "${TEST_API_KEY}"\n\n`);
    });
    await drain(client.streamGenerateContent('tunedModels/m1', { contents: [] }));
    server.handle((_req, res) => {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end(`Bearer ${TEST_TOKEN} rejected for key=${TEST_API_KEY}`);
    });
    await rejection(client.models.list());
    recordLog(inspect(client, { showHidden: true, depth: 10 }));
    await client.destroy();

    const r = recorder();
    assert.ok(r.lines.length > 0 && r.thrown.length > 0 && r.urls.length > 0, 'the check has material to grep');
    assert.ok(server.requests.every((req) => req.headers['x-goog-api-key'] === TEST_API_KEY), 'the key did reach the server, in the header');
    assert.deepEqual(leaks(), []);
  });
});

// Runs after every test file of the suite, over everything recorded by all of them.
after('no secret in anything the API client logged or threw during the whole suite', () => {
  const r = recorder();
  if (r.lines.length === 0 && r.thrown.length === 0) return;
  const found = leaks();
  assert.deepEqual(found, [], found.join('\n'));
});
