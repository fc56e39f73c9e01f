// Restricted Mode in a genuinely untrusted workspace: the host runs with workspace trust on, so
// the copied demo workspace opens untrusted. Workspace specs, notebooks and settings must not
// make the extension send anything; the user's own backend keeps working.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import { PROMPT_LANGUAGE } from '../../../src/core/promptNotebook/tunebookFormat';
import { recordSweepCase } from '../../harness/sweepTable';
import { waitFor } from '../../harness/waitFor';
import {
  activateExtension,
  createRequest,
  modelRecord,
  type RecordedRequest,
  resetSettings,
  startRecordingProxy,
  startTestServer,
  type TestServer,
  treeSnapshot,
  useBackend,
} from '../tree/support';

const AREA = 'restricted mode';
const USER_MODEL = 'tunedModels/users-own-model';

type Recorder = Awaited<ReturnType<typeof startRecordingProxy>>;

function describeRequests(requests: readonly RecordedRequest[]): string {
  return requests.length === 0 ? 'none' : requests.map((r) => `${r.method} ${r.url.split('?')[0]}`).join(', ');
}

/** Requests that would spend anything or send workspace content: anything but reading lists and models. */
function sending(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => r.method !== 'GET' || /:(stream)?generateContent/i.test(r.url));
}

describe('restricted mode: an untrusted workspace cannot make the extension send requests', function () {
  this.timeout(240_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let server: TestServer;
  let user: Recorder;
  let trap: Recorder;
  let folder: vscode.Uri;
  let spec: vscode.Uri;
  const written: string[] = [];

  before(async () => {
    folder = vscode.workspace.workspaceFolders![0].uri;
    spec = vscode.Uri.joinPath(folder, 'capitals.tuning.yaml');
    api = await activateExtension();
    server = await startTestServer(api.extensionPath, { seed: [modelRecord(USER_MODEL.split('/')[1], 'ACTIVE', 1)] });
    user = await startRecordingProxy(server.url);
    trap = await startRecordingProxy(server.url);
  });

  after(async () => {
    for (const file of written) fs.rmSync(file, { force: true, recursive: true });
    await resetSettings();
    await trap?.close();
    await user?.close();
    await server?.stop();
  });

  it('opens the workspace untrusted, and the extension still activates with its own local server', async () => {
    const trusted = vscode.workspace.isTrusted;
    await api.store.refresh();
    const status = api.store.status.kind;
    const ok = trusted === false && status === 'ready' && api.backend.kind === 'local';
    recordSweepCase({
      area: AREA,
      tried: 'open the demo workspace with workspace trust on; activate',
      outcome: `isTrusted=${trusted}; tree ${status} against the ${api.backend.runsLocalServer ? 'local server it started' : `backend at ${api.backend.baseUrl}`}`,
      ok,
    });
    assert.equal(trusted, false, 'the workspace must be untrusted in this host');
    assert.equal(status, 'ready');
  });

  it("lists the models of the user's own backend (a user setting) in the tree", async () => {
    await useBackend(api, 'local', user.url);
    const group = treeSnapshot(api).get('Active');
    const listed = group?.models.map((m) => m.name) ?? [];
    const ok = api.backend.baseUrl === user.url && listed.includes(USER_MODEL) && user.requests.length > 0;
    recordSweepCase({
      area: AREA,
      tried: 'user setting geminiTuning.baseUrl → a recording proxy of a local server',
      outcome: `tree lists ${listed.length} model(s) under Active; ${user.requests.length} request(s) reached the user's backend`,
      ok,
    });
    assert.equal(api.backend.baseUrl, user.url);
    assert.deepEqual(listed, [USER_MODEL]);
    assert.ok(user.requests.length > 0, 'the recorder sees the requests of the user backend');
  });

  it('ignores geminiTuning.baseUrl from the workspace .vscode/settings.json', async () => {
    const settingsFile = path.join(folder.fsPath, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    // A setting that is not restricted rides along: once VS Code reports it, the file has been read.
    const marker = 54_321;
    fs.writeFileSync(settingsFile, JSON.stringify({ 'geminiTuning.baseUrl': trap.url, 'geminiTuning.polling.unfocusedDelayMs': marker }, null, 2));
    written.push(path.dirname(settingsFile));
    await waitFor(() => vscode.workspace.getConfiguration('geminiTuning').inspect<number>('polling.unfocusedDelayMs')?.workspaceValue === marker, 'VS Code to read the workspace settings file', { timeoutMs: 30_000 });
    const inspected = vscode.workspace.getConfiguration('geminiTuning').inspect<string>('baseUrl');
    const seen = inspected?.workspaceValue === trap.url;
    const effective = vscode.workspace.getConfiguration('geminiTuning').get<string>('baseUrl');

    const before = user.requests.length;
    await api.store.refresh();
    const health = await vscode.commands.executeCommand<string>('geminiTuning.retryConnection');
    await api.store.refresh();
    const ok = trap.requests.length === 0 && api.backend.baseUrl === user.url && user.requests.length > before;
    recordSweepCase({
      area: AREA,
      tried: 'workspace .vscode/settings.json sets geminiTuning.baseUrl to a recording server; refresh, retry',
      outcome: `file read; workspace baseUrl ${seen ? 'visible to inspect()' : 'withheld by VS Code'}, get() → ${JSON.stringify(effective ?? null)}; requests to it: ${trap.requests.length}; backend stays ${api.backend.baseUrl === user.url ? "the user's" : api.backend.baseUrl} (${health})`,
      ok,
    });
    assert.deepEqual(trap.requests, [], `the workspace URL got ${describeRequests(trap.requests)}`);
    assert.equal(api.backend.baseUrl, user.url);
    assert.ok(user.requests.length > before, "the user's backend still answers");
    assert.notEqual(effective, trap.url, 'the restricted setting does not take effect');
  });

  it('refuses "Create Tuned Model from Spec" for a workspace spec, with a clear message', async () => {
    const before = user.requests.length;
    const byUri = await vscode.commands.executeCommand<{ status: string; reason?: string }>('geminiTuning.createTunedModelFromSpec', spec);
    await vscode.window.showTextDocument(spec);
    const fromEditor = await vscode.commands.executeCommand<{ status: string; reason?: string }>('geminiTuning.createTunedModelFromSpec');
    const sent = sending(user.requests.slice(before));
    const ok = byUri.status === 'refused' && fromEditor.status === 'refused' && /Restricted Mode/.test(byUri.reason ?? '') && sent.length === 0;
    recordSweepCase({
      area: AREA,
      tried: 'Create Tuned Model from Spec on the workspace spec (by URI, and from the active editor)',
      outcome: `${byUri.status} / ${fromEditor.status}: "${(byUri.reason ?? '').slice(0, 60)}…"; requests sent: ${describeRequests(sent)}`,
      ok,
    });
    assert.equal(byUri.status, 'refused');
    assert.equal(fromEditor.status, 'refused');
    assert.match(byUri.reason ?? '', /Restricted Mode/);
    assert.match(byUri.reason ?? '', /[Tt]rust the workspace/);
    assert.deepEqual(sent, []);
    assert.deepEqual(trap.requests, []);
  });

  it('shows no CodeLens that sends, and running every lens sends nothing', async () => {
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', spec, 10)) ?? [];
    const titles = lenses.map((l) => l.command?.title ?? '(unresolved)');
    const creating = lenses.filter((l) => l.command?.command === 'geminiTuning.createTunedModelFromSpec');
    const trust = lenses.find((l) => l.command?.command === 'workbench.trust.manage');
    const before = user.requests.length;
    const ran: string[] = [];
    for (const lens of lenses) {
      const command = lens.command?.command;
      // The trust lens opens the trust editor for a person; it sends nothing by design.
      if (!command || command === 'workbench.trust.manage') continue;
      await vscode.commands.executeCommand(command, ...(lens.command?.arguments ?? []));
      ran.push(command);
    }
    const sent = sending(user.requests.slice(before));
    const ok = lenses.length > 0 && creating.length === 0 && trust !== undefined && sent.length === 0;
    recordSweepCase({
      area: AREA,
      tried: 'CodeLens on the workspace spec; run every lens command',
      outcome: `lenses: ${titles.join(' | ')}; ran ${ran.length}; requests sent: ${describeRequests(sent)}`,
      ok,
    });
    assert.ok(lenses.length > 0, 'the spec has lenses');
    assert.deepEqual(creating.map((l) => l.command?.title), [], 'no lens creates a tuned model');
    assert.ok(trust, `a lens explains Restricted Mode (${titles.join(' | ')})`);
    assert.match(trust.command?.title ?? '', /Restricted Mode/);
    assert.deepEqual(sent, []);
  });

  it('sends nothing when a workspace spec is opened, edited and saved', async () => {
    const before = user.requests.length;
    const document = await vscode.workspace.openTextDocument(spec);
    await vscode.window.showTextDocument(document);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(spec, document.positionAt(document.getText().length), '\n# edited in Restricted Mode\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(() => document.isDirty, 'the edit to reach the document', { timeoutMs: 20_000 });
    assert.ok(await document.save(), 'the spec is saved');
    // The lenses are computed from the validation of the saved text: once they are back, the save was handled.
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', spec, 10);
    const summary = lenses?.map((l) => l.command?.title ?? '').find((t) => /example|step|error/i.test(t));
    const sent = sending(user.requests.slice(before));
    const ok = sent.length === 0 && trap.requests.length === 0 && summary !== undefined;
    recordSweepCase({
      area: AREA,
      tried: 'open, edit and save the workspace spec',
      outcome: `validated ("${summary ?? 'no summary'}"); requests sent: ${describeRequests(sent)}`,
      ok,
    });
    assert.ok(summary, 'the spec was validated');
    assert.deepEqual(sent, []);
    assert.deepEqual(trap.requests, []);
  });

  it('refuses "Evaluate Tuned Model" on a workspace spec', async () => {
    const before = user.requests.length;
    const result = await vscode.commands.executeCommand<unknown>('geminiTuning.evaluateTunedModel', spec, USER_MODEL);
    const sent = sending(user.requests.slice(before));
    const ok = result === undefined && sent.length === 0;
    recordSweepCase({
      area: AREA,
      tried: 'Evaluate Tuned Model on the workspace spec (its validation examples)',
      outcome: `${result === undefined ? 'refused' : 'ran an evaluation'}; requests sent: ${describeRequests(sent)}`,
      ok,
    });
    assert.equal(result, undefined, 'no evaluation ran');
    assert.deepEqual(sent, []);
  });

  it('does not run a workspace notebook by itself (open, show, save), nor from "Run Against Base Model Too"', async () => {
    const file = path.join(folder.fsPath, 'restricted.tunebook');
    fs.writeFileSync(
      file,
      JSON.stringify({
        format: 'gemini-tuning.tunebook',
        version: 1,
        metadata: { model: USER_MODEL, chat: true },
        cells: [
          { kind: 'markdown', source: 'Opened from an untrusted workspace.' },
          { kind: 'prompt', source: 'France' },
          { kind: 'prompt', source: 'Germany' },
        ],
      }),
    );
    written.push(file);
    const before = user.requests.length;
    const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
    await vscode.window.showNotebookDocument(notebook);
    // The extension has seen the notebook once its model has a controller.
    const hooks = api.testHooks?.promptNotebook;
    assert.ok(hooks, 'the prompt notebook fills its test hooks in test mode');
    const attached = await waitFor(() => hooks.controllers().some((c) => c.model === USER_MODEL), 'a controller for the notebook', { timeoutMs: 20_000 }).then(
      () => true,
      () => false,
    );
    const prompts = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
    const compared = await vscode.commands.executeCommand<unknown>('geminiTuning.notebook.runAgainstBaseModel', prompts[0]);
    const edit = new vscode.WorkspaceEdit();
    edit.set(notebook.uri, [vscode.NotebookEdit.insertCells(notebook.cellCount, [new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'Italy', PROMPT_LANGUAGE)])]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    // save() only saves a notebook that this side of the host already sees as modified.
    await waitFor(() => notebook.isDirty, 'the edit to reach the notebook', { timeoutMs: 20_000 });
    assert.ok(await notebook.save(), 'the notebook is saved');
    assert.match(fs.readFileSync(file, 'utf8'), /Italy/, 'the saved file has the new cell');
    const runs: number[] = [];
    for (const cell of notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code)) {
      runs.push(hooks.finishedRuns(cell));
    }
    const executed = notebook.getCells().filter((c) => c.executionSummary?.executionOrder !== undefined).length;
    const sent = sending(user.requests.slice(before));
    const ok = attached && compared === undefined && runs.every((n) => n === 0) && executed === 0 && sent.length === 0;
    recordSweepCase({
      area: AREA,
      tried: 'open, show, edit and save a workspace .tunebook (chat mode, model set); Run Against Base Model Too',
      outcome: `controller attached: ${attached}; runs ${JSON.stringify(runs)}; executed cells ${executed}; compare ${compared === undefined ? 'refused' : 'ran'}; requests sent: ${describeRequests(sent)}`,
      ok,
    });
    assert.ok(attached, 'the notebook reached the extension');
    assert.equal(compared, undefined, 'the comparison did not run');
    assert.deepEqual(runs, runs.map(() => 0));
    assert.equal(executed, 0);
    assert.deepEqual(sent, []);
    assert.deepEqual(trap.requests, []);
  });

  it('ignores geminiTuning.vertex.project and .stagingBucket from the workspace, for Vertex AI chosen by the user', async () => {
    const config = vscode.workspace.getConfiguration('geminiTuning');
    await config.update('vertex.project', 'users-own-project', vscode.ConfigurationTarget.Global);
    const settingsFile = path.join(folder.fsPath, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    const marker = 54_322;
    fs.writeFileSync(
      settingsFile,
      JSON.stringify({ 'geminiTuning.vertex.project': 'workspace-project', 'geminiTuning.vertex.stagingBucket': 'workspace-bucket', 'geminiTuning.polling.unfocusedDelayMs': marker }, null, 2),
    );
    written.push(path.dirname(settingsFile));
    await waitFor(() => vscode.workspace.getConfiguration('geminiTuning').inspect<number>('polling.unfocusedDelayMs')?.workspaceValue === marker, 'VS Code to read the workspace settings file', { timeoutMs: 30_000 });
    const before = user.requests.length;
    try {
      await config.update('backend', 'vertex', vscode.ConfigurationTarget.Global);
      await waitFor(() => api.backend.kind === 'vertex', 'the Vertex AI backend', { timeoutMs: 30_000 });
      await api.store.refresh();
      const vertexRequests = user.requests.slice(before).filter((r) => r.url.includes('/tuningJobs'));
      const projects = [...new Set(vertexRequests.map((r) => /\/projects\/([^/]+)\//.exec(r.url)?.[1]))];
      const ok = api.store.status.kind === 'ready' && projects.length === 1 && projects[0] === 'users-own-project';
      recordSweepCase({
        area: AREA,
        tried: "workspace .vscode/settings.json sets geminiTuning.vertex.project and .stagingBucket; the user's backend is Vertex AI",
        outcome: `tree ${api.store.status.kind}; Vertex AI requests went to project(s) ${JSON.stringify(projects)}`,
        ok,
      });
      assert.equal(api.store.status.kind, 'ready');
      assert.deepEqual(projects, ['users-own-project'], "only the user's project is asked");
    } finally {
      await config.update('backend', undefined, vscode.ConfigurationTarget.Global);
      await config.update('vertex.project', undefined, vscode.ConfigurationTarget.Global);
      await waitFor(() => api.backend.kind === 'local', 'the local backend again', { timeoutMs: 30_000 });
    }
  });

  it('control: the recorders do see requests when the user points the extension at them', async () => {
    // Without this, "zero requests" could mean a recorder that records nothing.
    const client = await api.backend.getClient();
    const userBefore = sending(user.requests).length;
    await client.tunedModels.create(createRequest('restricted-control', 1));
    const created = sending(user.requests).length - userBefore;
    await useBackend(api, 'local', trap.url);
    const reached = trap.requests.length;
    const ok = created > 0 && reached > 0;
    recordSweepCase({
      area: AREA,
      tried: 'control: a create sent by the user; then the user setting points at the workspace URL',
      outcome: `user recorder saw ${created} sending request(s); the other saw ${reached} once set by the user`,
      ok,
    });
    assert.ok(created > 0, 'the recorder sees a create');
    assert.ok(reached > 0, 'the second recorder sees requests once the user setting names it');
  });
});
