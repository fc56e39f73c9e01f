import assert from 'node:assert/strict';
import { type Harness, call, startServer } from './harness';

describe('local server: API key', function () {
  let h: Harness;
  const logged: string[] = [];
  before(async () => (h = await startServer({ apiKey: 'sekret-key-123', log: (l) => logged.push(l) })));
  after(async () => h.close());

  it('accepts the key in the x-goog-api-key header or the key query parameter', async () => {
    assert.equal((await call(h.url, 'GET', '/v1beta/models', undefined, { 'x-goog-api-key': 'sekret-key-123' })).status, 200);
    assert.equal((await call(h.url, 'GET', '/v1beta/tunedModels?key=sekret-key-123')).status, 200);
  });

  it('a wrong key gets the real 400 API_KEY_INVALID envelope', async () => {
    for (const r of [await call(h.url, 'GET', '/v1beta/models', undefined, { 'x-goog-api-key': 'wrong' }), await call(h.url, 'GET', '/v1beta/tunedModels?key=wrong')]) {
      assert.equal(r.status, 400);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(r.json, {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [
            { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
            { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
          ],
        },
      });
    }
  });

  it('no key at all gets 403 PERMISSION_DENIED for unregistered callers', async () => {
    const r = await call(h.url, 'GET', '/v1beta/tunedModels');
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, {
      error: {
        code: 403,
        message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        status: 'PERMISSION_DENIED',
      },
    });
    const post = await call(h.url, 'POST', '/v1beta/tunedModels', {});
    assert.equal(post.status, 403, 'auth is checked before the body');
  });

  it('an OAuth bearer token instead of the key gets 401 UNAUTHENTICATED', async () => {
    const r = await call(h.url, 'GET', '/v1beta/tunedModels', undefined, { authorization: 'Bearer ya29.token' });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.status, 'UNAUTHENTICATED');
  });

  it('never logs the key', async () => {
    await call(h.url, 'GET', '/v1beta/tunedModels?key=sekret-key-123');
    await call(h.url, 'GET', '/v1beta/tunedModels?key=sekret-key-1234');
    assert.ok(logged.length > 0);
    assert.equal(logged.some((l) => l.includes('sekret')), false);
  });
});
