/** Labels drawn on the chart's canvas: the log axis ticks and the epoch marks. */

/**
 * A tick label of the log axis. Small losses keep their significant digits (`5e-4`), where a
 * plain number format would round them to "0", which a log axis can never show.
 */
export function logTickLabel(value: number | null): string {
  if (value === null || !Number.isFinite(value) || value <= 0) return '';
  const rounded = Number(value.toPrecision(3));
  if (rounded < 1e-3 || rounded >= 1e5) return rounded.toExponential().replace('e+', 'e');
  return String(rounded);
}

/**
 * The label beside an epoch line. The line stands at the step that completes the epoch and its
 * label is drawn to the right, over the next epoch's steps, so it says which epoch ended there.
 */
export function epochLineLabel(completedEpochs: number): string {
  return `end of epoch ${completedEpochs}`;
}

export interface LabelSlot {
  /** left edge of the label */
  x: number;
  width: number;
}

/**
 * Which epoch labels to draw: every k-th one, with k the smallest stride at which no label
 * reaches the next one drawn (keeping `gap` between them), and none that would cross `right`.
 * Thinning by a stride keeps them evenly spaced (epoch 2, 4, 6…) rather than wherever they fit.
 */
export function thinnedLabels(slots: readonly LabelSlot[], gap: number, right: number): number[] {
  const fits = slots.map((s) => s.x + s.width <= right);
  for (let stride = 1; stride <= Math.max(1, slots.length); stride++) {
    const kept: number[] = [];
    for (let i = 0; i < slots.length; i += stride) if (fits[i]) kept.push(i);
    const clear = kept.every((index, n) => n === 0 || slots[kept[n - 1]].x + slots[kept[n - 1]].width + gap <= slots[index].x);
    if (clear) return kept;
  }
  return [];
}

/**
 * Which of a model's epoch lines to draw: every k-th (the k-th, 2k-th…, so epochs 5, 10, 15 at a
 * stride of 5), with k the smallest stride that keeps drawn lines `minGap` apart. Lines closer
 * than that only make a solid strip, worse with each model compared.
 */
export function thinnedLines(xs: readonly number[], minGap: number): number[] {
  for (let stride = 1; stride <= Math.max(1, xs.length); stride++) {
    const kept: number[] = [];
    for (let i = stride - 1; i < xs.length; i += stride) kept.push(i);
    if (kept.every((index, n) => n === 0 || xs[index] - xs[kept[n - 1]] >= minGap)) return kept;
  }
  return [];
}
