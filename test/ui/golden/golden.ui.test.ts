// The golden path in a real workbench (code-server in headless Chromium, fresh profile, a fresh
// copy of the demo workspace, the local backend): everything is done by clicking and typing.
//   node esbuild.mjs --tests && npx mocha --timeout 1800000 out/test/ui/golden/golden.ui.test.js
// Screenshots go to test-results/golden/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { startLocalServer, type LocalServer } from '../../../src/server/localServer';
import { repoRoot, testResultsDir } from '../../../tools/vscodeHost/paths';
import { openWorkbench, type Workbench } from '../lossChart/workbench';
import { waitFor } from '../../harness/waitFor';

const SPEC_FILE = 'capitals.tuning.yaml';
const MODEL = 'Capital cities';
const RENAMED = 'Capital cities (renamed)';
const shots = path.join(testResultsDir, 'golden');
/**
 * The summary lens of the demo spec, worked out by hand: 40 examples in capitals.examples.jsonl,
 * 20 epochs of batches of 4 → 40 × 20 / 4 = 200 steps, and learningRateMultiplier 1.0 × the
 * base model's 0.001.
 */
const DEMO_SUMMARY = '40 examples · 20 epochs · batch 4 · → 200 steps · LR 0.001';
/** The first line of capitals.examples.jsonl: an input the trained model must answer as taught. */
const TRAINED_EXAMPLE = { textInput: 'France', output: 'Paris' };

/** Waits for generous limits: the machine may be shared and slow. */
const LONG = 180_000;
const TRAINING = 15 * 60_000;

interface TreeRow {
  text: string;
  level: number;
}

describe('golden path: from the demo spec to a streamed answer, in a real workbench', function () {
  this.timeout(30 * 60_000);
  let server: LocalServer;
  let dataDir: string;
  let workbench: Workbench;
  let page: Page;

  before(async () => {
    fs.rmSync(shots, { recursive: true, force: true });
    fs.mkdirSync(shots, { recursive: true });
    // The local tuning server, with fault injection so that a stream can be slowed for the cancel step.
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-golden-server-'));
    server = await startLocalServer({ dataDir, workerScript: path.join(repoRoot, 'dist', 'trainer-worker.js'), faultInjection: true });
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
      await page.screenshot({ path: path.join(shots, `failed-${slug(this.currentTest.title)}.png`) }).catch(() => undefined);
    }
  });

  const sidebar = (): Locator => page.locator('.part.sidebar');

  /** Shows the Gemini Tuning view; its activity bar icon hides the side bar when already shown. */
  async function showView(): Promise<void> {
    const item = page.locator('.activitybar .action-item', { has: page.locator('[aria-label^="Gemini Tuning"]') }).first();
    const shown = (await item.getAttribute('class'))?.split(' ').includes('checked') && (await sidebar().isVisible());
    if (!shown) await item.click();
    await sidebar().locator('.composite.title', { hasText: /Gemini Tuning/i }).first().waitFor({ timeout: 60_000 });
  }
  const modelRow = (label: string): Locator => sidebar().locator('.monaco-list-row', { hasText: label }).first();

  /** The rows of the Tuned Models tree, in order, with their depth. */
  async function treeRows(): Promise<TreeRow[]> {
    return sidebar()
      .locator('.monaco-list-row')
      .evaluateAll((rows) => rows.map((r) => ({ text: (r.textContent ?? '').trim(), level: Number(r.getAttribute('aria-level') ?? '0') })));
  }

  /** The group ("Creating", "Active", "Failed") the first row with `label` sits under. */
  async function groupOf(label: string): Promise<string | undefined> {
    const rows = await treeRows();
    const index = rows.findIndex((r) => r.level > 1 && r.text.includes(label));
    if (index < 0) return undefined;
    for (let i = index - 1; i >= 0; i--) if (rows[i].level < rows[index].level) return rows[i].text;
    return undefined;
  }

  async function waitForGroup(label: string, group: RegExp, timeout: number): Promise<void> {
    let last: string | undefined;
    let rows: TreeRow[] = [];
    await waitFor(
      async () => {
        rows = await treeRows();
        last = await groupOf(label);
        return last !== undefined && group.test(last);
      },
      () => `"${label}" under ${group} (last seen under ${last ?? 'nothing'}): ${JSON.stringify(rows)}`,
      { timeoutMs: timeout, intervalMs: 250 },
    );
  }

  async function inlineAction(row: Locator, title: string): Promise<void> {
    await row.hover();
    await row.locator(`.actions .action-label[aria-label^="${title}"]`).click();
  }

  async function contextMenu(row: Locator, item: string): Promise<void> {
    const menu = page.locator('.context-view .monaco-menu');
    if (await menu.isVisible()) await page.keyboard.press('Escape');
    await row.click({ button: 'right' });
    const entry = menu.locator('.action-item', { hasText: item }).first();
    await entry.click();
    // A click that lands while the menu is still settling only highlights the entry.
    const closed = await menu.waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false);
    if (!closed) {
      await entry.hover();
      await page.keyboard.press('Enter');
      await menu.waitFor({ state: 'hidden', timeout: 10_000 });
    }
  }

  async function goToLine(line: number): Promise<void> {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 20_000 });
    await input.fill(`:${line}`);
    await input.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 20_000 });
  }

  const codeLens = (text: string): Locator => page.locator('.editor-instance .codelens-decoration', { hasText: text }).first();
  const markers = (): Locator => page.locator('.markers-panel .monaco-list-row');
  const codeCells = (): Locator => page.locator('.notebookOverlay .monaco-list-row.code-cell-row');
  const notebookOutputs = (): FrameLocator => workbench.activeWebview();

  /** Clicks the ▷ beside a cell (it turns into ■ while the cell runs). */
  async function runCell(index: number): Promise<void> {
    const cell = codeCells().nth(index);
    await cell.hover();
    await cell.locator('.run-button-container .codicon-notebook-execute').first().click();
  }

  /** Adds a code cell with "+ Code" in the notebook toolbar and types `text` into it. */
  async function addCell(index: number, text: string): Promise<void> {
    await page.locator('.notebookOverlay .notebook-toolbar-container .action-item', { hasText: /^\s*Code\s*$/ }).first().click();
    await codeCells().nth(index).waitFor({ timeout: 30_000 });
    await codeCells().nth(index).locator('.monaco-editor').click();
    await page.keyboard.type(text);
  }

  it('1. the Gemini Tuning view welcomes a new user with a way to create a spec', async () => {
    await showView();
    const welcome = sidebar().locator('.welcome-view-content', { hasText: 'No tuned models yet' });
    await welcome.waitFor({ timeout: LONG });
    // The offer works: it asks for the new spec's name (Escape leaves the workspace as it was).
    await welcome.locator('.monaco-button', { hasText: 'New Tuning Spec' }).click();
    const asked = page.locator('.quick-input-widget', { hasText: 'New Tuning Spec' });
    await asked.waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    await asked.waitFor({ state: 'hidden', timeout: 30_000 });
  });

  it('2. the demo spec shows its training summary; a typed error reaches Problems and clears when fixed', async () => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 20_000 });
    await input.fill(SPEC_FILE);
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: SPEC_FILE }).waitFor({ timeout: 60_000 });
    await input.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: SPEC_FILE }).waitFor({ timeout: 60_000 });

    // The summary lens: examples, epochs, batch, steps and learning rate as the backend will run them.
    await codeLens(DEMO_SUMMARY).waitFor({ timeout: LONG });

    // Make epochCount negative, as a person editing the spec might.
    const lines = fs.readFileSync(path.join(workbench.workspace, SPEC_FILE), 'utf8').split('\n');
    const epochLine = lines.findIndex((l) => /^\s+epochCount:\s*\d+\s*$/.test(l));
    assert.ok(epochLine >= 0, 'the demo spec sets epochCount');
    const epochs = lines[epochLine].split(':')[1].trim();
    await goToLine(epochLine + 1);
    await page.keyboard.press('End');
    for (let i = 0; i < epochs.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('-3');

    await page.keyboard.press('Control+Shift+M');
    const problem = markers().filter({ has: page.locator('.codicon-error') }).filter({ hasText: /epochCount|minimum|at least|-3/ }).first();
    await problem.waitFor({ timeout: LONG });
    await codeLens('1 error').waitFor({ timeout: LONG });

    // Fix it: the problem goes away and the summary is back.
    await page.locator('.editor-instance .monaco-editor textarea').first().focus();
    await goToLine(epochLine + 1);
    await page.keyboard.press('End');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type(epochs);
    await markers().filter({ has: page.locator('.codicon-error') }).first().waitFor({ state: 'detached', timeout: LONG });
    await codeLens(DEMO_SUMMARY).waitFor({ timeout: LONG });
    // Save so that the spec on disk is the one the lens describes.
    await page.keyboard.press('Control+S');
    await page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('3. "Create tuned model" shows the model under Creating with progress, then under Active', async () => {
    await codeLens('Create tuned model').locator('a', { hasText: 'Create tuned model' }).click();
    await showView();
    // Progress is the percentage in the row's description.
    await sidebar().locator('.monaco-list-row', { hasText: MODEL }).filter({ hasText: /\d+%/ }).first().waitFor({ timeout: LONG });
    assert.match((await groupOf(MODEL)) ?? '', /Creating/);
    await page.screenshot({ path: path.join(shots, '3-creating.png') });

    // No refresh: the tree follows the model to Active by itself.
    await waitForGroup(MODEL, /Active/, TRAINING);
    await modelRow(MODEL).locator('.codicon-pass').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(shots, '3-active.png') });
  });

  it('4. its loss chart is drawn', async () => {
    await inlineAction(modelRow(MODEL), 'Open Loss Chart');
    const frame = workbench.activeWebview();
    await frame.locator('.model-name', { hasText: MODEL }).waitFor({ timeout: LONG });
    await frame.locator('#chart canvas').waitFor({ timeout: 60_000 });
    await frame.locator('.readout-line').first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(shots, '4-loss-chart.png') });
    const canvas = await frame.locator('#chart canvas').evaluate((element) => {
      const c = element as HTMLCanvasElement;
      const ctx = c.getContext('2d');
      if (!ctx) return { width: 0, variance: 0 };
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      let sum = 0;
      let sumSq = 0;
      for (let i = 0; i < data.length; i += 4) {
        const v = data[i] + data[i + 1] + data[i + 2] + data[i + 3];
        sum += v;
        sumSq += v * v;
      }
      const n = data.length / 4;
      return { width: c.width, variance: sumSq / n - (sum / n) ** 2 };
    });
    assert.ok(canvas.width > 200, `the canvas has a real size (${canvas.width}px)`);
    assert.ok(canvas.variance > 100, `the canvas is not blank (pixel variance ${canvas.variance.toFixed(1)})`);
  });

  it('5. in a prompt notebook, a training input streams its trained output; a new input runs; a long run is cancelled', async () => {
    await inlineAction(modelRow(MODEL), 'Open in Prompt Notebook');
    await codeCells().first().waitFor({ timeout: LONG });

    // A training input: the trained answer.
    await codeCells().first().locator('.monaco-editor').click();
    await page.keyboard.type(TRAINED_EXAMPLE.textInput);
    await runCell(0);
    await codeCells().first().locator('.codicon-notebook-state-success').waitFor({ timeout: LONG });
    await notebookOutputs().getByText(TRAINED_EXAMPLE.output, { exact: false }).first().waitFor({ timeout: 60_000 });

    // A new cell, with an input the model never saw: it answers something.
    await addCell(1, 'Atlantis');
    await runCell(1);
    await codeCells().nth(1).locator('.codicon-notebook-state-success, .codicon-notebook-state-error').first().waitFor({ timeout: LONG });
    assert.equal(await codeCells().nth(1).locator('.codicon-notebook-state-error').count(), 0, 'the new input ran without error');
    await page.screenshot({ path: path.join(shots, '5-notebook.png') });

    // A long run: the server sends each chunk slowly; the person stops it.
    const rule = await fetch(`${server.url}/_faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ match: ':streamGenerateContent', count: 1, action: 'slowStream', chunkDelayMs: 30_000 }] }),
    });
    assert.ok(rule.ok, `the slow stream rule was accepted (${rule.status})`);
    await addCell(2, 'Write a very long story about every capital city of Europe');
    await runCell(2);
    const stop = codeCells().nth(2).locator('.codicon-notebook-stop').first();
    await stop.waitFor({ timeout: LONG });
    await page.screenshot({ path: path.join(shots, '5-notebook-running.png') });
    await stop.click();
    await notebookOutputs().getByText('Cancelled after', { exact: false }).first().waitFor({ timeout: LONG });
    await stop.waitFor({ state: 'detached', timeout: 60_000 });
    await page.screenshot({ path: path.join(shots, '5-notebook-cancelled.png') });
  });

  it('6. the model is renamed, then deleted, from the tree; the tree follows', async () => {
    await showView();
    await contextMenu(modelRow(MODEL), 'Rename');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 30_000 });
    await input.fill(RENAMED);
    await input.press('Enter');
    await modelRow(RENAMED).waitFor({ timeout: LONG });
    assert.match((await groupOf(RENAMED)) ?? '', /Active/);

    await contextMenu(modelRow(RENAMED), 'Delete');
    const dialog = page.locator('.monaco-dialog-box', { hasText: RENAMED });
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.locator('.monaco-button', { hasText: 'Delete' }).first().click();
    await sidebar().locator('.monaco-list-row', { hasText: RENAMED }).first().waitFor({ state: 'detached', timeout: LONG });
    await sidebar().locator('.welcome-view-content', { hasText: 'No tuned models yet' }).waitFor({ timeout: LONG });
  });
});

function slug(title: string): string {
  return title.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 60).toLowerCase();
}
