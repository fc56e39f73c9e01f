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
  it('marks the first step of every new epoch', () => {
    const points = toColumns(toLossPoints([1, 1, 1, 2, 2, 3, 3, 3].map((epoch, i) => ({ step: i + 1, epoch, meanLoss: 1 }))));
    assert.deepEqual(epochBoundaries(points), [{ step: 4, epoch: 2 }, { step: 6, epoch: 3 }]);
  });

  it('has none for empty input, one point or a single epoch', () => {
    assert.deepEqual(epochBoundaries(cols([])), []);
    assert.deepEqual(epochBoundaries(cols([1])), []);
    assert.deepEqual(epochBoundaries(cols([1, 2, 3])), []);
  });

  it('works when the backend counts epochs from zero (omitted on the wire)', () => {
    const points = toColumns(toLossPoints([{ step: 1 }, { step: 2 }, { step: 3, epoch: 1 }]));
    assert.deepEqual(epochBoundaries(points), [{ step: 3, epoch: 1 }]);
  });
});
