import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackendHealth } from '../../../src/core/backend/health';
import { nextEvent } from '../../../src/core/util/event';
import { VertexClient } from '../../../src/core/vertex/client';
import { examplesToVertexJsonl } from '../../../src/core/vertex/dataset';
import { StorageUploader } from '../../../src/core/vertex/storageUpload';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import { activateExtension, resetSettings, ScriptedPrompts, startTestServer, type TestServer, treeHooks, treeSnapshot, whenStore } from '../tree/support';

/** The local server requires this as its API key, and so as the bearer token of its Vertex AI twin. */
const KEY = 'vertex-twin-key-P4s9Lw2q';
const PROJECT = 'tree-vertex-test';
const LOCATION = 'us-central1';
const BUCKET = 'tree-vertex-data';

function whenHealth(api: GeminiTuningApi, kind: BackendHealth['kind']): Promise<BackendHealth> {
  return api.backend.health.kind === kind ? Promise.resolve(api.backend.health) : nextEvent(api.backend.onDidChangeHealth, (h) => h.kind === kind);
}

/** Which group of the tree shows `name`, as a person sees it. */
function groupOf(api: GeminiTuningApi, name: string): string | undefined {
  for (const [label, group] of treeSnapshot(api)) if (group.models.some((node) => node.name === name)) return label;
  return undefined;
}

describe('vertex backend: tuning jobs in the tree through the local Vertex AI twin', function () {
  this.timeout(180_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let server: TestServer;
  let client: VertexClient;
  let uploader: StorageUploader;
  const savedEnv: Record<string, string | undefined> = {};
  const config = () => vscode.workspace.getConfiguration('geminiTuning');

  before(async () => {
    api = await activateExtension();
    for (const variable of ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_CLOUD_PROJECT', 'GOOGLE_APPLICATION_CREDENTIALS', 'METADATA_SERVER_DETECTION']) savedEnv[variable] = process.env[variable];
    delete process.env.GOOGLE_API_KEY;
    // The twin's token is the local server's key; the extension finds it where it finds the key for a local server.
    process.env.GEMINI_API_KEY = KEY;
    await vscode.commands.executeCommand('geminiTuning.clearApiKey');
    server = await startTestServer(api.extensionPath, { apiKey: KEY, stepDelayMs: 2_000 });
    client = new VertexClient({ project: PROJECT, location: LOCATION, baseUrl: server.url, accessToken: async () => KEY });
    uploader = new StorageUploader({ baseUrl: server.url, accessToken: async () => KEY });
    const bucket = await fetch(`${server.url}/storage/v1/b?project=${PROJECT}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: BUCKET }),
    });
    assert.equal(bucket.status, 200, await bucket.text());
  });

  after(async () => {
    await resetSettings();
    for (const key of ['vertex.project', 'vertex.location', 'vertex.stagingBucket', 'vertex.endpoint']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    for (const [variable, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[variable];
      else process.env[variable] = value;
    }
    await client?.close();
    await uploader?.close();
    await server?.stop();
  });

  it('Switch Backend offers Vertex AI and asks for the project, suggesting GOOGLE_CLOUD_PROJECT', async () => {
    process.env.GOOGLE_CLOUD_PROJECT = PROJECT;
    await config().update('baseUrl', server.url, vscode.ConfigurationTarget.Global);
    const prompts = new ScriptedPrompts()
      .pickLabel(/Vertex AI$/)
      .inputWith(PROJECT, (options) => {
        assert.equal(options.value, PROJECT, 'the project is prefilled from GOOGLE_CLOUD_PROJECT');
        assert.match(options.prompt ?? '', /GOOGLE_CLOUD_PROJECT/);
      });
    const scope = api.prompts.use(prompts);
    try {
      assert.equal(await vscode.commands.executeCommand('geminiTuning.switchBackend'), 'vertex');
    } finally {
      scope.dispose();
    }
    assert.equal(prompts.remaining, 0);
    assert.equal(config().get('vertex.project'), PROJECT);
    while (api.backend.kind !== 'vertex') await nextEvent(api.backend.onDidChange);
    assert.equal(api.backend.baseUrl, server.url);
    await whenHealth(api, 'connected');
    await api.store.refresh();
    assert.equal(api.store.status.kind, 'ready');
    assert.equal(api.testHooks?.backend?.statusBar.text.startsWith('$(cloud) Vertex AI'), true, api.testHooks?.backend?.statusBar.text);
  });

  it('lists a job created through the Vertex AI API in Creating, and cancels it from its tree item', async () => {
    const uploaded = await uploader.upload({
      bucket: BUCKET,
      object: 'tree/training.jsonl',
      // Slow steps and many examples keep the job running for minutes: the cancel must find it running.
      source: { bytes: Buffer.from(examplesToVertexJsonl(Array.from({ length: 12 }, (_, i) => ({ textInput: `word ${i}`, output: `mot ${i}` })))) },
    });
    const created = await client.tuningJobs.create({
      baseModel: 'gemini-2.5-flash',
      tunedModelDisplayName: 'vertex in the tree',
      supervisedTuningSpec: { trainingDatasetUri: uploaded.gcsUri, hyperParameters: { epochCount: 100 } },
    });
    const name = created.name!;
    await api.store.refresh();
    assert.equal(groupOf(api, name), 'Creating', `the job is listed as creating; tree: ${JSON.stringify([...treeSnapshot(api).keys()])}`);
    const listed = api.store.get(name);
    assert.equal(listed?.backend, 'vertex');
    assert.equal(listed?.displayName, 'vertex in the tree');

    const node = treeHooks(api).provider.nodeFor(name);
    assert.ok(node, 'the tree has an item for the job');
    const item = await treeHooks(api).provider.getTreeItem(node);
    assert.equal(item.contextValue, 'vertexTuningJob.creating', 'its menu offers what Vertex AI serves: details, copy name, cancel');
    const prompts = new ScriptedPrompts().confirmWith(true, (message) => assert.match(message, /vertex in the tree/));
    const scope = api.prompts.use(prompts);
    try {
      assert.equal(await vscode.commands.executeCommand('geminiTuning.cancelTuningJob', node), true);
    } finally {
      scope.dispose();
    }
    assert.equal(prompts.remaining, 0);
    await whenStore(api, () => api.store.get(name)?.state === 'cancelled', 'the job to show as cancelled').catch(async (error: Error) => {
      const status = api.store.status;
      const detail = status.kind === 'error' ? `error: ${String((status.error as Error)?.message ?? status.error)}` : status.kind;
      throw new Error(`${error.message}; store ${detail}, holds it as ${api.store.get(name)?.state}, backend ${api.backend.kind} ${api.backend.health.kind}; the twin says ${(await client.tuningJobs.get(name)).state}`);
    });
    assert.equal(groupOf(api, name), 'Cancelled');
    assert.equal((await client.tuningJobs.get(name)).state, 'JOB_STATE_CANCELLED', 'the twin cancelled the job');
  });

  it('without Google credentials, says to run gcloud auth application-default login and where it looked', async () => {
    const missing = path.join(os.tmpdir(), `no-such-credentials-${process.pid}.json`);
    assert.ok(!fs.existsSync(missing));
    process.env.GOOGLE_APPLICATION_CREDENTIALS = missing;
    process.env.METADATA_SERVER_DETECTION = 'none';
    const noKey = whenHealth(api, 'noKey');
    const changed = nextEvent(api.backend.onDidChange);
    // No base URL: real Vertex AI, signed in with Application Default Credentials.
    await config().update('baseUrl', undefined, vscode.ConfigurationTarget.Global);
    await changed;
    assert.equal(api.backend.baseUrl, `https://${LOCATION}-aiplatform.googleapis.com`);
    const health = await noKey;
    assert.ok('message' in health);
    assert.match(health.message, /gcloud auth application-default login/);
    assert.ok(health.message.includes(missing), `the message names the credentials file it looked at: ${health.message}`);
    assert.match(api.testHooks?.backend?.statusBar.text ?? '', /Vertex AI .*no key/);
  });

  it('Vertex AI, offline: runs on the local server with no Google account, its staging bucket made on first upload', async () => {
    const missing = path.join(os.tmpdir(), `no-such-credentials-${process.pid}.json`);
    process.env.GOOGLE_APPLICATION_CREDENTIALS = missing;
    process.env.METADATA_SERVER_DETECTION = 'none';
    delete process.env.GOOGLE_CLOUD_PROJECT;
    await config().update('baseUrl', undefined, vscode.ConfigurationTarget.Global);
    await config().update('vertex.project', undefined, vscode.ConfigurationTarget.Global);
    const prompts = new ScriptedPrompts().pickLabel(/Vertex AI, offline/);
    const scope = api.prompts.use(prompts);
    try {
      assert.equal(await vscode.commands.executeCommand('geminiTuning.switchBackend'), 'vertex');
    } finally {
      scope.dispose();
    }
    assert.equal(prompts.remaining, 0, 'no project is asked for');
    assert.equal(config().get('vertex.endpoint'), 'localServer');
    assert.equal(config().get('vertex.project'), 'local-project');
    await whenHealth(api, 'connected');
    assert.match(api.backend.baseUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, 'requests go to the local server the extension runs');

    const backend = await api.backend.getVertexBackend();
    const job = await backend.submitJob({
      baseModel: 'gemini-2.5-flash',
      displayName: 'offline vertex job',
      epochCount: 1,
      training: { examples: Array.from({ length: 8 }, (_, i) => ({ textInput: `ein ${i}`, output: `one ${i}` })) },
    });
    assert.match(job.model.name, /^projects\/\d+\/locations\/us-central1\/tuningJobs\/\d+$/, 'the job lives on the Vertex AI twin, named as Google names jobs');
    await api.store.refresh();
    assert.equal(api.store.get(job.model.name)?.backend, 'vertex', 'the job is listed in the tree');
    const ended = await job.whenDone({ initialDelayMs: 200, maxDelayMs: 1_000 });
    assert.equal(ended.state, 'active', ended.stateDetail);
  });
});
