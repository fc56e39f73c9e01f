import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GeminiClient } from '../../../src/core/api/client';
import type { Operation, TunedModel } from '../../../src/core/api/types';
import type { CreateOutcome } from '../../../src/extension/tuningSpecEditor/commands/createTunedModelFromSpec';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import { waitFor } from '../../harness/waitFor';
import {
  activateExtension,
  createRequest,
  findItem,
  InformationMessageSpy,
  modelNameOf,
  modelRecord,
  NotificationRecorder,
  resetSettings,
  ScriptedPrompts,
  setPolling,
  startRecordingProxy,
  startTestServer,
  treeHooks,
  treeSnapshot,
  type TestServer,
  useBackend,
  whenStore,
  whenTab,
} from './support';

/** Resolves with the active text editor once one shows a document `predicate` accepts. */
function whenActiveEditor(predicate: (uri: vscode.Uri) => boolean): Promise<vscode.TextEditor> {
  const active = vscode.window.activeTextEditor;
  if (active && predicate(active.document.uri)) return Promise.resolve(active);
  return new Promise((resolve) => {
    const subscription = vscode.window.onDidChangeActiveTextEditor((editor) => {
      if (editor && predicate(editor.document.uri)) {
        subscription.dispose();
        resolve(editor);
      }
    });
  });
}

describe('tree: tuned models view', function () {
  this.timeout(120_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let client: GeminiClient;

  before(async () => {
    api = await activateExtension();
    server = await startTestServer(api.extensionPath, {
      stepDelayMs: 40,
      seed: [modelRecord('seeded-active-1', 'ACTIVE', 1), modelRecord('seeded-active-2', 'ACTIVE', 2), modelRecord('seeded-failed-1', 'FAILED', 3)],
    });
    proxy = await startRecordingProxy(server.url);
    await setPolling(250);
    await useBackend(api, 'local', proxy.url);
    client = await api.backend.getClient();
  });

  after(async () => {
    await resetSettings();
    await proxy?.close();
    await server?.stop();
  });

  it('shows Creating, Active and Failed with their counts, and hides empty groups', async () => {
    await api.store.refresh();
    let tree = treeSnapshot(api);
    assert.deepEqual([...tree.keys()], ['Active', 'Failed'], 'no Creating group while nothing is being tuned');
    assert.equal(tree.get('Active')?.count, '2');
    assert.equal(tree.get('Failed')?.count, '1');

    // A long job, so that it is still CREATING when the tree is read.
    const op = await client.tunedModels.create(createRequest('Long job', 60));
    const name = modelNameOf(op);
    api.store.track(op, createRequest('Long job', 60));
    // Shown at once, from the request, before the first poll.
    assert.equal(api.store.get(name)?.displayName, 'Long job');
    await whenStore(api, () => api.store.get(name)?.createTime !== undefined && api.store.models.length === 4 && api.store.loaded, 'the new model');
    tree = treeSnapshot(api);
    assert.deepEqual([...tree.keys()], ['Creating', 'Active', 'Failed']);
    assert.deepEqual(
      [...tree].map(([group, { count, models }]) => [group, count, models.length]),
      [
        ['Creating', '1', 1],
        ['Active', '2', 2],
        ['Failed', '1', 1],
      ],
    );
    const creating = findItem(api, name)!;
    assert.equal(creating.group, 'Creating');
    assert.equal(creating.item.label, 'Long job');
    assert.equal(creating.item.contextValue, 'tunedModel.creating');
    assert.equal((creating.item.iconPath as vscode.ThemeIcon).id, 'loading~spin');

    // Progress in percent comes from the operation metadata, without a manual refresh.
    await whenStore(api, () => (api.store.get(name)?.progress?.completedSteps ?? 0) > 0, 'training progress');
    assert.match(String(findItem(api, name)!.item.description), /^\d+% · gemini-1\.5-flash-001-tuning · /);

    const failed = findItem(api, 'tunedModels/seeded-failed-1')!;
    assert.equal(failed.item.contextValue, 'tunedModel.failed');
    assert.equal((failed.item.iconPath as vscode.ThemeIcon).id, 'error');
    const active = findItem(api, 'tunedModels/seeded-active-2')!;
    assert.equal(active.item.label, 'Seeded 2');
    assert.equal(active.item.contextValue, 'tunedModel.active');
    const resolved = treeHooks(api).provider.resolveTreeItem(active.item, treeHooks(api).provider.nodeFor('tunedModels/seeded-active-2')!);
    assert.match((resolved.tooltip as vscode.MarkdownString).value, /Snapshots: 1/);

    // Deleting a model that is still training removes it from the tree.
    const prompts = new ScriptedPrompts().confirmWith(true);
    const scope = api.prompts.use(prompts);
    try {
      assert.equal(await vscode.commands.executeCommand('geminiTuning.deleteModel', name), true);
    } finally {
      scope.dispose();
    }
    assert.equal(findItem(api, name), undefined);
    assert.deepEqual([...treeSnapshot(api).keys()], ['Active', 'Failed']);
  });

  it('moves a CREATING model to Active by itself when tuning ends, and reports the state change', async () => {
    const op = await client.tunedModels.create(createRequest('Quick job', 2));
    const name = modelNameOf(op);
    const finished = new Promise<string | undefined>((resolve) => {
      const subscription = api.store.onDidChangeState(({ model, previous }) => {
        if (model.name === name && model.state !== 'creating') {
          subscription.dispose();
          resolve(`${previous} → ${model.state}`);
        }
      });
    });
    await api.store.refresh();
    assert.equal(findItem(api, name)?.group, 'Creating');
    assert.ok(api.store.isPolling, 'polls while a model is CREATING');
    const listsBefore = proxy.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/v1beta/tunedModels?')).length;

    assert.equal(await finished, 'creating → active');
    assert.equal(findItem(api, name)?.group, 'Active');
    assert.equal((findItem(api, name)!.item.iconPath as vscode.ThemeIcon).id, 'pass');
    const listsAfter = proxy.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/v1beta/tunedModels?')).length;
    assert.ok(listsAfter > listsBefore, 'the tree polled the list');
    assert.equal(api.store.isPolling, false, 'polling stops when nothing is in flight');
  });

  it('notifies when a job ends: ready, with Open Loss Chart and Try in Notebook; failed, with the reason', async () => {
    const recorder = new NotificationRecorder((n) => (n.message.includes('"Notified job"') ? 'Open Loss Chart' : n.message.includes('"Doomed job"') ? 'Show Details' : undefined));
    const scope = api.prompts.use(recorder);
    try {
      const op = await client.tunedModels.create(createRequest('Notified job', 2));
      api.store.track(op, createRequest('Notified job', 2));
      const ready = await recorder.next((n) => n.message.includes('"Notified job"'));
      assert.deepEqual(ready, { message: 'Tuned model "Notified job" is ready.', severity: 'info', actions: ['Open Loss Chart', 'Try in Notebook'] });
      // The button opens the loss chart of that model.
      const chart = await whenTab((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('geminiTuning.lossChart') && tab.label.includes('Notified job'));
      await vscode.window.tabGroups.close(chart);

      // A long job, then the server stops and loses the job's training data: it cannot resume.
      const doomed = await client.tunedModels.create(createRequest('Doomed job', 60));
      const name = modelNameOf(doomed);
      api.store.track(doomed, createRequest('Doomed job', 60));
      await whenStore(api, () => api.store.get(name)?.createTime !== undefined && api.store.loaded, 'the doomed job in the list');
      await server.restart(() => fs.rmSync(path.join(server.dataDir, 'tunedModels', name.replace(/^tunedModels\//, ''), 'training-data.json')));
      proxy.retarget(server.url);
      client = await api.backend.getClient();
      const failed = await recorder.next((n) => n.message.includes('"Doomed job"'));
      assert.match(failed.message, /^Tuning "Doomed job" failed: .*training data could not be read back/);
      assert.equal(failed.severity, 'warning');
      assert.deepEqual(failed.actions, ['Open Loss Chart', 'Show Details']);
      // The button shows the model's JSON.
      const details = await whenActiveEditor((uri) => uri.scheme === 'gemini-tuning-model' && uri.path.includes(name));
      assert.equal(JSON.parse(details.document.getText()).state, 'FAILED');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      // The tree shows it under Failed, and the tooltip says why.
      const item = findItem(api, name)!;
      assert.equal(item.group, 'Failed');
      const resolved = treeHooks(api).provider.resolveTreeItem(item.item, treeHooks(api).provider.nodeFor(name)!);
      assert.match((resolved.tooltip as vscode.MarkdownString).value, /Error: Tuning was interrupted/);
      assert.equal(recorder.notifications.filter((n) => n.message.includes('Doomed job')).length, 1, 'one notification per job');
    } finally {
      scope.dispose();
    }
  });

  it('many jobs ending in one reload: a notification each for three, one summary for the rest that reveals them', async () => {
    // No poll in between: every job ends within the one reload that follows.
    await setPolling(600_000);
    await api.store.refresh();
    const labels = ['Batch 1', 'Batch 2', 'Batch 3', 'Batch 4', 'Batch 5'];
    const recorder = new NotificationRecorder((n) => (n.message.includes('more tuned models finished') ? 'Show in Tree' : undefined));
    const scope = api.prompts.use(recorder);
    try {
      const ops = await Promise.all(labels.map((label) => client.tunedModels.create(createRequest(label, 1))));
      const names = ops.map(modelNameOf);
      await Promise.all(ops.map((op) => client.waitForOperation(op, { initialDelayMs: 100, multiplier: 1, maxDelayMs: 100 })));
      const selected = new Promise<string>((resolve) => {
        const subscription = treeHooks(api).treeView.onDidChangeSelection(({ selection }) => {
          const node = selection[0] as { name?: string } | undefined;
          if (node?.name && names.includes(node.name)) {
            subscription.dispose();
            resolve(node.name);
          }
        });
      });
      // The view saw them all start; the next reload finds them all done.
      ops.forEach((op, i) => api.store.track(op, createRequest(labels[i], 1)));
      const summary = await recorder.next((n) => n.message.includes('more tuned models finished'));
      assert.deepEqual(summary, { message: '2 more tuned models finished: 2 ACTIVE', severity: 'info', actions: ['Show in Tree'] });
      const individual = recorder.notifications.filter((n) => /"Batch \d"/.test(n.message)).map((n) => n.message);
      assert.equal(individual.length, 3, individual.join(' / '));
      for (const message of individual) assert.match(message, /^Tuned model "Batch \d" is ready\.$/);
      const summarized = names.filter((_, i) => !individual.includes(`Tuned model "${labels[i]}" is ready.`));
      assert.equal(summarized.length, 2);
      // "Show in Tree" selects a model the summary stands for, in the Active group.
      assert.ok(summarized.includes(await selected));
      for (const name of summarized) assert.equal(findItem(api, name)?.group, 'Active');
    } finally {
      scope.dispose();
      await setPolling(250);
    }
  });

  it('renames and edits through patch with exactly the changed fields in updateMask', async () => {
    const name = 'tunedModels/seeded-active-1';
    const patches = () => proxy.requests.filter((r) => r.method === 'PATCH').map((r) => new URL(r.url, 'http://x').searchParams.get('updateMask'));
    const before = patches().length;

    let prompts = new ScriptedPrompts().inputWith('Renamed model', (o) => assert.equal(o.value, 'Seeded 1'));
    let scope = api.prompts.use(prompts);
    try {
      await vscode.commands.executeCommand('geminiTuning.renameModel', name);
    } finally {
      scope.dispose();
    }
    assert.equal(findItem(api, name)?.item.label, 'Renamed model');

    prompts = new ScriptedPrompts()
      .pickLabel('Description')
      .inputWith('Adds one')
      .pickLabel('topK')
      .inputWith('40')
      .pickLabel('Temperature')
      .inputWith('1')
      .pickLabel(/^\$\(check\) Save 2 changes$/);
    scope = api.prompts.use(prompts);
    try {
      await vscode.commands.executeCommand('geminiTuning.editModel', name);
    } finally {
      scope.dispose();
    }
    assert.equal(prompts.remaining, 0);
    assert.deepEqual(patches().slice(before), ['displayName', 'description,topK']);
    const stored = await client.tunedModels.get(name);
    assert.equal(stored.displayName, 'Renamed model');
    assert.equal(stored.description, 'Adds one');
    assert.equal(stored.topK, 40);
    assert.equal(stored.temperature, 1);
    assert.equal(api.store.get(name)?.description, 'Adds one');
  });

  it('deletes only after a confirmation that names the model', async () => {
    const name = 'tunedModels/seeded-active-2';
    let prompts = new ScriptedPrompts().confirmWith(false, (message, options) => {
      assert.equal(message, 'Delete the tuned model "Seeded 2"?');
      assert.match(options.detail ?? '', /tunedModels\/seeded-active-2/);
      assert.equal(options.confirmLabel, 'Delete');
    });
    let scope = api.prompts.use(prompts);
    try {
      assert.equal(await vscode.commands.executeCommand('geminiTuning.deleteModel', name), false);
    } finally {
      scope.dispose();
    }
    assert.ok(findItem(api, name), 'kept when the person says no');

    prompts = new ScriptedPrompts().confirmWith(true);
    scope = api.prompts.use(prompts);
    try {
      assert.equal(await vscode.commands.executeCommand('geminiTuning.deleteModel', name), true);
    } finally {
      scope.dispose();
    }
    assert.equal(findItem(api, name), undefined);
    await assert.rejects(client.tunedModels.get(name), (e: { httpStatus?: number }) => e.httpStatus === 404);
    await api.store.refresh();
    assert.equal(findItem(api, name), undefined);
  });

  it('deletes several models selected together, after one confirmation that names them all', async () => {
    const ops = await Promise.all(['Bulk A', 'Bulk B'].map((displayName) => client.tunedModels.create(createRequest(displayName, 60))));
    const names = ops.map(modelNameOf);
    await api.store.refresh();
    const nodes = names.map((name) => treeHooks(api).provider.nodeFor(name)!);
    assert.ok(nodes.every(Boolean), 'both are in the tree');

    // Copy Name on a selection copies every name.
    assert.equal(await vscode.commands.executeCommand('geminiTuning.copyModelName', nodes[1], nodes), names.join('\n'));

    const prompts = new ScriptedPrompts().confirmWith(true, (message, options) => {
      assert.equal(message, 'Delete 2 tuned models?');
      assert.ok(options.detail?.includes(`"Bulk A" (${names[0]})`), options.detail);
      assert.ok(options.detail?.includes(`"Bulk B" (${names[1]})`), options.detail);
      assert.equal(options.confirmLabel, 'Delete 2 Models');
    });
    const scope = api.prompts.use(prompts);
    try {
      // VS Code passes the clicked item and the whole selection.
      assert.equal(await vscode.commands.executeCommand('geminiTuning.deleteModel', nodes[1], nodes), true);
    } finally {
      scope.dispose();
    }
    assert.equal(prompts.remaining, 0);
    for (const name of names) {
      assert.equal(findItem(api, name), undefined);
      await assert.rejects(client.tunedModels.get(name), (e: { httpStatus?: number }) => e.httpStatus === 404);
    }
  });

  it('shows the model JSON in a read-only document', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('geminiTuning.showModelDetails', 'tunedModels/seeded-failed-1');
    assert.ok(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    const json = JSON.parse(document.getText());
    assert.equal(json.name, 'tunedModels/seeded-failed-1');
    assert.equal(json.state, 'FAILED');
    assert.equal(document.languageId, 'json');
    assert.equal(uri.scheme, 'gemini-tuning-model', 'served by a content provider, so the editor is read-only');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('copies the name, a curl command and a TypeScript snippet', async () => {
    const name = 'tunedModels/seeded-active-1';
    assert.equal(await vscode.commands.executeCommand('geminiTuning.copyModelName', name), name);
    assert.equal(await vscode.env.clipboard.readText(), name);

    await vscode.commands.executeCommand('geminiTuning.copyModelAsCurl', name);
    const curl = await vscode.env.clipboard.readText();
    assert.ok(curl.startsWith(`curl -sS -X POST '${proxy.url}/v1beta/${name}:generateContent'`), curl);
    assert.ok(!curl.includes('x-goog-api-key'), 'the local backend needs no key');

    await vscode.commands.executeCommand('geminiTuning.copyModelAsTypeScript', name);
    const ts = await vscode.env.clipboard.readText();
    assert.ok(ts.includes(`from '@google/genai'`), ts);
    assert.ok(ts.includes(`model: "${name}"`), ts);
    assert.ok(ts.includes(`baseUrl: "${proxy.url}"`), ts);
    assert.ok(ts.includes(`apiKey: 'unused'`), 'without a key the SDK would look for Google Cloud credentials');
  });

  it('opens a spec that tunes again from the model', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('geminiTuning.tuneAgain', 'tunedModels/seeded-active-1');
    assert.ok(uri);
    assert.equal(uri.scheme, 'untitled');
    assert.match(uri.path, /seeded-active-1-again\.tuning\.yaml$/);
    const text = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())?.getText() ?? '';
    assert.match(text, /tunedModelSource:\n {2}tunedModel: "tunedModels\/seeded-active-1"/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('filters through the API', async () => {
    assert.equal(await vscode.commands.executeCommand('geminiTuning.filterModels', 'Quick'), 'Quick');
    assert.deepEqual(
      api.store.models.map((m) => m.displayName),
      ['Quick job'],
    );
    assert.ok(proxy.requests.some((r) => r.url.includes('filter=Quick')));
    assert.equal(treeHooks(api).treeView.message, 'Filter: Quick');
    await vscode.commands.executeCommand('geminiTuning.clearFilter');
    assert.equal(api.store.filter, '');
    assert.ok(api.store.models.length > 1);

    // A filter the API refuses keeps the view as it was, rather than emptying it.
    const before = api.store.models.length;
    assert.equal(await vscode.commands.executeCommand('geminiTuning.filterModels', 'owner:you'), undefined);
    assert.ok(proxy.requests.some((r) => new URL(r.url, 'http://x').searchParams.get('filter') === 'owner:you'));
    assert.equal(api.store.filter, '');
    assert.equal(api.store.status.kind, 'ready');
    assert.equal(api.store.models.length, before);

    // Nothing shared with everyone yet; the filter goes to the API as typed.
    assert.equal(await vscode.commands.executeCommand('geminiTuning.filterModels', 'readers:everyone'), 'readers:everyone');
    assert.deepEqual(api.store.models, []);
    assert.equal(treeHooks(api).treeView.description, 'Filter: readers:everyone');
    // No message over an empty tree: it would hide the welcome that offers Clear Filter.
    assert.equal(treeHooks(api).treeView.message, undefined);
    await vscode.commands.executeCommand('geminiTuning.clearFilter');
    assert.equal(treeHooks(api).treeView.description, undefined);
    assert.equal(treeHooks(api).treeView.message, undefined);
    assert.equal(api.store.models.length, before);
  });

  it('shares: adds a person, changes the role, removes them', async () => {
    const name = 'tunedModels/seeded-active-1';
    const prompts = new ScriptedPrompts()
      .pickLabel(/Add a person/)
      .inputWith('ada@example.com')
      .pickLabel('READER')
      .pickLabel(/ada@example\.com/)
      .pickLabel('Make writer')
      .pickLabel(/ada@example\.com/)
      .pickLabel(/Remove access/)
      .confirmWith(true)
      .cancelPick();
    const scope = api.prompts.use(prompts);
    try {
      const count = await vscode.commands.executeCommand<number>('geminiTuning.shareModel', name);
      assert.equal(count, 1, 'only the owner is left');
    } finally {
      scope.dispose();
    }
    assert.equal(prompts.remaining, 0);
    const methods = proxy.requests.filter((r) => r.url.includes('/permissions') && r.method !== 'GET').map((r) => r.method);
    assert.deepEqual(methods.slice(-3), ['POST', 'PATCH', 'DELETE']);
  });

  it('transfers ownership only after a confirmation naming the new owner', async () => {
    const name = 'tunedModels/seeded-active-1';
    const label = api.store.get(name)?.displayName;
    const transfers = () => proxy.requests.filter((r) => r.method === 'POST' && r.url.startsWith(`/v1beta/${name}:transferOwnership`)).length;

    // Saying no sends nothing.
    let prompts = new ScriptedPrompts().pickLabel(/Transfer ownership/).inputWith('grace@example.com').confirmWith(false).cancelPick();
    let scope = api.prompts.use(prompts);
    try {
      await vscode.commands.executeCommand('geminiTuning.shareModel', name);
    } finally {
      scope.dispose();
    }
    assert.equal(prompts.remaining, 0);
    assert.equal(transfers(), 0);

    // The address is checked as it is typed.
    const checks: unknown[] = [];
    prompts = new ScriptedPrompts()
      .pickLabel(/Transfer ownership/)
      .inputWith(undefined, (o) => checks.push(o.validateInput?.('not an email'), o.validateInput?.(' grace@example.com ')))
      .cancelPick();
    scope = api.prompts.use(prompts);
    try {
      await vscode.commands.executeCommand('geminiTuning.shareModel', name);
    } finally {
      scope.dispose();
    }
    assert.equal(prompts.remaining, 0);
    assert.deepEqual(checks, ['Enter an email address.', undefined]);

    prompts = new ScriptedPrompts()
      .pickLabel(/Transfer ownership/)
      .inputWith('grace@example.com')
      .confirmWith(true, (message, options) => {
        assert.equal(message, `Transfer ownership of "${label}" to grace@example.com?`);
        assert.equal(options.confirmLabel, 'Transfer');
        assert.match(options.detail ?? '', /no longer be able to delete/);
      })
      .cancelPick();
    scope = api.prompts.use(prompts);
    try {
      assert.equal(await vscode.commands.executeCommand<number>('geminiTuning.shareModel', name), 2, 'the new owner and the former one');
    } finally {
      scope.dispose();
    }
    assert.equal(prompts.remaining, 0);
    assert.equal(transfers(), 1);
    const roles = new Map<string, string | undefined>();
    for await (const p of client.permissions.listAll(name)) roles.set(p.emailAddress ?? p.granteeType ?? '', p.role);
    assert.deepEqual(Object.fromEntries(roles), { 'grace@example.com': 'OWNER', 'local-user@localhost': 'WRITER' });
    // The former owner no longer matches owner:me.
    await vscode.commands.executeCommand('geminiTuning.filterModels', 'owner:me');
    assert.equal(api.store.get(name), undefined);
    await vscode.commands.executeCommand('geminiTuning.clearFilter');
    assert.ok(api.store.get(name));
  });

  it('a model created from a spec is announced once, by the notification with Open Loss Chart and Try in Notebook', async () => {
    const displayName = 'Announced once';
    const examples = Array.from({ length: 20 }, (_, i) => `  - textInput: "${i} + 2"\n    output: "${i + 2}"`).join('\n');
    const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'announced-once.tuning.yaml');
    fs.writeFileSync(file, `displayName: ${displayName}\nbaseModel: models/gemini-1.5-flash-001-tuning\nhyperparameters:\n  epochCount: 2\n  batchSize: 4\nexamples:\n${examples}\n`);
    // The window's notifications, not a recorder: both the view and the spec command show theirs there.
    const spy = new InformationMessageSpy();
    try {
      const outcome = await vscode.commands.executeCommand<CreateOutcome>('geminiTuning.createTunedModelFromSpec', vscode.Uri.file(file));
      assert.ok(outcome.status === 'created', JSON.stringify(outcome));
      const names = [outcome.model, displayName];
      const fromView = await spy.next((m) => m.message === `Tuned model "${displayName}" is ready.`);
      assert.deepEqual(fromView.items, ['Open Loss Chart', 'Try in Notebook']);
      // The spec command has returned, so anything it shows has been shown.
      const ready = spy.messages.filter((m) => /ready/i.test(m.message) && names.some((n) => m.message.includes(n)));
      assert.deepEqual(ready, [fromView], `ready messages: ${JSON.stringify(ready)}`);
    } finally {
      spy.dispose();
      fs.rmSync(file, { force: true });
    }
  });

  describe('Cancel Tuning Job', () => {
    // 200 epochs of 5 steps at 40 ms a step: far longer than the tests take to cancel it.
    const request = createRequest('Cancelled job', 200);
    let op: Operation;
    let name: string;
    const cancelsSent = () => proxy.requests.filter((r) => r.method === 'POST' && r.url.endsWith(':cancel')).length;

    before(async () => {
      op = await client.tunedModels.create(request);
      name = modelNameOf(op);
      api.store.track(op, request);
      await whenStore(api, () => (api.store.get(name)?.progress?.completedSteps ?? 0) >= 3, 'a few steps of the job to cancel');
    });

    it('from the palette offers only running jobs, passing over a selected model that is not training', async () => {
      const selected = 'tunedModels/seeded-active-1';
      const { treeView } = treeHooks(api);
      assert.equal(await vscode.commands.executeCommand('geminiTuning.revealModel', selected), true);
      // An earlier test may have selected it already, and then no selection event comes.
      await waitFor(() => (treeView.selection[0] as { name?: string } | undefined)?.name === selected, `${selected} selected in the tree`, {
        events: [treeView.onDidChangeSelection],
        timeoutMs: 20_000,
      });
      const before = cancelsSent();
      let offered: string[] = [];
      const prompts = new ScriptedPrompts().pickWith((items) => {
        offered = items.map((i) => String(i.description));
        return undefined;
      });
      const scope = api.prompts.use(prompts);
      try {
        assert.equal(await vscode.commands.executeCommand('geminiTuning.cancelTuningJob'), false);
      } finally {
        scope.dispose();
      }
      assert.equal(prompts.remaining, 0, 'a list to pick from was shown');
      const running = api.store.models.filter((m) => m.state === 'creating').map((m) => m.name!);
      assert.ok(offered.includes(name), JSON.stringify(offered));
      assert.deepEqual([...offered].sort(), [...running].sort());
      assert.equal(cancelsSent(), before, 'picking nothing cancels nothing');
    });

    it('from its tree item: the job leaves CREATING, stopped early, and keeps its snapshots', async () => {
      const node = treeHooks(api).provider.nodeFor(name);
      assert.ok(node, 'the job is in the tree');
      assert.equal(treeHooks(api).provider.getTreeItem(node).contextValue, 'tunedModel.creating', 'the menu that offers Cancel Tuning Job');
      const before = (await client.tunedModels.get(name)).tuningTask?.snapshots ?? [];
      assert.ok(before.length > 0, 'snapshots before the cancel');

      const prompts = new ScriptedPrompts().confirmWith(true, (message, options) => {
        assert.equal(message, 'Cancel the tuning job of "Cancelled job"?');
        assert.equal(options.confirmLabel, 'Cancel Job');
      });
      const scope = api.prompts.use(prompts);
      try {
        assert.equal(await vscode.commands.executeCommand('geminiTuning.cancelTuningJob', node), true);
      } finally {
        scope.dispose();
      }
      assert.equal(prompts.remaining, 0);
      const cancels = proxy.requests.filter((r) => r.method === 'POST' && r.url === `/v1/${op.name}:cancel`);
      assert.equal(cancels.length, 1, "one POST to the operation's v1 :cancel binding");

      await whenStore(api, () => api.store.get(name)?.state !== 'creating', 'the cancelled job to leave CREATING');
      const after: TunedModel = await client.tunedModels.get(name);
      assert.notEqual(after.state, 'CREATING');
      assert.notEqual(after.state, 'ACTIVE', 'a cancelled job does not become a usable model');
      const snapshots = after.tuningTask?.snapshots ?? [];
      assert.ok(snapshots.length >= before.length, `kept its snapshots: ${before.length} before the cancel, ${snapshots.length} after`);
      assert.deepEqual(snapshots.slice(0, before.length), before, 'the snapshots from before the cancel are unchanged');
      const finalOp = await client.operations.get(op.name!);
      assert.equal(finalOp.done, true);
      assert.ok((finalOp.metadata?.completedSteps ?? 0) < (finalOp.metadata?.totalSteps ?? 0), `stopped early: ${finalOp.metadata?.completedSteps} of ${finalOp.metadata?.totalSteps} steps`);
      // google.longrunning: a cancelled operation ends with error code 1 (CANCELLED).
      assert.equal(finalOp.error?.code, 1, JSON.stringify(finalOp.error));
    });

    it('refuses a model that is not training, and sends nothing', async () => {
      const active = 'tunedModels/seeded-active-1';
      assert.equal(api.store.get(active)?.state, 'active');
      const before = cancelsSent();
      const prompts = new ScriptedPrompts();
      const scope = api.prompts.use(prompts);
      try {
        assert.equal(await vscode.commands.executeCommand('geminiTuning.cancelTuningJob', active), undefined);
      } finally {
        scope.dispose();
      }
      assert.deepEqual(prompts.asked, [], 'no confirmation is asked for a model that is not training');
      assert.equal(cancelsSent(), before);
    });
  });
});
