import * as assert from 'node:assert/strict';
import type { GeminiTuningApi } from '../../../src/extension';
import { activateExtension, modelRecord, resetSettings, startRecordingProxy, startTestServer, type TestServer, treeSnapshot, useBackend } from './support';

describe('tree: 2,000 models', function () {
  this.timeout(180_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;

  before(async () => {
    api = await activateExtension();
    const seed = Array.from({ length: 2000 }, (_, i) => modelRecord(`bulk-${String(i).padStart(4, '0')}`, i % 4 === 3 ? 'FAILED' : 'ACTIVE', i));
    server = await startTestServer(api.extensionPath, { seed });
    proxy = await startRecordingProxy(server.url);
  });

  after(async () => {
    await resetSettings();
    await proxy?.close();
    await server?.stop();
  });

  it('lists every model in pages of 1000 and groups them correctly', async () => {
    await useBackend(api, 'local', proxy.url);
    await api.store.refresh();
    const lists = proxy.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/v1beta/tunedModels?'));
    assert.ok(lists.length >= 2);
    for (const request of lists) assert.equal(new URL(request.url, 'http://x').searchParams.get('pageSize'), '1000');

    const tree = treeSnapshot(api);
    assert.deepEqual([...tree.keys()], ['Active', 'Failed']);
    assert.equal(tree.get('Active')?.count, '1500');
    assert.equal(tree.get('Failed')?.count, '500');
    const names = new Set([...tree.values()].flatMap((g) => g.models.map((m) => m.name)));
    assert.equal(names.size, 2000);
    for (let i = 0; i < 2000; i++) assert.ok(names.has(`tunedModels/bulk-${String(i).padStart(4, '0')}`), `model ${i} is listed`);
    assert.ok(tree.get('Failed')!.models.every((m) => Number(m.name.slice(-4)) % 4 === 3));
    // Newest first within a group.
    assert.equal(tree.get('Active')!.models[0].name, 'tunedModels/bulk-1998');
  });
});
