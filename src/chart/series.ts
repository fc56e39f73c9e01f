/**
 * Turns tuning snapshots into chart series: loss points, epoch boundaries, EMA smoothing, the
 * aligned table uPlot draws, the header summary and the CSV export. No editor or DOM here, so
 * the extension, the webview and the unit tests share it.
 */

/** A snapshot as it arrives on the wire. ProtoJSON omits zeros and writes NaN/Infinity as strings. */
export interface SnapshotInput {
  step?: number | string | null;
  epoch?: number | string | null;
  meanLoss?: number | string | null;
  computeTime?: string | null;
}

export interface LossPoint {
  step: number;
  epoch: number;
  /** null when the backend reported a non-finite or unreadable loss */
  loss: number | null;
  /** epoch milliseconds of `computeTime`, null when absent or unreadable */
  computeTimeMs: number | null;
}

export interface EpochBoundary {
  /** first step of the new epoch */
  step: number;
  epoch: number;
}

function protoNumber(value: number | string | null | undefined): number {
  if (value === undefined || value === null) return 0; // proto3 omits zero values
  if (typeof value === 'number') return value;
  const trimmed = value.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

export function parseTimestamp(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Snapshots → points sorted by step. A snapshot whose step cannot be read is dropped (it has no
 * place on the x axis); a repeated step keeps the later report.
 */
export function toLossPoints(snapshots: readonly SnapshotInput[] | null | undefined): LossPoint[] {
  if (!snapshots || snapshots.length === 0) return [];
  const byStep = new Map<number, LossPoint>();
  let sorted = true;
  let previousStep = -Infinity;
  for (const snapshot of snapshots) {
    if (!snapshot || typeof snapshot !== 'object') continue;
    const step = protoNumber(snapshot.step);
    if (!Number.isFinite(step)) continue;
    const epoch = protoNumber(snapshot.epoch);
    if (step <= previousStep) sorted = false;
    previousStep = Math.max(previousStep, step);
    byStep.set(step, {
      step,
      epoch: Number.isFinite(epoch) ? epoch : 0,
      loss: finiteOrNull(protoNumber(snapshot.meanLoss)),
      computeTimeMs: parseTimestamp(snapshot.computeTime),
    });
  }
  const points = [...byStep.values()];
  if (!sorted) points.sort((a, b) => a.step - b.step);
  return points;
}

/** Points that are not yet in `known` (by step), or that changed since. */
export function pointsAfter(known: readonly LossPoint[], latest: readonly LossPoint[]): { appended: LossPoint[]; rewritten: boolean } {
  const lastKnownStep = known.length > 0 ? known[known.length - 1].step : -Infinity;
  const appended = latest.filter((p) => p.step > lastKnownStep);
  const overlap = latest.length - appended.length;
  if (overlap !== known.length) return { appended, rewritten: true };
  for (let i = 0; i < overlap; i++) {
    const a = known[i];
    const b = latest[i];
    if (a.step !== b.step || a.epoch !== b.epoch || a.loss !== b.loss || a.computeTimeMs !== b.computeTimeMs) {
      return { appended, rewritten: true };
    }
  }
  return { appended, rewritten: false };
}

/**
 * Points as columns, one array per field: how the webview holds them, because arrays of numbers
 * are far cheaper to send, check and draw than one object per step.
 */
export interface LossColumns {
  step: number[];
  epoch: number[];
  /** null for a loss the backend reported as non-finite */
  loss: (number | null)[];
  computeTimeMs: (number | null)[];
}

export function emptyColumns(): LossColumns {
  return { step: [], epoch: [], loss: [], computeTimeMs: [] };
}

export function toColumns(points: readonly LossPoint[]): LossColumns {
  const n = points.length;
  const columns: LossColumns = { step: new Array(n), epoch: new Array(n), loss: new Array(n), computeTimeMs: new Array(n) };
  for (let i = 0; i < n; i++) {
    const p = points[i];
    columns.step[i] = p.step;
    columns.epoch[i] = p.epoch;
    columns.loss[i] = p.loss;
    columns.computeTimeMs[i] = p.computeTimeMs;
  }
  return columns;
}

export function fromColumns(columns: LossColumns): LossPoint[] {
  const n = columns.step.length;
  const points = new Array<LossPoint>(n);
  for (let i = 0; i < n; i++) {
    points[i] = { step: columns.step[i], epoch: columns.epoch[i], loss: columns.loss[i], computeTimeMs: columns.computeTimeMs[i] };
  }
  return points;
}

/** Appends `more` to `target` in place. */
export function appendColumns(target: LossColumns, more: LossColumns): void {
  for (let i = 0; i < more.step.length; i++) {
    target.step.push(more.step[i]);
    target.epoch.push(more.epoch[i]);
    target.loss.push(more.loss[i]);
    target.computeTimeMs.push(more.computeTimeMs[i]);
  }
}

/** True when every step is larger than the one before it. */
export function isAscending(steps: readonly number[]): boolean {
  for (let i = 1; i < steps.length; i++) if (!(steps[i] > steps[i - 1])) return false;
  return true;
}

/** Sorts by step, a repeated step keeping its last value. */
export function normalizeColumns(columns: LossColumns): LossColumns {
  if (isAscending(columns.step)) return columns;
  const byStep = new Map<number, LossPoint>();
  for (const p of fromColumns(columns)) byStep.set(p.step, p);
  return toColumns([...byStep.values()].sort((x, y) => x.step - y.step));
}

/** The steps where the epoch number changes. */
export function epochBoundaries(columns: LossColumns): EpochBoundary[] {
  const { step, epoch } = columns;
  const boundaries: EpochBoundary[] = [];
  for (let i = 1; i < step.length; i++) {
    if (epoch[i] !== epoch[i - 1]) boundaries.push({ step: step[i], epoch: epoch[i] });
  }
  return boundaries;
}

export const MAX_SMOOTHING = 0.999;

export function clampSmoothing(factor: number): number {
  if (!Number.isFinite(factor) || factor <= 0) return 0;
  return Math.min(factor, MAX_SMOOTHING);
}

/**
 * Incremental, debiased exponential moving average (the TensorBoard smoothing): the first value
 * is kept as is instead of being pulled towards zero. Gaps (null) stay gaps and do not move it.
 */
export class EmaAccumulator {
  private last = 0;
  private count = 0;
  readonly factor: number;

  constructor(factor: number) {
    this.factor = clampSmoothing(factor);
  }

  next(value: number | null): number | null {
    if (value === null || !Number.isFinite(value)) return null;
    this.last = this.last * this.factor + (1 - this.factor) * value;
    this.count++;
    const debias = this.factor === 0 ? 1 : 1 - Math.pow(this.factor, this.count);
    return this.last / debias;
  }
}

export function ema(values: readonly (number | null)[], factor: number): (number | null)[] {
  const accumulator = new EmaAccumulator(factor);
  return values.map((v) => accumulator.next(v));
}

/** A log axis cannot place zero or negative values; they become gaps. */
export function forLogScale(value: number | null): number | null {
  return value !== null && value > 0 && Number.isFinite(value) ? value : null;
}

export function identityValue(value: number | null): number | null {
  return value;
}

/** The last finite loss. */
export function finalLoss(losses: readonly (number | null)[]): number | undefined {
  for (let i = losses.length - 1; i >= 0; i--) {
    const loss = losses[i];
    if (loss !== null) return loss;
  }
  return undefined;
}

interface TableSource {
  step: number[];
  loss: (number | null)[];
}

/**
 * Several models' losses on one shared x axis (the union of their steps), in the layout uPlot
 * draws: `[steps, raw₀, smoothed₀, raw₁, smoothed₁, …]`. Live points are appended to the same
 * arrays; only a step arriving out of order makes it rebuild them. Smoothed arrays are computed
 * only while smoothing is on (until then the raw array stands in for them).
 */
export class AlignedLossTable {
  readonly steps: number[] = [];
  private readonly raw: (number | null)[][] = [];
  private readonly smoothed: (number | null)[][] = [];
  private readonly accumulators: EmaAccumulator[] = [];
  private readonly sources: TableSource[] = [];
  private smoothing: number;
  private smoothingOn: boolean;

  constructor(
    smoothing: number,
    private readonly transform: (value: number | null) => number | null = identityValue,
    smoothingEnabled = true,
  ) {
    this.smoothing = clampSmoothing(smoothing);
    this.smoothingOn = smoothingEnabled;
  }

  get seriesCount(): number {
    return this.raw.length;
  }

  /** uPlot's data array; the inner arrays are the table's own and keep their identity on append. */
  data(): (number | null)[][] {
    const out: (number | null)[][] = [this.steps];
    for (let k = 0; k < this.raw.length; k++) out.push(this.raw[k], this.smoothingOn ? this.smoothed[k] : this.raw[k]);
    return out;
  }

  rawValues(series: number): readonly (number | null)[] {
    return this.raw[series];
  }

  /** The smoothed values, or an empty array while smoothing is off. */
  smoothedValues(series: number): readonly (number | null)[] {
    return this.smoothingOn ? this.smoothed[series] : [];
  }

  addSeries(columns: Pick<LossColumns, 'step' | 'loss'>): number {
    const index = this.raw.length;
    this.accumulators.push(new EmaAccumulator(this.smoothing));
    if (index === 0 && isAscending(columns.step)) {
      // The common case, one model: its columns are the table, copied in one go.
      this.sources.push({ step: columns.step.slice(), loss: columns.loss.slice() });
      for (const s of columns.step) this.steps.push(s);
      this.raw.push(this.transform === identityValue ? columns.loss.slice() : columns.loss.map(this.transform));
      this.smoothed.push([]);
      if (this.smoothingOn) this.resmooth(0);
      return index;
    }
    this.sources.push({ step: [], loss: [] });
    this.raw.push(new Array<number | null>(this.steps.length).fill(null));
    this.smoothed.push(this.smoothingOn ? new Array<number | null>(this.steps.length).fill(null) : []);
    this.append(index, columns);
    return index;
  }

  removeSeries(series: number): void {
    this.sources.splice(series, 1);
    this.raw.splice(series, 1);
    this.smoothed.splice(series, 1);
    this.accumulators.splice(series, 1);
    this.rebuild();
  }

  /** Appends points of one series; returns 'appended' when existing arrays were only extended. */
  append(series: number, columns: Pick<LossColumns, 'step' | 'loss'>): 'appended' | 'rebuilt' {
    const { step, loss } = columns;
    if (step.length === 0) return 'appended';
    const source = this.sources[series];
    const lastOwnStep = source.step.length > 0 ? source.step[source.step.length - 1] : -Infinity;
    if (!(step[0] > lastOwnStep) || !isAscending(step)) {
      this.sources[series] = mergeByStep(source, columns);
      this.rebuild();
      return 'rebuilt';
    }
    for (let i = 0; i < step.length; i++) {
      source.step.push(step[i]);
      source.loss.push(loss[i]);
    }
    const seriesCount = this.raw.length;
    for (let i = 0; i < step.length; i++) {
      const value = this.transform(loss[i]);
      const lastStep = this.steps.length > 0 ? this.steps[this.steps.length - 1] : -Infinity;
      if (step[i] > lastStep) {
        this.steps.push(step[i]);
        for (let k = 0; k < seriesCount; k++) {
          const mine = k === series;
          this.raw[k].push(mine ? value : null);
          if (this.smoothingOn) this.smoothed[k].push(mine ? this.accumulators[k].next(value) : null);
        }
        continue;
      }
      // Another series already has this step: fill our cell in place.
      const index = sortedIndexOf(this.steps, step[i]);
      if (index < 0) {
        this.rebuild();
        return 'rebuilt';
      }
      this.raw[series][index] = value;
      if (this.smoothingOn) this.smoothed[series][index] = this.accumulators[series].next(value);
    }
    return 'appended';
  }

  /** Replaces one series' points entirely. */
  replace(series: number, columns: Pick<LossColumns, 'step' | 'loss'>): void {
    this.sources[series] = mergeByStep({ step: [], loss: [] }, columns);
    this.rebuild();
  }

  setSmoothing(factor: number, enabled = this.smoothingOn): void {
    this.smoothing = clampSmoothing(factor);
    this.smoothingOn = enabled;
    for (let k = 0; k < this.raw.length; k++) this.resmooth(k);
  }

  private resmooth(series: number): void {
    const accumulator = new EmaAccumulator(this.smoothing);
    this.accumulators[series] = accumulator;
    if (!this.smoothingOn) {
      this.smoothed[series] = [];
      return;
    }
    const raw = this.raw[series];
    const smoothed = new Array<number | null>(raw.length);
    for (let i = 0; i < raw.length; i++) smoothed[i] = accumulator.next(raw[i]);
    this.smoothed[series] = smoothed;
  }

  private rebuild(): void {
    const stepSet = new Set<number>();
    for (const source of this.sources) for (const s of source.step) stepSet.add(s);
    const steps = [...stepSet].sort((a, b) => a - b);
    const indexOf = new Map<number, number>();
    steps.forEach((s, i) => indexOf.set(s, i));
    this.steps.length = steps.length;
    for (let i = 0; i < steps.length; i++) this.steps[i] = steps[i];
    for (let k = 0; k < this.sources.length; k++) {
      const raw = this.raw[k];
      raw.length = steps.length;
      raw.fill(null);
      const source = this.sources[k];
      for (let i = 0; i < source.step.length; i++) raw[indexOf.get(source.step[i]) as number] = this.transform(source.loss[i]);
      this.resmooth(k);
    }
  }
}

function mergeByStep(a: Pick<LossColumns, 'step' | 'loss'>, b: Pick<LossColumns, 'step' | 'loss'>): TableSource {
  const byStep = new Map<number, number | null>();
  for (let i = 0; i < a.step.length; i++) byStep.set(a.step[i], a.loss[i]);
  for (let i = 0; i < b.step.length; i++) byStep.set(b.step[i], b.loss[i]);
  const step = [...byStep.keys()].sort((x, y) => x - y);
  return { step, loss: step.map((s) => byStep.get(s) as number | null) };
}

/** Index of `value` in an ascending array, or -1. */
export function sortedIndexOf(values: readonly number[], value: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = values[mid];
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}


// ---- header summary ----

export type ModelState = 'STATE_UNSPECIFIED' | 'CREATING' | 'ACTIVE' | 'FAILED';

/** The fields of a TunedModel the chart reads (a structural subset of the wire type). */
export interface TunedModelInput {
  name?: string;
  displayName?: string;
  description?: string;
  state?: string;
  baseModel?: string;
  tunedModelSource?: { tunedModel?: string; baseModel?: string };
  createTime?: string;
  updateTime?: string;
  tuningTask?: {
    startTime?: string;
    completeTime?: string;
    snapshots?: SnapshotInput[];
    hyperparameters?: {
      learningRate?: number;
      learningRateMultiplier?: number;
      epochCount?: number;
      batchSize?: number;
    };
  };
}

/** The fields of a create Operation the chart reads. */
export interface OperationInput {
  done?: boolean;
  error?: { code?: number; message?: string };
  metadata?: {
    totalSteps?: number | string;
    completedSteps?: number | string;
    completedPercent?: number | string;
    snapshots?: SnapshotInput[];
  };
}

export interface ModelHeader {
  name: string;
  displayName: string;
  description?: string;
  state: ModelState;
  baseModel?: string;
  epochCount?: number;
  batchSize?: number;
  learningRate?: number;
  learningRateMultiplier?: number;
  totalSteps?: number;
  completedSteps?: number;
  startTime?: string;
  completeTime?: string;
  /** the operation's error, for a FAILED model */
  errorMessage?: string;
}

function knownState(state: string | undefined): ModelState {
  return state === 'CREATING' || state === 'ACTIVE' || state === 'FAILED' ? state : 'STATE_UNSPECIFIED';
}

function positiveInt(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && n > 0 ? Math.round(n) : undefined;
}

export function summarizeModel(model: TunedModelInput, operation?: OperationInput): ModelHeader {
  const name = model.name ?? '';
  const hp = model.tuningTask?.hyperparameters ?? {};
  return {
    name,
    displayName: model.displayName?.trim() || name.replace(/^tunedModels\//, ''),
    description: model.description || undefined,
    state: knownState(model.state),
    baseModel: model.baseModel ?? model.tunedModelSource?.baseModel ?? model.tunedModelSource?.tunedModel,
    epochCount: hp.epochCount,
    batchSize: hp.batchSize,
    learningRate: hp.learningRate,
    learningRateMultiplier: hp.learningRateMultiplier,
    totalSteps: positiveInt(operation?.metadata?.totalSteps),
    completedSteps: positiveInt(operation?.metadata?.completedSteps),
    startTime: model.tuningTask?.startTime,
    completeTime: model.tuningTask?.completeTime,
    errorMessage: operation?.error?.message || undefined,
  };
}

/** The snapshots to draw: the model's own, or the running operation's when it has more. */
export function snapshotsOf(model: TunedModelInput, operation?: OperationInput): SnapshotInput[] {
  const fromModel = model.tuningTask?.snapshots ?? [];
  const fromOperation = operation?.metadata?.snapshots ?? [];
  return fromOperation.length > fromModel.length ? fromOperation : fromModel;
}

export type EmptyReason = 'waiting' | 'failed' | 'noSnapshots';

/** Why a model has nothing to draw, or undefined when it has points. */
export function emptyReason(header: ModelHeader, pointCount: number): EmptyReason | undefined {
  if (header.state === 'FAILED') return pointCount === 0 ? 'failed' : undefined;
  if (pointCount > 0) return undefined;
  return header.state === 'CREATING' ? 'waiting' : 'noSnapshots';
}

export function describeEmpty(reason: EmptyReason, header: ModelHeader): string {
  switch (reason) {
    case 'waiting':
      return 'Waiting for the first step…';
    case 'failed':
      return `Tuning failed: ${header.errorMessage ?? 'the backend gave no error message.'}`;
    case 'noSnapshots':
      return 'The backend returned no training snapshots for this model, so there is no loss curve to draw.';
  }
}

export function firstNonNull(values: readonly (number | null)[]): number | null {
  for (const v of values) if (v !== null) return v;
  return null;
}

export function lastNonNull(values: readonly (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i];
  return null;
}

/** Wall time of the run: start to completion, or start to `nowMs` while it is running. */
export function elapsedMs(header: ModelHeader, computeTimesMs: readonly (number | null)[], nowMs: number): number | undefined {
  const start = parseTimestamp(header.startTime) ?? firstNonNull(computeTimesMs);
  if (start === null) return undefined;
  let end = parseTimestamp(header.completeTime);
  if (end === null) end = header.state === 'CREATING' ? nowMs : lastNonNull(computeTimesMs);
  return end === null || end < start ? undefined : end - start;
}

export function formatDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function formatLoss(loss: number | null | undefined): string {
  if (loss === null || loss === undefined) return '—';
  const magnitude = Math.abs(loss);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return loss.toExponential(3);
  return loss.toFixed(4);
}

// ---- CSV export ----

export interface CsvModel {
  header: Pick<ModelHeader, 'name' | 'displayName'>;
  points: readonly LossPoint[];
}

const CSV_COLUMNS = ['model', 'display_name', 'step', 'epoch', 'mean_loss', 'compute_time'];

/** RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with a quote. */
export function csvCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One row per point; an unreadable loss is an empty cell. Lines end with CRLF as RFC 4180 says. */
export function toCsv(models: readonly CsvModel[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const { header, points } of models) {
    const name = csvCell(header.name);
    const displayName = csvCell(header.displayName);
    for (const p of points) {
      lines.push(
        [
          name,
          displayName,
          String(p.step),
          String(p.epoch),
          p.loss === null ? '' : String(p.loss),
          p.computeTimeMs === null ? '' : new Date(p.computeTimeMs).toISOString(),
        ].join(','),
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}
