import * as http from 'node:http';
import assert from 'node:assert/strict';
import { BASE_MODEL, type Harness, call, examples, startServer, trainModel, tuningBody } from './harness';

interface Violation {
  field?: string;
  description: string;
}

/** Asserts the request failed with `status`, a message naming `field`, and a BadRequest detail for it. */
function assertRejected(r: { status: number; json: { error: { code: number; status: string; message: string; details?: { '@type': string; fieldViolations?: Violation[] }[] } } }, field: string, rule: RegExp, status = 'INVALID_ARGUMENT', code = 400): void {
  assert.equal(r.status, code, JSON.stringify(r.json));
  assert.equal(r.json.error.code, code);
  assert.equal(r.json.error.status, status);
  assert.ok(r.json.error.message.includes(field), `message names ${field}: ${r.json.error.message}`);
  assert.match(r.json.error.message, rule);
  const badRequest = r.json.error.details?.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.BadRequest');
  assert.ok(badRequest, 'has a BadRequest detail');
  assert.ok(badRequest.fieldViolations?.some((v) => v.field === field && rule.test(v.description)), `fieldViolations name ${field}`);
}

function withHyper(hp: Record<string, unknown>): Record<string, unknown> {
  return { baseModel: BASE_MODEL, tuningTask: { trainingData: { examples: { examples: examples(2) } }, hyperparameters: hp } };
}

function withExamples(list: unknown[]): Record<string, unknown> {
  return { baseModel: BASE_MODEL, tuningTask: { trainingData: { examples: { examples: list } } } };
}

describe('local server: request validation', function () {
  // Training the model for the generation checks takes seconds on a busy 2-core machine.
  this.timeout(120_000);
  let h: Harness;
  before(async () => (h = await startServer()));
  after(async () => h.close());
  const create = (body: unknown, query = ''): ReturnType<typeof call> => call(h.url, 'POST', `/v1beta/tunedModels${query}`, body);

  it('tunedModelId must match the documented regex', async () => {
    for (const id of ['Upper', '1starts-with-digit', 'ends-with-hyphen-', 'has_underscore', 'x'.repeat(41), '..']) {
      assertRejected(await create(tuningBody(), `?tunedModelId=${encodeURIComponent(id)}`), 'tunedModelId', /must match \[a-z\]/);
    }
    assert.equal((await create(tuningBody(), `?tunedModelId=${'a'.repeat(40)}`)).status, 200, '40 characters is fine');
  });

  it('displayName over 40 characters', async () => {
    assertRejected(await create(tuningBody({ displayName: 'd'.repeat(41) })), 'displayName', /at most 40 characters; got 41/);
  });

  it('missing tuningTask, missing or empty training data', async () => {
    assertRejected(await create({ baseModel: BASE_MODEL }), 'tuningTask', /is required/);
    assertRejected(await create({ baseModel: BASE_MODEL, tuningTask: { hyperparameters: {} } }), 'tuningTask.trainingData', /is required/);
    assertRejected(await create(withExamples([])), 'tuningTask.trainingData.examples.examples', /at least one example/);
    assertRejected(await create({ baseModel: BASE_MODEL, tuningTask: { trainingData: { examples: {} } } }), 'tuningTask.trainingData.examples.examples', /at least one example/);
  });

  it('an example without output (or with an empty one), or without textInput', async () => {
    assertRejected(await create(withExamples([{ textInput: 'a', output: 'b' }, { textInput: 'c' }])), 'tuningTask.trainingData.examples.examples[1].output', /is required/);
    assertRejected(await create(withExamples([{ textInput: 'a', output: '' }])), 'tuningTask.trainingData.examples.examples[0].output', /must not be empty/);
    assertRejected(await create(withExamples([{ output: 'b' }])), 'tuningTask.trainingData.examples.examples[0].textInput', /is required/);
  });

  it('input over 40,000 characters, output over 5,000', async () => {
    assertRejected(await create(withExamples([{ textInput: 'i'.repeat(40_001), output: 'o' }])), 'tuningTask.trainingData.examples.examples[0].textInput', /at most 40000 characters; got 40001/);
    assertRejected(await create(withExamples([{ textInput: 'i', output: 'o'.repeat(5_001) }])), 'tuningTask.trainingData.examples.examples[0].output', /at most 5000 characters; got 5001/);
    assert.equal((await create(withExamples([{ textInput: 'i'.repeat(40_000), output: 'o'.repeat(5_000) }]))).status, 200);
  });

  it('both learningRate and learningRateMultiplier', async () => {
    assertRejected(await create(withHyper({ learningRate: 0.001, learningRateMultiplier: 1 })), 'tuningTask.hyperparameters.learningRate', /only one of learningRate and learningRateMultiplier/);
  });

  it('epochs or batch size ≤ 0, non-integers, non-positive learning rates', async () => {
    assertRejected(await create(withHyper({ epochCount: 0 })), 'tuningTask.hyperparameters.epochCount', /greater than 0/);
    assertRejected(await create(withHyper({ epochCount: -3 })), 'tuningTask.hyperparameters.epochCount', /greater than 0/);
    assertRejected(await create(withHyper({ batchSize: 0 })), 'tuningTask.hyperparameters.batchSize', /greater than 0/);
    assertRejected(await create(withHyper({ batchSize: 1.5 })), 'tuningTask.hyperparameters.batchSize', /integer/);
    assertRejected(await create(withHyper({ learningRate: -1 })), 'tuningTask.hyperparameters.learningRate', /greater than 0/);
    assertRejected(await create(withHyper({ learningRateMultiplier: 0 })), 'tuningTask.hyperparameters.learningRateMultiplier', /greater than 0/);
    assertRejected(await create(withHyper({ epochCount: 'five' })), 'tuningTask.hyperparameters.epochCount', /must be a number/);
  });

  it('learningRateMultiplier is echoed as given; numeric strings are accepted (ProtoJSON)', async () => {
    const r = await create(withHyper({ learningRateMultiplier: 2, epochCount: '1' }));
    assert.equal(r.status, 200, r.text);
    const m = await call(h.url, 'GET', `/v1beta/${r.json.metadata.tunedModel}`);
    assert.deepEqual(m.json.tuningTask.hyperparameters, { learningRateMultiplier: 2, epochCount: 1, batchSize: 4 });
  });

  it('temperature, topP and topK out of range', async () => {
    assertRejected(await create(tuningBody({ temperature: 1.5 })), 'temperature', /between 0 and 1/);
    assertRejected(await create(tuningBody({ temperature: -0.1 })), 'temperature', /between 0 and 1/);
    assertRejected(await create(tuningBody({ topP: 2 })), 'topP', /between 0 and 1/);
    assertRejected(await create(tuningBody({ topK: 0 })), 'topK', /at least 1/);
  });

  it('unknown base model, both or neither source', async () => {
    assertRejected(await create(tuningBody({ baseModel: 'models/gemini-9-ultra' })), 'baseModel', /not a base model this server can tune/);
    assertRejected(await create(tuningBody({ baseModel: 'gemini-1.5-flash-001-tuning' })), 'baseModel', /start with "models\/"/);
    const neither = tuningBody();
    delete neither.baseModel;
    assertRejected(await create(neither), 'baseModel', /is required/);
    assertRejected(await create(tuningBody({ tunedModelSource: { tunedModel: 'tunedModels/x' } })), 'baseModel', /only one of baseModel and tunedModelSource/);
  });

  it('unknown or not-yet-ACTIVE source model', async () => {
    const body = (source: string): Record<string, unknown> => ({ tunedModelSource: { tunedModel: source }, tuningTask: { trainingData: { examples: { examples: examples(2) } } } });
    assertRejected(await create(body('tunedModels/no-such-model')), 'tunedModelSource.tunedModel', /does not exist/);
    assertRejected(await create(body('tunedModels/../../etc')), 'tunedModelSource.tunedModel', /does not exist/);
    const slow = await create(tuningBody({}, 200));
    assertRejected(await create(body(slow.json.metadata.tunedModel)), 'tunedModelSource.tunedModel', /only an ACTIVE model/, 'FAILED_PRECONDITION');
    await call(h.url, 'DELETE', `/v1beta/${slow.json.metadata.tunedModel}`);
  });

  it('unknown JSON fields are refused with the real API wording', async () => {
    const r = await create({ ...tuningBody(), colour: 'blue' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.message, 'Invalid JSON payload received. Unknown name "colour" at \'tuned_model\': Cannot find field.');
    const nested = await create({ ...tuningBody(), tuningTask: { trainingData: { examples: { examples: [{ textInput: 'a', output: 'b', label: 'x' }] } } } });
    assert.match(nested.json.error.message, /Unknown name "label" at 'tuned_model.tuning_task.training_data.examples.examples\[0\]'/);
  });

  it('malformed JSON and a body that is not an object', async () => {
    const bad = await call(h.url, 'POST', '/v1beta/tunedModels', '{"baseModel": ');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.status, 'INVALID_ARGUMENT');
    assert.match(bad.json.error.message, /^Invalid JSON payload received\./);
    assert.equal(bad.json.error.details[0]['@type'], 'type.googleapis.com/google.rpc.BadRequest');
    const array = await call(h.url, 'POST', '/v1beta/tunedModels', '[1,2]');
    assert.equal(array.status, 400);
    assert.match(array.json.error.message, /Expected an object/);
  });

  it('a body over the 64 MiB limit is refused before it is read in full', async () => {
    const announced = 64 * 1024 * 1024 + 1;
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${h.url}/v1beta/tunedModels`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(announced) },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      // Only the first kilobyte is ever sent: the answer must come from the announced length alone.
      req.write(Buffer.alloc(1024, 0x20));
    });
    assert.equal(status, 400);
    assert.equal(JSON.parse(body).error.message, 'Request payload size exceeds the limit: 67108864 bytes.');
  });

  it('the whole failing request lists every violation', async () => {
    const r = await create({ displayName: 'x'.repeat(50), baseModel: BASE_MODEL, temperature: 3, tuningTask: { trainingData: { examples: { examples: [{ textInput: 'a' }] } }, hyperparameters: { epochCount: 0 } } });
    assert.equal(r.status, 400);
    const fields = r.json.error.details[0].fieldViolations.map((v: Violation) => v.field).sort();
    assert.deepEqual(fields, ['displayName', 'temperature', 'tuningTask.hyperparameters.epochCount', 'tuningTask.trainingData.examples.examples[0].output']);
  });

  describe('generation requests', () => {
    let model: string;
    before(async () => (model = await trainModel(h.url, tuningBody({ displayName: 'gen validation' }))));
    const gen = (body: unknown, target = model): ReturnType<typeof call> => call(h.url, 'POST', `/v1beta/${target}:generateContent`, body);
    const text = { contents: [{ parts: [{ text: 'item 1' }] }] };

    it('temperature, topP, topK, candidateCount, maxOutputTokens, stopSequences out of range', async () => {
      assertRejected(await gen({ ...text, generationConfig: { temperature: 2.5 } }), 'generationConfig.temperature', /between 0 and 2/);
      assertRejected(await gen({ ...text, generationConfig: { topP: 1.5 } }), 'generationConfig.topP', /between 0 and 1/);
      assertRejected(await gen({ ...text, generationConfig: { topK: 0 } }), 'generationConfig.topK', /at least 1/);
      assertRejected(await gen({ ...text, generationConfig: { candidateCount: 9 } }), 'generationConfig.candidateCount', /between 1 and 8/);
      assertRejected(await gen({ ...text, generationConfig: { maxOutputTokens: 0 } }), 'generationConfig.maxOutputTokens', /between 1 and 8192/);
      assertRejected(await gen({ ...text, generationConfig: { stopSequences: ['a', 'b', 'c', 'd', 'e', 'f'] } }), 'generationConfig.stopSequences', /at most 5/);
      assertRejected(await gen({ ...text, generationConfig: { responseMimeType: 'application/json' } }), 'generationConfig.responseMimeType', /text\/plain only/);
    });

    it('bad roles, non-text parts (missing contents: see the fidelity tests)', async () => {
      assertRejected(await gen({ contents: [{ role: 'system', parts: [{ text: 'x' }] }] }), 'contents[0].role', /valid role: user, model/);
      assertRejected(await gen({ contents: [{ parts: [{ inlineData: { mimeType: 'image/png', data: 'AA==' } }] }] }), 'contents[0].parts[0]', /text parts only/);
      assertRejected(await gen({ contents: [{ role: 'model', parts: [{ text: 'x' }] }] }), 'contents', /user turn/);
      assertRejected(await gen({ ...text, tools: [{ functionDeclarations: [] }] }), 'tools', /not supported/);
    });

    it('generateContent on a model that is not ACTIVE is FAILED_PRECONDITION; a missing model is 404', async () => {
      const creating = await call(h.url, 'POST', '/v1beta/tunedModels', tuningBody({}, 200));
      const r = await gen(text, creating.json.metadata.tunedModel);
      assert.equal(r.status, 400);
      assert.equal(r.json.error.status, 'FAILED_PRECONDITION');
      assert.match(r.json.error.message, /is CREATING, not ACTIVE/);
      const stream = await call(h.url, 'POST', `/v1beta/${creating.json.metadata.tunedModel}:streamGenerateContent?alt=sse`, text);
      assert.equal(stream.json.error.status, 'FAILED_PRECONDITION');
      await call(h.url, 'DELETE', `/v1beta/${creating.json.metadata.tunedModel}`);
      const missing = await gen(text, 'tunedModels/never-was');
      assert.equal(missing.status, 404);
      assert.equal(missing.json.error.message, 'Tuned model tunedModels/never-was does not exist.');
      const missingBase = await gen(text, 'models/gemini-9');
      assert.equal(missingBase.status, 404);
    });
  });
});
