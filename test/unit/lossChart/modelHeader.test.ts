import * as assert from 'node:assert/strict';
import { describeEmpty, formatDuration, formatLoss } from '../../../src/core/lossChart/headerText';
import { elapsedMs, emptyReason, summarizeModel } from '../../../src/core/lossChart/modelHeader';
import type { Operation, TunedModel } from '../../../src/core/api/types';
import { fromGeminiTunedModel } from '../../../src/core/tuning/geminiApi';

/** The header of a Gemini API model as the wire has it, with its create operation. */
const summarize = (model: object, operation?: object) => summarizeModel(fromGeminiTunedModel(model as TunedModel, operation as Operation | undefined));

describe('loss chart model header: summary and states', () => {
  const running = {
    name: 'tunedModels/number-generator-wl1qr34x2py',
    state: 'CREATING',
    baseModel: 'models/gemini-1.5-flash-001-tuning',
    tuningTask: { startTime: '2026-11-21T15:00:00Z', hyperparameters: { epochCount: 5, batchSize: 4, learningRate: 0.001 } },
  };

  it('summarizes a model with its operation', () => {
    const header = summarize(running, { metadata: { totalSteps: '38', completedSteps: 4 } });
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
    const creating = summarize(running);
    assert.equal(emptyReason(creating, 0), 'waiting');
    assert.equal(describeEmpty('waiting', creating), 'Waiting for the first step…');
    assert.equal(emptyReason(creating, 3), undefined);

    const failed = summarize({ ...running, state: 'FAILED' }, { done: true, error: { code: 3, message: 'Training data is empty.' } });
    assert.equal(emptyReason(failed, 0), 'failed');
    assert.equal(describeEmpty('failed', failed), 'Tuning failed: Training data is empty.');

    const active = summarize({ ...running, state: 'ACTIVE' });
    assert.equal(emptyReason(active, 0), 'noSnapshots');
    assert.match(describeEmpty('noSnapshots', active), /returned no training snapshots/);
  });

  it('measures elapsed time from start to completion, or to now while running', () => {
    const header = summarize(running);
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

  it('formats a loss, and a dash for none', () => {
    assert.equal(formatLoss(undefined), '—');
    assert.equal(formatLoss(null), '—');
    assert.equal(formatLoss(0.12345), '0.1235');
    assert.equal(formatLoss(0.00001234), '1.234e-5');
  });
});
