// What the loss chart suites share: the chart's test hooks and trained models on the local server.
import * as assert from 'node:assert/strict';
import type { TunedModel } from '../../../src/core/api/types';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import type { LossChartTestHooks } from '../../../src/extension/testHooks';
import { modelNameOf } from '../tree/support';

const BASE_MODEL = 'models/gemini-1.5-flash-001-tuning';

/** The loss chart's section of the test hooks, which the extension fills in test mode. */
export function chartHooks(api: GeminiTuningApi): LossChartTestHooks {
  const hooks = api.testHooks?.lossChart;
  assert.ok(hooks, 'the extension runs in test mode and its loss chart filled its test hooks');
  return hooks;
}

/** A create request with `exampleCount` counting examples ("1" → "2", …). */
export function chartCreateRequest(displayName: string, exampleCount: number, epochCount: number, batchSize: number): TunedModel {
  return {
    displayName,
    baseModel: BASE_MODEL,
    tuningTask: {
      hyperparameters: { epochCount, batchSize, learningRate: 0.001 },
      trainingData: { examples: { examples: Array.from({ length: exampleCount }, (_, i) => ({ textInput: `${i + 1}`, output: `${i + 2}` })) } },
    },
  };
}

/** A small model trained to the end (8 examples, 2 epochs, batch 2). */
export async function trainedModel(api: GeminiTuningApi, displayName: string): Promise<TunedModel & { name: string }> {
  const client = await api.backend.getClient();
  const op = await client.tunedModels.create(chartCreateRequest(displayName, 8, 2, 2));
  const done = await client.waitForOperation(op, { initialDelayMs: 200, multiplier: 1, maxDelayMs: 300 });
  assert.equal(done.error, undefined, `tuning failed: ${JSON.stringify(done.error)}`);
  const model = await client.tunedModels.get(modelNameOf(op));
  assert.equal(model.state, 'ACTIVE');
  return model as TunedModel & { name: string };
}
