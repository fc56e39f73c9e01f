// Secrets sweep: an API key set through "Gemini Tuning: Set API Key" is used on every path
// (list, get, create, generate, stream, and errors: a wrong key, a 403, a cut stream, an in-band
// error, a refused connection). Then the key is looked for everywhere the extension writes or
// shows text: its log files on disk, the URLs the server saw, errors and outputs, the workspace,
// its storage and settings.json. Each search is also run for a string that is known to be there,
// so a search that cannot find anything fails the suite.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import * as vscode from 'vscode';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import { recordSweepCase } from '../../harness/sweepTable';
import { notebookHooks } from './harness';
import {
  activateExtension,
  createRequest,
  modelNameOf,
  modelRecord,
  resetSettings,
  ScriptedPrompts,
  startRecordingProxy,
  startTestServer,
  type TestServer,
} from '../tree/support';
import { waitFor } from '../../harness/waitFor';

const AREA = 'secrets';
const KEY = `sweep-secret-${randomBytes(12).toString('hex')}`;
const WRONG_KEY = `AIzaWrong${randomBytes(15).toString('hex')}`.slice(0, 39);
/** Logged on purpose (a model id the client asks for), to prove the log search finds what is there. */
const CONTROL = `control-${randomBytes(6).toString('hex')}`;
const SEEDED = 'secret-sweep-seeded';

/** Every text the extension showed or threw during the sweep, with where it came from. */
const seen: { where: string; text: string }[] = [];

function remember(where: string, value: unknown): void {
  if (value === undefined) return;
  if (value instanceof Error) {
    seen.push({ where, text: `${String(value)}\n${value.stack ?? ''}\n${inspect(value, { depth: 6 })}\n${safeJson(value)}` });
  } else {
    seen.push({ where, text: typeof value === 'string' ? value : `${inspect(value, { depth: 6 })}\n${safeJson(value)}` });
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

async function caught(where: string, action: () => Promise<unknown>): Promise<unknown> {
  try {
    const result = await action();
    remember(where, result);
    return result;
  } catch (error) {
    remember(where, error);
    return error;
  }
}

/** Every regular file under `root`, skipping nothing. */
function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  if (fs.statSync(root).isFile()) return [root];
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(root, f))
    .filter((f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile());
}

/** The files under `roots` whose bytes contain `needle` (as UTF-8, or as UTF-16 for binary stores). */
function filesContaining(roots: readonly string[], needle: string): string[] {
  const utf8 = Buffer.from(needle, 'utf8');
  const utf16 = Buffer.from(needle, 'utf16le');
  return roots.flatMap(filesUnder).filter((file) => {
    const bytes = fs.readFileSync(file);
    return bytes.includes(utf8) || bytes.includes(utf16);
  });
}

function textsContaining(needle: string): string[] {
  return seen.filter((s) => s.text.includes(needle)).map((s) => s.where);
}

async function setFaults(server: TestServer, rules: object[]): Promise<void> {
  await fetch(`${server.url}/_faults`, { method: 'DELETE' });
  if (rules.length === 0) return;
  const res = await fetch(`${server.url}/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules }) });
  assert.equal(res.status, 200, `fault injection is off on the test server (HTTP ${res.status}): the host runs with GEMINI_TUNING_FAULTS=1`);
}

function decode(item: vscode.NotebookCellOutputItem): string {
  return new TextDecoder().decode(item.data);
}

function outputsOf(cell: vscode.NotebookCell): string {
  return cell.outputs.map((o) => `${safeJson(o.metadata)}\n${o.items.map((i) => `${i.mime}: ${decode(i)}`).join('\n')}`).join('\n');
}

/** Runs a prompt cell through VS Code and waits until the extension has finished it. */
async function runCell(cell: vscode.NotebookCell): Promise<void> {
  const hooks = await notebookHooks();
  const runs = hooks.finishedRuns(cell);
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: cell.index, end: cell.index + 1 }], document: cell.notebook.uri });
  await hooks.waitForRuns(cell, runs + 1, 120_000);
  // The outputs reach this side of the host after the run ends.
  await waitFor(() => cell.executionSummary?.success !== undefined && cell.outputs.length > 0, 'the cell outputs');
}

describe('sweep secrets: an API key set through the UI never leaks', function () {
  this.timeout(300_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let model: string;
  const savedEnv: Record<string, string | undefined> = {};

  async function setKey(key: string): Promise<string | undefined> {
    const scope = api.prompts.use(new ScriptedPrompts().inputWith(key, (o) => assert.equal(o.password, true, 'the key is typed into a password box')));
    try {
      return await vscode.commands.executeCommand<string>('geminiTuning.setApiKey');
    } finally {
      scope.dispose();
    }
  }

  before(async () => {
    api = await activateExtension();
    // Every trace line (each request the client makes) goes to the log files too.
    await vscode.commands.executeCommand('_extensionTests.setLogLevel', 'trace');
    for (const variable of ['GEMINI_API_KEY', 'GOOGLE_API_KEY']) {
      savedEnv[variable] = process.env[variable];
      delete process.env[variable];
    }
    server = await startTestServer(api.extensionPath, { apiKey: KEY, seed: [modelRecord(SEEDED, 'ACTIVE', 1)] });
    proxy = await startRecordingProxy(server.url);
    await vscode.workspace.getConfiguration('geminiTuning').update('baseUrl', proxy.url, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('geminiTuning.switchBackend', 'gemini');
    await waitFor(() => api.backend.kind === 'gemini' && api.backend.baseUrl === proxy.url, 'the Gemini backend at the proxy');
  });

  after(async () => {
    await setFaults(server, []).catch(() => undefined);
    await vscode.commands.executeCommand('geminiTuning.clearApiKey');
    await resetSettings();
    await vscode.commands.executeCommand('_extensionTests.setLogLevel', 'info');
    for (const [variable, value] of Object.entries(savedEnv)) if (value !== undefined) process.env[variable] = value;
    await proxy?.close();
    await server?.stop();
  });

  it('uses the key on every path: list, get, details, copy, create, generate, stream', async () => {
    const health = await setKey(KEY);
    assert.equal(health, 'connected', 'the key set through the prompt is accepted');
    await api.store.refresh();
    assert.equal(api.store.status.kind, 'ready');
    assert.ok(api.store.get(`tunedModels/${SEEDED}`), 'the seeded model is listed');

    const client = await api.backend.getClient();
    remember('tunedModels.get', await client.tunedModels.get(`tunedModels/${SEEDED}`));
    await caught('tunedModels.get (control id)', () => client.tunedModels.get(`tunedModels/${CONTROL}`));
    const details = await vscode.commands.executeCommand<vscode.Uri>('geminiTuning.showModelDetails', `tunedModels/${SEEDED}`);
    remember('Show Details document', (await vscode.workspace.openTextDocument(details)).getText());
    for (const command of ['geminiTuning.copyModelAsCurl', 'geminiTuning.copyModelAsTypeScript', 'geminiTuning.copyModelName']) {
      await vscode.commands.executeCommand(command, `tunedModels/${SEEDED}`);
      remember(`${command} clipboard`, await vscode.env.clipboard.readText());
    }

    // Create: through the spec command (the trusted sweep host allows it) and through the client.
    const spec = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'capitals.tuning.yaml');
    const outcome = await caught('Create Tuned Model from Spec', async () => await vscode.commands.executeCommand('geminiTuning.createTunedModelFromSpec', spec));
    assert.equal((outcome as { status?: string }).status, 'created', `create from spec: ${inspect(outcome)}`);
    const op = await client.tunedModels.create(createRequest('secrets sweep', 3));
    model = modelNameOf(op);
    remember('waitForOperation', await client.waitForOperation(op, { initialDelayMs: 200, maxDelayMs: 1000 }));

    remember('generateContent', await client.generateContent(model, { contents: [{ role: 'user', parts: [{ text: '3 + 1' }] }] }));
    const uri = await vscode.commands.executeCommand<vscode.Uri>('geminiTuning.openInNotebook', model);
    const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === uri.toString());
    assert.ok(notebook, 'the prompt notebook is open');
    const cell = notebook.getCells().find((c) => c.kind === vscode.NotebookCellKind.Code)!;
    const edit = new vscode.WorkspaceEdit();
    edit.set(cell.document.uri, [vscode.TextEdit.insert(new vscode.Position(0, 0), '4 + 1')]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await runCell(cell);
    remember('notebook stream outputs', outputsOf(cell));
    assert.ok(cell.executionSummary?.success, `the streamed run succeeded: ${outputsOf(cell)}`);

    const withKey = proxy.requests.filter((r) => r.headers['x-goog-api-key'] === KEY).length;
    recordSweepCase({
      area: AREA,
      tried: 'key set via the Set API Key prompt; list, get, details, copy curl/TS, create (spec + API), generate, stream in notebook',
      outcome: `all succeeded; ${withKey}/${proxy.requests.length} requests carried the key in x-goog-api-key`,
      ok: withKey > 0,
    });
    assert.ok(withKey >= 6, `the key travelled in the header (${withKey} requests)`);
  });

  it('keeps the key out of errors: a 403, a cut stream, an in-band error, a wrong key, a refused connection', async () => {
    const client = await api.backend.getClient();
    await setFaults(server, [{ match: 'GET /v1beta/tunedModels', action: 'status', status: 403, count: 2 }]);
    const forbidden = await caught('403 on get', () => client.tunedModels.get(`tunedModels/${SEEDED}`));
    await caught('403 on refresh', () => api.store.refresh());
    remember('store status after 403', api.store.status);
    await setFaults(server, []);

    const notebook = vscode.window.activeNotebookEditor?.notebook;
    assert.ok(notebook, 'the prompt notebook from the first test is still open');
    const cell = notebook.getCells().find((c) => c.kind === vscode.NotebookCellKind.Code)!;
    await setFaults(server, [{ match: ':streamGenerateContent', action: 'cutStream', afterChunks: 1 }]);
    await runCell(cell);
    const cut = outputsOf(cell);
    remember('notebook outputs after a cut stream', cut);
    await setFaults(server, [{ match: ':streamGenerateContent', action: 'inBandError', afterChunks: 1, status: 500 }]);
    await runCell(cell);
    remember('notebook outputs after an in-band error', outputsOf(cell));
    await setFaults(server, [{ match: ':generateContent', action: 'status', status: 500, count: 5 }]);
    await caught('500 on generateContent', () => client.generateContent(model, { contents: [{ role: 'user', parts: [{ text: '1 + 1' }] }] }));
    await setFaults(server, []);

    const badHealth = await setKey(WRONG_KEY);
    remember('health with a wrong key', api.backend.health);
    const badClient = await api.backend.getClient();
    const wrong = await caught('get with a wrong key', () => badClient.tunedModels.get(`tunedModels/${SEEDED}`));
    await caught('refresh with a wrong key', () => api.store.refresh());
    remember('store status with a wrong key', api.store.status);

    // A refused connection: the key is still set, the endpoint is a closed port.
    const closed = await startRecordingProxy(server.url);
    const closedUrl = closed.url;
    await closed.close();
    await vscode.workspace.getConfiguration('geminiTuning').update('baseUrl', closedUrl, vscode.ConfigurationTarget.Global);
    await waitFor(() => api.backend.baseUrl === closedUrl, 'the closed endpoint');
    const refused = await caught('get from a closed port', async () => (await api.backend.getClient()).tunedModels.get(`tunedModels/${SEEDED}`));
    remember('health when refused', await api.backend.checkHealth());
    await vscode.workspace.getConfiguration('geminiTuning').update('baseUrl', proxy.url, vscode.ConfigurationTarget.Global);
    await waitFor(() => api.backend.baseUrl === proxy.url, 'the proxy again');
    assert.equal(await setKey(KEY), 'connected');

    const described = [forbidden, wrong, refused].map((e) => (e instanceof Error ? `${e.name}: ${e.message.slice(0, 50)}` : String(e)));
    const ok = forbidden instanceof Error && wrong instanceof Error && refused instanceof Error && badHealth === 'badKey' && /interrupted|cut|incomplete|stream/i.test(cut);
    recordSweepCase({ area: AREA, tried: '403, cut stream, in-band error, 500, wrong key, refused connection', outcome: `${described.join(' | ')}; wrong key → ${badHealth}`, ok });
    assert.ok(forbidden instanceof Error && /403|PERMISSION_DENIED|permission/i.test(forbidden.message), `a 403 error: ${String(forbidden)}`);
    assert.ok(wrong instanceof Error, 'a wrong key fails');
    assert.equal(badHealth, 'badKey');
    assert.ok(refused instanceof Error, 'a closed port fails');
  });

  it('never shows the key in an error, output, document or clipboard text (and the search finds what is there)', () => {
    const leaks = [...textsContaining(KEY), ...textsContaining(WRONG_KEY)];
    const control = textsContaining(CONTROL);
    const permission = textsContaining('PERMISSION_DENIED').length + textsContaining('403').length;
    recordSweepCase({
      area: AREA,
      tried: `${seen.length} texts shown or thrown (errors with stacks and inspect(), outputs, health, store status, details, clipboard)`,
      outcome: leaks.length ? `key found in: ${leaks.join(', ')}` : `no key; control id found in ${control.length}, 403 text in ${permission}`,
      ok: leaks.length === 0 && control.length > 0,
    });
    assert.deepEqual(leaks, []);
    assert.ok(control.length > 0, 'the search finds the control id in the error it was asked for');
  });

  it('never puts the key in a URL the server saw', () => {
    const inUrl = proxy.requests.filter((r) => r.url.includes(KEY) || r.url.includes(WRONG_KEY) || /[?&]key=/.test(r.url));
    const wrongInHeader = proxy.requests.filter((r) => r.headers['x-goog-api-key'] === WRONG_KEY).length;
    const controlInUrl = proxy.requests.filter((r) => r.url.includes(CONTROL)).length;
    recordSweepCase({
      area: AREA,
      tried: `${proxy.requests.length} request URLs recorded by a proxy in front of the server`,
      outcome: inUrl.length ? `key in ${inUrl.map((r) => r.url).join(', ')}` : `no key or key= in any URL; control id in ${controlInUrl}; wrong key only in the header (${wrongInHeader})`,
      ok: inUrl.length === 0 && controlInUrl > 0,
    });
    assert.deepEqual(inUrl.map((r) => r.url), []);
    assert.ok(controlInUrl > 0, 'the URL search finds the control id');
    assert.ok(wrongInHeader > 0, 'the wrong key was sent, in the header');
  });

  it('never writes the key to a log file on disk (any channel of this window)', () => {
    // <logs>/<session>/exthost1/<extension id>: search every log of the session, not only ours.
    const ours = api.locations.logUri.fsPath;
    const session = path.resolve(ours, '..', '..');
    const files = filesUnder(session);
    const leaks = [...filesContaining([session], KEY), ...filesContaining([session], WRONG_KEY)];
    const control = filesContaining([ours], CONTROL);
    const traced = filesContaining([ours], `${proxy.url.replace('http://', '')}`).length + filesContaining([ours], 'GET /v1beta/').length;
    recordSweepCase({
      area: AREA,
      tried: `${files.length} log files under the window's logs folder (trace level)`,
      outcome: leaks.length ? `key in ${leaks.map((f) => path.relative(session, f)).join(', ')}` : `no key; control id logged in ${control.map((f) => path.basename(f)).join(', ')}`,
      ok: leaks.length === 0 && control.length > 0,
    });
    assert.ok(fs.existsSync(path.join(ours, 'Gemini Tuning.log')), `the extension's log file is at ${ours}`);
    assert.deepEqual(leaks.map((f) => path.relative(session, f)), []);
    assert.ok(control.length > 0, 'the control id (a request the client traced) is found in the log files');
    assert.ok(traced > 0, 'requests are traced in the log');
  });

  it('never writes the key to the workspace, the user data folder (storage, settings, history) or the server data', () => {
    const workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const globalStorage = api.locations.globalStorageUri.fsPath;
    // <user data>/User/globalStorage/<extension id>: the whole user data folder holds settings.json (User/ and,
    // for a remote window, Machine/), the edit history of those files, every storage and the logs.
    const userData = path.resolve(globalStorage, '..', '..', '..');
    const places = [workspace, userData, server.dataDir];
    const leaks = [...filesContaining(places, KEY), ...filesContaining(places, WRONG_KEY)];
    const count = places.flatMap(filesUnder).length;
    const settingsFiles = filesUnder(userData).filter((f) => path.basename(f) === 'settings.json');
    // Controls: each kind of place holds something known, so the search does read it.
    const controls = {
      workspace: filesContaining([workspace], 'Capital cities').length,
      settings: filesContaining(settingsFiles, 'geminiTuning.baseUrl').length,
      serverData: filesContaining([server.dataDir], 'secrets sweep').length,
    };
    recordSweepCase({
      area: AREA,
      tried: `${count} files: workspace, user data folder (settings.json, history, storage, logs), server data`,
      outcome: leaks.length ? `key in ${leaks.join(', ')}` : `no key; controls found: ${JSON.stringify(controls)}`,
      ok: leaks.length === 0 && Object.values(controls).every((n) => n > 0),
    });
    assert.ok(fs.existsSync(path.join(userData, 'User')), `the user data folder is ${userData}`);
    assert.deepEqual(leaks, []);
    assert.deepEqual(
      Object.entries(controls).filter(([, n]) => n === 0),
      [],
      `every place searched holds its control string (settings files: ${settingsFiles.join(', ')})`,
    );
  });
});
