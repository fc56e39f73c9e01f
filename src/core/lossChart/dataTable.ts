/**
 * Several models' losses on one shared x axis, in the layout uPlot draws, kept up to date as live
 * points arrive.
 */
import { isAscending, sortedIndexOf } from './columns';
import { EmaAccumulator, clampSmoothing } from './smoothing';

/** What the table reads of a model: its steps (ascending) and losses (null for a gap). */
export interface TableColumns {
  step: readonly number[];
  loss: readonly (number | null)[];
}

/** A log axis cannot place zero or negative values; they become gaps. */
export function forLogScale(value: number | null): number | null {
  return value !== null && value > 0 && Number.isFinite(value) ? value : null;
}

export function identityValue(value: number | null): number | null {
  return value;
}

interface SeriesSource {
  step: number[];
  loss: (number | null)[];
}

/**
 * The union of the models' steps and, per model, its raw and smoothed losses at those steps:
 * `[steps, raw₀, smoothed₀, raw₁, smoothed₁, …]`. Live points are appended to the same arrays
 * (uPlot keeps drawing them); only a step arriving out of order makes the table rebuild them.
 * Smoothed values are computed only while smoothing is on; until then the raw ones stand in.
 */
export class AlignedLossTable {
  private readonly stepValues: number[] = [];
  private readonly raw: (number | null)[][] = [];
  private readonly smoothed: (number | null)[][] = [];
  private readonly accumulators: EmaAccumulator[] = [];
  private readonly sources: SeriesSource[] = [];
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

  /** The shared x values. */
  get steps(): readonly number[] {
    return this.stepValues;
  }

  /** uPlot's data array; the inner arrays keep their identity on append. */
  data(): (number | null)[][] {
    const out: (number | null)[][] = [this.stepValues];
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

  addSeries(columns: TableColumns): number {
    const index = this.raw.length;
    this.sources.push({ step: [], loss: [] });
    this.raw.push(new Array<number | null>(this.stepValues.length).fill(null));
    this.smoothed.push(this.smoothingOn ? new Array<number | null>(this.stepValues.length).fill(null) : []);
    this.accumulators.push(new EmaAccumulator(this.smoothing));
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
  append(series: number, columns: TableColumns): 'appended' | 'rebuilt' {
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
    for (let i = 0; i < step.length; i++) {
      const value = this.transform(loss[i]);
      const lastStep = this.stepValues.length > 0 ? this.stepValues[this.stepValues.length - 1] : -Infinity;
      if (step[i] > lastStep) {
        this.stepValues.push(step[i]);
        for (let k = 0; k < this.raw.length; k++) {
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
    this.smoothed[series] = this.smoothingOn ? this.raw[series].map((v) => accumulator.next(v)) : [];
  }

  private rebuild(): void {
    const steps = [...new Set(this.sources.flatMap((s) => s.step))].sort((a, b) => a - b);
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

function mergeByStep(a: TableColumns, b: TableColumns): SeriesSource {
  const byStep = new Map<number, number | null>();
  for (let i = 0; i < a.step.length; i++) byStep.set(a.step[i], a.loss[i]);
  for (let i = 0; i < b.step.length; i++) byStep.set(b.step[i], b.loss[i]);
  const step = [...byStep.keys()].sort((x, y) => x - y);
  return { step, loss: step.map((s) => byStep.get(s) as number | null) };
}
