// UI test of the loss chart in a real workbench (code-server in headless Chromium), against a
// local tuning server started here with two trained models.
//   node esbuild.mjs --tests && npx mocha --timeout 600000 out/test/ui/lossChart/chart.ui.test.js
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Request } from 'playwright-core';
import { GeminiClient } from '../../../src/core/api/client';
import { startLocalServer, type LocalServer } from '../../../src/server/localServer';
import { repoRoot, testResultsDir } from '../../../tools/vscodeHost/paths';
import { openWorkbench, type Workbench } from './workbench';

const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
const PLAIN_NAME = 'ui chart model';

async function trainModel(client: GeminiClient, displayName: string): Promise<string> {
  const op = await client.tunedModels.create({
    displayName,
    baseModel: 'models/gemini-1.5-flash-001-tuning',
    tuningTask: {
      hyperparameters: { epochCount: 3, batchSize: 2, learningRate: 0.01 },
      trainingData: { examples: { examples: Array.from({ length: 10 }, (_, i) => ({ textInput: `${i}`, output: `${i * 2}` })) } },
    },
  });
  const done = await client.waitForOperation(op, { initialDelayMs: 100, multiplier: 1, maxDelayMs: 200 });
  assert.equal(done.error, undefined, JSON.stringify(done.error));
  const name = op.metadata?.tunedModel ?? op.name?.split('/operations/')[0];
  assert.ok(name);
  return name;
}

/** Opens the chart through the Command Palette and the model quick pick, as a person would. */
async function openChart(workbench: Workbench, displayName: string): Promise<FrameLocator> {
  await workbench.runCommand('Gemini Tuning: Open Loss Chart');
  const input = workbench.page.locator('.quick-input-widget input');
  await workbench.page.locator('.quick-input-widget[aria-label*="Open Loss Chart"], .quick-input-widget .quick-input-title', { hasText: 'Open Loss Chart' }).first().waitFor({ timeout: 180_000 });
  await input.fill(displayName);
  // The model list appears once the extension host has activated the extension and listed the models.
  const row = workbench.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: displayName }).first();
  await row.waitFor({ timeout: 180_000 });
  await input.press('Enter');
  const frame = workbench.activeWebview();
  await frame.locator('.model-name', { hasText: displayName }).waitFor({ timeout: 180_000 });
  await frame.locator('#chart canvas').waitFor({ timeout: 60_000 });
  return frame;
}

describe('chart UI: the loss chart in a real workbench', function () {
  this.timeout(10 * 60_000);
  let server: LocalServer;
  let dataDir: string;
  let workbench: Workbench;
  const dialogs: string[] = [];
  const requests: string[] = [];

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-ui-server-'));
    server = await startLocalServer({ dataDir, workerScript: path.join(repoRoot, 'dist', 'trainer-worker.js'), stepDelayMs: 0 });
    const client = new GeminiClient({ baseUrl: server.url });
    await trainModel(client, PLAIN_NAME);
    await trainModel(client, HOSTILE_NAME);
    workbench = await openWorkbench({ env: { GEMINI_TUNING_LOCAL_SERVER_URL: server.url } });
    workbench.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    workbench.page.on('request', (request: Request) => requests.push(request.url()));
  });

  after(async () => {
    await workbench?.close();
    await server?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens the chart of a trained model and draws its curve', async () => {
    const frame = await openChart(workbench, PLAIN_NAME);
    await frame.locator('.readout-line').first().waitFor();
    fs.mkdirSync(testResultsDir, { recursive: true });
    await workbench.page.screenshot({ path: path.join(testResultsDir, 'chart-ui.png') });

    const canvas = await frame.locator('#chart canvas').evaluate((element) => {
      const c = element as HTMLCanvasElement;
      const ctx = c.getContext('2d');
      if (!ctx) return { width: 0, variance: 0, distinct: 0 };
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      let sum = 0;
      let sumSq = 0;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        const v = data[i] + data[i + 1] + data[i + 2] + data[i + 3];
        sum += v;
        sumSq += v * v;
        if (colours.size < 64) colours.add((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]);
      }
      const n = data.length / 4;
      return { width: c.width, variance: sumSq / n - (sum / n) ** 2, distinct: colours.size };
    });
    assert.ok(canvas.width > 200, `the canvas has a real size (${canvas.width}px)`);
    assert.ok(canvas.variance > 100, `the canvas is not blank (pixel variance ${canvas.variance.toFixed(1)})`);
    assert.ok(canvas.distinct >= 3, `axes, grid and curve use several colours (${canvas.distinct})`);

    // The header says what was trained.
    await frame.locator('dd', { hasText: '3 epochs' }).waitFor();
    await frame.locator('.state', { hasText: 'ACTIVE' }).waitFor();
  });

  it('comes back after a real window reload, with its model and its log-scale setting', async () => {
    let frame = await openChart(workbench, PLAIN_NAME);
    const logScale = frame.locator('#logScale');
    await logScale.check();
    // The page saves its state (models and view) with setState; wait until the chart is redrawn on a log axis.
    await frame.locator('#chart[aria-label*="(log scale)"]').waitFor({ timeout: 60_000 });

    // VS Code's own reload: the workbench shuts down (saving its editors and their webview state) and loads again.
    const reloaded = workbench.page.waitForEvent('framenavigated', { predicate: (f) => f === workbench.page.mainFrame(), timeout: 120_000 });
    await workbench.runCommand('Developer: Reload Window');
    await reloaded;
    await workbench.page.locator('.monaco-workbench').waitFor({ timeout: 240_000 });
    // The editor comes back first; the extension's serializer then fills the restored webview.
    frame = workbench.activeWebview();
    await frame.locator('.model-name', { hasText: PLAIN_NAME }).waitFor({ timeout: 240_000 });
    await frame.locator('#chart canvas').waitFor({ timeout: 60_000 });
    assert.equal(await frame.locator('#logScale').isChecked(), true, 'the log scale setting survived the reload');
    assert.match((await frame.locator('#chart').getAttribute('aria-label')) ?? '', /\(log scale\)/);
    await frame.locator('.readout-line').first().waitFor();
  });

  it('shows a hostile model name as literal text, and nothing in it runs', async () => {
    const frame = await openChart(workbench, HOSTILE_NAME);
    const title = frame.locator('.model-name', { hasText: HOSTILE_NAME });
    assert.equal(await title.textContent(), HOSTILE_NAME);
    assert.equal(await frame.locator('img').count(), 0, 'no <img> element was created from the name');
    const legend = await frame.locator('#chart').getAttribute('aria-label');
    assert.ok(legend?.includes(HOSTILE_NAME), 'the name reaches the accessible label as text');

    // Markup parsed from the name would be in the DOM by now, as the name is shown: no frame of the
    // window holds an element that could run it (an <img src=x>, an inline handler calling alert).
    const frames = await Promise.all(
      workbench.page.frames().map((f) =>
        f
          .evaluate((name) => ({
            showsName: document.body?.textContent?.includes(name) ?? false,
            runnable: [...document.querySelectorAll('*')]
              .filter((e) => (e.tagName === 'IMG' && e.getAttribute('src') === 'x') || [...e.attributes].some((a) => a.name.startsWith('on') && a.value.includes('alert(')))
              .map((e) => e.outerHTML.slice(0, 120)),
          }), HOSTILE_NAME)
          .catch(() => ({ showsName: false, runnable: [] as string[] })),
      ),
    );
    assert.ok(frames.some((f) => f.showsName), 'the frame that shows the name was searched');
    assert.deepEqual(frames.flatMap((f) => f.runnable), [], 'no element built from the name can run anything');
    assert.deepEqual(dialogs, [], 'no dialog opened');
    const toX = requests.filter((url) => /\/x(\?|$)/.test(new URL(url).pathname + new URL(url).search));
    assert.deepEqual(toX, [], 'no request was made for the image source "x"');
  });
});
