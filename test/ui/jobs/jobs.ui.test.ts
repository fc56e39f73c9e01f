// What a person sees of running jobs and of comparisons, in a real workbench (code-server in
// headless Chromium) against a local tuning server started here: three models compared on one
// loss chart, "Run Against Base Model Too", and the status bar while a job trains.
//   node esbuild.mjs --tests && npx mocha --timeout 1800000 --exit out/test/ui/jobs/jobs.ui.test.js
// Screenshots go to test-results/jobs/ (`npm run screenshots` publishes some of them).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { GeminiClient } from '../../../src/core/api/client';
import { startLocalServer, type LocalServer } from '../../../src/server/localServer';
import { repoRoot, testResultsDir } from '../../../tools/vscodeHost/paths';
import { openWorkbench, type Workbench } from '../lossChart/workbench';
import { waitFor } from '../../harness/waitFor';

const shots = path.join(testResultsDir, 'jobs');
const MODELS = ['capitals lr 0.002', 'capitals lr 0.005', 'capitals lr 0.01'];
/** 10 examples in batches of 2: an epoch is 5 steps, so epoch N ends at step 5N. */
const EXAMPLES = Array.from({ length: 10 }, (_, i) => ({ textInput: `${i}`, output: `${i * 2}` }));
const STEPS_PER_EPOCH = 5;
/** Each training step pauses this long, so that a job runs long enough to be watched. */
const STEP_DELAY_MS = 40;
const LONG = 180_000;

function tuningRequest(displayName: string, learningRate: number, epochCount: number) {
  return {
    displayName,
    baseModel: 'models/gemini-1.5-flash-001-tuning',
    tuningTask: { hyperparameters: { epochCount, batchSize: 2, learningRate }, trainingData: { examples: { examples: EXAMPLES } } },
  };
}

describe('jobs UI: three models compared, a comparison with the base model, and the status bar while a job trains', function () {
  this.timeout(30 * 60_000);
  let server: LocalServer;
  let dataDir: string;
  let client: GeminiClient;
  let workbench: Workbench;
  let page: Page;

  before(async () => {
    fs.rmSync(shots, { recursive: true, force: true });
    fs.mkdirSync(shots, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-ui-jobs-'));
    server = await startLocalServer({ dataDir, workerScript: path.join(repoRoot, 'dist', 'trainer-worker.js'), stepDelayMs: STEP_DELAY_MS });
    client = new GeminiClient({ baseUrl: server.url });
    for (const [i, name] of MODELS.entries()) {
      const op = await client.tunedModels.create(tuningRequest(name, [0.002, 0.005, 0.01][i], 20));
      const done = await client.waitForOperation(op, { initialDelayMs: 100, multiplier: 1, maxDelayMs: 200 });
      assert.equal(done.error, undefined, JSON.stringify(done.error));
    }
    workbench = await openWorkbench({ env: { GEMINI_TUNING_LOCAL_SERVER_URL: server.url } });
    page = workbench.page;
  });

  after(async () => {
    await workbench?.close();
    await server?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: path.join(shots, `failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`) }).catch(() => undefined);
    }
  });

  it('compares three models on one chart that stays in view, with epoch labels that never overlap, at the steps that end the epochs', async () => {
    await workbench.runCommand('Gemini Tuning: Compare Loss');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'Choose Models' }).first().waitFor({ timeout: LONG });
    for (const name of MODELS) await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: LONG });
    // The three models are all there is: the box that ticks every listed one picks them.
    await page.locator('.quick-input-widget .quick-input-header .monaco-checkbox').first().click();
    await page.locator('.quick-input-widget .quick-input-count', { hasText: '3 Selected' }).first().waitFor({ timeout: 30_000 });
    await input.press('Enter');
    const frame = workbench.activeWebview();
    for (const name of MODELS) await frame.locator('.model-name', { hasText: name }).waitFor({ timeout: LONG });
    await frame.locator('.epoch-label').first().waitFor({ timeout: 60_000 });
    await frame.locator('.readout-line').nth(2).waitFor({ timeout: 60_000 });

    // The whole chart is inside the editor, with the three header cards above it.
    const layout = await frame.locator('#chart').evaluate((el) => ({ bottom: el.getBoundingClientRect().bottom, height: window.innerHeight }));
    assert.ok(layout.bottom <= layout.height, `the chart ends at ${layout.bottom.toFixed(0)} px, inside the ${layout.height} px editor`);

    // 19 epoch ends fall inside the plot (the 20th is its last step); their labels are thinned to fit.
    const { labels, plot } = await frame.locator('#chart').evaluate(() => {
      const box = (el: Element) => {
        const r = el.getBoundingClientRect();
        return { text: el.textContent ?? '', left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      };
      return { labels: [...document.querySelectorAll('.epoch-label')].map(box), plot: box(document.querySelector('.u-over')!) };
    });
    assert.ok(labels.length >= 2, `epoch labels are drawn: ${JSON.stringify(labels)}`);
    for (const [i, a] of labels.entries()) {
      assert.ok(a.left >= plot.left && a.right <= plot.right, `"${a.text}" is inside the plot`);
      for (const b of labels.slice(i + 1)) {
        const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        assert.ok(!overlap, `"${a.text}" [${a.left.toFixed(1)}–${a.right.toFixed(1)}] overlaps "${b.text}" [${b.left.toFixed(1)}–${b.right.toFixed(1)}]`);
      }
    }

    // Each label stands beside the line at the step that ends its epoch: hovering that line reads
    // step 5N with N epochs complete, and the step before it still N - 1.
    const epochs = labels.map((l) => Number(/^end of epoch (\d+)$/.exec(l.text)?.[1]));
    assert.ok(epochs.every((n) => Number.isInteger(n) && n > 0), `labels read "end of epoch N": ${labels.map((l) => l.text).join(', ')}`);
    const pxPerStep = (labels[1].left - labels[0].left) / ((epochs[1] - epochs[0]) * STEPS_PER_EPOCH);
    const over = frame.locator('.u-over');
    const readAt = async (x: number): Promise<{ step: number; epoch: number }> => {
      await over.hover({ position: { x, y: 60 } });
      const line = frame.locator('.readout-line').first();
      let text = '';
      await waitFor(
        async () => {
          text = (await line.textContent()) ?? '';
          return /step \d+ · epoch \d+/.test(text) && !(await frame.locator('.readout-hint').isVisible());
        },
        () => `the readout shows the hovered step (last: "${text}")`,
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      const [, step, epoch] = /step (\d+) · epoch (\d+)/.exec(text)!;
      return { step: Number(step), epoch: Number(epoch) };
    };
    for (const [i, label] of labels.entries()) {
      // A label starts 3 px right of its line.
      const lineX = label.left - plot.left - 3;
      assert.deepEqual(await readAt(lineX), { step: epochs[i] * STEPS_PER_EPOCH, epoch: epochs[i] }, `the line of "${label.text}"`);
      assert.deepEqual(await readAt(lineX - pxPerStep), { step: epochs[i] * STEPS_PER_EPOCH - 1, epoch: epochs[i] - 1 }, `the step before "${label.text}"`);
    }

    // On a log axis, where these losses are far apart, for the picture.
    await frame.locator('#logScale').check();
    await frame.locator('#chart[aria-label*="(log scale)"]').waitFor({ timeout: 60_000 });
    await page.mouse.move(5, 5);
    await page.locator('.part.editor').screenshot({ path: path.join(shots, 'chart-three-models.png') });
  });

  it('"Run Against Base Model Too" shows both answers in aligned columns, each with its token statistics', async () => {
    await workbench.runCommand('Gemini Tuning: Open in Prompt Notebook');
    const input = page.locator('.quick-input-widget input');
    await input.fill(MODELS[0]);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: MODELS[0] }).first();
    await row.waitFor({ timeout: LONG });
    await input.press('Enter');
    const cell = page.locator('.notebookOverlay .monaco-list-row.code-cell-row').first();
    await cell.waitFor({ timeout: LONG });
    await cell.locator('.monaco-editor').click();
    await page.keyboard.type('3');
    // From the Command Palette, on the selected cell (Escape leaves its editor, keeping it selected).
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const palette = page.locator('.quick-input-widget input');
    await palette.waitFor({ timeout: 20_000 });
    await palette.fill('>Gemini Tuning: Run Against Base Model Too');
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Run Against Base Model Too' }).first().waitFor({ timeout: 60_000 });
    await palette.press('Enter');

    const output: FrameLocator = workbench.activeWebview();
    const table = output.locator('table.comparison');
    await table.waitFor({ timeout: LONG });
    await output.locator('table.comparison tr.stats td').nth(1).waitFor();
    // Where each cell's text begins on screen, row by row.
    const rows = await table.evaluate((t) =>
      [...t.querySelectorAll('tr')].map((tr) =>
        [...tr.querySelectorAll('th, td')].map((cell) => {
          const range = document.createRange();
          range.selectNodeContents(cell);
          const text = range.getClientRects()[0] ?? cell.getBoundingClientRect();
          const box = cell.getBoundingClientRect();
          return { text: cell.textContent ?? '', textLeft: text.left, textTop: text.top, left: box.left, width: box.width };
        }),
      ),
    );
    await page.locator('.part.editor').screenshot({ path: path.join(shots, 'notebook-comparison.png') });
    assert.equal(rows.length, 3, `a header, an answer and a statistics row: ${JSON.stringify(rows)}`);
    for (const column of [0, 1]) {
      const cells = rows.map((r) => r[column]);
      for (const c of cells) {
        assert.ok(Math.abs(c.left - cells[0].left) < 1 && Math.abs(c.width - cells[0].width) < 1, `column ${column + 1} is one straight column: ${JSON.stringify(cells)}`);
        assert.ok(Math.abs(c.textLeft - cells[0].textLeft) < 1.5, `column ${column + 1}'s texts start at one left edge: ${JSON.stringify(cells)}`);
      }
    }
    assert.ok(Math.abs(rows[0][0].width - rows[0][1].width) < 2, 'the two columns are equally wide');
    for (const r of rows) assert.ok(Math.abs(r[0].textTop - r[1].textTop) < 1.5, `both sides of a row start at one height: ${JSON.stringify(r)}`);
    assert.match(rows[0][0].text, /^Tuned · tunedModels\//);
    assert.match(rows[0][1].text, /^Base · models\//);
    for (const stats of rows[2]) assert.match(stats.text, /^\d+ → \d+ tokens · first token \d+ ms · /, 'each side has its tokens and timings');

    // The cell's status bar carries both sides' statistics too.
    for (const side of ['tuned', 'base']) {
      await cell.locator('.cell-status-item', { hasText: new RegExp(`^\\s*${side} \\d+ → \\d+ tokens`) }).first().waitFor({ timeout: 30_000 });
    }
  });

  it('shows running jobs, their percent and the time left in the status bar, and the same in the tree tooltip', async () => {
    // 10 examples × 80 epochs ÷ batch 2 = 400 steps.
    const op = await client.tunedModels.create(tuningRequest('long job', 0.005, 80));
    // Created outside the editor, as from another window: a refresh lists it, and the store then follows it.
    await workbench.runCommand('Gemini Tuning: Refresh Tuned Models');
    const statusItem = page.locator('.statusbar .statusbar-item', { hasText: /tuning job/ }).first();
    const shown = /^1 tuning job · (\d+)% · ETA (?:(\d+)m )?(\d+)s$/;
    let text = '';
    // Read once a tenth of the job is done: the pace of the first steps includes warm-up.
    await waitFor(
      async () => {
        text = ((await statusItem.textContent().catch(() => '')) ?? '').trim();
        const match = shown.exec(text);
        return match !== null && Number(match[1]) >= 10;
      },
      () => `the status bar shows jobs running, percent and ETA (last: "${text}")`,
      { timeoutMs: LONG, intervalMs: 250 },
    );
    const readAt = Date.now();
    const match = shown.exec(text)!;
    const etaSeconds = Number(match[2] ?? 0) * 60 + Number(match[3]);
    const progress = await client.operations.get(op.name!);
    const total = progress.metadata!.totalSteps!;
    const done = progress.metadata!.completedSteps ?? 0;
    assert.ok(Math.abs(Number(match[1]) - (100 * done) / total) <= 25, `${match[1]}% is near ${done} of ${total} steps`);

    // Its tooltip lists the job with its pace and time left.
    // Its tooltip lists the job with its pace and time left.
    await statusItem.hover();
    const hover = page.locator('.monaco-hover:visible, .workbench-hover:visible', { hasText: 'long job' }).first();
    await hover.waitFor({ timeout: 30_000 });
    assert.match((await hover.textContent()) ?? '', /long job: step \d+ of 400 \(\d+%\), [\d.]+ s\/step, (about [\dms ]+ left|finishing)/);
    await page.screenshot({ path: path.join(shots, 'status-bar-eta.png'), clip: await statusBarClip(page) });
    await page.mouse.move(10, 10);

    // The tree row's tooltip says the time left as well.
    await showView(page);
    const modelRow = page.locator('.part.sidebar .monaco-list-row', { hasText: 'long job' }).first();
    await modelRow.waitFor({ timeout: LONG });
    await modelRow.hover();
    const treeHover = page.locator('.monaco-hover:visible, .workbench-hover:visible', { hasText: 'Time left' }).first();
    await treeHover.waitFor({ timeout: 30_000 });
    assert.match((await treeHover.textContent()) ?? '', /Time left: (about [\dms ]+ left|finishing|estimating)/);

    // The estimate came true: the job ended about when the status bar said it would.
    await client.waitForOperation(op, { initialDelayMs: 200, multiplier: 1, maxDelayMs: 250 });
    const actualSeconds = (Date.now() - readAt) / 1000;
    console.log(`      status bar: "${text}"; the job ended ${actualSeconds.toFixed(1)} s later`);
    assert.ok(Math.abs(etaSeconds - actualSeconds) <= Math.max(10, actualSeconds * 0.5), `the ETA ${etaSeconds} s is near the ${actualSeconds.toFixed(1)} s the job took`);
    // Once the job is done, the item goes away.
    await statusItem.waitFor({ state: 'detached', timeout: LONG });
  });
});

/** The bottom right of the window: the status bar and the hover above it. */
async function statusBarClip(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  const viewport = page.viewportSize() ?? { width: 1400, height: 900 };
  return { x: 0, y: viewport.height - 260, width: Math.min(900, viewport.width), height: 260 };
}

async function showView(page: Page): Promise<void> {
  const sidebar: Locator = page.locator('.part.sidebar');
  const item = page.locator('.activitybar .action-item', { has: page.locator('[aria-label^="Gemini Tuning"]') }).first();
  const shown = (await item.getAttribute('class'))?.split(' ').includes('checked') && (await sidebar.isVisible());
  if (!shown) await item.click();
  await sidebar.locator('.composite.title', { hasText: /Gemini Tuning/i }).first().waitFor({ timeout: 60_000 });
}
