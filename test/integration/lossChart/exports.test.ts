import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TunedModel } from '../../../src/core/api/types';
import type { Prompts } from '../../../src/extension/ui/prompts';
import type { OpenedChart } from '../../../src/extension/lossChart/chartPanels';
import type { RenderedMessage } from '../../../src/core/lossChart/protocol';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import { chartCreateRequest, chartHooks, trainedModel } from './support';
import { activateExtension, modelNameOf, modelRecord, resetSettings, setPolling, startTestServer, useBackend, type TestServer, treeHooks } from '../tree/support';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Answers the save dialog with `target` (and fails the test on any other prompt). */
function savingTo(target: vscode.Uri, asked: vscode.SaveDialogOptions[]): Prompts {
  const unexpected = (what: string) => () => Promise.reject(new Error(`unexpected ${what} prompt during an export`));
  return {
    confirm: unexpected('confirm'),
    input: unexpected('input'),
    pick: unexpected('pick'),
    saveFile: async (options) => {
      asked.push(options);
      return target;
    },
  };
}

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  assert.ok(folder, 'the integration host opens a workspace folder');
  return vscode.Uri.joinPath(folder, name);
}

async function openAndRender(api: GeminiTuningApi, name: string, points: number): Promise<RenderedMessage> {
  await vscode.commands.executeCommand('geminiTuning.openLossChart', name);
  return chartHooks(api).showing(name).waitForRendered((r) => r.models[0]?.name === name && r.models[0].points === points);
}

function treeNode(api: GeminiTuningApi, name: string): unknown {
  const node = treeHooks(api).provider.nodeFor(name);
  assert.ok(node, `the Tuned Models view shows ${name}`);
  return node;
}

/** The setting value of a built-in colour theme of this kind (`vs` light, `vs-dark` dark). */
function installedTheme(uiTheme: 'vs' | 'vs-dark'): string {
  for (const extension of vscode.extensions.all) {
    const themes = (extension.packageJSON as { contributes?: { themes?: { id?: string; label?: string; uiTheme?: string }[] } }).contributes?.themes ?? [];
    const theme = themes.find((t) => t.uiTheme === uiTheme);
    if (theme) return theme.id ?? theme.label ?? '';
  }
  assert.fail(`no ${uiTheme} colour theme is installed`);
}

function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // IHDR is the first chunk: length (4), type (4), then width and height.
  assert.equal(new TextDecoder().decode(bytes.subarray(12, 16)), 'IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe('chart: exports through the save dialog, comparing models, theme', function () {
  this.timeout(120_000);
  let api: GeminiTuningApi;
  let first: TunedModel & { name: string };
  let second: TunedModel & { name: string };

  before(async () => {
    api = await activateExtension();
    first = await trainedModel(api, 'chart export one');
    second = await trainedModel(api, 'chart export two');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('exports the loss values as CSV to the file chosen in the save dialog, one row per snapshot', async () => {
    await openAndRender(api, first.name, 8);
    const target = workspaceFile('exported-loss.csv');
    const asked: vscode.SaveDialogOptions[] = [];
    const answering = api.prompts.use(savingTo(target, asked));
    try {
      await vscode.commands.executeCommand('geminiTuning.exportLossCsv');
    } finally {
      answering.dispose();
    }
    assert.equal(asked.length, 1, 'the save dialog was asked once');
    assert.deepEqual(asked[0].filters, { 'CSV files': ['csv'] });
    assert.match(asked[0].defaultUri?.path ?? '', /-loss\.csv$/);

    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
    assert.ok(text.endsWith('\r\n'), 'RFC 4180 line ends');
    const [head, ...rows] = text.slice(0, -2).split('\r\n');
    assert.equal(head, 'model,display_name,step,epoch,mean_loss,compute_time');
    const expected = (first.tuningTask?.snapshots ?? []).map((s) =>
      [first.name, 'chart export one', String(s.step ?? 0), String(s.epoch ?? 0), String(s.meanLoss ?? 0), new Date(Date.parse(s.computeTime ?? '')).toISOString()].join(','),
    );
    assert.equal(expected.length, 8);
    assert.deepEqual(rows, expected);
  });

  it('exports the chart as a PNG image to the file chosen in the save dialog', async () => {
    await openAndRender(api, first.name, 8);
    const target = workspaceFile('exported-loss.png');
    const asked: vscode.SaveDialogOptions[] = [];
    const answering = api.prompts.use(savingTo(target, asked));
    try {
      await vscode.commands.executeCommand('geminiTuning.exportLossPng');
    } finally {
      answering.dispose();
    }
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0].filters, { 'PNG images': ['png'] });
    const bytes = await vscode.workspace.fs.readFile(target);
    assert.deepEqual([...bytes.subarray(0, 8)], PNG_SIGNATURE, 'the file starts with the PNG signature');
    assert.ok(bytes.length > 2_000, `a drawn chart, not an empty image (${bytes.length} bytes)`);
    const { width, height } = pngSize(bytes);
    assert.ok(width >= 240 && height >= 220, `the chart's size (${width}×${height})`);
  });

  it('writes nothing when the save dialog is cancelled', async () => {
    await openAndRender(api, first.name, 8);
    const target = workspaceFile('cancelled-loss.csv');
    const answering = api.prompts.use({ ...savingTo(target, []), saveFile: async () => undefined });
    try {
      await vscode.commands.executeCommand('geminiTuning.exportLossCsv');
    } finally {
      answering.dispose();
    }
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(target)), /FileNotFound|ENOENT|nonexistent/i);
  });

  it('compares models selected together in the tree: one chart, a legend with both, distinct colours', async () => {
    // The tree's own items, as VS Code passes them to a context-menu command on a multi-selection.
    await api.store.refresh();
    const selection = [treeNode(api, first.name), treeNode(api, second.name)];
    const opened = await vscode.commands.executeCommand<OpenedChart>('geminiTuning.compareLoss', selection[0], selection);
    assert.deepEqual(opened.models, [first.name, second.name]);
    const rendered = await chartHooks(api)
      .showing(second.name)
      .waitForRendered((r) => r.models.length === 2 && r.models.every((m) => m.points === 8));
    assert.deepEqual(rendered.models.map((m) => m.name), [first.name, second.name]);
    assert.deepEqual(rendered.legend, ['chart export one', 'chart export two']);
    const [a, b] = rendered.models.map((m) => m.color);
    assert.ok(a && b, 'each curve reports its colour');
    assert.notEqual(a, b, 'the two curves have different colours');
  });

  it('adds a model to an open chart with Add Model to Chart', async () => {
    // Opening a model's chart reveals any chart led by it, such as the comparison above: start afresh.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await openAndRender(api, first.name, 8);
    const added = await vscode.commands.executeCommand<OpenedChart>('geminiTuning.addModelToChart', treeNode(api, second.name));
    assert.deepEqual(added.models, [first.name, second.name]);
    const rendered = await chartHooks(api)
      .showing(first.name)
      .waitForRendered((r) => r.models.length === 2 && r.models[1].points === 8);
    assert.equal(rendered.update, 'setData', 'the second curve joins the existing chart');
    assert.deepEqual(rendered.legend, ['chart export one', 'chart export two']);
    assert.notEqual(rendered.models[0].color, rendered.models[1].color);
  });

  it('follows a live theme switch: the page reports new colours without being reopened', async () => {
    await openAndRender(api, first.name, 8);
    const config = vscode.workspace.getConfiguration('workbench');
    const chart = chartHooks(api).showing(first.name);
    const before = await chart.waitForTheme(() => true);
    const nextTheme = installedTheme(vscode.window.activeColorTheme.kind === vscode.ColorThemeKind.Light ? 'vs-dark' : 'vs');
    try {
      const switched = new Promise<void>((resolve) => {
        const subscription = vscode.window.onDidChangeActiveColorTheme(() => {
          subscription.dispose();
          resolve();
        });
      });
      await config.update('colorTheme', nextTheme, vscode.ConfigurationTarget.Global);
      await switched;
      const after = await chart.waitForTheme((c) => c.background !== before.background);
      assert.notEqual(after.background, before.background);
      assert.notEqual(after.foreground, before.foreground, 'the text colour follows the theme too');
      assert.equal(after.palette.length, before.palette.length);
      assert.notDeepEqual(after.palette, before.palette, 'the curve colours come from the new theme');
    } finally {
      await config.update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});

describe('chart: what the panel says when there is no curve', function () {
  this.timeout(120_000);
  let api: GeminiTuningApi & { extensionPath: string };
  let server: TestServer;
  const failedRecord = { ...modelRecord('chart-failed', 'FAILED', 7), snapshots: [], error: { code: 13, message: 'The training data had no examples the model could read.' } };

  before(async () => {
    api = await activateExtension();
    // Slow steps, so that a second job waits in the server's queue with no snapshot yet.
    server = await startTestServer(api.extensionPath, { stepDelayMs: 60, seed: [failedRecord] });
    await setPolling(200);
    await useBackend(api, 'local', server.url);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await resetSettings();
    await server?.stop();
  });

  it('shows a FAILED job\'s error message', async () => {
    const name = `tunedModels/${failedRecord.id}`;
    await vscode.commands.executeCommand('geminiTuning.openLossChart', name);
    const rendered = await chartHooks(api).showing(name).waitForRendered((r) => r.models[0]?.notice !== undefined);
    assert.equal(rendered.update, 'empty');
    assert.equal(rendered.models[0].points, 0);
    assert.equal(rendered.models[0].notice, 'Tuning failed: The training data had no examples the model could read.');
  });

  it('says it is waiting for the first step while a job has none, then draws the first ones', async () => {
    const client = await api.backend.getClient();
    // The server trains two jobs at a time: a third waits, with no snapshot, while the first two run.
    const ahead = [
      await client.tunedModels.create(chartCreateRequest('chart queue ahead a', 20, 2, 1)),
      await client.tunedModels.create(chartCreateRequest('chart queue ahead b', 20, 2, 1)),
    ];
    const waitingOp = await client.tunedModels.create(chartCreateRequest('chart queued', 4, 1, 2));
    const name = modelNameOf(waitingOp);
    for (const op of ahead) api.store.track(op);
    api.store.track(waitingOp);
    await vscode.commands.executeCommand('geminiTuning.openLossChart', name);
    const chart = chartHooks(api).showing(name);
    const waiting = await chart.waitForRendered((r) => r.models[0]?.name === name);
    assert.equal(waiting.models[0].points, 0, 'the job had not started when the chart opened');
    assert.equal(waiting.models[0].notice, 'Waiting for the first step…');
    assert.equal(waiting.update, 'empty');

    const drawn = await chart.waitForRendered((r) => r.models[0].points > 0, 90_000);
    assert.equal(drawn.models[0].notice, undefined, 'the notice goes once there is a curve');
  });
});
