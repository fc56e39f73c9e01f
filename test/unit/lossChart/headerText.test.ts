import * as assert from 'node:assert/strict';
import { toColumns } from '../../../src/core/lossChart/columns';
import { describeSteps, lossLabel } from '../../../src/core/lossChart/headerText';
import { plannedTotalSteps, summarizeModel } from '../../../src/core/lossChart/modelHeader';
import { toLossPoints } from '../../../src/core/lossChart/snapshots';
import type { Operation, TunedModel } from '../../../src/core/api/types';
import { fromGeminiTunedModel } from '../../../src/core/tuning/geminiApi';

/** The header of a Gemini API model as the wire has it, with its create operation. */
const summarize = (model: object, operation?: object) => summarizeModel(fromGeminiTunedModel(model as TunedModel, operation as Operation | undefined));

describe('loss chart header text: total steps', () => {
  const base = summarize({
    name: 'tunedModels/a',
    state: 'ACTIVE',
    tuningTask: { hyperparameters: { epochCount: 2, batchSize: 4 } },
  });
  // Snapshots count completed epochs, as the Gemini API does: 0 until the first epoch's last step.
  const run = (steps: number, perEpoch: number) => ({
    step: Array.from({ length: steps }, (_, i) => i + 1),
    epoch: Array.from({ length: steps }, (_, i) => Math.floor((i + 1) / perEpoch)),
  });

  it('takes the backend\'s plan from the create operation first', () => {
    const header = { ...base, state: 'CREATING' as const, totalSteps: 40, exampleCount: 10 };
    assert.deepEqual(plannedTotalSteps(header, [1, 2], [1, 1]), { total: 40, source: 'operation' });
    assert.equal(describeSteps(header, run(2, 20)), '2 of 40');
  });

  it('computes the plan from the hyperparameters when the example count is known', () => {
    const header = summarize({
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
    assert.deepEqual(plannedTotalSteps(base, [1, 2, 3, 4], [0, 1, 1, 2]), { total: 4, source: 'snapshots' });
    assert.equal(describeSteps(base, run(4, 2)), '4 of 4 (the last reported step)');
    assert.equal(describeSteps(base, toColumns(toLossPoints([{ step: 5, epoch: 1 }, { step: 9, epoch: 2 }]))), '9 of 9 (the last reported step)');
  });

  it('estimates a running job\'s total from its first complete epoch, and says it is an estimate', () => {
    const running = { ...base, state: 'CREATING' as const };
    assert.deepEqual(plannedTotalSteps(running, run(7, 5).step, run(7, 5).epoch), { total: 10, source: 'firstEpoch' });
    assert.equal(describeSteps(running, run(7, 5)), '7 of about 10 (2 epochs as long as the first)');
    // 15 examples at batch size 2, five epochs: the first epoch completes at step 8 (the real plan is 38 steps).
    const fifteenAtTwo = { step: [1, 2, 3, 4, 5, 6, 7, 8, 9], epoch: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => Math.floor((s * 2) / 15)) };
    assert.deepEqual(plannedTotalSteps({ ...running, epochCount: 5 }, fifteenAtTwo.step, fifteenAtTwo.epoch), { total: 40, source: 'firstEpoch' });
    // A batch larger than the training set completes an epoch or more in every step.
    assert.deepEqual(plannedTotalSteps({ ...running, epochCount: 6 }, [1, 2], [2, 4]), { total: 3, source: 'firstEpoch' });
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

describe('loss chart header text: the loss label', () => {
  it('says "Latest loss" while the job runs and "Final loss" once it has ended', () => {
    assert.equal(lossLabel('CREATING'), 'Latest loss');
    assert.equal(lossLabel('STATE_UNSPECIFIED'), 'Latest loss');
    assert.equal(lossLabel('ACTIVE'), 'Final loss');
    assert.equal(lossLabel('FAILED'), 'Final loss');
  });
});
