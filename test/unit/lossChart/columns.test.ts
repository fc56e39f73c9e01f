import * as assert from 'node:assert/strict';
import { appendColumns, epochBoundaries, firstValue, lastValue, sortedIndexOf, toColumns, toPoints, type LossColumns } from '../../../src/core/lossChart/columns';
import { toLossPoints, type LossPoint } from '../../../src/core/lossChart/snapshots';

/** Columns of steps 1…n (or the given steps) with these losses. */
function cols(losses: (number | null)[], steps = losses.map((_, i) => i + 1)): LossColumns {
  return { step: steps, epoch: steps.map(() => 1), loss: losses, computeTimeMs: steps.map(() => null) };
}

describe('loss chart columns: points as columns', () => {
  const points: LossPoint[] = [
    { step: 1, epoch: 1, loss: null, computeTimeMs: null },
    { step: 2, epoch: 2, loss: 0.5, computeTimeMs: 5 },
  ];

  it('turns points into plain columns, null for a missing value, and back unchanged', () => {
    const columns = toColumns(points);
    assert.deepEqual(columns, { step: [1, 2], epoch: [1, 2], loss: [null, 0.5], computeTimeMs: [null, 5] });
    assert.deepEqual(JSON.parse(JSON.stringify(columns)), columns, 'they survive the JSON a webview message goes through');
    assert.deepEqual(toPoints(columns), points);
    assert.deepEqual(toColumns([]), { step: [], epoch: [], loss: [], computeTimeMs: [] });
  });

  it('appends live points after the known ones, in new columns', () => {
    const known = cols([3, 2]);
    const joined = appendColumns(known, cols([1], [3]));
    assert.deepEqual(joined, cols([3, 2, 1]));
    assert.deepEqual(known, cols([3, 2]), 'the known columns are left as they were');
    assert.deepEqual(appendColumns(known, cols([])), known);
  });

  it('merges points that arrive out of order by step, a repeated step keeping the later value', () => {
    assert.deepEqual(appendColumns(cols([3, 2]), cols([9, 1], [2, 0])), cols([1, 3, 9], [0, 1, 2]));
    assert.deepEqual(appendColumns(cols([3, 2]), cols([5, 4], [4, 3])), cols([3, 2, 4, 5], [1, 2, 3, 4]));
  });

  it('finds a step, and the first and last values that are not missing', () => {
    assert.equal(sortedIndexOf([1, 2, 3, 4], 3), 2);
    assert.equal(sortedIndexOf([1, 2, 3, 4], 9), -1);
    assert.equal(sortedIndexOf([], 1), -1);
    assert.equal(firstValue([null, 3, 2, null]), 3);
    assert.equal(lastValue([null, 3, 2, null]), 2);
    assert.equal(lastValue([]), null);
    assert.equal(firstValue([null]), null);
  });
});

describe('loss chart columns: epoch boundaries', () => {
  it('marks the step that completes each epoch, with the count of completed epochs', () => {
    const points = toColumns(toLossPoints([0, 0, 0, 1, 1, 2, 2, 2].map((epoch, i) => ({ step: i + 1, epoch, meanLoss: 1 }))));
    assert.deepEqual(epochBoundaries(points), [{ step: 4, epoch: 1 }, { step: 6, epoch: 2 }]);
  });

  it('has none for empty input, one point or a run still in its first epoch', () => {
    assert.deepEqual(epochBoundaries(cols([])), []);
    assert.deepEqual(epochBoundaries(toColumns(toLossPoints([{ step: 1 }]))), []);
    assert.deepEqual(epochBoundaries(toColumns(toLossPoints([{ step: 1 }, { step: 2 }, { step: 3 }]))), []);
  });

  it('reads the omitted epoch of the Gemini API as 0: 15 examples at batch size 2 end epochs at steps 8, 15, 23, 30 and 38', () => {
    const snapshots = Array.from({ length: 38 }, (_, i) => {
      const epoch = Math.floor(((i + 1) * 2) / 15);
      return { step: i + 1, ...(epoch > 0 ? { epoch } : {}), meanLoss: 1 };
    });
    assert.deepEqual(epochBoundaries(toColumns(toLossPoints(snapshots))), [
      { step: 8, epoch: 1 },
      { step: 15, epoch: 2 },
      { step: 23, epoch: 3 },
      { step: 30, epoch: 4 },
      { step: 38, epoch: 5 },
    ]);
  });

  it('marks step 1 when it already completes an epoch (a batch larger than the training set)', () => {
    assert.deepEqual(epochBoundaries(toColumns(toLossPoints([{ step: 1, epoch: 2 }, { step: 2, epoch: 4 }]))), [{ step: 1, epoch: 2 }, { step: 2, epoch: 4 }]);
    // Without step 1 there is nothing to compare the first snapshot with.
    assert.deepEqual(epochBoundaries(toColumns(toLossPoints([{ step: 5, epoch: 2 }, { step: 6, epoch: 2 }]))), []);
  });
});
