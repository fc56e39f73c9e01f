// The loss chart webview: draws what the extension posts, with uPlot. Every model name,
// description and error message goes into the page as text (textContent), never as HTML.
import uPlot from 'uplot';
import { appendColumns, epochBoundaries, firstValue, lastValue, sortedIndexOf, type EpochBoundary, type LossColumns } from '../../core/lossChart/columns';
import { AlignedLossTable, forLogScale, identityValue } from '../../core/lossChart/dataTable';
import { epochLineLabel, logTickLabel, thinnedLabels, thinnedLines } from '../../core/lossChart/chartLabels';
import { describeEmpty, describeHyperparameters, describeSteps, formatDuration, formatLoss, lossLabel } from '../../core/lossChart/headerText';
import { elapsedMs, emptyReason, plannedTotalSteps, type ModelHeader } from '../../core/lossChart/modelHeader';
import { describeEstimate, estimateJob, smoothedMsPerStep } from '../../core/tunedModels/eta';
import {
  DEFAULT_VIEW,
  dispatch,
  isPersistedChartState,
  parseToWebview,
  type FromWebviewMessage,
  type MessageHandlers,
  type PersistedChartState,
  type ToWebviewMessage,
  type ViewSettings,
  type WireModel,
} from '../../core/lossChart/protocol';
import { readableOn } from '../../core/lossChart/seriesColors';
import { clampSmoothing } from '../../core/lossChart/smoothing';

interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): unknown;
  setState(state: PersistedChartState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

// ---- page elements (the panel's HTML holds the empty skeleton) ----

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`loss chart page is missing #${id}`);
  return found as T;
}

const headerArea = element<HTMLElement>('models');
const chartArea = element<HTMLDivElement>('chart');
const noticeArea = element<HTMLDivElement>('notice');
const legendArea = element<HTMLDivElement>('legend');
const readoutArea = element<HTMLDivElement>('readout');
const smoothingToggle = element<HTMLInputElement>('smoothingEnabled');
const smoothingSlider = element<HTMLInputElement>('smoothing');
const smoothingValue = element<HTMLOutputElement>('smoothingValue');
const logToggle = element<HTMLInputElement>('logScale');
const tableDetails = element<HTMLDetailsElement>('tableDetails');
const tableArea = element<HTMLDivElement>('tableArea');

function make<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

// ---- theme: colours come from VS Code's CSS variables, resolved to rgb() by the browser ----

const PALETTE_VARIABLES = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
] as const;
const DASHES: number[][] = [[], [6, 3], [2, 3]];

interface Theme {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  palette: string[];
  font: string;
}

const probe = make('span');
probe.hidden = true;
document.body.append(probe);

function resolveColor(cssVariable: string, fallback: string): string {
  probe.style.color = fallback;
  probe.style.color = `var(${cssVariable}, ${fallback})`;
  return getComputedStyle(probe).color || fallback;
}

function withAlpha(color: string, alpha: number): string {
  const m = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(color);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})` : color;
}

let theme = readTheme();

function readTheme(): Theme {
  const fontFamily = getComputedStyle(document.body).fontFamily || 'sans-serif';
  const background = resolveColor('--vscode-editor-background', '#1e1e1e');
  return {
    foreground: resolveColor('--vscode-editor-foreground', '#cccccc'),
    muted: resolveColor('--vscode-descriptionForeground', '#999999'),
    grid: withAlpha(resolveColor('--vscode-charts-lines', '#808080'), 0.18),
    background,
    // A theme's chart colour may be too close to its editor background to read as a curve.
    palette: PALETTE_VARIABLES.map(([name, fallback]) => readableOn(resolveColor(name, fallback), background)),
    font: `12px ${fontFamily}`,
  };
}

function colorOf(position: number): string {
  return theme.palette[position % theme.palette.length];
}
function dashOf(position: number): number[] {
  return DASHES[Math.floor(position / theme.palette.length) % DASHES.length];
}

// ---- state ----

interface ModelEntry {
  header: ModelHeader;
  points: LossColumns;
  /** the validation loss, drawn dotted in the model's colour, when the backend evaluates one */
  evalPoints?: LossColumns;
  /** where the epoch changes, found once when the points arrive */
  boundaries: EpochBoundary[];
  loadError?: string;
}

const models = new Map<string, ModelEntry>();
let order: string[] = [];
const restored = vscode.getState();
let view: ViewSettings = isPersistedChartState(restored) ? restored.view : { ...DEFAULT_VIEW };
let chart: uPlot | undefined;
let table: AlignedLossTable | undefined;
/** Where each model's curves are in the table (and in uPlot): its training loss, and its validation loss when it has one. */
let seriesIndex = new Map<string, { train: number; eval?: number }>();

function hasEval(entry: ModelEntry): boolean {
  return (entry.evalPoints?.step.length ?? 0) > 0;
}
/** Set by the extension's init message, only when it runs its tests: then the page reports what it draws. */
let reportForTests = false;

function persist(): void {
  vscode.setState({ version: 1, models: [...order], view });
}

function entriesInOrder(): ModelEntry[] {
  return order.map((name) => models.get(name)).filter((m): m is ModelEntry => m !== undefined);
}

function noticeOf(entry: ModelEntry): string | undefined {
  if (entry.loadError) return entry.loadError;
  const reason = emptyReason(entry.header, entry.points.step.length);
  return reason ? describeEmpty(reason, entry.header) : undefined;
}

type Update = 'created' | 'setData' | 'recreated' | 'empty';
let pendingReport: Update | undefined;

/**
 * Under test only (see `reportForTests`), says what is on screen once uPlot has drawn it: uPlot draws in a microtask after
 * construction or `setData`, so the report goes from its draw hook, or from a microtask queued
 * after uPlot's when nothing needed a redraw.
 */
function reportAfterDraw(update: Update): void {
  if (!reportForTests) return;
  pendingReport = update;
  queueMicrotask(flushReport);
}

function flushReport(): void {
  const update = pendingReport;
  if (update === undefined) return;
  pendingReport = undefined;
  vscode.postMessage({
    type: 'rendered',
    update,
    models: entriesInOrder().map((m, position) => ({
      name: m.header.name,
      points: m.points.step.length,
      ...(hasEval(m) ? { evalPoints: m.evalPoints?.step.length } : {}),
      notice: noticeOf(m),
      color: colorOf(position),
    })),
    legend: legendShown() ? entriesInOrder().flatMap((m) => (hasEval(m) ? [m.header.displayName, validationLabel(m.header.displayName)] : [m.header.displayName])) : [],
  });
}

// ---- the chart ----

/** An epoch label as drawn: canvas pixels, for the PNG export. */
interface DrawnLabel {
  text: string;
  x: number;
  y: number;
}
let drawnEpochLabels: DrawnLabel[] = [];

/**
 * The epoch labels are page text over the plot, not canvas pixels: they take the theme's colour
 * and font as the page does, and a screen reader or a test can read them where they stand.
 */
function placeEpochLabels(u: uPlot, labels: readonly DrawnLabel[], pxRatio: number): void {
  let layer = u.over.querySelector<HTMLDivElement>('.epoch-labels');
  if (!layer) {
    layer = make('div', 'epoch-labels');
    layer.setAttribute('aria-hidden', 'true');
    u.over.append(layer);
  }
  const { left, top } = u.bbox;
  layer.replaceChildren(
    ...labels.map((label) => {
      const span = make('span', 'epoch-label', label.text);
      span.style.left = `${(label.x - left) / pxRatio}px`;
      span.style.top = `${(label.y - top) / pxRatio}px`;
      return span;
    }),
  );
}

/** CSS pixels between two drawn epoch lines, at least. */
const MIN_EPOCH_LINE_GAP = 12;

const epochLinesPlugin: uPlot.Plugin = {
  hooks: {
    draw: (u: uPlot) => {
      const ctx = u.ctx;
      const { left, top, width, height } = u.bbox;
      const xMin = u.scales.x.min ?? -Infinity;
      const xMax = u.scales.x.max ?? Infinity;
      const pxRatio = devicePixelRatio || 1;
      const entries = entriesInOrder();
      // Only boundaries inside the x range are drawn, from the plot's top to its bottom, and labels
      // end inside its right edge: nothing needs clipping. The labels are measured in the axes' font,
      // which is the page's.
      ctx.save();
      ctx.lineWidth = pxRatio;
      ctx.setLineDash([4 * pxRatio, 4 * pxRatio]);
      ctx.font = theme.font.replace(/^12px/, `${Math.round(12 * pxRatio)}px`);
      const labels: { text: string; x: number; width: number }[] = [];
      entries.forEach((entry, position) => {
        ctx.strokeStyle = entries.length > 1 ? withAlpha(colorOf(position), 0.7) : withAlpha(theme.muted, 0.8);
        // One path per model, stroked once: a dashed stroke is set up once however many epochs there are.
        ctx.beginPath();
        const shown = entry.boundaries.filter((b) => b.step >= xMin && b.step <= xMax);
        const xs = shown.map((b) => Math.round(u.valToPos(b.step, 'x', true)));
        // With several models their lines interleave, so each model's are kept further apart.
        for (const i of thinnedLines(xs, MIN_EPOCH_LINE_GAP * entries.length * pxRatio)) {
          const b = shown[i];
          const x = xs[i];
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          if (position === 0) {
            const text = epochLineLabel(b.epoch);
            // A label's box is a little wider than its text: the page pads it to stand out from the curves.
            labels.push({ text, x: x + 3 * pxRatio, width: ctx.measureText(text).width + 4 * pxRatio });
          }
        }
        ctx.stroke();
      });
      ctx.restore();
      drawnEpochLabels = thinnedLabels(labels, 8 * pxRatio, left + width - 4 * pxRatio).map((i) => ({ text: labels[i].text, x: labels[i].x, y: top + 3 * pxRatio }));
      placeEpochLabels(u, drawnEpochLabels, pxRatio);
    },
  },
};

/**
 * A model's curves: the raw losses and, only while smoothing is on, the smoothed ones. uPlot gets
 * no hidden series: turning smoothing on or off makes a new instance (as the log scale does).
 */
function seriesOptions(position: number, label: string, validation = false): uPlot.Series[] {
  const dash = validation ? EVAL_DASH : dashOf(position);
  const points = validation ? { show: true, size: 5, fill: () => colorOf(position) } : { show: false };
  const raw: uPlot.Series = {
    label: validation ? validationLabel(label) : label,
    stroke: () => (view.smoothingEnabled ? withAlpha(colorOf(position), 0.3) : colorOf(position)),
    width: 1.5,
    dash,
    spanGaps: true,
    points,
  };
  if (!view.smoothingEnabled) return [raw];
  return [raw, { label: `${raw.label} (smoothed)`, stroke: () => colorOf(position), width: 2, dash, spanGaps: true, points: { show: false } }];
}

/** Validation loss: dotted, with a dot at each evaluation, in its model's colour. */
const EVAL_DASH = [2, 4];

function validationLabel(label: string): string {
  return `${label} (validation)`;
}

/** Adds a model's curves to the table (and, when `live` is given, to the uPlot instance), recording where they are. */
function addModelSeries(target: AlignedLossTable, entry: ModelEntry, position: number, live?: uPlot): void {
  const train = target.addSeries(entry.points);
  for (const s of live ? seriesOptions(position, entry.header.displayName) : []) live?.addSeries(s);
  const validation = hasEval(entry) ? target.addSeries(entry.evalPoints as LossColumns) : undefined;
  if (validation !== undefined) for (const s of live ? seriesOptions(position, entry.header.displayName, true) : []) live?.addSeries(s);
  seriesIndex.set(entry.header.name, validation === undefined ? { train } : { train, eval: validation });
}

/**
 * What uPlot draws: the table's `[steps, raw₀, smoothed₀, …]`, or `[steps, raw₀, raw₁, …]` while
 * smoothing is off. The epoch and compute time columns never reach uPlot: the readout and the
 * data table read them by index.
 */
function chartData(): uPlot.AlignedData {
  const data = (table as AlignedLossTable).data();
  if (view.smoothingEnabled) return data as uPlot.AlignedData;
  const drawn: ArrayLike<number | null>[] = [data[0]];
  for (let k = 1; k < data.length; k += 2) drawn.push(data[k]);
  return drawn as uPlot.AlignedData;
}

/** Room kept below the chart for the data table's summary line. */
const BELOW_CHART_PX = 36;

/**
 * As wide as the page, and as tall as the window has room for below the header, toolbar and
 * readout, so that the whole chart is in view without scrolling (within 220–900 px).
 */
function chartSize(): { width: number; height: number } {
  const width = Math.max(240, Math.floor(chartArea.clientWidth || document.body.clientWidth - 32));
  const top = chartArea.getBoundingClientRect().top + window.scrollY;
  const height = Math.max(220, Math.min(900, Math.floor(window.innerHeight - top - BELOW_CHART_PX)));
  return { width, height };
}

/** Resizes the chart when what is above it (the header, as models come and go) or the window changed. */
function fitChart(): void {
  if (!chart) return;
  const size = chartSize();
  if (size.width !== chart.width || size.height !== chart.height) chart.setSize(size);
}

function axisOptions(label: string): uPlot.Axis {
  return {
    label,
    stroke: () => theme.foreground,
    grid: { stroke: () => theme.grid, width: 1 },
    ticks: { stroke: () => theme.grid, width: 1 },
    font: theme.font,
    labelFont: theme.font,
  };
}

function buildTable(): AlignedLossTable {
  const built = new AlignedLossTable(view.smoothing, view.logScale ? forLogScale : identityValue, view.smoothingEnabled);
  seriesIndex = new Map();
  entriesInOrder().forEach((entry, position) => addModelSeries(built, entry, position));
  return built;
}

function createChart(size: { width: number; height: number }): void {
  chart?.destroy();
  table = buildTable();
  const series: uPlot.Series[] = [{ label: 'step' }];
  entriesInOrder().forEach((entry, position) => {
    series.push(...seriesOptions(position, entry.header.displayName));
    if (hasEval(entry)) series.push(...seriesOptions(position, entry.header.displayName, true));
  });
  const opts: uPlot.Options = {
    ...size,
    series,
    scales: { x: { time: false }, y: view.logScale ? { distr: 3, log: 10 } : { distr: 1 } },
    axes: [axisOptions('step'), { ...axisOptions('mean loss'), size: 64, ...(view.logScale ? { values: (_u: uPlot, splits: number[]) => splits.map(logTickLabel) } : {}) }],
    legend: { show: false },
    cursor: { drag: { x: true, y: false }, points: { size: 6 } },
    plugins: [epochLinesPlugin],
    hooks: { setCursor: [() => renderReadout()], draw: [flushReport] },
  };
  chart = new uPlot(opts, chartData(), chartArea);
}

/** Draws the current models: keeps the uPlot instance and only swaps its data when it can. */
function render(update: Update, forceRecreate = false): void {
  const entries = entriesInOrder();
  const anyPoints = entries.some((e) => e.points.step.length > 0 || hasEval(e));
  if (!anyPoints) {
    chart?.destroy();
    chart = undefined;
    table = undefined;
    chartArea.hidden = true;
    renderPage();
    reportAfterDraw('empty');
    return;
  }
  if (chart === undefined || forceRecreate) {
    // What stands above the chart first, so that the chart is sized to the room left below it.
    renderHeaders();
    renderNotices();
    renderLegend();
    chartArea.hidden = false;
    const size = chartSize();
    const wasCreated = chart === undefined;
    createChart(size);
    update = wasCreated ? 'created' : 'recreated';
    updateAriaLabel();
    renderReadout();
    renderTableSoon();
  } else {
    renderPage();
    fitChart();
  }
  reportAfterDraw(update);
}

/**
 * Everything around the curve, built in the same task as the chart: the first frame shows it all
 * and nothing below the header moves afterwards. (Deferring it to a later task does not make the
 * first render cheaper: it only adds a second frame.) Nothing is read back from the page.
 */
function renderPage(): void {
  renderHeaders();
  renderNotices();
  if (chart) updateAriaLabel();
  renderLegend();
  renderReadout();
  renderTableSoon();
}

/** A new uPlot instance for a view setting, on the step range the old one was zoomed to, if any. */
function recreateKeepingZoom(): void {
  const steps = table?.steps;
  const { min, max } = chart?.scales.x ?? {};
  const zoomed = steps !== undefined && steps.length > 0 && min != null && max != null && (min > steps[0] || max < steps[steps.length - 1]);
  render('recreated', true);
  if (zoomed && chart) chart.setScale('x', { min, max });
}

function setData(): void {
  if (chart && table) chart.setData(chartData());
}

// ---- header, notices, legend, readout ----

function addField(list: HTMLElement, term: string, value: string): void {
  const wrap = make('div', 'field');
  wrap.append(make('dt', undefined, term), make('dd', undefined, value));
  list.append(wrap);
}

function renderHeaders(): void {
  const now = Date.now();
  const cards = entriesInOrder().map((entry, position) => {
    const h = entry.header;
    const card = make('section', 'model-card');
    card.setAttribute('aria-label', `Model ${h.displayName} (${h.name})`);
    // The resource name is long and rarely read: it shows on hover, and the CSV export carries it.
    card.title = h.name;
    const title = make('h2', 'model-title');
    const swatch = make('span', 'swatch');
    swatch.style.backgroundColor = colorOf(position);
    swatch.setAttribute('aria-hidden', 'true');
    title.append(swatch, make('span', 'model-name', h.displayName), make('span', `state state-${h.state.toLowerCase()}`, h.state));
    card.append(title);
    if (h.description) card.append(make('p', 'description', h.description));
    // The figures that change first, on as few lines as the card's width allows; the names last.
    const fields = make('dl', 'fields');
    addField(fields, 'Steps', describeSteps(h, entry.points));
    addField(fields, lossLabel(h.state), formatLoss(lastValue(entry.points.loss)));
    const elapsed = elapsedMs(h, entry.points.computeTimeMs, now);
    addField(fields, 'Elapsed', elapsed === undefined ? '—' : formatDuration(elapsed));
    if (hasEval(entry)) addField(fields, 'Validation loss', formatLoss(lastValue((entry.evalPoints as LossColumns).loss)));
    if (h.state === 'CREATING') addField(fields, 'Time left', timeLeft(entry, now));
    addField(fields, 'Hyperparameters', describeHyperparameters(h));
    addField(fields, 'Base model', h.baseModel ?? '—');
    card.append(fields);
    return card;
  });
  headerArea.replaceChildren(...cards);
}

/** A running job's time left, from the pace of its steps' compute times. */
function timeLeft(entry: ModelEntry, now: number): string {
  const { step, computeTimeMs } = entry.points;
  const planned = plannedTotalSteps(entry.header, step, entry.points.epoch);
  const lastStepAt = lastValue(computeTimeMs);
  const estimate = estimateJob(
    {
      name: entry.header.name,
      label: entry.header.displayName,
      completedSteps: step.length > 0 ? step[step.length - 1] : 0,
      totalSteps: planned?.total,
      msPerStep: smoothedMsPerStep(step, computeTimeMs),
      // A backend clock ahead of this one must not make the job look further along than it is.
      lastStepAtMs: lastStepAt === null ? undefined : Math.min(now, lastStepAt),
    },
    now,
  );
  return describeEstimate(estimate);
}

function renderNotices(): void {
  const notices = entriesInOrder()
    .map((entry) => ({ entry, text: noticeOf(entry) }))
    .filter((n): n is { entry: ModelEntry; text: string } => n.text !== undefined);
  const several = models.size > 1;
  noticeArea.replaceChildren(
    ...notices.map(({ entry, text }) => {
      const p = make('p', entry.header.state === 'FAILED' || entry.loadError ? 'notice error' : 'notice');
      p.textContent = several ? `${entry.header.displayName}: ${text}` : text;
      return p;
    }),
  );
  if (order.length === 0) noticeArea.replaceChildren(make('p', 'notice', 'Loading…'));
}

function legendShown(): boolean {
  return entriesInOrder().length > 1 || view.smoothingEnabled || entriesInOrder().some(hasEval);
}

function renderLegend(): void {
  const entries = entriesInOrder();
  legendArea.hidden = !legendShown();
  if (legendArea.hidden) {
    legendArea.replaceChildren();
    return;
  }
  const items = entries.map((entry, position) => {
    const item = make('span', 'legend-item');
    const swatch = make('span', 'legend-line');
    swatch.style.borderTopColor = colorOf(position);
    swatch.style.borderTopStyle = dashOf(position).length === 0 ? 'solid' : 'dashed';
    swatch.setAttribute('aria-hidden', 'true');
    item.append(swatch, make('span', 'legend-name', entry.header.displayName));
    if (hasEval(entry)) {
      const dotted = make('span', 'legend-line');
      dotted.style.borderTopColor = colorOf(position);
      dotted.style.borderTopStyle = 'dotted';
      dotted.setAttribute('aria-hidden', 'true');
      item.append(dotted, make('span', 'legend-name', 'validation'));
    }
    if (entries.length > 1) {
      const remove = make('button', 'remove', '×');
      remove.title = `Remove ${entry.header.displayName} from the chart`;
      remove.setAttribute('aria-label', remove.title);
      remove.addEventListener('click', () => vscode.postMessage({ type: 'removeModelRequest', name: entry.header.name }));
      item.append(remove);
    }
    return item;
  });
  legendArea.replaceChildren(...items);
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

function clock(ms: number): string {
  return clockFormat.format(ms);
}

function readoutLine(entry: ModelEntry, position: number, index: number, smoothed: number | null | undefined): HTMLElement {
  const line = make('div', 'readout-line');
  const swatch = make('span', 'swatch');
  swatch.style.backgroundColor = colorOf(position);
  swatch.setAttribute('aria-hidden', 'true');
  const { step, epoch, loss, computeTimeMs } = entry.points;
  const first = firstValue(computeTimeMs);
  const parts = [`step ${step[index]}`, `epoch ${epoch[index]}`, `loss ${formatLoss(loss[index])}`];
  if (view.smoothingEnabled && smoothed !== undefined) parts.push(`smoothed ${formatLoss(smoothed)}`);
  const evaluated = entry.evalPoints ? sortedIndexOf(entry.evalPoints.step, step[index]) : -1;
  if (evaluated >= 0) parts.push(`validation ${formatLoss((entry.evalPoints as LossColumns).loss[evaluated])}`);
  const computed = computeTimeMs[index];
  if (computed !== null) {
    const since = first !== null ? ` (+${formatDuration(computed - first)})` : '';
    parts.push(`computed ${clock(computed)}${since}`);
  }
  line.append(swatch);
  if (models.size > 1) line.append(make('span', 'readout-name', `${entry.header.displayName}: `));
  line.append(make('span', undefined, parts.join(' · ')));
  return line;
}

function renderReadout(): void {
  const entries = entriesInOrder();
  if (!chart || !table) {
    readoutArea.replaceChildren();
    return;
  }
  const idx = chart.cursor.idx;
  const lines: HTMLElement[] = [];
  const steps = table.steps;
  entries.forEach((entry) => {
    const series = seriesIndex.get(entry.header.name);
    const smoothedValues = table && series ? table.smoothedValues(series.train) : [];
    let pointIndex: number;
    let smoothed: number | null | undefined;
    if (idx === null || idx === undefined) {
      pointIndex = entry.points.step.length - 1;
      smoothed = lastValue(smoothedValues);
    } else {
      pointIndex = sortedIndexOf(entry.points.step, steps[idx]);
      smoothed = idx < smoothedValues.length ? smoothedValues[idx] : undefined;
    }
    if (pointIndex >= 0) lines.push(readoutLine(entry, entries.indexOf(entry), pointIndex, smoothed));
  });
  if (idx === null || idx === undefined) lines.unshift(make('div', 'readout-hint', 'Latest step (hover the chart to read any step; drag to zoom, double-click to reset)'));
  readoutArea.replaceChildren(...lines);
}

function updateAriaLabel(): void {
  const summary = entriesInOrder()
    .map((e) => `${e.header.displayName}: ${e.points.step.length} steps, ${lossLabel(e.header.state).toLowerCase()} ${formatLoss(lastValue(e.points.loss))}`)
    .join('; ');
  chartArea.setAttribute('aria-label', `Loss chart${view.logScale ? ' (log scale)' : ''}. ${summary}. The data table below lists every value.`);
}

// ---- the data table for screen readers ----

const TABLE_ROW_LIMIT = 2000;
let tableQueued = false;

function renderTableSoon(): void {
  if (!tableDetails.open || tableQueued) return;
  tableQueued = true;
  requestAnimationFrame(() => {
    tableQueued = false;
    renderTable();
  });
}

/** Indices of the rows the table shows: all of them, or evenly spaced ones and the last. */
function rowsToShow(count: number): number[] {
  const stride = count <= TABLE_ROW_LIMIT ? 1 : Math.ceil(count / TABLE_ROW_LIMIT);
  const rows: number[] = [];
  for (let i = 0; i < count; i += stride) rows.push(i);
  if (count > 0 && rows[rows.length - 1] !== count - 1) rows.push(count - 1);
  return rows;
}

function renderTable(): void {
  const tables = entriesInOrder().map((entry) => {
    const t = make('table');
    const { step, epoch, loss, computeTimeMs } = entry.points;
    const count = step.length;
    const rows = rowsToShow(count);
    const caption = rows.length < count
      ? `${entry.header.displayName}: every ${Math.ceil(count / TABLE_ROW_LIMIT)}th of ${count} steps (export CSV for all)`
      : `${entry.header.displayName}: ${count} steps`;
    t.append(make('caption', undefined, caption));
    const thead = tableHead(['Step', 'Epoch', 'Mean loss', 'Computed at']);
    const tbody = make('tbody');
    for (const i of rows) {
      const tr = make('tr');
      const lossValue = loss[i];
      const computed = computeTimeMs[i];
      tr.append(
        make('td', undefined, String(step[i])),
        make('td', undefined, String(epoch[i])),
        make('td', undefined, lossValue === null ? 'not a number' : String(lossValue)),
        make('td', undefined, computed === null ? '—' : new Date(computed).toISOString()),
      );
      tbody.append(tr);
    }
    t.append(thead, tbody);
    return hasEval(entry) ? [t, validationTable(entry)] : [t];
  });
  tableArea.replaceChildren(...tables.flat());
}

/** A table's header row, its cells scoped to their columns for screen readers. */
function tableHead(columns: readonly string[]): HTMLTableSectionElement {
  const head = make('tr');
  for (const column of columns) {
    const th = make('th', undefined, column);
    th.scope = 'col';
    head.append(th);
  }
  const thead = make('thead');
  thead.append(head);
  return thead;
}

function validationTable(entry: ModelEntry): HTMLTableElement {
  const t = make('table');
  const { step, loss } = entry.evalPoints as LossColumns;
  t.append(make('caption', undefined, `${validationLabel(entry.header.displayName)}: ${step.length} evaluations`));
  const thead = tableHead(['Step', 'Validation loss']);
  const tbody = make('tbody');
  for (const i of rowsToShow(step.length)) {
    const tr = make('tr');
    tr.append(make('td', undefined, String(step[i])), make('td', undefined, loss[i] === null ? 'not a number' : String(loss[i])));
    tbody.append(tr);
  }
  t.append(thead, tbody);
  return t;
}

tableDetails.addEventListener('toggle', () => renderTableSoon());

// ---- PNG export: the canvas with a background and a legend, drawn as text ----

function exportPng(requestId: number): void {
  try {
    if (!chart) throw new Error('there is no curve to export yet');
    const source = chart.ctx.canvas;
    const ratio = devicePixelRatio || 1;
    const lineHeight = Math.round(18 * ratio);
    const entries = entriesInOrder();
    const out = document.createElement('canvas');
    out.width = source.width;
    out.height = source.height + lineHeight * (entries.length + 1);
    const ctx = out.getContext('2d');
    if (!ctx) throw new Error('the browser gave no 2D canvas');
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.font = theme.font.replace(/^12px/, `${Math.round(12 * ratio)}px`);
    ctx.textBaseline = 'middle';
    entries.forEach((entry, position) => {
      const y = lineHeight * (position + 0.5);
      ctx.fillStyle = colorOf(position);
      ctx.fillRect(8 * ratio, y - 2 * ratio, 18 * ratio, 4 * ratio);
      ctx.fillStyle = theme.foreground;
      const validation = hasEval(entry) ? `, validation ${formatLoss(lastValue((entry.evalPoints as LossColumns).loss))}` : '';
      ctx.fillText(`${entry.header.displayName} — ${entry.header.state}, ${lossLabel(entry.header.state).toLowerCase()} ${formatLoss(lastValue(entry.points.loss))}${validation}`, 32 * ratio, y);
    });
    const chartTop = lineHeight * (entries.length + 1) - lineHeight / 2;
    ctx.drawImage(source, 0, chartTop);
    // The epoch labels are page text over the canvas, so they are drawn into the picture here.
    ctx.fillStyle = theme.muted;
    ctx.textBaseline = 'top';
    for (const label of drawnEpochLabels) ctx.fillText(label.text, label.x + 2 * ratio, chartTop + label.y);
    vscode.postMessage({ type: 'png', requestId, dataUrl: out.toDataURL('image/png') });
  } catch (error) {
    vscode.postMessage({ type: 'pngFailed', requestId, message: error instanceof Error ? error.message : String(error) });
  }
}

// ---- messages from the extension ----

function entryFor(model: WireModel): ModelEntry {
  return { header: model.header, points: model.points, ...(model.evalPoints ? { evalPoints: model.evalPoints } : {}), boundaries: epochBoundaries(model.points) };
}

const handlers: MessageHandlers<ToWebviewMessage> = {
  init: (message) => {
    reportForTests = message.reportForTests;
    if (reportForTests) reportTheme();
  },
  setModels: (message) => {
    models.clear();
    order = message.models.map((m) => m.header.name);
    for (const m of message.models) models.set(m.header.name, entryFor(m));
    persist();
    render('recreated', true);
  },
  upsertModel: ({ model }) => {
    const name = model.header.name;
    const existing = models.get(name);
    const entry = entryFor(model);
    models.set(name, entry);
    if (!existing) {
      order.push(name);
      persist();
      if (chart && table) {
        addModelSeries(table, entry, order.length - 1, chart);
        setData();
        render('setData');
        return;
      }
      render('created');
      return;
    }
    const series = seriesIndex.get(name);
    if (chart && table && series && (series.eval !== undefined) !== hasEval(entry)) {
      // A validation curve came or went: the series after it move, so the chart is made again.
      render('recreated', true);
      return;
    }
    if (chart && table && series) {
      table.replace(series.train, entry.points);
      if (series.eval !== undefined) table.replace(series.eval, entry.evalPoints as LossColumns);
      setData();
    }
    render('setData');
  },
  appendPoints: (message) => {
    const { name, points, header } = message;
    const entry = models.get(name);
    if (!entry) return;
    entry.header = header;
    entry.loadError = undefined;
    const series = seriesIndex.get(name);
    let appended = false;
    if (points.step.length > 0) {
      entry.points = appendColumns(entry.points, points);
      entry.boundaries = epochBoundaries(entry.points);
      if (chart && table && series) appended = table.append(series.train, points) !== undefined;
    }
    const evalPoints = message.evalPoints;
    if (evalPoints && evalPoints.step.length > 0) {
      entry.evalPoints = entry.evalPoints ? appendColumns(entry.evalPoints, evalPoints) : evalPoints;
      if (chart && table && series?.eval !== undefined) {
        appended = table.append(series.eval, evalPoints) !== undefined;
      } else if (chart) {
        // The first validation point: the model gets a curve of its own.
        render('recreated', true);
        return;
      }
    }
    if (appended) setData();
    render('setData');
  },
  removeModel: ({ name }) => {
    const position = order.indexOf(name);
    if (position < 0) return;
    order.splice(position, 1);
    models.delete(name);
    persist();
    if (chart && table && order.length > 0) {
      // Series after the removed one change colour, so they are re-initialised with their new places.
      render('recreated', true);
      return;
    }
    render('setData');
  },
  requestPng: ({ requestId }) => exportPng(requestId),
  loadError: ({ name, message }) => {
    const entry = models.get(name);
    if (entry) entry.loadError = message;
    render('setData');
  },
};

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseToWebview(event.data);
  if (message) dispatch(handlers, message);
});

// ---- controls ----

function applyViewToControls(): void {
  smoothingToggle.checked = view.smoothingEnabled;
  smoothingSlider.value = String(view.smoothing);
  smoothingSlider.disabled = !view.smoothingEnabled;
  smoothingValue.textContent = view.smoothing.toFixed(2);
  logToggle.checked = view.logScale;
}

function viewChanged(): void {
  applyViewToControls();
  persist();
  vscode.postMessage({ type: 'viewChanged', view });
}

smoothingToggle.addEventListener('change', () => {
  view = { ...view, smoothingEnabled: smoothingToggle.checked };
  viewChanged();
  // uPlot draws no hidden series, so the smoothed curves come and go with a new instance.
  if (chart) recreateKeepingZoom();
  else {
    renderLegend();
    renderReadout();
  }
});

smoothingSlider.addEventListener('input', () => {
  view = { ...view, smoothing: clampSmoothing(Number(smoothingSlider.value)) };
  viewChanged();
  if (table) {
    table.setSmoothing(view.smoothing);
    setData();
  }
  renderReadout();
});

logToggle.addEventListener('change', () => {
  view = { ...view, logScale: logToggle.checked };
  viewChanged();
  // uPlot fixes a scale's distribution at creation, so switching it means a new instance.
  if (chart) recreateKeepingZoom();
});

for (const [id, action] of [['addModel', 'addModel'], ['exportCsv', 'exportCsv'], ['exportPng', 'exportPng']] as const) {
  element<HTMLButtonElement>(id).addEventListener('click', () => vscode.postMessage({ type: 'action', action }));
}

new ResizeObserver(() => {
  if (!chart) return;
  // uPlot redraws on every setSize, and the observer also reports the size the chart was just made with.
  const size = chartSize();
  if (size.width !== chart.width || size.height !== chart.height) chart.setSize(size);
}).observe(chartArea);

window.addEventListener('resize', fitChart);

function reportTheme(): void {
  if (!reportForTests) return;
  vscode.postMessage({ type: 'theme', colors: { foreground: theme.foreground, background: theme.background, palette: [...theme.palette] } });
}

// VS Code swaps the body class and the CSS variables on <html> when the theme changes.
const themeObserver = new MutationObserver(() => {
  const before = JSON.stringify(theme);
  theme = readTheme();
  if (JSON.stringify(theme) !== before) reportTheme();
  chart?.redraw(false);
  renderHeaders();
  renderLegend();
  renderReadout();
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });

// Elapsed time of running jobs ticks on the header.
setInterval(() => {
  if (entriesInOrder().some((e) => e.header.state === 'CREATING')) renderHeaders();
}, 1000);

applyViewToControls();
renderNotices();
vscode.postMessage({ type: 'ready', state: isPersistedChartState(restored) ? restored : undefined });
