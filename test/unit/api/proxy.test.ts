import assert from 'node:assert/strict';
import { GeminiClient } from '../../../src/core/api/client';
import { NetworkError } from '../../../src/core/api/errors';
import {
  TEST_API_KEY,
  TEST_PROXY_PASSWORD,
  TestServer,
  clientFor,
  delay,
  drain,
  recordLog,
  rejection,
  sendJson,
  sseEvent,
  startSse,
  textChunk,
} from './testServer';
import { LoopbackProxy } from './loopbackProxy';

const ENV_NAMES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

describe('api/proxies', () => {
  let server: TestServer;
  let proxy: LoopbackProxy;
  const savedEnv: Record<string, string | undefined> = {};

  before(async () => {
    server = await TestServer.start();
    proxy = new LoopbackProxy();
    await proxy.start();
    for (const name of ENV_NAMES) savedEnv[name] = process.env[name];
  });
  after(async () => {
    await proxy.close();
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    proxy.tunnels.length = 0;
    proxy.forwarded.length = 0;
    proxy.authorizations.length = 0;
    proxy.requireAuth = undefined;
    for (const name of ENV_NAMES) delete process.env[name];
    server.handle((_req, res) => sendJson(res, 200, { models: [{ name: 'models/x' }] }));
  });
  afterEach(() => {
    for (const name of ENV_NAMES) {
      if (savedEnv[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnv[name];
    }
  });

  const crossedProxy = () => server.requests.every((r) => proxy.outboundPorts.has(r.remotePort));
  const targetHost = () => new URL(server.url).host;

  it('sends every request through a proxy passed in by the caller', async () => {
    const client = clientFor(server.url, { proxy: { url: proxy.url, strictSSL: true, noProxy: [] } });
    await client.models.list();
    await client.tunedModels.get('tunedModels/m1');
    await client.generateContent('tunedModels/m1', { contents: [] });
    await client.destroy();
    assert.equal(server.requests.length, 3);
    assert.ok(crossedProxy(), 'every request reached the server over a proxy connection');
    assert.ok(proxy.tunnels.length >= 1);
    assert.ok(proxy.tunnels.every((t) => t === targetHost()));
    assert.equal(server.requests[0].headers['x-goog-api-key'], TEST_API_KEY, 'the key still reaches the server');
  });

  it('honours the caller noProxy list', async () => {
    const client = clientFor(server.url, { proxy: { url: proxy.url, noProxy: ['localhost', '127.0.0.1'] } });
    await client.models.list();
    await client.destroy();
    assert.equal(server.requests.length, 1);
    assert.equal(proxy.tunnels.length + proxy.forwarded.length, 0);
    assert.ok(!proxy.outboundPorts.has(server.requests[0].remotePort));
  });

  it('uses HTTP_PROXY from the environment when no proxy is passed in', async () => {
    process.env.HTTP_PROXY = proxy.url;
    const client = clientFor(server.url);
    await client.models.list();
    await client.models.get('models/x');
    await client.destroy();
    assert.equal(server.requests.length, 2);
    assert.ok(crossedProxy());
    assert.ok(proxy.tunnels.length >= 1);
  });

  it('honours NO_PROXY from the environment', async () => {
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = `example.com, 127.0.0.1:${server.port}`;
    const client = clientFor(server.url);
    await client.models.list();
    await client.destroy();
    assert.equal(server.requests.length, 1);
    assert.equal(proxy.tunnels.length, 0);
    assert.ok(!proxy.outboundPorts.has(server.requests[0].remotePort));
  });

  it('still delivers stream chunks one at a time through the proxy', async () => {
    let release!: () => void;
    const waits: string[] = [];
    server.handle(async (_req, res) => {
      startSse(res);
      for (let i = 0; i < 3; i++) {
        const gate = new Promise<void>((resolve) => (release = resolve));
        res.write(sseEvent(textChunk(`t${i}`, i === 2 ? 'STOP' : undefined)));
        // the next chunk is written only once the client has yielded this one
        if (i < 2) waits.push(await Promise.race([gate.then(() => 'released'), delay(2000).then(() => 'timed out')]));
      }
      res.end();
    });
    const client = clientFor(server.url, { proxy: { url: proxy.url } });
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', { contents: [] }), () => release());
    await client.destroy();
    assert.equal(error, undefined);
    assert.equal(chunks.length, 3);
    assert.deepEqual(waits, ['released', 'released'], 'each chunk reached the client before the next was written');
    assert.ok(crossedProxy());
  });

  it('sends proxy credentials from the proxy URL and keeps them out of errors', async () => {
    const auth = `Basic ${Buffer.from(`user:${TEST_PROXY_PASSWORD}`).toString('base64')}`;
    proxy.requireAuth = auth;
    const url = new URL(proxy.url);
    url.username = 'user';
    url.password = TEST_PROXY_PASSWORD;
    const good = clientFor(server.url, { proxy: { url: url.toString() } });
    await good.models.list();
    await good.destroy();
    assert.equal(proxy.authorizations[0], auth);

    url.password = 'wrong';
    const bad = new GeminiClient({ baseUrl: server.url, apiKey: TEST_API_KEY, retry: false, log: recordLog, proxy: { url: url.toString() } });
    const err = await rejection(bad.models.list());
    await bad.destroy();
    assert.ok(err instanceof NetworkError);
    assert.equal(err.kind, 'proxy');
    assert.match(err.message, /through the proxy: the proxy answered 407/);
  });
});
