import * as assert from 'node:assert/strict';
import type { Operation, TunedModel } from '../../../src/core/api/types';
import { fromGeminiOperation, fromGeminiState, fromGeminiTunedModel, GEMINI_CAPABILITIES, geminiLossPoints, geminiProgress } from '../../../src/core/tuning/geminiApi';
import { endedWithoutModel, isInFlight, stateLabel } from '../../../src/core/tuning/model';

const META = 'type.googleapis.com/google.ai.generativelanguage.v1beta.CreateTunedModelMetadata';

const full: TunedModel = {
  name: 'tunedModels/emoji-namer-abc12',
  baseModel: 'models/gemini-1.5-flash-001-tuning',
  displayName: 'Emoji namer',
  description: 'Names emoji',
  temperature: 0.5,
  topP: 0.9,
  topK: 40,
  state: 'ACTIVE',
  createTime: '2026-11-21T10:00:00Z',
  updateTime: '2026-11-21T10:30:00Z',
  tuningTask: {
    startTime: '2026-11-21T10:00:01Z',
    completeTime: '2026-11-21T10:20:00Z',
    snapshots: [
      { step: 1, epoch: 1, meanLoss: 3.5, computeTime: '2026-11-21T10:01:00Z' },
      { step: 2, epoch: 1, meanLoss: 2.25, computeTime: '2026-11-21T10:02:00Z' },
    ],
    trainingData: { examples: { examples: [{ textInput: 'a', output: 'b' }, { output: 'c' }] } },
    hyperparameters: { epochCount: 5, batchSize: 4, learningRate: 0.001 },
  },
  readerProjectNumbers: ['123'],
};

describe('tuning: the Gemini API mapped to the neutral model', () => {
  it('maps every field of a tuned model', () => {
    assert.deepEqual(fromGeminiTunedModel(full), {
      name: 'tunedModels/emoji-namer-abc12',
      backend: 'gemini',
      displayName: 'Emoji namer',
      description: 'Names emoji',
      baseModel: 'models/gemini-1.5-flash-001-tuning',
      sourceModel: undefined,
      state: 'active',
      stateDetail: undefined,
      createTime: '2026-11-21T10:00:00Z',
      updateTime: '2026-11-21T10:30:00Z',
      startTime: '2026-11-21T10:00:01Z',
      endTime: '2026-11-21T10:20:00Z',
      progress: undefined,
      hyperparameters: { epochCount: 5, batchSize: 4, learningRate: 0.001, learningRateMultiplier: undefined },
      exampleCount: 2,
      loss: [
        { step: 1, epoch: 1, loss: 3.5, computeTime: '2026-11-21T10:01:00Z' },
        { step: 2, epoch: 1, loss: 2.25, computeTime: '2026-11-21T10:02:00Z' },
      ],
      sampling: { temperature: 0.5, topP: 0.9, topK: 40 },
      generationModel: 'tunedModels/emoji-namer-abc12',
      capabilities: GEMINI_CAPABILITIES,
      raw: full,
    });
  });

  it('keeps the wire object itself for the Details view', () => {
    assert.equal(fromGeminiTunedModel(full).raw, full);
  });

  it('maps a model tuned from another: the source model, and its base model as the base', () => {
    const info = fromGeminiTunedModel({
      name: 'tunedModels/b',
      tunedModelSource: { tunedModel: 'tunedModels/a', baseModel: 'models/base-001' },
      tuningTask: { hyperparameters: { learningRateMultiplier: 2 } },
    });
    assert.equal(info.sourceModel, 'tunedModels/a');
    assert.equal(info.baseModel, 'models/base-001');
    assert.deepEqual(info.hyperparameters, { epochCount: undefined, batchSize: undefined, learningRate: undefined, learningRateMultiplier: 2 });
  });

  it('maps every state, and says what each means for following and showing a job', () => {
    const cases = [
      ['CREATING', 'creating', true, false, 'CREATING'],
      ['ACTIVE', 'active', false, false, 'ACTIVE'],
      ['FAILED', 'failed', false, true, 'FAILED'],
      ['STATE_UNSPECIFIED', 'unspecified', true, false, 'STATE_UNSPECIFIED'],
      [undefined, 'unspecified', true, false, 'STATE_UNSPECIFIED'],
    ] as const;
    for (const [wire, neutral, inFlight, ended, label] of cases) {
      assert.equal(fromGeminiState(wire), neutral, String(wire));
      assert.equal(fromGeminiTunedModel({ name: 'tunedModels/x', state: wire }).state, neutral);
      assert.equal(isInFlight(neutral), inFlight, neutral);
      assert.equal(endedWithoutModel(neutral), ended, neutral);
      assert.equal(stateLabel(neutral), label);
    }
    assert.equal(stateLabel('cancelled'), 'CANCELLED');
    assert.equal(endedWithoutModel('cancelled'), true);
  });

  it('reads progress from the operation metadata: the reported percent first, else the steps', () => {
    assert.deepEqual(geminiProgress({ completedPercent: 42.7, completedSteps: 4, totalSteps: 10 }), { completedSteps: 4, totalSteps: 10, percent: 42 });
    assert.deepEqual(geminiProgress({ totalSteps: 40, completedSteps: 10 }), { completedSteps: 10, totalSteps: 40, percent: 25 });
    assert.deepEqual(geminiProgress({ totalSteps: 38 }), { completedSteps: undefined, totalSteps: 38, percent: 0 });
    assert.deepEqual(geminiProgress({ completedPercent: 140 }), { completedSteps: undefined, totalSteps: undefined, percent: 100 });
    // ProtoJSON may write int64 as strings.
    assert.deepEqual(geminiProgress({ totalSteps: '38' as unknown as number, completedSteps: 4 }), { completedSteps: 4, totalSteps: 38, percent: 10 });
    assert.equal(geminiProgress({}), undefined);
    assert.equal(geminiProgress(undefined), undefined);
  });

  it('merges the running operation: progress, and its snapshots when it has more than the model', () => {
    const op: Operation = {
      name: 'tunedModels/x/operations/1',
      metadata: { '@type': META, tunedModel: 'tunedModels/x', completedSteps: 2, totalSteps: 8, snapshots: [{ step: 1, meanLoss: 4 }, { step: 2, meanLoss: 3 }] },
    };
    const model: TunedModel = { name: 'tunedModels/x', state: 'CREATING', tuningTask: { snapshots: [{ step: 1, meanLoss: 4 }] } };
    const info = fromGeminiTunedModel(model, op);
    assert.deepEqual(info.progress, { completedSteps: 2, totalSteps: 8, percent: 25 });
    assert.deepEqual(info.loss.map((p) => p.step), [1, 2]);
    assert.equal(info.stateDetail, undefined, 'a running operation has no error to tell');
    assert.deepEqual(fromGeminiTunedModel(model).loss.map((p) => p.step), [1]);
    assert.deepEqual(fromGeminiTunedModel({ name: 'tunedModels/y' }).loss, []);
  });

  it('takes the reason of a failure from the finished operation', () => {
    const op: Operation = { name: 'tunedModels/x/operations/1', done: true, error: { code: 13, message: 'out of memory' } };
    assert.equal(fromGeminiTunedModel({ name: 'tunedModels/x', state: 'FAILED' }, op).stateDetail, 'out of memory');
  });

  it('reads snapshots the way ProtoJSON writes them: omitted zeros, numbers as strings, NaN', () => {
    const points = geminiLossPoints([
      { step: 1 },
      { step: '2', epoch: '1', meanLoss: 'NaN' },
      { step: 'x', meanLoss: 1 },
      { step: 3, meanLoss: 0.5, computeTime: '' },
    ]);
    assert.equal(points.length, 3, 'the snapshot without a readable step is dropped');
    assert.deepEqual(points[0], { step: 1, epoch: 0, loss: 0, computeTime: undefined });
    assert.equal(points[1].step, 2);
    assert.ok(Number.isNaN(points[1].loss));
    assert.deepEqual(points[2], { step: 3, epoch: 0, loss: 0.5, computeTime: undefined });
  });

  it('maps a create operation: running, finished with the model, finished with an error', () => {
    const running = fromGeminiOperation({
      name: 'tunedModels/new/operations/1',
      metadata: { '@type': META, tunedModel: 'tunedModels/new', completedPercent: 10 },
    });
    assert.equal(running.name, 'tunedModels/new');
    assert.equal(running.state, 'creating');
    assert.equal(running.progress?.percent, 10);

    const response = { '@type': 'type.googleapis.com/google.ai.generativelanguage.v1beta.TunedModel', ...full };
    const done = fromGeminiOperation({ name: `${full.name}/operations/1`, done: true, response });
    assert.equal(done.state, 'active');
    assert.equal(done.displayName, 'Emoji namer');
    assert.equal((done.raw as Record<string, unknown>)['@type'], undefined, 'the Any type URL is not part of the model');

    const bare = fromGeminiOperation({ name: 'tunedModels/ok/operations/1', done: true });
    assert.equal(bare.name, 'tunedModels/ok');
    assert.equal(bare.state, 'active');

    const failed = fromGeminiOperation({ name: 'tunedModels/bad/operations/1', done: true, error: { code: 3, message: 'Training data is empty.' } });
    assert.equal(failed.state, 'failed');
    assert.equal(failed.stateDetail, 'Training data is empty.');
  });
});
