/**
 * A model's loss points as columns: how they cross to the webview (plain JSON) and how the page
 * keeps them. Steps ascend strictly; a missing loss or compute time is null.
 */
import type { LossPoint } from './snapshots';

export interface LossColumns {
  step: number[];
  epoch: number[];
  /** null where the backend reported a non-finite or unreadable loss */
  loss: (number | null)[];
  /** null where the snapshot had no readable compute time */
  computeTimeMs: (number | null)[];
}

export interface EpochBoundary {
  /** the step that completes the epoch */
  step: number;
  /** epochs complete by the end of that step */
  epoch: number;
}

export function toColumns(points: readonly LossPoint[]): LossColumns {
  return {
    step: points.map((p) => p.step),
    epoch: points.map((p) => p.epoch),
    loss: points.map((p) => p.loss),
    computeTimeMs: points.map((p) => p.computeTimeMs),
  };
}

export function toPoints(columns: LossColumns): LossPoint[] {
  return columns.step.map((step, i) => ({ step, epoch: columns.epoch[i], loss: columns.loss[i], computeTimeMs: columns.computeTimeMs[i] }));
}

/**
 * `known` followed by `more`, in new columns. Live points come after the known ones; should a
 * step arrive out of order, the points are merged by step and a repeated step keeps the later one.
 */
export function appendColumns(known: LossColumns, more: LossColumns): LossColumns {
  const lastStep = known.step.length > 0 ? known.step[known.step.length - 1] : -Infinity;
  if (more.step.length === 0 || (more.step[0] > lastStep && isAscending(more.step))) {
    return {
      step: [...known.step, ...more.step],
      epoch: [...known.epoch, ...more.epoch],
      loss: [...known.loss, ...more.loss],
      computeTimeMs: [...known.computeTimeMs, ...more.computeTimeMs],
    };
  }
  const byStep = new Map<number, LossPoint>();
  for (const p of [...toPoints(known), ...toPoints(more)]) byStep.set(p.step, p);
  return toColumns([...byStep.values()].sort((a, b) => a.step - b.step));
}

/** True when every step is larger than the one before it. */
export function isAscending(steps: ArrayLike<number>): boolean {
  for (let i = 1; i < steps.length; i++) if (!(steps[i] > steps[i - 1])) return false;
  return true;
}

/**
 * Where epochs end. A snapshot's `epoch` counts the epochs completed by the end of its step (the
 * Gemini API omits it while 0), so an epoch ends at each step whose count is larger than the one
 * before; a first snapshot at step 1 is compared with none complete. The boundary carries the new
 * count: several epochs can end in one step when a batch is larger than the training set.
 */
export function epochBoundaries(columns: { step: ArrayLike<number>; epoch: ArrayLike<number> }): EpochBoundary[] {
  const { step, epoch } = columns;
  const boundaries: EpochBoundary[] = [];
  for (let i = 0; i < step.length; i++) {
    const before = i > 0 ? epoch[i - 1] : step[i] === 1 ? 0 : epoch[i];
    if (epoch[i] !== before) boundaries.push({ step: step[i], epoch: epoch[i] });
  }
  return boundaries;
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

/** The first value that is not missing. */
export function firstValue(values: ArrayLike<number | null>): number | null {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

/** The last value that is not missing. */
export function lastValue(values: ArrayLike<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}
