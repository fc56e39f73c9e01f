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

  it('builds the data table when it is opened, with column headers scoped for screen readers', async () => {
    const page = await openPage(browser, chartPage(), false);
    await send(page, { type: 'setModels', models: [toWire(syntheticModel(30))] });
    await page.locator('#chart canvas').waitFor();
    assert.equal(await page.locator('#tableArea table').count(), 0, 'no table before the person opens it');
    await page.locator('#tableDetails summary').click();
    const headers = page.locator('#tableArea table').first().locator('thead th');
    await headers.first().waitFor();
    assert.deepEqual(await headers.allTextContents(), ['Step', 'Epoch', 'Mean loss', 'Computed at']);
    assert.deepEqual(await headers.evaluateAll((ths) => ths.map((th) => th.getAttribute('scope'))), ['col', 'col', 'col', 'col']);
    assert.equal(await page.locator('#tableArea table').first().locator('tbody tr').count(), 30);
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

  /** Three models compared, with many epochs each: the crowded case. */
  function threeModels(): ReturnType<typeof toWire>[] {
    return [
      toWire(syntheticModel(400, { epochs: 40, seed: 1, name: 'tunedModels/a', displayName: 'model a' })),
      toWire(syntheticModel(300, { epochs: 30, seed: 2, name: 'tunedModels/b', displayName: 'model b' })),
      toWire(syntheticModel(200, { epochs: 25, seed: 3, name: 'tunedModels/c', displayName: 'model c' })),
    ];
  }

  interface Box {
    text: string;
    left: number;
    right: number;
    top: number;
    bottom: number;
  }

  /** The epoch labels' boxes as laid out, and the plot area's. */
  async function epochLabelBoxes(page: Page): Promise<{ labels: Box[]; plot: Box }> {
    return page.evaluate(() => {
      const box = (el: Element): Box => {
        const r = el.getBoundingClientRect();
        return { text: el.textContent ?? '', left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      };
      return { labels: [...document.querySelectorAll('.epoch-label')].map(box), plot: box(document.querySelector('.u-over')!) };
    });
  }

  for (const viewport of [{ width: 1000, height: 800 }, { width: 600, height: 680 }]) {
    it(`with three models at ${viewport.width}×${viewport.height}, keeps the chart in view and draws epoch labels that never overlap`, async () => {
      const page = await openPage(browser, chartPage(), false);
      await page.setViewportSize(viewport);
      await send(page, { type: 'setModels', models: threeModels() });
      await page.locator('#chart canvas').waitFor();
      await page.locator('.epoch-label').first().waitFor();
      await afterNextFrame(page);

      const chartBox = await page.locator('#chart').evaluate((el) => el.getBoundingClientRect().bottom);
      assert.ok(chartBox <= viewport.height, `the chart ends at ${chartBox.toFixed(0)} px, inside the ${viewport.height} px window`);

      const { labels, plot } = await epochLabelBoxes(page);
      assert.ok(labels.length >= 2, `some epoch labels are drawn (${labels.length})`);
      assert.ok(labels.length < 40, `crowded labels are thinned (${labels.length} of 39)`);
      for (const label of labels) {
        assert.match(label.text, /^end of epoch \d+$/);
        assert.ok(label.left >= plot.left && label.right <= plot.right, `"${label.text}" [${label.left.toFixed(1)}, ${label.right.toFixed(1)}] is inside the plot [${plot.left}, ${plot.right}]`);
      }
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          const [a, b] = [labels[i], labels[j]];
          const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
          assert.ok(!overlap, `"${a.text}" [${a.left.toFixed(1)}, ${a.right.toFixed(1)}] and "${b.text}" [${b.left.toFixed(1)}, ${b.right.toFixed(1)}] overlap`);
        }
      }
      // Evenly thinned: the kept epochs are a stride apart.
      const epochs = labels.map((l) => Number(/\d+/.exec(l.text)![0]));
      const strides = new Set(epochs.slice(1).map((e, i) => e - epochs[i]));
      assert.equal(strides.size <= 1, true, `labels at an even stride: ${epochs.join(', ')}`);
      await page.close();
    });
  }

  for (const theme of ['dark', 'light'] as const) {
    it(`draws the three curves in colours that read on the ${theme} theme's background`, async () => {
      const page = await openPage(browser, chartPage(theme), false);
      await send(page, { type: 'setModels', models: threeModels() });
      await page.locator('.model-card .swatch').nth(2).waitFor();
      const background = parseColor(await page.evaluate(() => getComputedStyle(document.body).backgroundColor));
      assert.ok(background);
      const swatches = await page.locator('.model-card .swatch').evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundColor));
      assert.equal(new Set(swatches).size, 3, `three different colours: ${swatches.join(', ')}`);
      for (const swatch of swatches) {
        const ratio = contrastRatio(parseColor(swatch)!, background);
        assert.ok(ratio >= 3, `${swatch} reads at ${ratio.toFixed(2)}:1 on the ${theme} background`);
      }
      await page.close();
    });
  }

  it('shows the time left of a running job in its header, from the pace of its steps, and none once it has ended', async () => {
    const page = await openPage(browser, chartPage(), false);
    const running = syntheticModel(50, { state: 'CREATING', completeTime: undefined, totalSteps: 200 });
    const now = Date.now();
    // 50 steps 850 ms apart, the last one just now: 150 steps to go at 0.85 s each.
    const model = toWire({ ...running, points: running.points.map((p, i) => ({ ...p, computeTimeMs: now - (49 - i) * 850 })) });
    await send(page, { type: 'setModels', models: [model] });
    const timeLeft = page.locator('.field', { has: page.locator('dt', { hasText: 'Time left' }) }).locator('dd');
    await timeLeft.waitFor();
    const text = (await timeLeft.textContent()) ?? '';
    const match = /about (?:(\d+)m )?(\d+)s left/.exec(text);
    assert.ok(match, `the header says how long is left: "${text}"`);
    const seconds = Number(match[1] ?? 0) * 60 + Number(match[2]);
    assert.ok(seconds > 110 && seconds <= 128, `150 steps at 0.85 s: about 127 s, shown as ${seconds} s`);

    await send(page, { type: 'upsertModel', model: toWire({ ...running, header: { ...running.header, state: 'ACTIVE' } }) });
    await page.locator('dt', { hasText: 'Final loss' }).waitFor();
    assert.equal(await page.locator('dt', { hasText: 'Time left' }).count(), 0);
    await page.close();
  });
});
