// The loss chart page on its own in headless Chromium: the panel's HTML, CSP and built script,
// with a stand-in for VS Code's webview API that records what the page posts (harness.ts).
//   node esbuild.mjs --tests && npx mocha --timeout 120000 out/test/ui/lossChart/page.ui.test.js
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { toWire } from '../../../src/core/lossChart/protocol';
import type { ToWebviewMessage } from '../../../src/core/lossChart/protocol';
import { contrastRatio, parseColor } from '../../../src/core/lossChart/seriesColors';
import { repoRoot } from '../../../tools/vscodeHost/paths';
import { HARNESS_CHROMIUM_ARGS, chromiumPath, syntheticModel, writeChartPage } from './harness';

interface HarnessWindow {
  __chart: { messages: { type: string }[] };
}

/** The types the page posted so far. */
function posted(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as HarnessWindow).__chart.messages.map((m) => m.type));
}

async function send(page: Page, message: ToWebviewMessage): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

/** The page once it said ready, told whether it runs under test. */
async function openPage(browser: Browser, url: string, reportForTests: boolean): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as HarnessWindow).__chart.messages.some((m) => m.type === 'ready'));
  await send(page, { type: 'init', reportForTests });
  return page;
}

/**
 * Returns after the page has handled everything posted to it and drawn: a report would be posted
 * in a microtask after uPlot's draw, so by the end of the next frame and a task after it, any
 * report there is to make has been made.
 */
async function afterNextFrame(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
}

describe('chart page: the loss chart page in Chromium, outside VS Code', function () {
  this.timeout(120_000);
  let browser: Browser;
  const pages: { dir: string }[] = [];

  before(async function () {
    if (!fs.existsSync(chromiumPath())) throw new Error(`no Chromium at ${chromiumPath()}: set CHROMIUM_PATH`);
    browser = await chromium.launch({ executablePath: chromiumPath(), args: HARNESS_CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    for (const p of pages) fs.rmSync(p.dir, { recursive: true, force: true });
  });

  function chartPage(theme: 'dark' | 'light' = 'dark', edit: (html: string) => string = (html) => html): string {
    const written = writeChartPage(repoRoot, theme);
    pages.push(written);
    const file = new URL(written.url);
    fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
    return written.url;
  }

  it('posts nothing that only tests read unless the extension says it runs under test', async () => {
    const url = chartPage();
    const model = toWire(syntheticModel(400));
    const darken = (page: Page) =>
      page.evaluate(() => document.documentElement.style.setProperty('--vscode-editor-background', 'rgb(0, 0, 0)'));

    const production = await openPage(browser, url, false);
    await send(production, { type: 'setModels', models: [model] });
    await production.locator('#chart canvas').waitFor();
    await production.locator('.readout-line').first().waitFor();
    await darken(production);
    await afterNextFrame(production);
    assert.deepEqual(await posted(production), ['ready'], 'a drawn chart and a theme change post nothing');

    // The same steps under test do post the reports, so the check above can fail.
    const underTest = await openPage(browser, url, true);
    await send(underTest, { type: 'setModels', models: [model] });
    await underTest.locator('#chart canvas').waitFor();
    await underTest.locator('.readout-line').first().waitFor();
    await darken(underTest);
    await afterNextFrame(underTest);
    const reports = await posted(underTest);
    assert.ok(reports.includes('rendered'), `under test the page reports its draws (${reports.join(', ')})`);
    assert.equal(reports.filter((t) => t === 'theme').length, 2, `and the theme colours, at start and on the change (${reports.join(', ')})`);
    await production.close();
    await underTest.close();
  });

  it('calls the loss "Latest loss" while the job runs and "Final loss" once it has ended', async () => {
    const page = await openPage(browser, chartPage(), false);
    const running = syntheticModel(50, { state: 'CREATING', completeTime: undefined });
    await send(page, { type: 'setModels', models: [toWire(running)] });
    await page.locator('dt', { hasText: 'Latest loss' }).waitFor();
    assert.equal(await page.locator('dt', { hasText: 'Final loss' }).count(), 0);
    assert.match((await page.locator('#chart').getAttribute('aria-label')) ?? '', /latest loss \d/);

    await send(page, { type: 'upsertModel', model: toWire({ ...running, header: { ...running.header, state: 'ACTIVE' } }) });
    await page.locator('dt', { hasText: 'Final loss' }).waitFor();
    assert.equal(await page.locator('dt', { hasText: 'Latest loss' }).count(), 0);
    await page.close();
  });

  it('draws a curve whose theme colour is too close to the background in a colour that reads', async () => {
    const faint = '#2a2a48';
    const background = parseColor('#1f1f1f');
    assert.ok(background);
    assert.ok(contrastRatio(parseColor(faint)!, background) < 3, 'the theme colour alone would not read');
    const page = await openPage(browser, chartPage('dark', (html) => html.replace('--vscode-charts-blue: #3794ff', `--vscode-charts-blue: ${faint}`)), false);
    await send(page, { type: 'setModels', models: [toWire(syntheticModel(50))] });
    await page.locator('#chart canvas').waitFor();
    const swatch = await page.locator('.model-card .swatch').first().evaluate((el) => getComputedStyle(el).backgroundColor);
    const drawn = parseColor(swatch);
    assert.ok(drawn, swatch);
    const ratio = contrastRatio(drawn, background);
    assert.ok(ratio >= 3, `the first curve's colour ${swatch} reads at ${ratio.toFixed(2)}:1`);
    await page.close();
  });
});
