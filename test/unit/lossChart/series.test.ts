import * as assert from 'node:assert/strict';
import {
  AlignedLossTable,
  EmaAccumulator,
  clampSmoothing,
  concatPacked,
  csvCell,
  describeEmpty,
  describeSteps,
  elapsedMs,
  ema,
  emptyReason,
  epochBoundaries,
  finalLoss,
  forLogScale,
  formatDuration,
  formatLoss,
  normalizePacked,
  packColumns,
  plannedTotalSteps,
  appendPacked,
  scanPacked,
  pointsAfter,
  sortedIndexOf,
  snapshotsOf,
  summarizeModel,
  toCsv,
  toLossPoints,
  unpackColumns,
  type LossPoint,
} from '../../../src/core/lossChart/series';

function pts(...losses: (number | null)[]): LossPoint[] {
  return losses.map((loss, i) => ({ step: i + 1, epoch: 1, loss, computeTimeMs: null }));
}

/** Plain columns, null for a gap: the table takes these as well as packed ones. */
interface LossColumns {
  step: number[];
  epoch: number[];
  loss: (number | null)[];
  computeTimeMs: (number | null)[];
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
    const points = packColumns(toLossPoints([1, 1, 1, 2, 2, 3, 3, 3].map((epoch, i) => ({ step: i + 1, epoch, meanLoss: 1 }))));
    assert.deepEqual(epochBoundaries(points), [{ step: 4, epoch: 2 }, { step: 6, epoch: 3 }]);
    assert.deepEqual(scanPacked(points).boundaries, epochBoundaries(points), 'the scan the webview draws from finds the same');
  });

  it('has none for empty input, one point or a single epoch', () => {
    assert.deepEqual(epochBoundaries(cols([])), []);
    assert.deepEqual(epochBoundaries(cols([1])), []);
    assert.deepEqual(epochBoundaries(cols([1, 2, 3])), []);
  });

  it('works when the backend counts epochs from zero (omitted on the wire)', () => {
    const points = packColumns(toLossPoints([{ step: 1 }, { step: 2 }, { step: 3, epoch: 1 }]));
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

describe('chart series: packed columns', () => {
  it('packs points into typed columns and back, NaN standing for a missing value', () => {
    const points = [
      { step: 1, epoch: 1, loss: null, computeTimeMs: null },
      { step: 2, epoch: 2, loss: 0.5, computeTimeMs: 5 },
    ];
    const packed = packColumns(points);
    assert.deepEqual(Array.from(packed.loss), [Number.NaN, 0.5]);
    assert.deepEqual(unpackColumns(packed), points);
    assert.equal(packColumns([]).step.length, 0);
  });

  it('sorts columns that arrive out of order, keeping the last value of a repeated step', () => {
    const sorted = packColumns(pts(1, 2));
    assert.equal(normalizePacked(sorted), sorted);
    const unordered = packColumns([
      { step: 3, epoch: 1, loss: 3, computeTimeMs: null },
      { step: 1, epoch: 1, loss: 1, computeTimeMs: null },
      { step: 3, epoch: 1, loss: 30, computeTimeMs: null },
    ]);
    assert.deepEqual(Array.from(normalizePacked(unordered).loss), [1, 30]);
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
      exampleCount: undefined,
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
    assert.equal(finalLoss(new Float64Array([3, 2, Number.NaN])), 2, 'NaN in a packed column is a missing value');
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

describe('chart series: total steps in the header', () => {
  const base = summarizeModel({
    name: 'tunedModels/a',
    state: 'ACTIVE',
    tuningTask: { hyperparameters: { epochCount: 2, batchSize: 4 } },
  });
  const run = (steps: number, perEpoch: number) => ({
    step: Array.from({ length: steps }, (_, i) => i + 1),
    epoch: Array.from({ length: steps }, (_, i) => 1 + Math.floor(i / perEpoch)),
  });

  it('takes the backend\'s plan from the create operation first', () => {
    const header = { ...base, state: 'CREATING' as const, totalSteps: 40, exampleCount: 10 };
    assert.deepEqual(plannedTotalSteps(header, [1, 2], [1, 1]), { total: 40, source: 'operation' });
    assert.equal(describeSteps(header, run(2, 20)), '2 of 40');
  });

  it('computes the plan from the hyperparameters when the example count is known', () => {
    const header = summarizeModel({
      name: 'tunedModels/a',
      state: 'ACTIVE',
      tuningTask: {
        hyperparameters: { epochCount: 3, batchSize: 4 },
        trainingData: { examples: { examples: Array.from({ length: 10 }, () => ({})) } },
      },
    });
    assert.equal(header.exampleCount, 10);
    // ceil(10 × 3 / 4) = 8, the way both backends plan a job
    assert.deepEqual(plannedTotalSteps(header, [], []), { total: 8, source: 'hyperparameters' });
    assert.equal(describeSteps(header, run(8, 3)), '8 of 8 (3 epochs × 10 examples ÷ batch size 4)');
    assert.equal(describeSteps({ ...header, state: 'CREATING' }, run(5, 3)), '5 of 8 (3 epochs × 10 examples ÷ batch size 4)');
  });

  it('says a finished run\'s total is its last reported step when nothing else is known', () => {
    assert.deepEqual(plannedTotalSteps(base, [1, 2, 3, 4], [1, 1, 2, 2]), { total: 4, source: 'snapshots' });
    assert.equal(describeSteps(base, run(4, 2)), '4 of 4 (the last reported step)');
    assert.equal(describeSteps(base, packColumns(toLossPoints([{ step: 5, epoch: 1 }, { step: 9, epoch: 2 }]))), '9 of 9 (the last reported step)');
  });

  it('estimates a running job\'s total from its first complete epoch, and says it is an estimate', () => {
    const running = { ...base, state: 'CREATING' as const };
    assert.deepEqual(plannedTotalSteps(running, run(7, 5).step, run(7, 5).epoch), { total: 10, source: 'firstEpoch' });
    assert.equal(describeSteps(running, run(7, 5)), '7 of about 10 (2 epochs as long as the first)');
    // Still in the first epoch: no total is claimed.
    assert.equal(plannedTotalSteps(running, run(3, 5).step, run(3, 5).epoch), undefined);
    assert.equal(describeSteps(running, run(3, 5)), '3');
  });

  it('shows a dash before any step, or the operation\'s completed steps', () => {
    const waiting = { ...base, state: 'CREATING' as const };
    assert.equal(describeSteps(waiting, { step: [], epoch: [] }), '—');
    assert.equal(describeSteps({ ...waiting, totalSteps: 12, completedSteps: 3 }, { step: [], epoch: [] }), '3 of 12');
  });
});

describe('chart series: packed columns and the table that draws them', () => {
  const packed = (losses: number[], steps = losses.map((_, i) => i + 1)) =>
    packColumns(steps.map((step, i) => ({ step, epoch: 1, loss: Number.isFinite(losses[i]) ? losses[i] : null, computeTimeMs: null })));

  it('hands one model\'s packed columns to uPlot without a copy', () => {
    const columns = packed([3, 2, 1]);
    const table = new AlignedLossTable(0.5, undefined, false);
    table.addSeries(columns);
    assert.equal(table.isPacked, true);
    const [steps, raw, smoothed] = table.data();
    assert.equal(steps, columns.step);
    assert.equal(raw, columns.loss);
    assert.equal(smoothed, columns.loss, 'the raw curve stands in for the hidden smoothed one');
  });

  it('smooths packed values when smoothing is on, and stops when it is off', () => {
    const table = new AlignedLossTable(0.5, undefined, true);
    table.addSeries(packed([4, 2]));
    assert.equal(table.isPacked, true);
    assert.deepEqual(Array.from(table.smoothedValues(0)), ema([4, 2], 0.5));
    table.setSmoothing(0.5, false);
    assert.deepEqual(Array.from(table.smoothedValues(0)), []);
  });

  it('copies into its own arrays for gaps, values a log axis drops, unordered steps or a second model', () => {
    const withGap = new AlignedLossTable(0, undefined, false);
    withGap.addSeries(packed([3, Number.NaN, 1]));
    assert.equal(withGap.isPacked, false);
    assert.deepEqual(withGap.data()[1], [3, null, 1], 'NaN becomes a null gap for uPlot');

    const log = new AlignedLossTable(0, forLogScale, false);
    log.addSeries(packed([3, 0, 1]));
    assert.equal(log.isPacked, false);
    assert.deepEqual(log.data()[1], [3, null, 1]);

    const two = new AlignedLossTable(0, undefined, false);
    two.addSeries(packed([3, 2]));
    two.addSeries(packed([5], [2]));
    assert.equal(two.isPacked, false);
    assert.deepEqual(two.data().map((c) => Array.from(c)), [[1, 2], [3, 2], [3, 2], [null, 5], [null, 5]]);
  });

  it('switches to growing arrays on the first live append, then appends in place', () => {
    const table = new AlignedLossTable(0.5, undefined, true);
    table.addSeries(packed([4, 2]));
    assert.equal(table.append(0, packed([1], [3])), 'appended');
    assert.equal(table.isPacked, false);
    const data = table.data();
    assert.deepEqual(data.map((c) => Array.from(c)), [[1, 2, 3], [4, 2, 1], ema([4, 2, 1], 0.5)]);
    table.append(0, packed([0.5], [4]));
    assert.equal(table.data()[1], data[1], 'later appends keep the arrays');
    assert.deepEqual(Array.from(table.data()[1]), [4, 2, 1, 0.5]);
    assert.deepEqual(Array.from(table.smoothedValues(0)), ema([4, 2, 1, 0.5], 0.5), 'the average carries on from the packed values');
  });

  it('concatenates, sorts and unpacks packed columns', () => {
    const joined = concatPacked(packed([3, 2]), packed([1], [3]));
    assert.deepEqual([...joined.step], [1, 2, 3]);
    assert.deepEqual([...joined.loss], [3, 2, 1]);
    const unordered = normalizePacked(concatPacked(packed([3, 2]), packed([9, 1], [2, 0])));
    assert.deepEqual([...unordered.step], [0, 1, 2]);
    assert.deepEqual([...unordered.loss], [1, 3, 9], 'a repeated step keeps its later value');
    assert.deepEqual(unpackColumns(packed([Number.NaN])), [{ step: 1, epoch: 1, loss: null, computeTimeMs: null }]);
  });

  it('scans packed columns once: malformed values, order, gaps, values a log axis drops, epoch boundaries', () => {
    const columns = packColumns([
      { step: 1, epoch: 1, loss: 2, computeTimeMs: null },
      { step: 2, epoch: 1, loss: 0, computeTimeMs: 5 },
      { step: 3, epoch: 2, loss: 1, computeTimeMs: null },
    ]);
    assert.deepEqual(scanPacked(columns), { wellFormed: true, ascending: true, lossesFinite: true, lossesPositive: false, boundaries: [{ step: 3, epoch: 2 }] });
    assert.equal(scanPacked(columns), scanPacked(columns), 'kept with the columns');
    assert.equal(scanPacked({ ...columns, step: new Float64Array([1, Number.NaN, 3]) }).wellFormed, false);
    assert.equal(scanPacked({ ...columns, loss: new Float64Array([1, Number.POSITIVE_INFINITY, 3]) }).wellFormed, false);
    assert.equal(scanPacked({ ...columns, loss: new Float64Array([1, Number.NaN, 3]) }).lossesFinite, false);
    assert.equal(scanPacked({ ...columns, step: new Float64Array([1, 3, 2]) }).ascending, false);
  });

  it('works out the scan of appended columns from the two scans, as a full scan would', () => {
    const a = packed([3, 2], [1, 2]);
    const b = packColumns([{ step: 3, epoch: 2, loss: null, computeTimeMs: null }]);
    const joined = appendPacked(a, b);
    const fresh = { ...joined };
    assert.deepEqual(scanPacked(joined), scanPacked(fresh));
    assert.deepEqual(scanPacked(joined).boundaries, [{ step: 3, epoch: 2 }]);
    assert.equal(scanPacked(appendPacked(a, packed([1], [2]))).ascending, false);
  });
});
