import assert from 'node:assert/strict';
import { fromVertexState, fromVertexTuningJob, VERTEX_CAPABILITIES } from '../../../src/core/tuning/vertexApi';
import type { TuningJob } from '../../../src/core/vertex/types';

const NAME = 'projects/801452371447/locations/us-central1/tuningJobs/4303478340632707072';
const ENDPOINT = 'projects/801452371447/locations/us-central1/endpoints/6219012451378823168';

const succeeded: TuningJob = {
  name: NAME,
  tunedModelDisplayName: 'support-bot',
  description: 'answers support mail',
  baseModel: 'gemini-2.5-flash',
  supervisedTuningSpec: {
    trainingDatasetUri: 'gs://b/train.jsonl',
    hyperParameters: { epochCount: '3', learningRateMultiplier: 1.5, adapterSize: 'ADAPTER_SIZE_FOUR' },
  },
  state: 'JOB_STATE_SUCCEEDED',
  createTime: '2026-03-02T10:15:04.112233Z',
  startTime: '2026-03-02T10:15:31.004512Z',
  endTime: '2026-03-02T10:58:12.730010Z',
  updateTime: '2026-03-02T10:58:12.730010Z',
  experiment: 'projects/801452371447/locations/us-central1/metadataStores/default/contexts/tuning-experiment-1',
  tunedModel: { model: 'projects/801452371447/locations/us-central1/models/9030969596621881344@1', endpoint: ENDPOINT },
  tuningDataStats: {
    supervisedTuningDataStats: {
      tuningDatasetExampleCount: '500',
      totalTuningCharacterCount: '912345',
      totalBillableTokenCount: '228086',
      tuningStepCount: '96',
      totalTruncatedExampleCount: '2',
      truncatedExampleIndices: ['7', '41'],
      droppedExampleReasons: ['line 9: too long'],
      userInputTokenDistribution: { sum: '201000', billableSum: '201000', min: 55, max: 1900, mean: 402, median: 371, p5: 98, p95: 812 },
    },
  },
};

describe('Vertex AI tuning job → neutral model', () => {
  const cases: [string, string, string | undefined][] = [
    ['JOB_STATE_QUEUED', 'creating', 'queued'],
    ['JOB_STATE_PENDING', 'creating', 'pending'],
    ['JOB_STATE_RUNNING', 'creating', 'running'],
    ['JOB_STATE_UPDATING', 'creating', 'updating'],
    ['JOB_STATE_PAUSED', 'creating', 'paused'],
    ['JOB_STATE_CANCELLING', 'creating', 'cancelling'],
    ['JOB_STATE_SUCCEEDED', 'active', undefined],
    ['JOB_STATE_PARTIALLY_SUCCEEDED', 'active', 'partially succeeded'],
    ['JOB_STATE_FAILED', 'failed', undefined],
    ['JOB_STATE_EXPIRED', 'failed', 'expired before it could run'],
    ['JOB_STATE_CANCELLED', 'cancelled', undefined],
    ['JOB_STATE_UNSPECIFIED', 'unspecified', undefined],
    ['JOB_STATE_FROM_THE_FUTURE', 'unspecified', undefined],
  ];
  for (const [wire, state, detail] of cases) {
    it(`${wire} is ${state}${detail ? ` (${detail})` : ''}`, () => {
      assert.deepEqual(fromVertexState({ state: wire }), detail === undefined ? { state } : { state, detail });
      const model = fromVertexTuningJob({ name: NAME, state: wire });
      assert.equal(model.state, state);
      assert.equal(model.stateDetail, detail);
    });
  }

  it('a missing state is unspecified', () => {
    assert.equal(fromVertexTuningJob({ name: NAME }).state, 'unspecified');
  });

  it('the detail state of a running job says what it waits for, and only while it runs', () => {
    const details: [string, string][] = [
      ['TUNING_JOB_STATE_WAITING_FOR_QUOTA', 'waiting for quota'],
      ['TUNING_JOB_STATE_PROCESSING_DATASET', 'processing dataset'],
      ['TUNING_JOB_STATE_WAITING_FOR_CAPACITY', 'waiting for capacity'],
      ['TUNING_JOB_STATE_TUNING', 'tuning'],
      ['TUNING_JOB_STATE_POST_PROCESSING', 'post-processing'],
    ];
    for (const [tuningJobState, detail] of details) {
      assert.equal(fromVertexTuningJob({ state: 'JOB_STATE_RUNNING', tuningJobState }).stateDetail, detail);
    }
    assert.equal(fromVertexTuningJob({ state: 'JOB_STATE_RUNNING', tuningJobState: 'TUNING_JOB_STATE_UNSPECIFIED' }).stateDetail, 'running');
    assert.equal(fromVertexTuningJob({ state: 'JOB_STATE_SUCCEEDED', tuningJobState: 'TUNING_JOB_STATE_TUNING' }).stateDetail, undefined);
  });

  it('a FAILED job carries its error message; a CANCELLED one does not repeat "CANCELLED"', () => {
    const failed = fromVertexTuningJob({ name: NAME, state: 'JOB_STATE_FAILED', error: { code: 3, message: 'Line 4 of gs://b/t.jsonl: contents[0] must be a user turn.' } });
    assert.equal(failed.state, 'failed');
    assert.equal(failed.stateDetail, 'Line 4 of gs://b/t.jsonl: contents[0] must be a user turn.');
    assert.equal(fromVertexTuningJob({ state: 'JOB_STATE_FAILED', error: { code: 13 } }).stateDetail, undefined);
    const cancelled = fromVertexTuningJob({ name: NAME, state: 'JOB_STATE_CANCELLED', error: { code: 1, message: 'CANCELLED' } });
    assert.equal(cancelled.state, 'cancelled');
    assert.equal(cancelled.stateDetail, undefined);
  });

  it('maps names, times, hyperparameters (int64 strings as numbers), the endpoint and the data statistics', () => {
    const model = fromVertexTuningJob(succeeded);
    assert.equal(model.name, NAME);
    assert.equal(model.backend, 'vertex');
    assert.equal(model.displayName, 'support-bot');
    assert.equal(model.description, 'answers support mail');
    assert.equal(model.baseModel, 'gemini-2.5-flash');
    assert.equal(model.createTime, succeeded.createTime);
    assert.equal(model.startTime, succeeded.startTime);
    assert.equal(model.endTime, succeeded.endTime);
    assert.equal(model.updateTime, succeeded.updateTime);
    assert.deepEqual(model.hyperparameters, { epochCount: 3, learningRateMultiplier: 1.5, adapterSize: 'ADAPTER_SIZE_FOUR' });
    assert.equal(model.generationModel, ENDPOINT);
    assert.equal(model.exampleCount, 500);
    assert.deepEqual(model.dataStats, {
      exampleCount: 500,
      billableTokenCount: 228086,
      characterCount: 912345,
      stepCount: 96,
      truncatedExampleCount: 2,
      truncatedExampleIndices: [7, 41],
      droppedExampleReasons: ['line 9: too long'],
      inputTokens: { sum: 201000, min: 55, max: 1900, mean: 402, median: 371, p5: 98, p95: 812 },
      outputTokens: undefined,
      messagesPerExample: undefined,
    });
    assert.equal(model.progress, undefined, 'an ended job shows no progress');
    assert.deepEqual(model.capabilities, VERTEX_CAPABILITIES);
    assert.equal(model.capabilities.cancel, true);
    assert.equal(model.capabilities.delete, false);
    assert.equal(model.raw, succeeded);
  });

  it('loss points carry the epochs completed at their step, from the epoch and step counts; none before the first ends', () => {
    // 3 epochs over 96 steps: epochs end at steps 32, 64 and 96.
    const series = (steps: number[]) => steps.map((step) => ({ step, value: 1 / step, wallTime: '2026-03-02T10:20:00Z' }));
    const model = fromVertexTuningJob(succeeded, { train: series([1, 31, 32, 63, 64, 96]), eval: series([32, 96]) });
    assert.deepEqual(model.loss.map((p) => p.epoch), [undefined, undefined, 1, 1, 2, 3]);
    assert.deepEqual(model.evalLoss?.map((p) => p.epoch), [1, 3]);
    const noStepCount = fromVertexTuningJob({ ...succeeded, tuningDataStats: undefined }, { train: series([64]), eval: [] });
    assert.equal(noStepCount.loss[0].epoch, undefined, 'without a step count no epoch is guessed');
  });

  it('a job without hyperparameters has none, and no endpoint until it succeeded', () => {
    const running = fromVertexTuningJob({ ...succeeded, state: 'JOB_STATE_RUNNING', supervisedTuningSpec: { trainingDatasetUri: 'gs://b/t' } });
    assert.equal(running.hyperparameters, undefined);
    assert.equal(running.generationModel, undefined, 'the endpoint does not serve before SUCCEEDED');
  });

  it('progress of a running job: steps from the loss curve out of tuningStepCount, or from tuningJobMetadata', () => {
    const loss = { train: [{ step: 1, value: 2.5 }, { step: 24, value: 1.25, wallTime: '2026-03-02T10:22:10.120Z' }], eval: [{ step: 24, value: 1.5 }] };
    const running = fromVertexTuningJob({ ...succeeded, state: 'JOB_STATE_RUNNING' }, loss);
    assert.deepEqual(running.progress, { completedSteps: 24, totalSteps: 96, percent: 25 });
    assert.deepEqual(running.loss, [
      { step: 1, loss: 2.5, computeTime: undefined },
      { step: 24, loss: 1.25, computeTime: '2026-03-02T10:22:10.120Z' },
    ]);
    assert.deepEqual(running.evalLoss, [{ step: 24, loss: 1.5, computeTime: undefined }]);
    const reported = fromVertexTuningJob({ ...succeeded, state: 'JOB_STATE_RUNNING', tuningJobMetadata: { completedStepCount: '48' } }, loss);
    assert.deepEqual(reported.progress, { completedSteps: 48, totalSteps: 96, percent: 50 });
    assert.equal(fromVertexTuningJob({ state: 'JOB_STATE_PENDING' }).progress, undefined);
    assert.equal(fromVertexTuningJob({ ...succeeded, state: 'JOB_STATE_RUNNING' }, { train: [], eval: [] }).evalLoss, undefined);
  });
});
