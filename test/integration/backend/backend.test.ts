import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { BackendHealth } from '../../../src/core/backend/health';
import { nextEvent } from '../../../src/core/util/event';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import {
  activateExtension,
  modelRecord,
  resetSettings,
  ScriptedPrompts,
  startRecordingProxy,
  startTestServer,
  type TestServer,
  useBackend,
} from '../tree/support';

const KEY = 'test-key-Zq81xVbN3kLm';

/** Runs `command` answering its prompts from `prompts`. */
async function withPrompts<T>(api: GeminiTuningApi, prompts: ScriptedPrompts, command: string, ...args: unknown[]): Promise<T> {
  const scope = api.prompts.use(prompts);
  try {
    return (await vscode.commands.executeCommand(command, ...args)) as T;
  } finally {
    scope.dispose();
  }
}

function whenHealth(api: GeminiTuningApi, kind: BackendHealth['kind']): Promise<BackendHealth> {
  return api.backend.health.kind === kind ? Promise.resolve(api.backend.health) : nextEvent(api.backend.onDidChangeHealth, (h) => h.kind === kind);
}

/** The status bar item as a person sees it: text, background colour and tooltip. */
function statusBar(api: GeminiTuningApi): { text: string; background: string | undefined; tooltip: string } {
  const hooks = api.testHooks?.backend;
  assert.ok(hooks, 'the backend test hooks exist in test mode');
  const { text, backgroundColor, tooltip } = hooks.statusBar;
  return { text, background: backgroundColor?.id, tooltip: typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '') };
}

/** A loopback URL where nothing listens. */
async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('tree backend: switching backends and the API key', function () {
  this.timeout(120_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let keyed: TestServer;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  const savedEnv: Record<string, string | undefined> = {};

  before(async () => {
    api = await activateExtension();
    // The key must come from SecretStorage here, not from the environment.
    for (const variable of ['GEMINI_API_KEY', 'GOOGLE_API_KEY']) {
      savedEnv[variable] = process.env[variable];
      delete process.env[variable];
    }
    await vscode.commands.executeCommand('geminiTuning.clearApiKey');
    keyed = await startTestServer(api.extensionPath, { apiKey: KEY, seed: [modelRecord('behind-a-key', 'ACTIVE', 1)] });
    proxy = await startRecordingProxy(keyed.url);
  });

  after(async () => {
    await vscode.commands.executeCommand('geminiTuning.clearApiKey');
    await resetSettings();
    for (const [variable, value] of Object.entries(savedEnv)) if (value !== undefined) process.env[variable] = value;
    await proxy?.close();
    await keyed?.stop();
  });

  it('switches to the Gemini backend and reports that no key is set', async () => {
    const noKey = whenHealth(api, 'noKey');
    assert.equal(await vscode.commands.executeCommand('geminiTuning.switchBackend', 'gemini'), 'gemini');
    await noKey;
    assert.equal(api.backend.baseUrl, 'https://generativelanguage.googleapis.com');
    const changed = nextEvent(api.backend.onDidChange);
    await vscode.workspace.getConfiguration('geminiTuning').update('baseUrl', proxy.url, vscode.ConfigurationTarget.Global);
    await changed;
    await whenHealth(api, 'noKey');
    assert.equal(api.backend.kind, 'gemini');
    assert.equal(api.backend.baseUrl, proxy.url);
    await assert.rejects(api.backend.getClient(), /No Gemini API key is set/);
    assert.equal(proxy.requests.length, 0, 'nothing is sent without a key');
    const bar = statusBar(api);
    assert.equal(bar.text, '$(cloud) Gemini API $(key) no key');
    assert.equal(bar.background, 'statusBarItem.warningBackground');
    assert.match(bar.tooltip, /Status: no API key/);
    assert.match(bar.tooltip, /API key: none/);
  });

  it('reports a key the backend rejects as a bad key', async () => {
    const health = await withPrompts<string>(api, new ScriptedPrompts().inputWith('not-the-key', (o) => assert.equal(o.password, true)), 'geminiTuning.setApiKey');
    assert.equal(health, 'badKey');
    assert.equal(api.backend.apiKeySource.kind, 'secretStorage');
    const bar = statusBar(api);
    assert.equal(bar.text, '$(cloud) Gemini API $(key) bad key');
    assert.equal(bar.background, 'statusBarItem.errorBackground');
    assert.match(bar.tooltip, /Status: the API key was rejected/);
    assert.match(bar.tooltip, /API key: stored in SecretStorage/);
    assert.ok(bar.tooltip.includes(`Endpoint: \`${proxy.url}\``), bar.tooltip);
    assert.ok(!bar.tooltip.includes('not-the-key'), 'the tooltip never shows the key');
  });

  it('sends a key stored in SecretStorage as the x-goog-api-key header, and lists the models', async () => {
    const health = await withPrompts<string>(api, new ScriptedPrompts().inputWith(KEY), 'geminiTuning.setApiKey');
    assert.equal(health, 'connected');
    const from = proxy.requests.length;
    await api.store.refresh();
    assert.equal(api.store.status.kind, 'ready');
    assert.deepEqual(
      api.store.models.map((m) => m.name),
      ['tunedModels/behind-a-key'],
    );
    const sent = proxy.requests.slice(from);
    assert.ok(sent.length > 0);
    for (const request of sent) {
      assert.equal(request.headers['x-goog-api-key'], KEY);
      assert.ok(!request.url.includes(KEY) && !/[?&]key=/.test(request.url), `no key in ${request.url}`);
    }
    const settingsText = JSON.stringify(vscode.workspace.getConfiguration('geminiTuning'));
    assert.ok(!settingsText.includes(KEY), 'the key is not in the settings');
    const bar = statusBar(api);
    assert.equal(bar.text, '$(cloud) Gemini API');
    assert.equal(bar.background, undefined);
    assert.match(bar.tooltip, /Status: connected/);
    assert.ok(!bar.tooltip.includes(KEY), 'the tooltip never shows the key');
  });

  it('copies a curl command and a TypeScript snippet that take the key from $GEMINI_API_KEY, never the key itself', async () => {
    const curl = await vscode.commands.executeCommand<string>('geminiTuning.copyModelAsCurl', 'tunedModels/behind-a-key');
    assert.ok(curl.includes('-H "x-goog-api-key: $GEMINI_API_KEY"'), curl);
    assert.ok(!curl.includes(KEY));
    assert.equal(await vscode.env.clipboard.readText(), curl);
    const ts = await vscode.commands.executeCommand<string>('geminiTuning.copyModelAsTypeScript', 'tunedModels/behind-a-key');
    assert.ok(ts.includes('apiKey: process.env.GEMINI_API_KEY,'), ts);
    assert.ok(ts.includes(`baseUrl: "${proxy.url}"`), ts);
    assert.ok(!ts.includes(KEY));
  });

  it('clears the key', async () => {
    assert.equal(await vscode.commands.executeCommand('geminiTuning.clearApiKey'), 'noKey');
    assert.equal(api.backend.apiKeySource.kind, 'none');
  });

  it('switches back to the local server, started by the extension itself', async () => {
    await useBackend(api, 'local', '');
    assert.equal(api.backend.kind, 'local');
    const health = await api.backend.checkHealth();
    assert.equal(health.kind, 'connected');
    if (api.backend.runsLocalServer) {
      assert.equal(api.backend.localServerState?.kind, 'running');
      assert.match(api.backend.baseUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    }
    assert.equal(api.store.status.kind, 'ready');
    const bar = statusBar(api);
    assert.equal(bar.text, '$(server-process) Local');
    assert.equal(bar.background, undefined);
    assert.match(bar.tooltip, /Status: connected/);
    assert.ok(bar.tooltip.includes(`Endpoint: \`${api.backend.baseUrl}\``), bar.tooltip);
    assert.ok(!/API key/.test(bar.tooltip), 'no key with the local backend');
  });

  it('holds the local server it started open, in a process group of its own, so that closing this window leaves it to the others', async () => {
    await useBackend(api, 'local', '');
    assert.equal((await api.backend.checkHealth()).kind, 'connected');
    assert.ok(api.backend.runsLocalServer, 'this host runs its own local server');
    const state = api.backend.localServerState;
    assert.equal(state?.kind, 'running');
    const url = state.kind === 'running' ? state.url : '';
    const pid = state.kind === 'running' ? state.pid : undefined;
    const res = await fetch(`${url}/_clients?client=probe`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const { value } = await reader.read();
    await reader.cancel();
    const { clients } = JSON.parse(new TextDecoder().decode(value).split('\n')[0]) as { clients: number };
    assert.ok(clients >= 2, `the window holds its server (${clients} holders counting this probe)`);
    if (process.platform === 'linux' && pid !== undefined) {
      const group = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
      assert.equal(group, pid, 'the server leads its own process group');
    }
  });

  it('shows a local server that stopped answering as unreachable', async () => {
    const local = await startTestServer(api.extensionPath);
    let stopped = false;
    try {
      await useBackend(api, 'local', local.url);
      assert.equal((await api.backend.checkHealth()).kind, 'connected');
      assert.equal(statusBar(api).text, '$(server-process) Local');

      await local.stop();
      stopped = true;
      await api.store.refresh();
      assert.equal(api.store.status.kind, 'error');
      assert.equal(api.backend.health.kind, 'unreachable');
      const bar = statusBar(api);
      assert.equal(bar.text, '$(server-process) Local $(debug-disconnect) unreachable');
      assert.equal(bar.background, 'statusBarItem.warningBackground');
      assert.match(bar.tooltip, /Status: unreachable/);
      assert.ok(bar.tooltip.includes(`Endpoint: \`${local.url}\``), bar.tooltip);
    } finally {
      if (!stopped) await local.stop();
    }
  });

  it('shows a base URL where nothing listens as unreachable, and says so in the tooltip', async () => {
    const url = await closedPortUrl();
    await useBackend(api, 'local', url);
    assert.equal((await api.backend.checkHealth()).kind, 'unreachable');
    const bar = statusBar(api);
    assert.equal(bar.text, '$(server-process) Local $(debug-disconnect) unreachable');
    assert.equal(bar.background, 'statusBarItem.warningBackground');
    assert.ok(bar.tooltip.includes(`Endpoint: \`${url}\``), bar.tooltip);
    assert.match(bar.tooltip, /refused|ECONNREFUSED|connect/i);

    // Clicking the item opens the backend menu.
    assert.equal(api.testHooks?.backend?.statusBar.command, 'geminiTuning.showBackendMenu');
    let offered: string[] = [];
    await withPrompts(
      api,
      new ScriptedPrompts().pickWith((items) => {
        offered = items.map((i) => i.label);
        return undefined;
      }),
      'geminiTuning.showBackendMenu',
    );
    for (const label of ['$(cloud) Switch to the Gemini API', '$(key) Set API Key…', '$(refresh) Retry Connection', '$(output) Show Log']) {
      assert.ok(offered.includes(label), `the menu offers ${label}: ${offered.join(' | ')}`);
    }

    // Retry from the menu reconnects once the settings point somewhere that answers.
    await useBackend(api, 'local', '');
    await withPrompts(api, new ScriptedPrompts().pickLabel('$(refresh) Retry Connection'), 'geminiTuning.showBackendMenu');
    assert.equal(api.backend.health.kind, 'connected');
    assert.equal(statusBar(api).text, '$(server-process) Local');
    assert.equal(await vscode.commands.executeCommand('geminiTuning.retryConnection'), 'connected');
  });
});
