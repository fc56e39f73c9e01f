import * as assert from 'node:assert/strict';
import { epochLineLabel, logTickLabel, thinnedLabels, thinnedLines, type LabelSlot } from '../../../src/core/lossChart/chartLabels';

describe('loss chart labels: log axis ticks', () => {
  it('never labels a tick of a log axis "0", however small the loss', () => {
    // The splits uPlot makes for a log axis from 1e-5 to 3, with float noise as it computes them.
    const splits = [0.00001, 0.00002, 0.00005, 0.0001, 0.00030000000000000003, 0.0005, 0.001, 0.002, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 3];
    const labels = splits.map(logTickLabel);
    assert.deepEqual(labels.filter((l) => Number(l) === 0), [], `labels: ${labels.join(' ')}`);
    assert.equal(new Set(labels).size, labels.length, 'no two ticks share a label');
    assert.deepEqual(labels.slice(0, 6), ['1e-5', '2e-5', '5e-5', '1e-4', '3e-4', '5e-4']);
    assert.deepEqual(labels.slice(6), ['0.001', '0.002', '0.01', '0.05', '0.1', '0.2', '0.5', '1', '2', '3']);
    // What a plain number format makes of the same ticks, which is what the axis showed before.
    const plain = new Intl.NumberFormat('en-US');
    assert.ok(splits.some((v) => plain.format(v) === '0'), 'the check above can fail: plain formatting rounds small ticks to 0');
  });

  it('leaves filtered ticks unlabelled and writes large values compactly', () => {
    assert.equal(logTickLabel(null), '');
    assert.equal(logTickLabel(0), '');
    assert.equal(logTickLabel(Number.NaN), '');
    assert.equal(logTickLabel(200000), '2e5');
    assert.equal(logTickLabel(1.23456), '1.23');
  });
});

describe('loss chart labels: epoch marks', () => {
  const overlaps = (slots: readonly LabelSlot[], kept: number[], gap: number) =>
    kept.some((index, n) => n > 0 && slots[kept[n - 1]].x + slots[kept[n - 1]].width + gap > slots[index].x);

  it('keeps every label when they fit', () => {
    const slots = [0, 100, 200, 300].map((x) => ({ x, width: 50 }));
    assert.deepEqual(thinnedLabels(slots, 8, 1000), [0, 1, 2, 3]);
  });

  it('thins crowded labels to an even stride at which none overlaps the next', () => {
    // 20 epochs in 600 px: a label of 50 px every 30 px.
    const slots = Array.from({ length: 20 }, (_, i) => ({ x: i * 30, width: 50 }));
    assert.ok(overlaps(slots, slots.map((_, i) => i), 8), 'drawn all together they overlap');
    const kept = thinnedLabels(slots, 8, 600);
    assert.deepEqual(kept, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18].filter((i) => slots[i].x + 50 <= 600));
    assert.equal(overlaps(slots, kept, 8), false);
  });

  it('drops labels that would cross the right edge, and copes with none', () => {
    const slots = [0, 100, 200].map((x) => ({ x, width: 50 }));
    assert.deepEqual(thinnedLabels(slots, 8, 220), [0, 1]);
    assert.deepEqual(thinnedLabels([], 8, 100), []);
  });

  it('never lets labels of different widths overlap', () => {
    const start = Number(process.env.CHART_LABEL_SEED ?? Date.now() % 2147483648);
    console.log(`      epoch label seed ${start} (CHART_LABEL_SEED=${start} repeats this run)`);
    let seed = start;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let round = 0; round < 200; round++) {
      let x = 0;
      const slots = Array.from({ length: 1 + Math.floor(random() * 40) }, () => ({ x: (x += 5 + random() * 60), width: 30 + random() * 40 }));
      const kept = thinnedLabels(slots, 6, x + 40);
      assert.equal(overlaps(slots, kept, 6), false, JSON.stringify(slots));
      assert.ok(kept.length > 0 || slots.every((s) => s.x + s.width > x + 40));
    }
  });
});

describe('loss chart labels: epoch lines', () => {
  it('names the epoch that ended at the line, since the label sits over the next one', () => {
    assert.equal(epochLineLabel(1), 'end of epoch 1');
    assert.equal(epochLineLabel(5), 'end of epoch 5');
  });
});

describe('epoch lines', () => {
  it('keeps every line when they stand far enough apart', () => {
    assert.deepEqual(thinnedLines([10, 30, 50], 12), [0, 1, 2]);
  });

  it('keeps every k-th line when they crowd, the k-th first, so that the epochs drawn are multiples of k', () => {
    // 40 epochs 5 px apart, at least 12 px apart once drawn: every 3rd, epochs 3, 6, 9…
    const xs = Array.from({ length: 40 }, (_, i) => 100 + i * 5);
    const kept = thinnedLines(xs, 12);
    assert.deepEqual(kept.slice(0, 3), [2, 5, 8]);
    for (let n = 1; n < kept.length; n++) assert.ok(xs[kept[n]] - xs[kept[n - 1]] >= 12);
    assert.deepEqual(thinnedLines([], 12), []);
  });
});
