/** The smoothing the chart offers: TensorBoard's debiased exponential moving average. */

export const MAX_SMOOTHING = 0.999;

export function clampSmoothing(factor: number): number {
  if (!Number.isFinite(factor) || factor <= 0) return 0;
  return Math.min(factor, MAX_SMOOTHING);
}

/**
 * Incremental, debiased exponential moving average: the first value is kept as is instead of
 * being pulled towards zero. Gaps (null) stay gaps and do not move it.
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
