// The loss chart page outside VS Code: the panel's own HTML and CSP, the built dist/media files,
// and a stand-in for `acquireVsCodeApi` that records what the page posts. Used by the benchmark
// and the page-level checks; the UI test drives the real panel in code-server.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chartPageHtml } from '../../../src/core/lossChart/webviewHtml';
import type { ChartModel } from '../../../src/core/lossChart/protocol';
import type { ModelHeader } from '../../../src/core/lossChart/modelHeader';
import type { LossPoint } from '../../../src/core/lossChart/snapshots';

export const HARNESS_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

const STUB = `
window.__chart = { messages: [], state: undefined, waiters: [] };
window.acquireVsCodeApi = function () {
  return {
    postMessage: function (m) {
      window.__chart.messages.push(m);
      var waiters = window.__chart.waiters.splice(0);
      for (var i = 0; i < waiters.length; i++) waiters[i](m);
    },
    getState: function () { return window.__chart.state; },
    setState: function (s) { window.__chart.state = s; },
  };
};`;

/** Writes the chart page (theme variables of VS Code's Dark Modern) to a temp folder; returns its file URL. */
export function writeChartPage(repoRoot: string, theme: 'dark' | 'light' = 'dark'): { url: string; dir: string } {
  const media = path.join(repoRoot, 'dist', 'media');
  for (const file of ['chart.js', 'chart.css', 'uPlot.min.css']) {
    if (!fs.existsSync(path.join(media, file))) throw new Error(`${file} is missing in dist/media: run node esbuild.mjs first`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loss-chart-page-'));
  const nonce = 'harnessNonce0123456789';
  const uri = (file: string) => pathToFileURL(path.join(media, file)).toString();
  let html = chartPageHtml({ cspSource: 'file:', nonce, scriptUri: uri('chart.js'), styleUris: [uri('uPlot.min.css'), uri('chart.css')] });
  const variables = theme === 'dark' ? DARK_VARIABLES : LIGHT_VARIABLES;
  // VS Code puts the theme variables on <html style> and the kind on <body class>; so does this page.
  html = html
    .replace('<html lang="en">', `<html lang="en" style="${variables}">`)
    .replace('<body>', `<body class="vscode-${theme}">`)
    .replace(`<script nonce="${nonce}" src=`, `<script nonce="${nonce}">${STUB}</script>\n    <script nonce="${nonce}" src=`);
  const file = path.join(dir, 'chart.html');
  fs.writeFileSync(file, html);
  return { url: pathToFileURL(file).toString(), dir };
}

const DARK_VARIABLES = [
  '--vscode-font-family: sans-serif',
  '--vscode-font-size: 13px',
  '--vscode-editor-font-family: monospace',
  '--vscode-foreground: #cccccc',
  '--vscode-editor-foreground: #cccccc',
  '--vscode-editor-background: #1f1f1f',
  '--vscode-descriptionForeground: #9d9d9d',
  '--vscode-errorForeground: #f85149',
  '--vscode-charts-lines: rgba(204, 204, 204, 0.5)',
  '--vscode-charts-blue: #3794ff',
  '--vscode-charts-orange: #d18616',
  '--vscode-charts-green: #89d185',
  '--vscode-charts-purple: #b180d7',
  '--vscode-charts-red: #f14c4c',
  '--vscode-charts-yellow: #cca700',
  '--vscode-badge-background: #616161',
  '--vscode-badge-foreground: #f8f8f8',
  '--vscode-button-secondaryBackground: #313131',
  '--vscode-button-secondaryForeground: #cccccc',
  '--vscode-panel-border: #2b2b2b',
  '--vscode-sideBar-background: #181818',
  '--vscode-textLink-foreground: #4daafc',
  '--vscode-textBlockQuote-background: #2b2b2b',
].join('; ');

const LIGHT_VARIABLES = [
  '--vscode-font-family: sans-serif',
  '--vscode-font-size: 13px',
  '--vscode-editor-font-family: monospace',
  '--vscode-foreground: #3b3b3b',
  '--vscode-editor-foreground: #3b3b3b',
  '--vscode-editor-background: #ffffff',
  '--vscode-descriptionForeground: #717171',
  '--vscode-errorForeground: #f85149',
  '--vscode-charts-lines: rgba(59, 59, 59, 0.5)',
  '--vscode-charts-blue: #1a85ff',
  '--vscode-charts-orange: #d18616',
  '--vscode-charts-green: #388a34',
  '--vscode-charts-purple: #652d90',
  '--vscode-charts-red: #e51400',
  '--vscode-charts-yellow: #bf8803',
].join('; ');

/** A plausible training curve: loss decaying with noise, `epochs` epochs over `steps` steps. */
export function syntheticModel(steps: number, options: Partial<ModelHeader> & { epochs?: number; seed?: number } = {}): ChartModel {
  const epochs = options.epochs ?? 5;
  let seed = options.seed ?? 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const start = Date.UTC(2026, 10, 21, 15, 0, 0);
  const points: LossPoint[] = [];
  for (let i = 1; i <= steps; i++) {
    const progress = i / steps;
    const loss = 0.15 + 2.4 * Math.exp(-4 * progress) + (random() - 0.5) * 0.25 * (1 - progress * 0.6);
    points.push({ step: i, epoch: Math.floor((i * epochs) / steps), loss, computeTimeMs: start + i * 850 });
  }
  const { epochs: _e, seed: _s, ...header } = options;
  return {
    header: {
      name: 'tunedModels/number-generator-wl1qr34x2py',
      displayName: 'number generator',
      state: 'ACTIVE',
      baseModel: 'models/gemini-1.5-flash-001-tuning',
      epochCount: epochs,
      batchSize: 4,
      learningRate: 0.001,
      totalSteps: steps,
      startTime: new Date(start).toISOString(),
      completeTime: new Date(start + steps * 850 + 400).toISOString(),
      ...header,
    },
    points,
  };
}
