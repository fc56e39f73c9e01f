import assert from 'node:assert/strict';
import { ApiError } from '../../../src/core/api/errors';
import { type GeminiClient } from '../../../src/core/api/client';
import { TestServer, clientFor, sendJson } from './testServer';

describe('api/unary response size cap', () => {
  let server: TestServer;
  let client: GeminiClient;
  before(async () => (server = await TestServer.start()));
  after(async () => server.close());
  beforeEach(() => {
    server.reset();
    client = clientFor(server.url, { maxResponseBytes: 1024 * 1024, retry: false });
  });
  afterEach(async () => client.destroy());

  it('refuses a response larger than maxResponseBytes with a clear ApiError, without reading it whole', async () => {
    let written = 0;
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const piece = Buffer.alloc(64 * 1024, 0x20);
      // 64 MiB offered; the client must stop long before
      const write = (): void => {
        while (written < 64 * 1024 * 1024 && !res.destroyed) {
          written += piece.length;
          if (!res.write(piece)) return void res.once('drain', write);
        }
        if (!res.destroyed) res.end();
      };
      write();
    });
    const error = await client.tunedModels.get('tunedModels/m1').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApiError, String(error));
    assert.match(error.message, /larger than 1048576 bytes.*maxResponseBytes/);
    assert.ok(written < 32 * 1024 * 1024, `the server got to write ${written} bytes`);
  });

  it('reads a response under the cap as before', async () => {
    server.handle((_req, res) => sendJson(res, 200, { name: 'tunedModels/m1', description: 'x'.repeat(500_000) }));
    const model = await client.tunedModels.get('tunedModels/m1');
    assert.equal(model.name, 'tunedModels/m1');
  });
});
