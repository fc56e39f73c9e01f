import * as assert from 'node:assert/strict';
import type { LossColumns } from '../../../src/core/lossChart/columns';
import { AlignedLossTable, forLogScale } from '../../../src/core/lossChart/dataTable';
import { ema } from '../../../src/core/lossChart/smoothing';

/** Columns of steps 1…n (or the given steps) with these losses. */
function cols(losses: (number | null)[], steps = losses.map((_, i) => i + 1)): LossColumns {
  return { step: steps, epoch: steps.map(() => 1), loss: losses, computeTimeMs: steps.map(() => null) };
}

describe('loss chart data table: aligned for uPlot', () => {
  it('lays out one model as [steps, raw, smoothed]', () => {
    const table = new AlignedLossTable(0);
    table.addSeries(cols([3, 2, 1]));
    assert.deepEqual(table.data(), [[1, 2, 3], [3, 2, 1], [3, 2, 1]]);
  });

  it('does not alias the columns it was given', () => {
    const input = cols([3, 2]);
    const table = new AlignedLossTable(0);
    table.addSeries(input);
    table.append(0, cols([1], [3]));
    assert.deepEqual(input.step, [1, 2]);
    assert.deepEqual(input.loss, [3, 2]);
  });

  it('appends live points to the same arrays', () => {
    const table = new AlignedLossTable(0.5);
    table.addSeries(cols([4, 3]));
    const [steps, raw, smoothed] = table.data();
    assert.equal(table.append(0, cols([2], [3])), 'appended');
    const after = table.data();
    assert.equal(after[0], steps);
    assert.equal(after[1], raw);
    assert.equal(after[2], smoothed);
    assert.deepEqual(steps, [1, 2, 3]);
    assert.deepEqual(raw, [4, 3, 2]);
    assert.deepEqual(smoothed, ema([4, 3, 2], 0.5));
  });

  it('computes no smoothed values while smoothing is off, and all of them when it is turned on', () => {
    const table = new AlignedLossTable(0.5, undefined, false);
    table.addSeries(cols([4, 3]));
    table.append(0, cols([2], [3]));
    assert.deepEqual(table.smoothedValues(0), []);
    assert.equal(table.data()[2], table.data()[1], 'the raw values stand in for the hidden smoothed series');
    table.setSmoothing(0.5, true);
    assert.deepEqual(table.smoothedValues(0), ema([4, 3, 2], 0.5));
    table.append(0, cols([1], [4]));
    assert.deepEqual(table.smoothedValues(0), ema([4, 3, 2, 1], 0.5));
  });

  it('aligns models on the union of their steps with gaps', () => {
    const table = new AlignedLossTable(0);
    table.addSeries(cols([1, 2, 3]));
    table.addSeries(cols([20, 50], [2, 5]));
    assert.deepEqual(table.data(), [[1, 2, 3, 5], [1, 2, 3, null], [1, 2, 3, null], [null, 20, null, 50], [null, 20, null, 50]]);
  });

  it('fills a step another model already has in place, and rebuilds for an out-of-order step', () => {
    const table = new AlignedLossTable(0);
    table.addSeries(cols([1, 2, 3]));
    table.addSeries(cols([]));
    assert.equal(table.append(1, cols([9], [2])), 'appended');
    assert.deepEqual(table.rawValues(1), [null, 9, null]);
    assert.equal(table.append(1, cols([8], [1])), 'rebuilt');
    assert.deepEqual(table.rawValues(1), [8, 9, null]);
    assert.equal(table.append(0, cols([7], [2.5])), 'rebuilt');
    assert.deepEqual(table.steps, [1, 2, 2.5, 3]);
  });

  it('re-smooths every series when the factor changes, and drops a removed series', () => {
    const table = new AlignedLossTable(0);
    table.addSeries(cols([4, 2]));
    table.addSeries(cols([1, 3]));
    table.setSmoothing(0.5);
    assert.deepEqual(table.smoothedValues(0), ema([4, 2], 0.5));
    table.removeSeries(0);
    assert.equal(table.seriesCount, 1);
    assert.deepEqual(table.data(), [[1, 2], [1, 3], ema([1, 3], 0.5)]);
  });

  it('replaces a series that was rewritten', () => {
    const table = new AlignedLossTable(0);
    table.addSeries(cols([4, 2]));
    table.replace(0, cols([5, 6, 7]));
    assert.deepEqual(table.data(), [[1, 2, 3], [5, 6, 7], [5, 6, 7]]);
  });

  it('turns values a log axis cannot place into gaps', () => {
    const table = new AlignedLossTable(0, forLogScale);
    table.addSeries(cols([1, 0, -1, null, 0.5]));
    assert.deepEqual(table.rawValues(0), [1, null, null, null, 0.5]);
  });
});
