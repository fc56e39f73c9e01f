import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import {
  activateExtension,
  createRequest,
  findItem,
  modelNameOf,
  modelRecord,
  resetSettings,
  startRecordingProxy,
  startTestServer,
  type TestServer,
  treeSnapshot,
  useBackend,
  withinDeadline,
} from './support';

describe('tree: 2,000 models', function () {
  this.timeout(180_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let notebookDir: string | undefined;

  before(async () => {
    api = await activateExtension();
    const seed = Array.from({ length: 2000 }, (_, i) => modelRecord(`bulk-${String(i).padStart(4, '0')}`, i % 4 === 3 ? 'FAILED' : 'ACTIVE', i));
    server = await startTestServer(api.extensionPath, { seed });
    proxy = await startRecordingProxy(server.url);
  });

  after(async () => {
    if (notebookDir) {
      // Only this suite's notebooks: closing anything else could ask to save someone's changes.
      const mine = (uri: vscode.Uri) => uri.scheme === 'file' && uri.fsPath.startsWith(notebookDir!);
      for (const notebook of vscode.workspace.notebookDocuments) if (notebook.isDirty && mine(notebook.uri)) await notebook.save();
      const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputNotebook && mine(t.input.uri));
      await vscode.window.tabGroups.close(tabs);
      fs.rmSync(notebookDir, { recursive: true, force: true });
    }
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

  // Each ACTIVE model is a notebook controller. Re-sending every controller's affinity to every
  // open prompt notebook on each change of the list kept the workbench busy for minutes, and
  // settings writes and backend switches waited behind it.
  it('keeps the window responsive with prompt notebooks open: refreshes, a settings write and backend switches complete', async function () {
    this.timeout(300_000);
    notebookDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-many-notebooks-'));
    for (let i = 0; i < 3; i++) {
      const file = path.join(notebookDir, `book-${i}.tunebook`);
      fs.writeFileSync(
        file,
        JSON.stringify({ format: 'gemini-tuning.tunebook', version: 1, metadata: { model: `tunedModels/bulk-000${i}` }, cells: [{ kind: 'prompt', source: 'hello' }] }),
      );
      const notebook = await withinDeadline(vscode.workspace.openNotebookDocument(vscode.Uri.file(file)), 30_000, `opening ${path.basename(file)}`);
      await withinDeadline(vscode.window.showNotebookDocument(notebook, { preview: false }), 30_000, `showing ${path.basename(file)}`);
    }
    assert.equal(vscode.workspace.notebookDocuments.filter((n) => n.uri.path.startsWith(vscode.Uri.file(notebookDir!).path)).length, 3);

    await useBackend(api, 'local', proxy.url);
    for (let i = 0; i < 3; i++) await withinDeadline(api.store.refresh(), 30_000, `refresh ${i + 1} of 2,000 models`);
    assert.equal(api.store.models.length, 2000);

    const config = vscode.workspace.getConfiguration('geminiTuning');
    await withinDeadline(config.update('polling.unfocusedDelayMs', 61_000, vscode.ConfigurationTarget.Global), 30_000, 'a settings write');
    assert.equal(vscode.workspace.getConfiguration('geminiTuning').get('polling.unfocusedDelayMs'), 61_000);
    await withinDeadline(config.update('polling.unfocusedDelayMs', undefined, vscode.ConfigurationTarget.Global), 30_000, 'a settings reset');

    // Away to the extension's own local server (no models of the test server) and back.
    await withinDeadline(useBackend(api, 'local', ''), 90_000, 'the switch to the built-in local server');
    assert.ok(!api.store.models.some((m) => m.name?.startsWith('tunedModels/bulk-')));
    // Back to 2,000 models: 1,500 notebook controllers are created again, the slowest step here.
    await withinDeadline(useBackend(api, 'local', proxy.url), 90_000, 'the switch back to the test server');
    assert.equal(api.store.models.length, 2000);
  });
});

describe('tree: 60 models training at once', function () {
  this.timeout(180_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;

  before(async () => {
    api = await activateExtension();
    // One step a second, one job at a time: every job stays CREATING while the test looks.
    server = await startTestServer(api.extensionPath, { stepDelayMs: 1000 });
    proxy = await startRecordingProxy(server.url);
    await useBackend(api, 'local', proxy.url);
  });

  after(async () => {
    await resetSettings();
    await proxy?.close();
    await server?.stop();
  });

  it('shows the progress in percent of every one of them', async () => {
    const client = await api.backend.getClient();
    const names: string[] = [];
    for (let i = 0; i < 60; i++) names.push(modelNameOf(await client.tunedModels.create(createRequest(`Job ${i}`, 1))));
    await api.store.refresh();
    assert.equal(treeSnapshot(api).get('Creating')?.count, '60');
    for (const name of names) {
      const item = findItem(api, name);
      assert.equal(item?.group, 'Creating', name);
      assert.match(String(item.item.description), /^\d+% · gemini-1\.5-flash-001-tuning · /, `progress of ${name}`);
    }
    const operationReads = proxy.requests.filter((r) => r.method === 'GET' && /\/operations/.test(r.url));
    for (const name of names) assert.ok(operationReads.some((r) => r.url.startsWith(`/v1beta/${name}/operations`)), `the operation of ${name} was read`);
  });
});
