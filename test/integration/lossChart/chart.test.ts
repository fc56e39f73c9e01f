import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Operation } from '../../../src/core/api/types';
import type { OpenedChart } from '../../../src/extension/lossChart/chartPanels';
import type { Exchange } from '../../../src/extension/lossChart/panel';
import { LOSS_CHART_VIEW_TYPE, type PersistedChartState, type RenderedMessage } from '../../../src/core/lossChart/protocol';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import { modelNameOf } from '../tree/support';
import { chartCreateRequest, chartHooks, trainedModel } from './support';

const EXTENSION_ID = 'gemini-tuning.gemini-tuning';

async function extensionApi(): Promise<GeminiTuningApi> {
  const extension = vscode.extensions.getExtension<GeminiTuningApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  return extension.activate();
}

async function createModel(api: GeminiTuningApi, displayName: string, examples: number, epochCount: number, batchSize: number): Promise<Operation> {
  const client = await api.backend.getClient();
  return client.tunedModels.create(chartCreateRequest(displayName, examples, epochCount, batchSize));
}

function messagesTo(exchanges: readonly Exchange[]): Exchange['message'][] {
  return exchanges.filter((e) => e.direction === 'toWebview').map((e) => e.message);
}

describe('chart: loss chart panel', function () {
  this.timeout(120_000);
  let api: GeminiTuningApi;
  const pollingKeys = ['initialDelayMs', 'maxDelayMs', 'unfocusedDelayMs'] as const;

  before(async () => {
    api = await extensionApi();
    // Live updates come from the tree's polling; poll fast so a short job shows several steps.
    const polling = vscode.workspace.getConfiguration('geminiTuning.polling');
    for (const key of pollingKeys) await polling.update(key, 200, vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    const polling = vscode.workspace.getConfiguration('geminiTuning.polling');
    for (const key of pollingKeys) await polling.update(key, undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens for a trained model and receives its series after the webview is ready', async () => {
    const model = await trainedModel(api, 'chart trained');
    const snapshots = model.tuningTask?.snapshots ?? [];
    assert.equal(snapshots.length, 8, 'the local server reports one snapshot per step');

    const opened = await vscode.commands.executeCommand<OpenedChart>('geminiTuning.openLossChart', model.name);
    assert.deepEqual(opened.models, [model.name]);
    const chart = chartHooks(api).showing(model.name);
    const rendered = await chart.waitForRendered((r) => r.models[0]?.points === 8);
    assert.equal(rendered.models[0].notice, undefined);

    const exchanges = chart.exchanges;
    const readyAt = exchanges.findIndex((e) => e.direction === 'fromWebview' && e.message.type === 'ready');
    const firstPost = exchanges.findIndex((e) => e.direction === 'toWebview');
    assert.ok(readyAt >= 0 && firstPost > readyAt, 'the extension posts only after the webview said ready');
    assert.deepEqual(messagesTo(exchanges)[0], { type: 'init', reportForTests: true }, 'in test mode the page is asked to report what it draws');
    const setModels = messagesTo(exchanges).find((m) => m.type === 'setModels');
    assert.ok(setModels && setModels.type === 'setModels');
    const [series] = setModels.models;
    assert.equal(series.header.state, 'ACTIVE');
    assert.equal(series.header.baseModel, 'models/gemini-1.5-flash-001-tuning');
    assert.equal(series.header.epochCount, 2);
    assert.deepEqual(series.points.step, snapshots.map((s) => s.step));
    assert.deepEqual(series.points.loss, snapshots.map((s) => s.meanLoss ?? 0));
    assert.deepEqual(series.points.epoch, snapshots.map((s) => s.epoch ?? 0));
    assert.ok(new Set(series.points.epoch).size >= 2, 'the points span two epochs, so a boundary is drawn');

    // One panel per model: opening again reveals the same panel.
    const before = chartHooks(api).panels().length;
    await vscode.commands.executeCommand('geminiTuning.openLossChart', { name: model.name });
    assert.equal(chartHooks(api).panels().length, before);

    // The PNG export's round trip: the webview answers with its canvas.
    const png = await chart.capturePng();
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 2_000, `a chart image, not an empty one (${png.length} bytes)`);
  });

  it('appends points live while the job runs, without rebuilding the chart', async () => {
    const op = await createModel(api, 'chart live', 40, 2, 2);
    const name = modelNameOf(op);
    api.store.track(op);
    await vscode.commands.executeCommand('geminiTuning.openLossChart', name);
    const chart = chartHooks(api).showing(name);

    const final = await chart.waitForRendered((r) => r.models[0]?.points === 40, 90_000);
    assert.equal(final.models[0].points, 40);

    const exchanges = chart.exchanges;
    const posted = messagesTo(exchanges).filter((m) => m.type !== 'init');
    assert.equal(posted[0]?.type, 'setModels');
    const initialPoints = posted[0]?.type === 'setModels' ? posted[0].models[0].points.step.length : -1;
    assert.ok(initialPoints < 40, `the chart opened while the job ran (${initialPoints} of 40 steps known)`);
    const appends = posted.filter((m) => m.type === 'appendPoints' && m.points.step.length > 0);
    assert.ok(appends.length >= 2, `several live appends arrived (${appends.length})`);
    assert.deepEqual(
      posted.slice(1).map((m) => m.type).filter((t) => t !== 'appendPoints'),
      [],
      'after the first data, only appends are sent',
    );

    const reports = exchanges
      .filter((e) => e.direction === 'fromWebview' && e.message.type === 'rendered')
      .map((e) => e.message as RenderedMessage);
    const drawn = reports.filter((r) => r.models[0].points > 0);
    assert.ok(drawn.length >= 2);
    const created = drawn.filter((r) => r.update === 'created' || r.update === 'recreated');
    assert.ok(created.length <= 1, `the uPlot instance is created once, then only gets setData (${drawn.map((r) => r.update).join(', ')})`);
    const counts = drawn.map((r) => r.models[0].points);
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'the point count only grows');
    const waiting = reports.find((r) => r.models[0].points === 0);
    if (waiting) assert.equal(waiting.models[0].notice, 'Waiting for the first step…');
  });

  it('comes back from the serializer with its models', async () => {
    const model = await trainedModel(api, 'chart restored');
    const state: PersistedChartState = {
      version: 1,
      models: [model.name],
      view: { smoothingEnabled: true, smoothing: 0.8, logScale: true },
    };
    const panel = vscode.window.createWebviewPanel(LOSS_CHART_VIEW_TYPE, 'Loss', vscode.ViewColumn.One, { enableScripts: true });
    const restored = chartHooks(api).restore(panel, state);
    assert.deepEqual(restored, [model.name]);
    const rendered = await chartHooks(api).showing(model.name).waitForRendered((r) => r.models[0]?.points === 8);
    assert.equal(rendered.models.length, 1);

    const html = panel.webview.html;
    assert.match(html, /default-src 'none'/);
    assert.match(html, /script-src 'nonce-[A-Za-z0-9+/=]{24}'/);
    const roots = panel.webview.options.localResourceRoots?.map((u) => u.path) ?? [];
    assert.equal(roots.length, 1);
    assert.match(roots[0], /\/dist\/media$/);

    // A state without models (or from elsewhere) does not leave a blank tab behind.
    const stray = vscode.window.createWebviewPanel(LOSS_CHART_VIEW_TYPE, 'Loss', vscode.ViewColumn.One, { enableScripts: true });
    let closed = false;
    stray.onDidDispose(() => (closed = true));
    assert.equal(chartHooks(api).restore(stray, { version: 1, models: [] }), undefined);
    assert.equal(closed, true);
  });
});
