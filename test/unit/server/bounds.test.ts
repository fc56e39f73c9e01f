import assert from 'node:assert/strict';
import { MAX_EPOCH_COUNT, MAX_TOTAL_STEPS } from '../../../src/server/requestValidation';
import { type Harness, call, examples, startServer, tuningBody } from './harness';

describe('local server: bounds on a tuning job', function () {
  let h: Harness;
  before(async () => (h = await startServer({ stepDelayMs: 60_000 })));
  after(async () => h.close());

  const create = (hyperparameters: Record<string, unknown>, n = 4): ReturnType<typeof call> => {
    const body = tuningBody({}, n);
    (body.tuningTask as { trainingData: unknown; hyperparameters: unknown }).hyperparameters = hyperparameters;
    (body.tuningTask as { trainingData: unknown }).trainingData = { examples: { examples: examples(n) } };
    return call(h.url, 'POST', '/v1beta/tunedModels', body);
  };

  it('refuses an epochCount beyond the limit with a 400 naming the field and the limit', async () => {
    for (const epochCount of [1e9, 1e308, MAX_EPOCH_COUNT + 1]) {
      const r = await create({ epochCount, batchSize: 2 });
      assert.equal(r.status, 400, String(epochCount));
      assert.match(r.json.error.message, new RegExp(`tuningTask\\.hyperparameters\\.epochCount: must be at most ${MAX_EPOCH_COUNT}`));
      assert.equal(r.json.error.details[0].fieldViolations[0].field, 'tuningTask.hyperparameters.epochCount');
    }
    assert.deepEqual((await call(h.url, 'GET', '/v1beta/tunedModels')).json, {});
  });

  it('refuses a job of more steps than the limit, saying how to lower them', async () => {
    const r = await create({ epochCount: MAX_EPOCH_COUNT, batchSize: 1 }, 101);
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, new RegExp(`makes 101000 training steps.*at most ${MAX_TOTAL_STEPS}.*Lower epochCount or raise batchSize`));
  });

  it("accepts Google's own largest sample, 100 epochs", async () => {
    const r = await create({ epochCount: 100, batchSize: 4 }, 15);
    assert.equal(r.status, 200);
    assert.equal(r.json.metadata.totalSteps, 375);
  });
});
