// A `platform: vertex` tuning spec in a real extension host, against the local server's Vertex AI
// twin: its diagnostics and lens, and Create uploading the data with progress and creating the job.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackendHealth } from '../../../src/core/backend/health';
import { nextEvent } from '../../../src/core/util/event';
import { VertexClient } from '../../../src/core/vertex/client';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import type { CreateOutcome } from '../../../src/extension/tuningSpecEditor/commands/createTunedModelFromSpec';
import type { TuningSpecEditorTestHooks } from '../../../src/extension/testHooks';
import { activateExtension, resetSettings, startTestServer, type TestServer, treeSnapshot } from '../tree/support';

/** The local server requires this as its API key, and so as the bearer token of its Vertex AI twin. */
const KEY = 'vertex-spec-key-Q8x2Mn4r';
const PROJECT = 'spec-vertex-test';
const LOCATION = 'us-central1';
const BUCKET = 'spec-vertex-data';
const fixtures = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'tuningSpecs');

function whenHealth(api: GeminiTuningApi, kind: BackendHealth['kind']): Promise<BackendHealth> {
  return api.backend.health.kind === kind ? Promise.resolve(api.backend.health) : nextEvent(api.backend.onDidChangeHealth, (h) => h.kind === kind);
}

function specHooks(api: GeminiTuningApi): TuningSpecEditorTestHooks {
  const hooks = api.testHooks?.tuningSpecEditor;
  if (!hooks) throw new Error('the extension exposes no tuningSpecEditor test hooks: is the host running in ExtensionMode.Test?');
  return hooks;
}

function plain(diagnostics: readonly vscode.Diagnostic[]) {
  const severities = ['error', 'warning', 'information', 'hint'];
  return diagnostics
    .filter((d) => d.source === 'Gemini Tuning')
    .map((d) => ({ range: [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character], severity: severities[d.severity], message: d.message }))
    .sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1] || a.message.localeCompare(b.message));
}

/** Resolves once the diagnostics of `uri` satisfy `ready`. */
function diagnosticsOf(uri: vscode.Uri, ready: (d: readonly vscode.Diagnostic[]) => boolean, timeoutMs = 30_000): Promise<readonly vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ready(vscode.languages.getDiagnostics(uri))) return;
      subscription.dispose();
      clearTimeout(timer);
      resolve(vscode.languages.getDiagnostics(uri));
    };
    const subscription = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`diagnostics of ${uri.fsPath} not as expected within ${timeoutMs} ms: ${JSON.stringify(plain(vscode.languages.getDiagnostics(uri)))}`));
    }, timeoutMs);
    check();
  });
}

/** `n` Vertex AI JSONL lines of about `lineBytes` bytes each. */
function contentsLines(n: number, lineBytes: number): string {
  const filler = 'x'.repeat(Math.max(0, lineBytes - 120));
  return Array.from({ length: n }, (_, i) => JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `word ${i} ${filler}` }] }, { role: 'model', parts: [{ text: `mot ${i}` }] }] })).join('\n') + '\n';
}

async function jobNames(client: VertexClient): Promise<string[]> {
  const names: string[] = [];
  for await (const job of client.tuningJobs.listAll()) names.push(job.name ?? '');
  return names;
}

describe('vertex spec: tuning specs for Vertex AI against the local twin', function () {
  this.timeout(240_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let server: TestServer;
  let client: VertexClient;
  let workspace: string;
  const created: string[] = [];
  const savedEnv: Record<string, string | undefined> = {};
  const config = () => vscode.workspace.getConfiguration('geminiTuning');

  before(async () => {
    api = await activateExtension();
    for (const variable of ['GEMINI_API_KEY', 'GOOGLE_API_KEY']) savedEnv[variable] = process.env[variable];
    delete process.env.GOOGLE_API_KEY;
    process.env.GEMINI_API_KEY = KEY;
    await vscode.commands.executeCommand('geminiTuning.clearApiKey');
    server = await startTestServer(api.extensionPath, { apiKey: KEY, stepDelayMs: 2_000 });
    client = new VertexClient({ project: PROJECT, location: LOCATION, baseUrl: server.url, accessToken: async () => KEY });
    const bucket = await fetch(`${server.url}/storage/v1/b?project=${PROJECT}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: BUCKET }),
    });
    assert.equal(bucket.status, 200, await bucket.text());
    workspace = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'vertex-spec-corpus');
    fs.cpSync(fixtures, workspace, { recursive: true });

    await config().update('vertex.project', PROJECT, vscode.ConfigurationTarget.Global);
    await config().update('vertex.location', LOCATION, vscode.ConfigurationTarget.Global);
    await config().update('vertex.stagingBucket', BUCKET, vscode.ConfigurationTarget.Global);
    await config().update('baseUrl', server.url, vscode.ConfigurationTarget.Global);
    await config().update('backend', 'vertex', vscode.ConfigurationTarget.Global);
    while (api.backend.kind !== 'vertex') await nextEvent(api.backend.onDidChange);
    await whenHealth(api, 'connected');
  });

  after(async () => {
    for (const name of created) await client.tuningJobs.cancel(name).catch(() => undefined);
    await resetSettings();
    for (const key of ['vertex.project', 'vertex.location', 'vertex.stagingBucket']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    for (const [variable, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[variable];
      else process.env[variable] = value;
    }
    await client?.close();
    await server?.stop();
  });

  it("shows Vertex AI's limits in the Problems panel, at their ranges", async () => {
    const uri = vscode.Uri.file(path.join(workspace, 'vertex-limits.tuning.yaml'));
    const expected = (JSON.parse(fs.readFileSync(path.join(fixtures, 'vertex-limits.expected.json'), 'utf8')) as { diagnostics: { file: string; range: number[]; severity: string; message: string }[] }).diagnostics
      .filter((d) => d.file === 'vertex-limits.tuning.yaml')
      .map((d) => ({ range: d.range, severity: d.severity, message: d.message }))
      .sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1] || a.message.localeCompare(b.message));
    assert.ok(expected.some((d) => d.message.includes('on Vertex AI (it is 150)')));
    await vscode.window.showTextDocument(uri);
    const diagnostics = await diagnosticsOf(uri, (d) => plain(d).length === expected.length);
    assert.deepEqual(plain(diagnostics), expected);
  });

  it('shows the resolved hyperparameters, the steps and the billable-token estimate in the lens', async () => {
    const uri = vscode.Uri.file(path.join(workspace, 'vertex-good.tuning.yaml'));
    await vscode.workspace.openTextDocument(uri);
    const summary = (JSON.parse(fs.readFileSync(path.join(fixtures, 'vertex-good.expected.json'), 'utf8')) as { summary: string }).summary;
    assert.match(summary, /3 epochs · adapter 4 · LR ×0\.5 · batch 4 → 19 steps · ≈ [\d,]+ billable tokens/);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const titles = lenses.map((l) => l.command?.title);
    assert.ok(titles.includes(summary), JSON.stringify(titles));
  });

  it('a mistyped base model: the quick fix offers the configured models, the likeliest preferred, and applying it clears the problem', async () => {
    const uri = vscode.Uri.file(path.join(workspace, 'vertex-typo.tuning.yaml'));
    fs.writeFileSync(uri.fsPath, fs.readFileSync(path.join(workspace, 'vertex-good.tuning.yaml'), 'utf8').replace('baseModel: gemini-2.5-flash', 'baseModel: gemini-2.5-flsh'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const diagnostics = await diagnosticsOf(uri, (d) => d.some((x) => x.code === 'vertex-base-model'));
    const problem = diagnostics.find((d) => d.code === 'vertex-base-model')!;
    assert.match(problem.message, /Did you mean "gemini-2\.5-flash"\?/);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, problem.range, vscode.CodeActionKind.QuickFix.value);
    const configured = config().get<string[]>('vertex.baseModels')!;
    assert.deepEqual(
      actions.map((a) => a.title).sort(),
      configured.map((m) => `Change to "${m}"`).sort(),
      'every configured base model is offered',
    );
    const preferred = actions.filter((a) => a.isPreferred);
    assert.deepEqual(preferred.map((a) => a.title), ['Change to "gemini-2.5-flash"']);
    assert.ok(await vscode.workspace.applyEdit(preferred[0].edit!));
    assert.ok(doc.getText().includes('baseModel: gemini-2.5-flash\n'), doc.getText());
    await diagnosticsOf(uri, (d) => !d.some((x) => x.code === 'vertex-base-model'));
    await doc.save();
  });

  it("an example longer than the Gemini API's 5,000 characters is no problem on Vertex AI, and its hover gives Vertex AI's token limit", async () => {
    const uri = vscode.Uri.file(path.join(workspace, 'vertex-long.tuning.yaml'));
    const longOutput = 'A long answer. '.repeat(500);
    fs.writeFileSync(uri.fsPath, `platform: vertex\nbaseModel: gemini-2.5-flash\nexamplesFile: data/capitals-25.jsonl\nexamples:\n  - textInput: a long one\n    output: ${JSON.stringify(longOutput)}\n`);
    const doc = await vscode.workspace.openTextDocument(uri);
    const diagnostics = await diagnosticsOf(uri, (d) => d.some((x) => x.code === 'too-few-examples'));
    assert.ok(diagnostics.some((d) => d.message.startsWith('26 training examples; Vertex AI recommends')), `the long example is kept with the file's 25: ${JSON.stringify(plain(diagnostics))}`);
    assert.deepEqual(plain(diagnostics).filter((d) => d.severity === 'error' || /characters long/.test(d.message)), [], 'no character limit on Vertex AI');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(5, 6));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Limit: about 131,072 tokens, input and output together/);
    assert.doesNotMatch(text, /5,000 characters/);
  });

  it('Create uploads the contents file with progress, creates the job, and the tree shows it at once', async () => {
    const data = contentsLines(200, 1_000);
    fs.writeFileSync(path.join(workspace, 'upload.jsonl'), data);
    const file = path.join(workspace, 'upload.tuning.yaml');
    const spec = 'platform: vertex\ndisplayName: vertex spec upload\nbaseModel: gemini-2.5-flash\nlabels:\n  suite: vertex-spec\nhyperparameters:\n  epochCount: 100\n  adapterSize: 4\ncontentsFile: upload.jsonl\n';
    fs.writeFileSync(file, spec);
    const before = specHooks(api).createProgress.length;

    const outcome = await vscode.commands.executeCommand<CreateOutcome>('geminiTuning.createTunedModelFromSpec', vscode.Uri.file(file));
    assert.equal(outcome.status, 'submitted', JSON.stringify(outcome));
    assert.ok(outcome.status === 'submitted');
    created.push(outcome.model);

    // In the tree before any listing ran: the command put it there.
    assert.equal(api.store.get(outcome.model)?.state, 'creating');
    const group = [...treeSnapshot(api)].find(([, g]) => g.models.some((m) => m.name === outcome.model))?.[0];
    assert.equal(group, 'Creating');

    const uploads = specHooks(api).createProgress.slice(before).filter((m) => m.startsWith('uploading training data'));
    const percents = uploads.map((m) => Number(/: (\d+)%/.exec(m)?.[1]));
    assert.ok(uploads.length >= 3, `progress was reported as the bytes went: ${JSON.stringify(uploads)}`);
    assert.deepEqual([...percents].sort((a, b) => a - b), percents, 'progress only grows');
    assert.equal(percents[percents.length - 1], 100);

    const job = await client.tuningJobs.get(outcome.model);
    assert.equal(job.baseModel, 'gemini-2.5-flash');
    assert.equal(job.tunedModelDisplayName, 'vertex spec upload');
    assert.deepEqual(job.labels, { suite: 'vertex-spec' });
    assert.equal(String(job.supervisedTuningSpec?.hyperParameters?.epochCount), '100');
    assert.equal(job.supervisedTuningSpec?.hyperParameters?.adapterSize, 'ADAPTER_SIZE_FOUR');
    const uri = job.supervisedTuningSpec?.trainingDatasetUri ?? '';
    const object = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
    assert.ok(object && object[1] === BUCKET, uri);
    const uploaded = await fetch(`${server.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(object[2])}?alt=media`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(await uploaded.text(), data, 'the object holds the file, byte for byte');
    assert.equal(fs.readFileSync(file, 'utf8'), spec, 'the spec is left as written');
  });

  it('refuses a Gemini API spec on Vertex AI, saying what to change, and sends nothing', async () => {
    const file = path.join(workspace, 'gemini-on-vertex.tuning.yaml');
    fs.writeFileSync(file, 'baseModel: models/gemini-1.5-flash-001-tuning\nexamplesFile: data/capitals-25.jsonl\n');
    const jobsBefore = await jobNames(client);
    const outcome = await vscode.commands.executeCommand<CreateOutcome>('geminiTuning.createTunedModelFromSpec', vscode.Uri.file(file));
    assert.equal(outcome.status, 'refused', JSON.stringify(outcome));
    assert.ok(outcome.status === 'refused' && /Add "platform: vertex"/.test(outcome.reason) && /Switch Backend/.test(outcome.reason), JSON.stringify(outcome));
    assert.deepEqual(await jobNames(client), jobsBefore);
  });

  it('a staging bucket that does not exist: Create says to check or create it, and creates no job', async () => {
    const file = path.join(workspace, 'no-bucket.tuning.yaml');
    fs.writeFileSync(file, 'platform: vertex\nbaseModel: gemini-2.5-flash\nexamplesFile: data/capitals-25.jsonl\n');
    const jobsBefore = await jobNames(client);
    const changed = nextEvent(api.backend.onDidChange);
    await config().update('vertex.stagingBucket', 'no-such-bucket-here', vscode.ConfigurationTarget.Global);
    await changed;
    try {
      const outcome = await vscode.commands.executeCommand<CreateOutcome>('geminiTuning.createTunedModelFromSpec', vscode.Uri.file(file));
      assert.equal(outcome.status, 'failed', JSON.stringify(outcome));
      assert.ok(outcome.status === 'failed' && /no-such-bucket-here/.test(outcome.message) && /gcloud storage buckets create/.test(outcome.message), outcome.status === 'failed' ? outcome.message : '');
    } finally {
      const restored = nextEvent(api.backend.onDidChange);
      await config().update('vertex.stagingBucket', BUCKET, vscode.ConfigurationTarget.Global);
      await restored;
    }
    assert.deepEqual(await jobNames(client), jobsBefore);
  });

  it('a quota error on create: Create says when to try again and where quotas are, and creates no job', async () => {
    const file = path.join(workspace, 'quota.tuning.yaml');
    fs.writeFileSync(file, 'platform: vertex\ndisplayName: vertex spec over quota\nbaseModel: gemini-2.5-flash\nexamplesFile: data/capitals-25.jsonl\n');
    const jobsBefore = await jobNames(client);
    const rule = { match: `POST /v1/projects/${PROJECT}/locations/${LOCATION}/tuningJobs`, action: 'status', status: 429, retryDelay: '37s', count: 5 };
    const set = await fetch(`${server.url}/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: [rule] }) });
    assert.equal(set.status, 200, `fault injection is off on the test server (HTTP ${set.status}): the host runs with GEMINI_TUNING_FAULTS=1`);
    try {
      const outcome = await vscode.commands.executeCommand<CreateOutcome>('geminiTuning.createTunedModelFromSpec', vscode.Uri.file(file));
      assert.equal(outcome.status, 'failed', JSON.stringify(outcome));
      assert.ok(outcome.status === 'failed' && /try again in 37 s/.test(outcome.message) && /Quotas/.test(outcome.message), outcome.status === 'failed' ? outcome.message : '');
    } finally {
      await fetch(`${server.url}/_faults`, { method: 'DELETE' });
    }
    assert.deepEqual(await jobNames(client), jobsBefore, 'no job was made');
  });

  it('Cancel on the upload notification stops the upload and creates no job', async () => {
    fs.writeFileSync(path.join(workspace, 'cancelled.jsonl'), contentsLines(2_000, 1_000));
    const file = path.join(workspace, 'cancelled.tuning.yaml');
    fs.writeFileSync(file, 'platform: vertex\ndisplayName: vertex spec cancelled\nbaseModel: gemini-2.5-flash\ncontentsFile: cancelled.jsonl\n');
    const jobsBefore = await jobNames(client);
    const before = specHooks(api).createProgress.length;
    specHooks(api).cancelCreateWhen((message) => /^uploading training data: \d+%/.test(message) && !message.includes(': 100%'));

    const outcome = await vscode.commands.executeCommand<CreateOutcome>('geminiTuning.createTunedModelFromSpec', vscode.Uri.file(file));
    assert.deepEqual(outcome, { status: 'cancelled' });
    const reports = specHooks(api).createProgress.slice(before);
    assert.ok(reports.some((m) => m.startsWith('uploading training data')), JSON.stringify(reports));
    assert.ok(!reports.includes('created'), JSON.stringify(reports));
    // The command returned after the backend gave up: a job it created would be listed by now.
    assert.deepEqual(await jobNames(client), jobsBefore);
    assert.ok(!api.store.models.some((m) => m.displayName === 'vertex spec cancelled'), 'the tree shows no such job');
  });
});
