import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { toWire, type WireModel } from '../../src/core/lossChart/protocol';
import { HARNESS_CHROMIUM_ARGS, chromiumPath, syntheticModel, writeChartPage } from '../ui/lossChart/harness';
import { type BenchContext } from './context';

// Curves have a few thousand steps. CHART_BENCH_SIZES=1000,20000 and CHART_BENCH_RUNS=21 change or lengthen a run while profiling.
const SIZES = (process.env.CHART_BENCH_SIZES ?? '1000,5000').split(',').map(Number);
const RUNS = Number(process.env.CHART_BENCH_RUNS ?? 0);
const VIEWPORT = { width: 1100, height: 900 };
// Both pages draw at the browser's pace rather than the display's, so a frame boundary adds no wait.
const BENCH_ARGS = [...HARNESS_CHROMIUM_ARGS, '--disable-frame-rate-limit', '--disable-gpu-vsync'];

/**
 * First render of the loss chart in headless Chromium: the panel's script against bare uPlot
 * drawing the same points at the same size on a blank page. Both pages get their data the same
 * way, in a message event with the columns the extension posts, and both
 * clocks run from posting that message to the end of the first frame that shows the curve:
 * uPlot's draw, then the page's layout and paint (a task queued from the next animation frame
 * runs after them). Every run uses a fresh page; one discarded run of each warms the browser.
 * Next to the wall-clock medians it records the CPU time the main thread spent in that window,
 * which load from other work on the machine does not inflate.
 */
export default async function (ctx: BenchContext): Promise<void> {
  if (!fs.existsSync(chromiumPath())) {
    ctx.log(`no Chromium at ${chromiumPath()}; chart bench skipped`);
    return;
  }
  const page = writeChartPage(ctx.repoRoot);
  const uplotScript = fs.readFileSync(path.join(ctx.repoRoot, 'node_modules/uplot/dist/uPlot.iife.js'), 'utf8');
  const uplotCss = fs.readFileSync(path.join(ctx.repoRoot, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: BENCH_ARGS });
  try {
    for (const size of SIZES) {
      // What the extension posts: the header and the columns.
      const model = toWire(syntheticModel(size));
      const runs = RUNS > 0 ? RUNS : size >= 100_000 ? 5 : 9;
      const canvas = await panelCanvasSize(browser, page.url, model);
      await timePanel(browser, page.url, model);
      await timeBare(browser, uplotScript, uplotCss, model, canvas);
      const panelRuns: Timing[] = [];
      const bareRuns: Timing[] = [];
      for (let run = 0; run < runs; run++) {
        // Alternate which goes first so that neither always meets a warmer machine.
        const order = run % 2 === 0 ? ['panel', 'bare'] : ['bare', 'panel'];
        for (const which of order) {
          if (which === 'panel') panelRuns.push(await timePanel(browser, page.url, model));
          else bareRuns.push(await timeBare(browser, uplotScript, uplotCss, model, canvas));
        }
      }
      const wall = (t: Timing[]) => t.map((x) => x.wallMs);
      const cpu = (t: Timing[]) => t.map((x) => x.cpuMs);
      const panel = median(wall(panelRuns));
      const bare = median(wall(bareRuns));
      const panelBest = Math.min(...wall(panelRuns));
      const bareBest = Math.min(...wall(bareRuns));
      const panelCpu = median(cpu(panelRuns));
      const bareCpu = median(cpu(bareRuns));
      const list = (values: number[]) => values.map((t) => t.toFixed(0)).join(' ');
      ctx.log(
        `chart ${size} points at ${canvas.width}×${canvas.height}: panel ${panel.toFixed(1)} ms, bare uPlot ${bare.toFixed(1)} ms, ratio ${(panel / bare).toFixed(2)}; ` +
          `best ${panelBest.toFixed(1)} / ${bareBest.toFixed(1)} ms; main-thread CPU ${panelCpu.toFixed(1)} / ${bareCpu.toFixed(1)} ms, ratio ${(panelCpu / bareCpu).toFixed(2)} ` +
          `(wall runs: ${list(wall(panelRuns))} / ${list(wall(bareRuns))}; CPU runs: ${list(cpu(panelRuns))} / ${list(cpu(bareRuns))})`,
      );
      const points = size.toLocaleString('en-US');
      ctx.record({
        area: 'chart',
        name: `first render, ${points} points (panel script, median of ${runs})`,
        value: round(panel),
        unit: 'ms',
        baseline: { name: 'bare uPlot, same data, blank page', value: round(bare) },
      });
      // On a machine shared with other work the best run is the steadier view of the intrinsic cost.
      ctx.record({
        area: 'chart',
        name: `first render, ${points} points (panel script, best of ${runs})`,
        value: round(panelBest),
        unit: 'ms',
        baseline: { name: 'bare uPlot, best run', value: round(bareBest) },
      });
      ctx.record({
        area: 'chart',
        name: `first render, ${points} points (main-thread CPU time, median of ${runs})`,
        value: round(panelCpu),
        unit: 'ms',
        baseline: { name: 'bare uPlot, same measure', value: round(bareCpu) },
      });
    }
  } finally {
    await browser.close();
    fs.rmSync(page.dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

async function newPage(browser: Browser): Promise<Page> {
  return browser.newPage({ viewport: VIEWPORT });
}

/** The size uPlot gets in the panel, so that bare uPlot draws exactly as many pixels. */
async function panelCanvasSize(browser: Browser, url: string, model: WireModel): Promise<{ width: number; height: number }> {
  const page = await newPage(browser);
  try {
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as ChartWindow).__chart.messages.some((m) => m.type === 'ready'));
    await page.evaluate(() => window.postMessage({ type: 'init', reportForTests: true }, '*'));
    await page.evaluate((models) => window.postMessage({ type: 'setModels', models }, '*'), [model]);
    await page.waitForFunction(() => (window as unknown as ChartWindow).__chart.messages.some((m) => m.type === 'rendered'));
    return await page.evaluate(() => {
      const canvas = document.querySelector('#chart canvas') as HTMLCanvasElement;
      return { width: Math.round(canvas.width / devicePixelRatio), height: Math.round(canvas.height / devicePixelRatio) };
    });
  } finally {
    await page.close();
  }
}

/** Both pages start the clock only once their first frame is painted. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

async function assertDrawn(page: Page, what: string): Promise<void> {
  const variance = await page.evaluate(() => {
    const canvas = document.querySelector('canvas');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    let sumSq = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const v = data[i] + data[i + 1] + data[i + 2] + data[i + 3];
      sum += v;
      sumSq += v * v;
    }
    return sumSq / n - (sum / n) ** 2;
  });
  if (!(variance > 0)) throw new Error(`${what}: the canvas is blank, so the timing measured nothing`);
}

/** One timed first render: wall-clock time, and the CPU time the page's main thread spent on it. */
interface Timing {
  wallMs: number;
  cpuMs: number;
}

/**
 * Runs `trigger` (already in the page, with its data already there) and measures until the end of
 * the frame that shows the curve. The thread CPU time comes from Chromium's own counters, read just
 * before and after: unlike wall time, it does not grow when other work on the machine takes the
 * core away, so it is the steadier view on a shared machine.
 */
async function measure(page: Page, trigger: () => Promise<number>): Promise<Timing> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const threadTime = async (): Promise<number> => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (metrics.find((m) => m.name === 'ThreadTime')?.value ?? Number.NaN) * 1000;
  };
  const before = await threadTime();
  const wallMs = await trigger();
  const cpuMs = (await threadTime()) - before;
  await cdp.detach();
  return { wallMs, cpuMs };
}

async function timePanel(browser: Browser, url: string, model: WireModel): Promise<Timing> {
  const page = await newPage(browser);
  try {
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as ChartWindow).__chart.messages.some((m) => m.type === 'ready'));
    // Told it runs under test, the page reports each draw: the clock stops on that report.
    await page.evaluate(() => window.postMessage({ type: 'init', reportForTests: true }, '*'));
    // The data is handed to the page before the clock starts; the clock covers posting it.
    await page.evaluate((models) => void ((window as unknown as ChartWindow).__data = models), [model]);
    await settle(page);
    const timing = await measure(page, () =>
      page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const w = window as unknown as ChartWindow;
            const chart = w.__chart;
            // A task queued from the next animation frame runs after that frame's layout and paint.
            const stopAfterFrame = (): void =>
              void requestAnimationFrame(() => {
                const channel = new MessageChannel();
                channel.port1.onmessage = () => resolve(performance.now() - start);
                channel.port2.postMessage(null);
              });
            // The panel posts `rendered` from uPlot's draw hook.
            chart.waiters.push(function wait(message) {
              if (message.type !== 'rendered') chart.waiters.push(wait);
              else stopAfterFrame();
            });
            const start = performance.now();
            window.postMessage({ type: 'setModels', models: w.__data }, '*');
          }),
      ),
    );
    await assertDrawn(page, 'panel');
    return timing;
  } finally {
    await page.close();
  }
}

async function timeBare(
  browser: Browser,
  uplotScript: string,
  uplotCss: string,
  model: WireModel,
  { width, height }: { width: number; height: number },
): Promise<Timing> {
  const page = await newPage(browser);
  try {
    await page.setContent('<!DOCTYPE html><html><body><div id="chart"></div></body></html>');
    await page.addStyleTag({ content: uplotCss });
    await page.addScriptTag({ content: uplotScript });
    const { step, loss } = model.points;
    await page.evaluate((data) => void ((window as unknown as ChartWindow).__data = data), { x: step, y: loss });
    await settle(page);
    const timing = await measure(page, () =>
      page.evaluate(
        ({ width, height }) =>
          new Promise<number>((resolve) => {
            const w = window as unknown as ChartWindow & { uPlot: new (opts: object, data: unknown[], el: HTMLElement) => unknown };
            let start = 0;
            const stopAfterFrame = (): void =>
              void requestAnimationFrame(() => {
                const channel = new MessageChannel();
                channel.port1.onmessage = () => resolve(performance.now() - start);
                channel.port2.postMessage(null);
              });
            window.addEventListener('message', (event: MessageEvent<{ x: number[]; y: (number | null)[] }>) => {
              let drawn = false;
              const draw = (): void => {
                if (drawn) return;
                drawn = true;
                stopAfterFrame();
              };
              new w.uPlot(
                { width, height, scales: { x: { time: false } }, series: [{}, { label: 'loss', stroke: '#3794ff', width: 1.5, points: { show: false } }], hooks: { draw: [draw] } },
                [event.data.x, event.data.y],
                document.getElementById('chart') as HTMLElement,
              );
            });
            start = performance.now();
            window.postMessage(w.__data, '*');
          }),
        { width, height },
      ),
    );
    await assertDrawn(page, 'bare uPlot');
    return timing;
  } finally {
    await page.close();
  }
}

interface ChartWindow {
  __chart: { messages: { type: string }[]; waiters: ((m: { type: string }) => void)[] };
  __data: unknown;
}
