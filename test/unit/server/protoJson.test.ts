import assert from 'node:assert/strict';
import { type Harness, call, startServer, tuningBody } from './harness';

describe('local server: requests as Google front end reads them', function () {
  let h: Harness;
  before(async () => (h = await startServer()));
  after(async () => h.close());

  describe('query parameters bind under their proto (snake_case) names too', () => {
    it('tuned_model_id names the model, and is checked like tunedModelId', async () => {
      const r = await call(h.url, 'POST', '/v1beta/tunedModels?tuned_model_id=snake-case-id', tuningBody());
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.metadata.tunedModel, 'tunedModels/snake-case-id');
      assert.equal((await call(h.url, 'GET', '/v1beta/tunedModels/snake-case-id')).status, 200);
      const bad = await call(h.url, 'POST', '/v1beta/tunedModels?tuned_model_id=Not_Valid', tuningBody());
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.details[0].fieldViolations[0].field, 'tunedModelId');
    });

    it('page_size and page_token page a listing as pageSize and pageToken do', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await call(h.url, 'POST', '/v1beta/tunedModels', tuningBody({ displayName: `paged ${i}` }))).status, 200);
      const first = await call(h.url, 'GET', '/v1beta/tunedModels?page_size=2&filter=paged');
      assert.equal(first.json.tunedModels.length, 2);
      const second = await call(h.url, 'GET', `/v1beta/tunedModels?page_size=2&filter=paged&page_token=${first.json.nextPageToken}`);
      assert.equal(second.json.tunedModels.length, 1);
      assert.equal(second.json.nextPageToken, undefined);
      const names = [...first.json.tunedModels, ...second.json.tunedModels].map((m: { displayName: string }) => m.displayName).sort();
      assert.deepEqual(names, ['paged 0', 'paged 1', 'paged 2']);
    });

    it('update_mask selects the fields a PATCH changes', async () => {
      const created = await call(h.url, 'POST', '/v1beta/tunedModels', tuningBody({ displayName: 'masked', description: 'before' }));
      const name = created.json.metadata.tunedModel;
      const r = await call(h.url, 'PATCH', `/v1beta/${name}?update_mask=description`, { displayName: 'ignored', description: 'after' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.displayName, 'masked');
      assert.equal(r.json.description, 'after');
    });
  });

  it('reports every unknown field in one 400: the messages joined by newlines, one fieldViolation each', async () => {
    const body = tuningBody({ colour: 'blue', size_hint: 3 });
    (body.tuningTask as Record<string, unknown>).trainingData = { examples: { examples: [{ textInput: 'a', output: 'b', label: 'x' }] } };
    const r = await call(h.url, 'POST', '/v1beta/tunedModels', body);
    assert.equal(r.status, 400);
    const expected = [
      ['tuned_model.tuning_task.training_data.examples.examples[0]', 'label'],
      ['tuned_model', 'colour'],
      ['tuned_model', 'size_hint'],
    ].map(([field, name]) => ({ field, description: `Invalid JSON payload received. Unknown name "${name}" at '${field}': Cannot find field.` }));
    assert.equal(r.json.error.status, 'INVALID_ARGUMENT');
    assert.equal(r.json.error.message, expected.map((v) => v.description).join('\n'));
    assert.deepEqual(r.json.error.details, [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: expected }]);
    const generation = await call(h.url, 'POST', '/v1beta/models/gemini-1.5-flash-001-tuning:generateContent', { contents: [{ parts: [{ text: 'x' }] }], foo: 1, bar: 2 });
    assert.equal(generation.json.error.message, 'Invalid JSON payload received. Unknown name "foo": Cannot find field.\nInvalid JSON payload received. Unknown name "bar": Cannot find field.');
    assert.equal(generation.json.error.details[0].fieldViolations.length, 2);
  });

  describe('JSON with trailing commas, as the REST tuning walkthrough sends it', () => {
    it('creates the model from a body with a comma before each closing brace', async () => {
      const examples = [['1', '2'], ['3', '4'], ['-3', '-2']].map(([i, o]) => `{\n  "text_input": "${i}",\n  "output": "${o}",\n}`).join(',');
      const body = `{
        "display_name": "number generator model",
        "base_model": "models/gemini-1.5-flash-001-tuning",
        "tuning_task": {
          "hyperparameters": {
            "batch_size": 2,
            "learning_rate": 0.001,
            "epoch_count":5,
          },
          "training_data": {
            "examples": {
              "examples": [${examples}]
            }
          }
        }
      }`;
      const r = await call(h.url, 'POST', '/v1beta/tunedModels', body);
      assert.equal(r.status, 200, r.text);
      const model = (await call(h.url, 'GET', `/v1beta/${r.json.metadata.tunedModel}`)).json;
      assert.equal(model.displayName, 'number generator model');
      assert.deepEqual(model.tuningTask.hyperparameters, { learningRate: 0.001, epochCount: 5, batchSize: 2 });
      assert.equal(r.json.metadata.totalSteps, 8, 'all three examples were read: ceil(3 × 5 / 2)');
    });

    it('still refuses a comma with no value before it, and a comma inside a string is text', async () => {
      for (const text of ['{"display_name": "x",,}', '{,}', '{"tuning_task": {"training_data": {"examples": {"examples": [,]}}}}']) {
        const r = await call(h.url, 'POST', '/v1beta/tunedModels', text);
        assert.equal(r.status, 400, text);
        assert.match(r.json.error.message, /^Invalid JSON payload received\./);
      }
      assert.equal((await call(h.url, 'POST', '/v1beta/tunedModels?tunedModelId=comma-in-text', tuningBody())).status, 200);
      const r = await call(h.url, 'PATCH', '/v1beta/tunedModels/comma-in-text', '{"description": "ends with ,}",}');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.description, 'ends with ,}');
    });
  });
});
