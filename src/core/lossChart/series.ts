/**
 * Turns tuning snapshots into chart series: loss points, epoch boundaries, EMA smoothing, the
 * aligned table uPlot draws, the header summary and the CSV export. No editor or DOM here, so
 * the extension, the webview and the unit tests share it.
 */
import { totalSteps } from '../api/tuningDefaults';

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
 * Points as they cross to the webview and as it keeps them: one `Float64Array` per field, NaN
 * where a value is missing. VS Code moves typed arrays to a webview as raw bytes instead of
 * JSON, and uPlot draws them as they are, so a long run is neither encoded, parsed nor copied.
 */
export interface PackedColumns {
  step: Float64Array;
  epoch: Float64Array;
  /** NaN for a loss the backend reported as non-finite */
  loss: Float64Array;
  /** NaN when the snapshot had no readable compute time */
  computeTimeMs: Float64Array;
}

export function packColumns(points: readonly LossPoint[]): PackedColumns {
  const n = points.length;
  const packed: PackedColumns = { step: new Float64Array(n), epoch: new Float64Array(n), loss: new Float64Array(n), computeTimeMs: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const p = points[i];
    packed.step[i] = p.step;
    packed.epoch[i] = p.epoch;
    packed.loss[i] = p.loss ?? Number.NaN;
    packed.computeTimeMs[i] = p.computeTimeMs ?? Number.NaN;
  }
  return packed;
}

/** A value of a packed column, with a missing one (NaN, or past the end) as null. */
export function valueAt(values: ArrayLike<number | null>, index: number): number | null {
  const v = values[index];
  return v === null || v === undefined || Number.isNaN(v) ? null : v;
}

export function unpackColumns(packed: PackedColumns): LossPoint[] {
  const n = packed.step.length;
  const points = new Array<LossPoint>(n);
  for (let i = 0; i < n; i++) {
    points[i] = { step: packed.step[i], epoch: packed.epoch[i], loss: valueAt(packed.loss, i), computeTimeMs: valueAt(packed.computeTimeMs, i) };
  }
  return points;
}

/** `a` followed by `b`, in new arrays (a block copy each, so appending live points stays cheap). */
export function concatPacked(a: PackedColumns, b: PackedColumns): PackedColumns {
  const join = (x: Float64Array, y: Float64Array): Float64Array => {
    const out = new Float64Array(x.length + y.length);
    out.set(x, 0);
    out.set(y, x.length);
    return out;
  };
  return { step: join(a.step, b.step), epoch: join(a.epoch, b.epoch), loss: join(a.loss, b.loss), computeTimeMs: join(a.computeTimeMs, b.computeTimeMs) };
}

/** What one pass over packed columns learns, so that nothing else has to walk them again. */
export interface ColumnScan {
  /** steps and epochs are finite; losses and compute times are finite or NaN (missing) */
  wellFormed: boolean;
  /** every step is larger than the one before it */
  ascending: boolean;
  /** no loss is missing */
  lossesFinite: boolean;
  /** no loss is missing, zero or negative: a log axis draws them all */
  lossesPositive: boolean;
  /** where the epoch changes (meaningful when `ascending`) */
  boundaries: EpochBoundary[];
}

const scans = new WeakMap<PackedColumns, ColumnScan>();

/**
 * Checks and summarises packed columns in one pass. The result is kept with the columns (which
 * nobody changes: appending makes new arrays), so the protocol check, the epoch marks and the
 * table share it.
 */
export function scanPacked(columns: PackedColumns): ColumnScan {
  const known = scans.get(columns);
  if (known) return known;
  const { step, epoch, loss, computeTimeMs } = columns;
  const n = step.length;
  let wellFormed = epoch.length === n && loss.length === n && computeTimeMs.length === n;
  let ascending = true;
  let lossesFinite = true;
  let lossesPositive = true;
  const boundaries: EpochBoundary[] = [];
  // `x - x === 0` is true exactly for finite numbers and `x !== x` exactly for NaN: plain
  // arithmetic keeps this loop fast even before the browser optimises it.
  let previousStep = n > 0 ? step[0] - 1 : 0;
  let previousEpoch = n > 0 ? epoch[0] : 0;
  for (let i = 0; i < n; i++) {
    const s = step[i];
    const e = epoch[i];
    const l = loss[i];
    const t = computeTimeMs[i];
    if (s - s !== 0 || e - e !== 0 || (t - t !== 0 && t === t)) {
      wellFormed = false;
      break;
    }
    if (l - l === 0) {
      if (l <= 0) lossesPositive = false;
    } else if (l !== l) {
      lossesFinite = lossesPositive = false;
    } else {
      wellFormed = false;
      break;
    }
    if (s <= previousStep) ascending = false;
    if (e !== previousEpoch) boundaries.push({ step: s, epoch: e });
    previousStep = s;
    previousEpoch = e;
  }
  const scan: ColumnScan = { wellFormed, ascending, lossesFinite, lossesPositive, boundaries };
  scans.set(columns, scan);
  return scan;
}

/**
 * Keeps a scan made elsewhere with these columns: the extension scans them while packing, in
 * Node, and sends the result along, so the webview's first draw walks no column of its own.
 */
export function rememberScan(columns: PackedColumns, scan: ColumnScan): void {
  scans.set(columns, scan);
}

/** The scan of `concatPacked(a, b)`, from the scans of `a` and `b`. */
export function concatScans(a: PackedColumns, b: PackedColumns): ColumnScan {
  const sa = scanPacked(a);
  const sb = scanPacked(b);
  const na = a.step.length;
  if (na === 0) return sb;
  if (b.step.length === 0) return sa;
  const joinBoundary = b.epoch[0] !== a.epoch[na - 1] ? [{ step: b.step[0], epoch: b.epoch[0] }] : [];
  return {
    wellFormed: sa.wellFormed && sb.wellFormed,
    ascending: sa.ascending && sb.ascending && b.step[0] > a.step[na - 1],
    lossesFinite: sa.lossesFinite && sb.lossesFinite,
    lossesPositive: sa.lossesPositive && sb.lossesPositive,
    boundaries: [...sa.boundaries, ...joinBoundary, ...sb.boundaries],
  };
}

/** `a` followed by `b`, with its scan worked out from theirs rather than by walking it again. */
export function appendPacked(a: PackedColumns, b: PackedColumns): PackedColumns {
  const joined = concatPacked(a, b);
  rememberScan(joined, concatScans(a, b));
  return joined;
}

/**
 * The epoch of every point, rebuilt from where epochs change: the epoch of the first point, then
 * each boundary's from its step on. For ascending steps this is the column the boundaries were
 * scanned from, so it need not cross to the webview (a few block fills instead of a column).
 */
export function epochColumn(step: Float64Array, firstEpoch: number, boundaries: readonly EpochBoundary[]): Float64Array {
  const out = new Float64Array(step.length);
  let start = 0;
  let epoch = firstEpoch;
  for (const b of boundaries) {
    const index = sortedIndexOf(step, b.step);
    if (index < start) continue;
    out.fill(epoch, start, index);
    start = index;
    epoch = b.epoch;
  }
  out.fill(epoch, start);
  return out;
}

/** Sorts by step, a repeated step keeping its last value. */
export function normalizePacked(packed: PackedColumns): PackedColumns {
  if (scanPacked(packed).ascending) return packed;
  const byStep = new Map<number, LossPoint>();
  for (const p of unpackColumns(packed)) byStep.set(p.step, p);
  return packColumns([...byStep.values()].sort((x, y) => x.step - y.step));
}

/** True when every step is larger than the one before it. */
export function isAscending(steps: ArrayLike<number>): boolean {
  for (let i = 1; i < steps.length; i++) if (!(steps[i] > steps[i - 1])) return false;
  return true;
}

/** The steps where the epoch number changes. */
export function epochBoundaries(columns: { step: ArrayLike<number>; epoch: ArrayLike<number> }): EpochBoundary[] {
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
export function finalLoss(losses: ArrayLike<number | null>): number | undefined {
  return lastNonNull(losses) ?? undefined;
}

interface TableSource {
  step: number[];
  loss: (number | null)[];
}

/** What the table reads of a model: plain columns (null for a gap) or packed ones (NaN for a gap). */
export interface TableColumns {
  step: ArrayLike<number>;
  loss: ArrayLike<number | null>;
}

/** One model whose points all draw as they are: its packed columns are handed to uPlot unchanged. */
interface PackedSeries {
  steps: Float64Array;
  raw: Float64Array;
  smoothed: Float64Array | undefined;
}

/**
 * Several models' losses on one shared x axis (the union of their steps), in the layout uPlot
 * draws: `[steps, raw₀, smoothed₀, raw₁, smoothed₁, …]`. Live points are appended to the same
 * arrays; only a step arriving out of order makes it rebuild them. Smoothed arrays are computed
 * only while smoothing is on (until then the raw array stands in for them).
 *
 * The first draw of one model is the common case and the one people wait for: when its steps
 * ascend and every loss can be drawn (no gap), its packed columns become uPlot's data without a
 * copy. The table switches to its own arrays the first time it has to change them.
 */
export class AlignedLossTable {
  private stepValues: number[] = [];
  private readonly raw: (number | null)[][] = [];
  private readonly smoothed: (number | null)[][] = [];
  private readonly accumulators: EmaAccumulator[] = [];
  private readonly sources: TableSource[] = [];
  private packed: PackedSeries | undefined;
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
    return this.packed ? 1 : this.raw.length;
  }

  /** The shared x values. */
  get steps(): ArrayLike<number> {
    return this.packed ? this.packed.steps : this.stepValues;
  }

  /** True while the table draws packed columns as they came (no copy made yet). */
  get isPacked(): boolean {
    return this.packed !== undefined;
  }

  /** uPlot's data array; the inner arrays keep their identity on append. */
  data(): ArrayLike<number | null>[] {
    if (this.packed) {
      const { steps, raw, smoothed } = this.packed;
      return [steps, raw, this.smoothingOn && smoothed ? smoothed : raw];
    }
    const out: ArrayLike<number | null>[] = [this.stepValues];
    for (let k = 0; k < this.raw.length; k++) out.push(this.raw[k], this.smoothingOn ? this.smoothed[k] : this.raw[k]);
    return out;
  }

  rawValues(series: number): ArrayLike<number | null> {
    return this.packed ? this.packed.raw : this.raw[series];
  }

  /** The smoothed values, or an empty array while smoothing is off. */
  smoothedValues(series: number): ArrayLike<number | null> {
    if (!this.smoothingOn) return [];
    return this.packed ? (this.packed.smoothed ?? []) : this.smoothed[series];
  }

  addSeries(columns: TableColumns): number {
    const { step: steps, loss: raw } = columns;
    if (this.seriesCount === 0 && steps instanceof Float64Array && raw instanceof Float64Array && this.drawsUnchanged(columns, steps, raw)) {
      this.packed = { steps, raw, smoothed: undefined };
      this.accumulators.push(new EmaAccumulator(this.smoothing));
      if (this.smoothingOn) this.packed.smoothed = this.packedEma(raw);
      return 0;
    }
    this.unpack();
    const index = this.raw.length;
    this.accumulators.push(new EmaAccumulator(this.smoothing));
    if (index === 0 && isAscending(columns.step)) {
      // One model in order: its columns are the table, copied in one go.
      const loss = readLosses(columns.loss);
      this.sources.push({ step: Array.from(columns.step), loss });
      for (let i = 0; i < columns.step.length; i++) this.stepValues.push(columns.step[i]);
      this.raw.push(this.transform === identityValue ? loss.slice() : loss.map(this.transform));
      this.smoothed.push([]);
      if (this.smoothingOn) this.resmooth(0);
      return index;
    }
    this.sources.push({ step: [], loss: [] });
    this.raw.push(new Array<number | null>(this.stepValues.length).fill(null));
    this.smoothed.push(this.smoothingOn ? new Array<number | null>(this.stepValues.length).fill(null) : []);
    this.append(index, columns);
    return index;
  }

  removeSeries(series: number): void {
    this.unpack();
    this.sources.splice(series, 1);
    this.raw.splice(series, 1);
    this.smoothed.splice(series, 1);
    this.accumulators.splice(series, 1);
    this.rebuild();
  }

  /** Appends points of one series; returns 'appended' when existing arrays were only extended. */
  append(series: number, columns: TableColumns): 'appended' | 'rebuilt' {
    const { step } = columns;
    if (step.length === 0) return 'appended';
    this.unpack();
    const loss = readLosses(columns.loss);
    const source = this.sources[series];
    const lastOwnStep = source.step.length > 0 ? source.step[source.step.length - 1] : -Infinity;
    if (!(step[0] > lastOwnStep) || !isAscending(step)) {
      this.sources[series] = mergeByStep(source, { step: Array.from(step), loss });
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
      const lastStep = this.stepValues.length > 0 ? this.stepValues[this.stepValues.length - 1] : -Infinity;
      if (step[i] > lastStep) {
        this.stepValues.push(step[i]);
        for (let k = 0; k < seriesCount; k++) {
          const mine = k === series;
          this.raw[k].push(mine ? value : null);
          if (this.smoothingOn) this.smoothed[k].push(mine ? this.accumulators[k].next(value) : null);
        }
        continue;
      }
      // Another series already has this step: fill our cell in place.
      const index = sortedIndexOf(this.stepValues, step[i]);
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
  replace(series: number, columns: TableColumns): void {
    this.unpack();
    this.sources[series] = mergeByStep({ step: [], loss: [] }, { step: Array.from(columns.step), loss: readLosses(columns.loss) });
    this.rebuild();
  }

  setSmoothing(factor: number, enabled = this.smoothingOn): void {
    this.smoothing = clampSmoothing(factor);
    this.smoothingOn = enabled;
    if (this.packed) {
      this.packed.smoothed = enabled ? this.packedEma(this.packed.raw) : undefined;
      return;
    }
    for (let k = 0; k < this.raw.length; k++) this.resmooth(k);
  }

  /** True when every step ascends and every loss draws as it is (no gap, nothing the transform drops). */
  private drawsUnchanged(columns: TableColumns, steps: Float64Array, loss: Float64Array): boolean {
    const scan = scans.get(columns as PackedColumns);
    if (scan && this.transform === identityValue) return scan.ascending && scan.lossesFinite;
    if (scan && this.transform === forLogScale) return scan.ascending && scan.lossesPositive;
    if (!isAscending(steps)) return false;
    for (let i = 0; i < loss.length; i++) {
      const v = loss[i];
      if (!Number.isFinite(v) || this.transform(v) !== v) return false;
    }
    return true;
  }

  private packedEma(values: Float64Array): Float64Array {
    const accumulator = new EmaAccumulator(this.smoothing);
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = accumulator.next(values[i]) as number;
    this.accumulators[0] = accumulator;
    return out;
  }

  /** Moves packed columns into the table's own arrays, which can grow. */
  private unpack(): void {
    const packed = this.packed;
    if (!packed) return;
    this.packed = undefined;
    const step = Array.from(packed.steps);
    const loss = Array.from(packed.raw) as (number | null)[];
    this.sources.push({ step, loss });
    this.stepValues = step.slice();
    this.raw.push(loss.slice());
    this.smoothed.push([]);
    this.resmooth(0);
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
    this.stepValues.length = steps.length;
    for (let i = 0; i < steps.length; i++) this.stepValues[i] = steps[i];
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

/** Losses as the table keeps them: null for a gap, whether it came as null or as NaN. */
function readLosses(values: ArrayLike<number | null>): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = valueAt(values, i);
  return out;
}

function mergeByStep(a: TableSource, b: TableSource): TableSource {
  const byStep = new Map<number, number | null>();
  for (let i = 0; i < a.step.length; i++) byStep.set(a.step[i], a.loss[i]);
  for (let i = 0; i < b.step.length; i++) byStep.set(b.step[i], b.loss[i]);
  const step = [...byStep.keys()].sort((x, y) => x - y);
  return { step, loss: step.map((s) => byStep.get(s) as number | null) };
}

/** Index of `value` in an ascending array, or -1. */
export function sortedIndexOf(values: ArrayLike<number>, value: number): number {
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
    /** input only on the Gemini API; present when the model object came from its create request */
    trainingData?: { examples?: { examples?: readonly unknown[] } };
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
  /** the backend's planned total, from the create operation */
  totalSteps?: number;
  completedSteps?: number;
  /** how many training examples the job was given, when the model says so */
  exampleCount?: number;
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
    exampleCount: positiveInt(model.tuningTask?.trainingData?.examples?.examples?.length),
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

/** The first value that is not missing (null or NaN). */
export function firstNonNull(values: ArrayLike<number | null>): number | null {
  for (let i = 0; i < values.length; i++) {
    const v = valueAt(values, i);
    if (v !== null) return v;
  }
  return null;
}

/** The last value that is not missing (null or NaN). */
export function lastNonNull(values: ArrayLike<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = valueAt(values, i);
    if (v !== null) return v;
  }
  return null;
}

/** Wall time of the run: start to completion, or start to `nowMs` while it is running. */
export function elapsedMs(header: ModelHeader, computeTimesMs: ArrayLike<number | null>, nowMs: number): number | undefined {
  const start = parseTimestamp(header.startTime) ?? firstNonNull(computeTimesMs);
  if (start === null) return undefined;
  let end = parseTimestamp(header.completeTime);
  if (end === null) end = header.state === 'CREATING' ? nowMs : lastNonNull(computeTimesMs);
  return end === null || end < start ? undefined : end - start;
}

/** Where a model's total step count comes from. */
export type StepTotalSource = 'operation' | 'hyperparameters' | 'snapshots' | 'firstEpoch';

export interface StepTotal {
  total: number;
  source: StepTotalSource;
}

/**
 * The planned number of steps, best source first: the backend's own plan (the create
 * operation's `totalSteps`); the hyperparameters with the example count, computed the way both
 * backends plan a job (`totalSteps` in tuningDefaults); for a finished run, its last step; for a
 * running one whose first epoch is complete, that epoch's steps times the epoch count.
 */
export function plannedTotalSteps(header: ModelHeader, steps: ArrayLike<number>, epochs: ArrayLike<number>): StepTotal | undefined {
  if (header.totalSteps !== undefined) return { total: header.totalSteps, source: 'operation' };
  const { exampleCount, epochCount, batchSize } = header;
  if (exampleCount !== undefined && epochCount !== undefined && epochCount > 0 && batchSize !== undefined && batchSize > 0) {
    return { total: totalSteps(exampleCount, epochCount, batchSize), source: 'hyperparameters' };
  }
  const n = steps.length;
  if (n === 0) return undefined;
  if (header.state === 'ACTIVE') return { total: steps[n - 1], source: 'snapshots' };
  if (header.state === 'CREATING' && epochCount !== undefined && epochCount > 0) {
    const firstEpoch = epochs[0];
    for (let i = 1; i < n; i++) {
      // The first epoch is over once a later one has begun; its last step says how long an epoch is.
      if (epochs[i] !== firstEpoch) return { total: steps[i - 1] * epochCount, source: 'firstEpoch' };
    }
  }
  return undefined;
}

/** The header's step line: done out of the total, and where the total comes from. */
export function describeSteps(header: ModelHeader, points: { step: ArrayLike<number>; epoch: ArrayLike<number> }): string {
  const n = points.step.length;
  const done = n > 0 ? points.step[n - 1] : header.completedSteps;
  const planned = plannedTotalSteps(header, points.step, points.epoch);
  if (!planned) return done !== undefined ? String(done) : '—';
  const doneText = String(done ?? 0);
  switch (planned.source) {
    case 'operation':
      return `${doneText} of ${planned.total}`;
    case 'hyperparameters':
      return `${doneText} of ${planned.total} (${header.epochCount} epochs × ${header.exampleCount} examples ÷ batch size ${header.batchSize})`;
    case 'snapshots':
      return `${doneText} of ${planned.total} (the last reported step)`;
    case 'firstEpoch':
      return `${doneText} of about ${planned.total} (${header.epochCount} epochs as long as the first)`;
  }
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
