import * as assert from 'node:assert/strict';
import { chartPageHtml, contentSecurityPolicy, newNonce } from '../../../src/core/lossChart/webviewHtml';
import {
  DEFAULT_VIEW,
  dispatch,
  fromWire,
  isPersistedChartState,
  packColumns,
  parseFromWebview,
  parseToWebview,
  toScanned,
  unpackColumns,
  type FromWebviewMessage,
  type MessageHandlers,
} from '../../../src/core/lossChart/protocol';
import { scanPacked, type LossPoint } from '../../../src/core/lossChart/series';

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
  const header = { name: 'tunedModels/a', displayName: 'a', state: 'ACTIVE' };
  const points = packColumns([
    { step: 1, epoch: 1, loss: null, computeTimeMs: null },
    { step: 2, epoch: 1, loss: 0.5, computeTimeMs: 1_700_000_000_000 },
  ]);

  it('sends points as typed columns, NaN for a missing value, and reads them back unchanged', () => {
    assert.ok(points.step instanceof Float64Array && points.loss instanceof Float64Array);
    assert.deepEqual([...points.step], [1, 2]);
    assert.deepEqual([...points.epoch], [1, 1]);
    assert.deepEqual([...points.loss], [Number.NaN, 0.5]);
    assert.deepEqual([...points.computeTimeMs], [Number.NaN, 1_700_000_000_000]);
    assert.deepEqual(unpackColumns(points), [
      { step: 1, epoch: 1, loss: null, computeTimeMs: null },
      { step: 2, epoch: 1, loss: 0.5, computeTimeMs: 1_700_000_000_000 },
    ]);
    assert.deepEqual(unpackColumns(packColumns([])), []);
  });

  it('sends the scan of the columns along: order, gaps and epoch boundaries', () => {
    const scanned = toScanned([
      { step: 1, epoch: 1, loss: 2, computeTimeMs: null },
      { step: 2, epoch: 2, loss: null, computeTimeMs: null },
      { step: 3, epoch: 2, loss: 1, computeTimeMs: null },
    ]);
    assert.deepEqual(scanned.scan, { wellFormed: true, ascending: true, lossesFinite: false, lossesPositive: false, boundaries: [{ step: 2, epoch: 2 }] });
  });

  it('accepts data messages and rejects columns that are not typed, of unequal length, or without a sound scan', () => {
    const { scan } = toScanned([]);
    const good = toScanned([
      { step: 1, epoch: 1, loss: null, computeTimeMs: null },
      { step: 2, epoch: 1, loss: 0.5, computeTimeMs: 1_700_000_000_000 },
    ]);
    assert.ok(parseToWebview({ type: 'setModels', models: [{ header, ...good }] }));
    assert.ok(parseToWebview({ type: 'appendPoints', name: 'tunedModels/a', ...good, header }));
    const bad = (change: Record<string, unknown>, scanChange: Record<string, unknown> = {}) =>
      parseToWebview({ type: 'appendPoints', name: 'tunedModels/a', points: { ...good.points, ...change }, scan: { ...good.scan, ...scanChange }, firstEpoch: 1, header });
    assert.ok(bad({}), 'the unchanged message passes, so each rejection below is for its own change');
    assert.equal(bad({ step: [1, 2] }), undefined, 'plain arrays are not the wire format');
    assert.equal(bad({ step: new Float32Array([1, 2]) }), undefined, 'only Float64Array');
    assert.equal(bad({ loss: new Float64Array([1]) }), undefined, 'columns of unequal length');
    assert.equal(bad({}, { wellFormed: false }), undefined, 'columns the extension found malformed');
    assert.equal(bad({}, { ascending: 'yes' }), undefined);
    assert.equal(bad({}, { boundaries: [{ step: 'x', epoch: 1 }] }), undefined);
    assert.equal(bad({}, { boundaries: [{ step: 1, epoch: 1 }, { step: 2, epoch: 2 }, { step: 3, epoch: 3 }] }), undefined, 'more boundaries than points');
    assert.equal(parseToWebview({ type: 'appendPoints', name: 'tunedModels/a', points: good.points, header }), undefined, 'no scan');
    assert.equal(parseToWebview({ type: 'appendPoints', name: 'tunedModels/a', points: [{ step: 1, epoch: 1, loss: 1, computeTimeMs: null }], scan, header }), undefined);
    assert.equal(parseToWebview({ type: 'setModels', models: [{ header: { ...header, state: 'DONE' }, points: packColumns([]), scan }] }), undefined);
    assert.equal(parseToWebview({ type: 'requestPng' }), undefined);
    assert.equal(parseToWebview({ type: 'appendPoints', name: 'tunedModels/a', points: good.points, scan: good.scan, header }), undefined, 'no first epoch');
    assert.equal(bad({}, { ascending: false }), undefined, 'the epoch column stays behind only for ascending steps');
    assert.equal(bad({ epoch: new Float64Array([1]) }), undefined, 'an epoch column of the wrong length');
    assert.ok(bad({ epoch: new Float64Array([1, 1]) }), 'an epoch column may come along');
  });

  it('leaves the epoch column behind for ascending steps and rebuilds it from the boundaries', () => {
    const points: LossPoint[] = [
      { step: 1, epoch: 1, loss: 2, computeTimeMs: null },
      { step: 2, epoch: 1, loss: 1.5, computeTimeMs: null },
      { step: 4, epoch: 2, loss: 1, computeTimeMs: 5 },
      { step: 5, epoch: 2, loss: 0.9, computeTimeMs: 6 },
      { step: 7, epoch: 4, loss: 0.8, computeTimeMs: 7 },
    ];
    const scanned = toScanned(points);
    assert.equal(scanned.points.epoch, undefined, 'only steps, losses and compute times cross');
    assert.equal(scanned.firstEpoch, 1);
    const message = parseToWebview({ type: 'appendPoints', name: 'tunedModels/a', ...scanned, header });
    assert.ok(message && message.type === 'appendPoints');
    const columns = fromWire(message);
    assert.deepEqual([...columns.epoch], [1, 1, 2, 2, 4]);
    assert.deepEqual(unpackColumns(columns), points);
    assert.equal(scanPacked(columns), scanned.scan, 'the scan that came along is kept with the rebuilt columns');
    assert.deepEqual([...fromWire(toScanned([])).epoch], []);

    // Unordered steps carry their epoch column: boundaries found in arrival order do not describe it.
    const unordered = toScanned([points[2], points[0]]);
    assert.ok(unordered.points.epoch instanceof Float64Array);
    assert.deepEqual([...fromWire(unordered).epoch], [2, 1]);
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
