import assert from 'node:assert/strict';
import * as http from 'node:http';
import { type Harness, call, startServer, tuningBody } from './harness';

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** A request with exactly these headers (fetch would not let a test set Host or Origin). */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawReply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('local server: requests from web pages', function () {
  let h: Harness;
  let host: string;
  let port: string;
  before(async () => {
    h = await startServer({ allowedOrigins: ['https://trusted.example'] });
    port = new URL(h.url).port;
    host = `127.0.0.1:${port}`;
  });
  after(async () => h.close());

  const modelCount = async (): Promise<number> => ((await call(h.url, 'GET', '/v1beta/tunedModels')).json.tunedModels ?? []).length;

  it('serves curl-like requests addressed to loopback names with the server port', async () => {
    for (const name of [host, `localhost:${port}`, `[::1]:${port}`, `127.1.2.3:${port}`]) {
      const r = await raw(h.url, 'GET', '/v1beta/models', { host: name, 'user-agent': 'curl/8.5.0', accept: '*/*' });
      assert.equal(r.status, 200, name);
    }
  });

  it('refuses a foreign Host (DNS rebinding) with 403 saying which names it answers', async () => {
    for (const name of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`, `localhost.evil.example:${port}`]) {
      const r = await raw(h.url, 'GET', '/v1beta/tunedModels', { host: name });
      assert.equal(r.status, 403, name);
      assert.equal(r.json.error.status, 'PERMISSION_DENIED');
      assert.match(r.json.error.message, /Host header .* does not name this server.*127\.0\.0\.1:\d+/);
      assert.equal(r.json.error.details[0].reason, 'HOST_NOT_ALLOWED');
    }
  });

  it('refuses a page origin on reads and writes, and creates nothing', async () => {
    const before = await modelCount();
    const get = await raw(h.url, 'GET', '/v1beta/tunedModels', { host, origin: 'https://evil.example' });
    assert.equal(get.status, 403);
    assert.equal(get.json.error.details[0].reason, 'ORIGIN_NOT_ALLOWED');
    assert.match(get.json.error.message, /--allowed-origin https:\/\/evil\.example/);
    assert.equal(get.headers['access-control-allow-origin'], undefined);
    const post = await raw(h.url, 'POST', '/v1beta/tunedModels', { host, origin: 'null', 'content-type': 'application/json' }, JSON.stringify(tuningBody()));
    assert.equal(post.status, 403);
    const fetchSite = await raw(h.url, 'POST', '/v1beta/tunedModels', { host, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, JSON.stringify(tuningBody()));
    assert.equal(fetchSite.status, 403);
    assert.equal(await modelCount(), before);
  });

  it('refuses a write whose body is not JSON (the simple requests a page may send), with 415', async () => {
    const before = await modelCount();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const headers: Record<string, string> = { host };
      if (type) headers['content-type'] = type;
      const r = await raw(h.url, 'POST', '/v1beta/tunedModels', headers, JSON.stringify(tuningBody()));
      assert.equal(r.status, 415, String(type));
      assert.equal(r.json.error.code, 415);
      assert.match(r.json.error.message, /Content-Type: application\/json/);
    }
    assert.equal(await modelCount(), before);
    const ok = await raw(h.url, 'POST', '/v1beta/tunedModels', { host, 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(tuningBody()));
    assert.equal(ok.status, 200);
  });

  it('lets a configured origin call it, with CORS headers and an answered preflight', async () => {
    const pre = await raw(h.url, 'OPTIONS', '/v1beta/tunedModels', {
      host,
      origin: 'https://trusted.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://trusted.example');
    const get = await raw(h.url, 'GET', '/v1beta/models', { host, origin: 'https://trusted.example', 'sec-fetch-site': 'cross-site' });
    assert.equal(get.status, 200);
    assert.equal(get.headers['access-control-allow-origin'], 'https://trusted.example');
  });
});
