import * as assert from 'node:assert/strict';
import {
  AlignedLossTable,
  EmaAccumulator,
  clampSmoothing,
  csvCell,
  describeEmpty,
  elapsedMs,
  ema,
  emptyReason,
  epochBoundaries,
  finalLoss,
  forLogScale,
  formatDuration,
  formatLoss,
  fromColumns,
  normalizeColumns,
  pointsAfter,
  sortedIndexOf,
  snapshotsOf,
  summarizeModel,
  toColumns,
  toCsv,
  toLossPoints,
  type LossColumns,
  type LossPoint,
} from '../../../src/chart/series';

function pts(...losses: (number | null)[]): LossPoint[] {
  return losses.map((loss, i) => ({ step: i + 1, epoch: 1, loss, computeTimeMs: null }));
}

/** Columns of steps 1…n (or the given steps) with these losses. */
function cols(losses: (number | null)[], steps = losses.map((_, i) => i + 1)): LossColumns {
  return { step: steps, epoch: steps.map(() => 1), loss: losses, computeTimeMs: steps.map(() => null) };
}

describe('chart series: snapshots to points', () => {
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

describe('chart series: epoch boundaries', () => {
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

describe('chart series: EMA smoothing', () => {
  it('is the identity with factor 0', () => {
    assert.deepEqual(ema([3, 1, 2], 0), [3, 1, 2]);
  });

  it('keeps the first value (debiased) and follows the TensorBoard formula', () => {
    const out = ema([2, 4], 0.5);
    assert.equal(out[0], 2);
    // last = (0*0.5 + 0.5*2)*0.5 + 0.5*4 = 2.5, debiased by 1 - 0.25
    assert.ok(Math.abs((out[1] as number) - 2.5 / 0.75) < 1e-12);
  });

  it('smooths a noisy flat series towards its mean', () => {
    const noisy = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 0 : 2));
    const smoothed = ema(noisy, 0.9);
    assert.ok(Math.abs((smoothed[199] as number) - 1) < 0.1);
  });

  it('leaves gaps as gaps without moving the average', () => {
    const out = ema([1, null, 1], 0.6);
    assert.equal(out[1], null);
    assert.ok(Math.abs((out[2] as number) - 1) < 1e-12);
  });

  it('gives an empty result for empty input and clamps odd factors', () => {
    assert.deepEqual(ema([], 0.6), []);
    assert.equal(clampSmoothing(-1), 0);
    assert.equal(clampSmoothing(Number.NaN), 0);
    assert.equal(clampSmoothing(1), 0.999);
    assert.equal(new EmaAccumulator(5).factor, 0.999);
  });
});

describe('chart series: columns', () => {
  it('turns points into columns and back', () => {
    const points = [
      { step: 1, epoch: 1, loss: null, computeTimeMs: null },
      { step: 2, epoch: 2, loss: 0.5, computeTimeMs: 5 },
    ];
    assert.deepEqual(toColumns(points), { step: [1, 2], epoch: [1, 2], loss: [null, 0.5], computeTimeMs: [null, 5] });
    assert.deepEqual(fromColumns(toColumns(points)), points);
    assert.deepEqual(toColumns([]), { step: [], epoch: [], loss: [], computeTimeMs: [] });
  });

  it('sorts columns that arrive out of order, keeping the last value of a repeated step', () => {
    const sorted = cols([1, 2]);
    assert.equal(normalizeColumns(sorted), sorted);
    assert.deepEqual(normalizeColumns(cols([3, 1, 30], [3, 1, 3])).loss, [1, 30]);
  });
});

describe('chart series: aligned table for uPlot', () => {
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

describe('chart series: live updates', () => {
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

  it('prefers the running operation\'s snapshots when it has more than the model', () => {
    const model = { tuningTask: { snapshots: [{ step: 1 }] } };
    const operation = { metadata: { snapshots: [{ step: 1 }, { step: 2 }] } };
    assert.equal(snapshotsOf(model, operation).length, 2);
    assert.equal(snapshotsOf(model, undefined).length, 1);
    assert.deepEqual(snapshotsOf({}, undefined), []);
  });

  it('finds a step', () => {
    assert.equal(sortedIndexOf([1, 2, 3, 4], 3), 2);
    assert.equal(sortedIndexOf([1, 2, 3, 4], 9), -1);
    assert.equal(sortedIndexOf([], 1), -1);
  });
});

describe('chart series: header and states', () => {
  const running = {
    name: 'tunedModels/number-generator-wl1qr34x2py',
    state: 'CREATING',
    baseModel: 'models/gemini-1.5-flash-001-tuning',
    tuningTask: { startTime: '2026-11-21T15:00:00Z', hyperparameters: { epochCount: 5, batchSize: 4, learningRate: 0.001 } },
  };

  it('summarizes a model with its operation', () => {
    const header = summarizeModel(running, { metadata: { totalSteps: '38', completedSteps: 4 } });
    assert.deepEqual(header, {
      name: running.name,
      displayName: 'number-generator-wl1qr34x2py',
      description: undefined,
      state: 'CREATING',
      baseModel: 'models/gemini-1.5-flash-001-tuning',
      epochCount: 5,
      batchSize: 4,
      learningRate: 0.001,
      learningRateMultiplier: undefined,
      totalSteps: 38,
      completedSteps: 4,
      startTime: '2026-11-21T15:00:00Z',
      completeTime: undefined,
      errorMessage: undefined,
    });
  });

  it('explains each empty state', () => {
    const creating = summarizeModel(running);
    assert.equal(emptyReason(creating, 0), 'waiting');
    assert.equal(describeEmpty('waiting', creating), 'Waiting for the first step…');
    assert.equal(emptyReason(creating, 3), undefined);

    const failed = summarizeModel({ ...running, state: 'FAILED' }, { error: { code: 3, message: 'Training data is empty.' } });
    assert.equal(emptyReason(failed, 0), 'failed');
    assert.equal(describeEmpty('failed', failed), 'Tuning failed: Training data is empty.');

    const active = summarizeModel({ ...running, state: 'ACTIVE' });
    assert.equal(emptyReason(active, 0), 'noSnapshots');
    assert.match(describeEmpty('noSnapshots', active), /returned no training snapshots/);
  });

  it('measures elapsed time from start to completion, or to now while running', () => {
    const header = summarizeModel(running);
    assert.equal(elapsedMs(header, [], Date.parse('2026-11-21T15:01:30Z')), 90_000);
    const done = { ...header, state: 'ACTIVE' as const, completeTime: '2026-11-21T15:10:00Z' };
    assert.equal(elapsedMs(done, [], 0), 600_000);
    assert.equal(elapsedMs({ ...header, startTime: undefined }, [], 0), undefined);
    // Without start and completion times, the snapshots' compute times say how long it ran.
    const bare = { ...header, state: 'ACTIVE' as const, startTime: undefined };
    assert.equal(elapsedMs(bare, [null, 1_000, 5_000, null], 0), 4_000);
    assert.equal(formatDuration(90_000), '1m 30s');
    assert.equal(formatDuration(3_723_000), '1h 02m 03s');
  });

  it('reports the last finite loss as the final loss', () => {
    assert.equal(finalLoss([3, 2, null]), 2);
    assert.equal(finalLoss([]), undefined);
    assert.equal(formatLoss(undefined), '—');
    assert.equal(formatLoss(0.12345), '0.1235');
    assert.equal(formatLoss(0.00001234), '1.234e-5');
  });
});

describe('chart series: CSV export', () => {
  it('writes a header and one row per point, with empty cells for unknown values', () => {
    const csv = toCsv([
      {
        header: { name: 'tunedModels/a', displayName: 'A' },
        points: [
          { step: 1, epoch: 1, loss: 2.5, computeTimeMs: Date.UTC(2026, 10, 21, 15, 0, 0) },
          { step: 2, epoch: 1, loss: null, computeTimeMs: null },
        ],
      },
    ]);
    assert.equal(
      csv,
      'model,display_name,step,epoch,mean_loss,compute_time\r\n' +
        'tunedModels/a,A,1,1,2.5,2026-11-21T15:00:00.000Z\r\n' +
        'tunedModels/a,A,2,1,,\r\n',
    );
  });

  it('writes only the header for no points', () => {
    assert.equal(toCsv([]), 'model,display_name,step,epoch,mean_loss,compute_time\r\n');
  });

  it('quotes text with separators and defuses spreadsheet formulas', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a, "b"'), '"a, ""b"""');
    assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('@sum'), "'@sum");
    const csv = toCsv([{ header: { name: 'tunedModels/x', displayName: '<img src=x onerror=alert(1)>' }, points: pts(1) }]);
    assert.match(csv, /tunedModels\/x,<img src=x onerror=alert\(1\)>,1,1,1,/);
  });
});
