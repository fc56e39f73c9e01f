// The Vertex AI flow in a real workbench, offline: Switch Backend → "Vertex AI, offline" (the local
// server's twin of Vertex AI), the demo's Vertex AI spec, Create, and the job followed to Active with
// its loss chart. Everything is done by clicking and typing.
//   node esbuild.mjs --tests && npx mocha --timeout 1800000 out/test/ui/vertex/vertex.ui.test.js
// Screenshots go to test-results/vertex/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startLocalServer, type LocalServer } from '../../../src/server/localServer';
import { repoRoot, testResultsDir } from '../../../tools/vscodeHost/paths';
import { openWorkbench, type Workbench } from '../lossChart/workbench';
import { waitFor } from '../../harness/waitFor';

const SPEC_FILE = 'vertex/capitals.tuning.yaml';
const JOB = 'Capital cities on Vertex AI';
/** The lens of the demo's Vertex AI spec, worked out by hand: 40 examples × 20 epochs / batch 4, and 488 estimated tokens a pass × 20. */
const SUMMARY = '40 examples · 20 epochs · adapter 4 · LR ×1 · batch 4 → 200 steps · ≈ 9,760 billable tokens';
const shots = path.join(testResultsDir, 'vertex');
const LONG = 180_000;
const TRAINING = 15 * 60_000;

describe('vertex AI offline: from the demo Vertex AI spec to a charted job, in a real workbench', function () {
  this.timeout(30 * 60_000);
  let server: LocalServer;
  let dataDir: string;
  let workbench: Workbench;
  let page: Page;

  before(async () => {
    fs.rmSync(shots, { recursive: true, force: true });
    fs.mkdirSync(shots, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-vertex-ui-'));
    server = await startLocalServer({ dataDir, workerScript: path.join(repoRoot, 'dist', 'trainer-worker.js') });
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
      await page.screenshot({ path: path.join(shots, `failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}.png`) }).catch(() => undefined);
    }
  });

  const sidebar = (): Locator => page.locator('.part.sidebar');
  const codeLens = (text: string): Locator => page.locator('.editor-instance .codelens-decoration', { hasText: text }).first();
  const jobRow = (): Locator => sidebar().locator('.monaco-list-row', { hasText: JOB }).first();

  /** The group row ("Creating", "Active", …) above the job's row. */
  async function groupOfJob(): Promise<string | undefined> {
    const rows = await sidebar()
      .locator('.monaco-list-row')
      .evaluateAll((all) => all.map((r) => ({ text: (r.textContent ?? '').trim(), level: Number(r.getAttribute('aria-level') ?? '0') })));
    const index = rows.findIndex((r) => r.level > 1 && r.text.includes(JOB));
    for (let i = index - 1; i >= 0 && index >= 0; i--) if (rows[i].level < rows[index].level) return rows[i].text;
    return undefined;
  }

  async function showView(): Promise<void> {
    const item = page.locator('.activitybar .action-item', { has: page.locator('[aria-label^="Gemini Tuning"]') }).first();
    const shown = (await item.getAttribute('class'))?.split(' ').includes('checked') && (await sidebar().isVisible());
    if (!shown) await item.click();
    await sidebar().locator('.composite.title', { hasText: /Gemini Tuning/i }).first().waitFor({ timeout: 60_000 });
  }

  it('1. Switch Backend → "Vertex AI, offline" connects without a Google account', async () => {
    await workbench.runCommand('Gemini Tuning: Switch Backend');
    const offline = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Vertex AI, offline' }).first();
    await offline.waitFor({ timeout: 60_000 });
    await offline.click();
    await page.locator('.statusbar-item', { hasText: /Vertex AI/ }).first().waitFor({ timeout: LONG });
    await showView();
  });

  it('2. the demo Vertex AI spec shows its hyperparameters, steps and billable-token estimate', async () => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 20_000 });
    await input.fill(SPEC_FILE);
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'capitals.tuning.yaml' }).waitFor({ timeout: 60_000 });
    await input.press('Enter');
    await codeLens(SUMMARY).waitFor({ timeout: LONG });
  });

  it('3. Create uploads the data and the job appears under Creating, then Active', async () => {
    await codeLens('Create tuned model').locator('a', { hasText: 'Create tuned model' }).click();
    await showView();
    await jobRow().waitFor({ timeout: LONG });
    let group: string | undefined;
    const under = async (expected: RegExp) => expected.test((group = await groupOfJob()) ?? '');
    await waitFor(() => under(/Creating|Active/), () => `the job under Creating or Active; it is under ${group}`, { timeoutMs: LONG, intervalMs: 250 });
    await page.screenshot({ path: path.join(shots, '6-vertex-creating.png') });
    await waitFor(() => under(/Active/), () => `the job under Active; it is under ${group}`, { timeoutMs: TRAINING, intervalMs: 500 });
  });

  it('4. its loss chart draws the training loss read from the job', async () => {
    await jobRow().hover();
    await jobRow().locator('.actions .action-label[aria-label^="Open Loss Chart"]').click();
    const frame = workbench.activeWebview();
    await frame.locator('.model-name', { hasText: JOB }).waitFor({ timeout: LONG });
    await frame.locator('#chart canvas').waitFor({ timeout: 60_000 });
    await frame.locator('.readout-line').first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(shots, '6-vertex-chart.png') });
  });
});
