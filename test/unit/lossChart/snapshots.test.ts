import * as assert from 'node:assert/strict';
import { pointsAfter, toLossPoints, type LossPoint } from '../../../src/core/lossChart/snapshots';

function pts(...losses: (number | null)[]): LossPoint[] {
  return losses.map((loss, i) => ({ step: i + 1, epoch: 1, loss, computeTimeMs: null }));
}

describe('loss chart snapshots: snapshots to points', () => {
  it('gives no points for empty, missing or null input', () => {
    assert.deepEqual(toLossPoints([]), []);
    assert.deepEqual(toLossPoints(undefined), []);
    assert.deepEqual(toLossPoints(null), []);
  });

  it('keeps a single snapshot, with its compute time in epoch milliseconds', () => {
    const points = toLossPoints([{ step: 19, epoch: 5, meanLoss: 1.402067, computeTime: '2024-03-14T15:11:23.766989274Z' }]);
    assert.deepEqual(points, [{ step: 19, epoch: 5, loss: 1.402067, computeTimeMs: Date.UTC(2024, 2, 14, 15, 11, 23, 766) }]);
  });

  it('reads proto3 omissions as zero and ProtoJSON number strings as numbers', () => {
    const [first, second] = toLossPoints([{ meanLoss: '2.5' }, { step: '1', epoch: '1' }]);
    assert.deepEqual(first, { step: 0, epoch: 0, loss: 2.5, computeTimeMs: null });
    assert.deepEqual(second, { step: 1, epoch: 1, loss: 0, computeTimeMs: null });
  });

  it('turns non-finite losses into gaps instead of dropping the step', () => {
    const points = toLossPoints([
      { step: 1, meanLoss: 'NaN' },
      { step: 2, meanLoss: 'Infinity' },
      { step: 3, meanLoss: '-Infinity' },
      { step: 4, meanLoss: Number.NaN },
      { step: 5, meanLoss: 'garbage' },
      { step: 6, meanLoss: '' },
      { step: 7, meanLoss: 0.5 },
    ]);
    assert.deepEqual(points.map((p) => p.step), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(points.map((p) => p.loss), [null, null, null, null, null, null, 0.5]);
  });

  it('drops snapshots whose step cannot be placed and unreadable timestamps', () => {
    const points = toLossPoints([
      { step: 'x', meanLoss: 1 },
      { step: Number.POSITIVE_INFINITY, meanLoss: 1 },
      { step: 3, meanLoss: 1, computeTime: 'yesterday' },
    ]);
    assert.deepEqual(points, [{ step: 3, epoch: 0, loss: 1, computeTimeMs: null }]);
  });

  it('sorts by step and keeps the later report of a repeated step', () => {
    const points = toLossPoints([
      { step: 3, meanLoss: 3 },
      { step: 1, meanLoss: 1 },
      { step: 3, meanLoss: 30 },
      { step: 2, meanLoss: 2 },
    ]);
    assert.deepEqual(points.map((p) => [p.step, p.loss]), [[1, 1], [2, 2], [3, 30]]);
  });
});

describe('loss chart snapshots: live updates', () => {
  it('finds the points after the known ones', () => {
    const known = pts(3, 2);
    const latest = pts(3, 2, 1, 0.5);
    assert.deepEqual(pointsAfter(known, latest), { appended: latest.slice(2), rewritten: false });
  });
  it('notices when known points were rewritten or lost', () => {
    assert.equal(pointsAfter(pts(3, 2), pts(3, 9, 1)).rewritten, true);
    assert.equal(pointsAfter(pts(3, 2), pts(3)).rewritten, true);
    assert.deepEqual(pointsAfter([], []), { appended: [], rewritten: false });
  });
});
