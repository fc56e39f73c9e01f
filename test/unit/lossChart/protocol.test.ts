import * as assert from 'node:assert/strict';
import { chartPageHtml, contentSecurityPolicy, newNonce } from '../../../src/core/lossChart/webviewHtml';
import { toColumns } from '../../../src/core/lossChart/columns';
import {
  DEFAULT_VIEW,
  dispatch,
  isLossColumns,
  isPersistedChartState,
  parseFromWebview,
  parseToWebview,
  toWire,
  type FromWebviewMessage,
  type MessageHandlers,
  type ToWebviewMessage,
} from '../../../src/core/lossChart/protocol';

describe('chart protocol: messages from the webview', () => {
  it('accepts each well-formed message', () => {
    const state = { version: 1, models: ['tunedModels/a'], view: DEFAULT_VIEW };
    assert.deepEqual(parseFromWebview({ type: 'ready', state }), { type: 'ready', state });
    assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
    assert.ok(parseFromWebview({ type: 'rendered', update: 'setData', models: [{ name: 'tunedModels/a', points: 3 }] }));
    assert.ok(parseFromWebview({ type: 'rendered', update: 'created', models: [{ name: 'tunedModels/a', points: 3, color: 'rgb(55, 148, 255)' }] }));
    assert.ok(parseFromWebview({ type: 'theme', colors: { foreground: 'rgb(0, 0, 0)', background: 'rgb(255, 255, 255)', palette: ['rgb(1, 2, 3)'] } }));
    assert.ok(parseFromWebview({ type: 'png', requestId: 1, dataUrl: 'data:image/png;base64,AA==' }));
    assert.ok(parseFromWebview({ type: 'pngFailed', requestId: 1, message: 'no canvas' }));
    assert.ok(parseFromWebview({ type: 'action', action: 'exportCsv' }));
    assert.ok(parseFromWebview({ type: 'removeModelRequest', name: 'tunedModels/a' }));
    assert.ok(parseFromWebview({ type: 'viewChanged', view: { smoothingEnabled: true, smoothing: 0.9, logScale: true } }));
  });

  it('rejects unknown types, wrong shapes and non-objects', () => {
    for (const bad of [
      null,
      'ready',
      [],
      { type: 'eval', code: 'x' },
      { type: 'action', action: 'deleteModel' },
      { type: 'png', requestId: '1', dataUrl: '' },
      { type: 'rendered', update: 'setData', models: [{ name: 1, points: 3 }] },
      { type: 'rendered', update: 'setData', models: [{ name: 'tunedModels/a', points: 3, color: 7 }] },
      { type: 'theme', colors: { foreground: 'black', background: 'white', palette: [1] } },
      { type: 'theme', colors: 'dark' },
      { type: 'viewChanged', view: { smoothingEnabled: true, smoothing: 1.5, logScale: false } },
    ]) {
      assert.equal(parseFromWebview(bad), undefined, JSON.stringify(bad));
    }
  });

  it('drops a malformed restored state but keeps the ready', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready', state: { version: 2 } }), { type: 'ready' });
    assert.equal(isPersistedChartState({ version: 1, models: [3], view: DEFAULT_VIEW }), false);
    assert.equal(isPersistedChartState({ version: 1, models: ['tunedModels/a'], view: DEFAULT_VIEW }), true);
  });
});

describe('chart protocol: messages to the webview', () => {
  const header = { name: 'tunedModels/a', displayName: 'a', state: 'ACTIVE' as const };
  const points = toColumns([
    { step: 1, epoch: 1, loss: null, computeTimeMs: null },
    { step: 2, epoch: 1, loss: 0.5, computeTimeMs: 1_700_000_000_000 },
  ]);

  it('accepts each well-formed message', () => {
    const messages: ToWebviewMessage[] = [
      { type: 'init', reportForTests: false },
      { type: 'setModels', models: [{ header, points }] },
      { type: 'upsertModel', model: toWire({ header, points: [] }) },
      { type: 'appendPoints', name: 'tunedModels/a', header, points },
      { type: 'removeModel', name: 'tunedModels/a' },
      { type: 'requestPng', requestId: 3 },
      { type: 'loadError', name: 'tunedModels/a', message: 'offline' },
    ];
    for (const message of messages) {
      // Through JSON, as a webview message travels.
      assert.deepEqual(parseToWebview(JSON.parse(JSON.stringify(message))), message, message.type);
    }
  });

  it('rejects unknown types and wrong shapes', () => {
    for (const bad of [
      null,
      { type: 'init' },
      { type: 'init', reportForTests: 'yes' },
      { type: 'setModels', models: [{ header: { ...header, state: 'DONE' }, points }] },
      { type: 'setModels', models: [{ header, points: [{ step: 1, epoch: 1, loss: 1, computeTimeMs: null }] }] },
      { type: 'appendPoints', name: 'tunedModels/a', header },
      { type: 'requestPng' },
      { type: 'eval', code: 'x' },
    ]) {
      assert.equal(parseToWebview(bad), undefined, JSON.stringify(bad));
    }
  });

  it('checks every value of the columns: lengths, ascending finite steps, finite epochs, losses and times finite or null', () => {
    const columns = (change: Record<string, unknown>) => ({ ...points, ...change });
    assert.equal(isLossColumns(points), true, 'the unchanged columns pass, so each rejection below is for its own change');
    assert.equal(isLossColumns(toColumns([])), true);
    assert.equal(isLossColumns(columns({ loss: [null] })), false, 'columns of unequal length');
    assert.equal(isLossColumns(columns({ step: [2, 1] })), false, 'steps out of order');
    assert.equal(isLossColumns(columns({ step: [1, 1] })), false, 'a repeated step');
    assert.equal(isLossColumns(columns({ step: [1, null] })), false, 'a missing step');
    assert.equal(isLossColumns(columns({ step: ['1', '2'] })), false, 'steps as text');
    assert.equal(isLossColumns(columns({ epoch: [1, null] })), false, 'a missing epoch');
    assert.equal(isLossColumns(columns({ loss: [1, Number.NaN] })), false, 'NaN does not cross JSON: a missing loss is null');
    assert.equal(isLossColumns(columns({ loss: [1, '0.5'] })), false);
    assert.equal(isLossColumns(columns({ computeTimeMs: [1, Number.POSITIVE_INFINITY] })), false);
    assert.equal(isLossColumns(columns({ step: new Float64Array([1, 2]) })), false, 'plain arrays only');
    assert.equal(isLossColumns({ step: [], epoch: [], loss: [] }), false, 'a column missing');
  });

  it('dispatches each message to the handler of its type', () => {
    const seen: string[] = [];
    const handlers: MessageHandlers<FromWebviewMessage> = {
      ready: () => seen.push('ready'),
      rendered: (m) => seen.push(`rendered:${m.update}`),
      theme: () => seen.push('theme'),
      png: (m) => seen.push(`png:${m.requestId}`),
      pngFailed: () => seen.push('pngFailed'),
      action: (m) => seen.push(`action:${m.action}`),
      removeModelRequest: (m) => seen.push(`remove:${m.name}`),
      viewChanged: () => seen.push('view'),
    };
    dispatch(handlers, { type: 'action', action: 'addModel' });
    dispatch(handlers, { type: 'png', requestId: 7, dataUrl: '' });
    assert.deepEqual(seen, ['action:addModel', 'png:7']);
  });
});

describe('chart page HTML', () => {
  it('has a strict CSP: nothing by default, styles from the webview source, scripts by nonce only', () => {
    const csp = contentSecurityPolicy('https://webview.source', 'abc');
    assert.equal(csp, "default-src 'none'; style-src https://webview.source; font-src https://webview.source; script-src 'nonce-abc'");
  });

  it('loads its script with the nonce and carries no data', () => {
    const html = chartPageHtml({
      cspSource: 'vscode-resource:',
      nonce: 'n0nce',
      scriptUri: 'https://file/dist/media/chart.js',
      styleUris: ['https://file/dist/media/chart.css'],
    });
    assert.match(html, /<script nonce="n0nce" src="https:\/\/file\/dist\/media\/chart.js"><\/script>/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(html, /tunedModels\//);
  });

  it('makes a fresh 144-bit nonce each time', () => {
    const a = newNonce();
    assert.notEqual(a, newNonce());
    assert.equal(Buffer.from(a, 'base64').length, 18);
  });
});
