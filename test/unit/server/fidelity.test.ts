import assert from 'node:assert/strict';
import type { ModelRecord } from '../../../src/server/records';
import { toOperation, toTunedModel } from '../../../src/server/resources';
import { BASE_MODEL, call, examples, type Harness, startServer, trainModel, tuningBody, waitDone } from './harness';

describe('local server fidelity: snapshot epochs', () => {
  let h: Harness;
  before(async () => {
    h = await startServer();
  });
  after(async () => {
    await h.close();
  });

  it('counts completed epochs, floor(step × batch size / examples), and omits 0 (15 examples at batch 2)', async () => {
    const body = tuningBody({ tuningTask: { trainingData: { examples: { examples: examples(15) } }, hyperparameters: { epochCount: 5, batchSize: 2 } } });
    const created = await call(h.url, 'POST', '/v1beta/tunedModels', body);
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json.metadata.totalSteps, 38);
    const op = await waitDone(h.url, created.json.name);
    const model = await call(h.url, 'GET', `/v1beta/${op.metadata.tunedModel}`);
    for (const snapshots of [op.metadata.snapshots, model.json.tuningTask.snapshots]) {
      assert.equal(snapshots.length, 38);
      for (const s of snapshots) {
        const expected = Math.floor((s.step * 2) / 15);
        if (expected === 0) assert.ok(!('epoch' in s), `step ${s.step} has no epoch key: ${JSON.stringify(s)}`);
        else assert.equal(s.epoch, expected, `step ${s.step}`);
      }
      assert.ok(!('epoch' in snapshots[0]) && !('epoch' in snapshots[1]), 'steps 1 and 2 show no epoch, as the recorded output does');
      assert.equal(snapshots[7].epoch, 1, 'step 8 completes the first epoch');
      assert.equal(snapshots[37].epoch, 5, 'the last step completes the fifth');
    }
  });

  it('reads models stored with epochs counted from 1 the same way', () => {
    const t = '2026-01-01T00:00:00.000Z';
    const record: ModelRecord = {
      v: 1, id: 'stored', baseModel: 'models/gemini-1.5-flash-001-tuning', temperature: 1, topP: 0.95, topK: 64,
      state: 'ACTIVE', createTime: t, updateTime: t, hyperparameters: { learningRate: 0.001, epochCount: 5, batchSize: 4 }, learningRate: 0.001,
      snapshots: [1, 4, 19].map((step) => ({ step, epoch: Math.ceil((step * 4) / 15), meanLoss: 1, computeTime: t })),
      operationId: 'abcdefabcdef', totalSteps: 19, exampleCount: 15, seed: 1,
      permissions: [{ id: 'owner', granteeType: 'USER', emailAddress: 'local-user@localhost', role: 'OWNER' }], resumeCount: 0,
    };
    const expected = [{ step: 1, meanLoss: 1, computeTime: t }, { step: 4, epoch: 1, meanLoss: 1, computeTime: t }, { step: 19, epoch: 5, meanLoss: 1, computeTime: t }];
    assert.deepEqual(toTunedModel(record).tuningTask?.snapshots, expected);
    assert.deepEqual(toOperation(record).metadata?.snapshots, expected);
  });
});

describe('local server fidelity: recorded error messages', () => {
  let h: Harness;
  let model: string;
  before(async () => {
    h = await startServer();
    model = await trainModel(h.url, tuningBody({ displayName: 'recorded messages' }));
  });
  after(async () => {
    await h.close();
  });

  const targets = (): string[] => [`${model}:generateContent`, `${model}:streamGenerateContent?alt=sse`, `${BASE_MODEL}:generateContent`, `${model}:streamGenerateContent`];

  it('answers a request without contents as the Gemini API does: "* GenerateContentRequest.contents: contents is not specified\\n"', async () => {
    for (const target of targets()) {
      for (const body of [{}, { contents: [] }, { generationConfig: { temperature: 0 } }]) {
        const r = await call(h.url, 'POST', `/v1beta/${target}`, body);
        assert.equal(r.status, 400, `${target} ${r.text}`);
        assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
        assert.deepEqual(r.json, { error: { code: 400, message: '* GenerateContentRequest.contents: contents is not specified\n', status: 'INVALID_ARGUMENT' } }, target);
      }
    }
  });

  it('names each content with empty parts on its own line, as recorded', async () => {
    const r = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'a' }] }, { role: 'model', parts: [] }, { role: 'user' }] });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json, {
      error: {
        code: 400,
        message: '* GenerateContentRequest.contents[1].parts: contents.parts must not be empty.\n* GenerateContentRequest.contents[2].parts: contents.parts must not be empty.\n',
        status: 'INVALID_ARGUMENT',
      },
    });
  });
});

describe('local server fidelity: the base model and countTokens', () => {
  let h: Harness;
  before(async () => {
    h = await startServer();
  });
  after(async () => {
    await h.close();
  });

  it('lists generateContent, countTokens and createTunedModel, as the recorded model listing does', async () => {
    const listed = await call(h.url, 'GET', '/v1beta/models');
    assert.equal(listed.status, 200, listed.text);
    const one = await call(h.url, 'GET', `/v1beta/${BASE_MODEL}`);
    assert.equal(one.status, 200, one.text);
    for (const model of [listed.json.models[0], one.json]) {
      assert.deepEqual(model.supportedGenerationMethods, ['generateContent', 'countTokens', 'createTunedModel']);
    }
  });

  it('counts the prompt with the local tokenizer: one token per code point, the promptTokenCount of the same generation', async () => {
    const contents = [{ role: 'user', parts: [{ text: 'héllo 👋' }, { text: ' world' }] }];
    const counted = await call(h.url, 'POST', `/v1beta/${BASE_MODEL}:countTokens`, { contents });
    assert.equal(counted.status, 200, counted.text);
    assert.deepEqual(counted.json, { totalTokens: 13, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 13 }] });
    const generated = await call(h.url, 'POST', `/v1beta/${BASE_MODEL}:generateContent`, { contents, generationConfig: { maxOutputTokens: 4 } });
    assert.equal(generated.status, 200, generated.text);
    assert.equal(generated.json.usageMetadata.promptTokenCount, counted.json.totalTokens);
    const wrapped = await call(h.url, 'POST', `/v1beta/${BASE_MODEL}:countTokens`, { generateContentRequest: { model: BASE_MODEL, contents, generationConfig: { temperature: 0 } } });
    assert.deepEqual(wrapped.json, counted.json, wrapped.text);
    const snake = await call(h.url, 'POST', `/v1beta/${BASE_MODEL}:countTokens`, { generate_content_request: { contents } });
    assert.deepEqual(snake.json, counted.json, snake.text);
  });

  it('refuses a count with nothing to count, with both forms, or on a model it does not serve', async () => {
    const none = await call(h.url, 'POST', `/v1beta/${BASE_MODEL}:countTokens`, {});
    assert.equal(none.status, 400, none.text);
    assert.match(none.json.error.message, /contents/);
    const both = await call(h.url, 'POST', `/v1beta/${BASE_MODEL}:countTokens`, { contents: [{ parts: [{ text: 'a' }] }], generateContentRequest: { contents: [{ parts: [{ text: 'a' }] }] } });
    assert.equal(both.status, 400, both.text);
    assert.match(both.json.error.message, /either contents or generateContentRequest/);
    const missing = await call(h.url, 'POST', '/v1beta/models/no-such-model:countTokens', { contents: [{ parts: [{ text: 'a' }] }] });
    assert.equal(missing.status, 404, missing.text);
    // The protos bind countTokens for models/* only.
    const tuned = await call(h.url, 'POST', '/v1beta/tunedModels/any-model:countTokens', { contents: [{ parts: [{ text: 'a' }] }] });
    assert.equal(tuned.status, 404, tuned.text);
  });
});

describe('local server fidelity: ownership', () => {
  let h: Harness;
  before(async () => {
    h = await startServer();
  });
  after(async () => {
    await h.close();
  });

  it('lets the OWNER delete; after transferOwnership the former owner, now a WRITER, gets 403 on delete and transfer', async () => {
    const mine = await trainModel(h.url, tuningBody({ displayName: 'owned' }), '?tunedModelId=owned-model');
    const given = await trainModel(h.url, tuningBody({ displayName: 'given away' }), '?tunedModelId=given-model');
    const transfer = await call(h.url, 'POST', `/v1beta/${given}:transferOwnership`, { emailAddress: 'new-owner@example.com' });
    assert.equal(transfer.status, 200, transfer.text);

    const refused = await call(h.url, 'DELETE', `/v1beta/${given}`);
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json.error.status, 'PERMISSION_DENIED');
    assert.match(refused.json.error.message, /^You do not have permission to delete tuned model tunedModels\/given-model: only its OWNER \(new-owner@example\.com\) may, and local-user@localhost is a WRITER\./);
    assert.equal((await call(h.url, 'GET', `/v1beta/${given}`)).status, 200, 'the model is still there');

    const again = await call(h.url, 'POST', `/v1beta/${given}:transferOwnership`, { emailAddress: 'local-user@localhost' });
    assert.equal(again.status, 403, again.text);
    assert.match(again.json.error.message, /^You do not have permission to transfer the ownership of tuned model tunedModels\/given-model/);
    const permissions = (await call(h.url, 'GET', `/v1beta/${given}/permissions`)).json.permissions as { role: string; emailAddress?: string }[];
    assert.deepEqual(permissions.map((p) => [p.emailAddress, p.role]).sort(), [['local-user@localhost', 'WRITER'], ['new-owner@example.com', 'OWNER']]);

    // A WRITER still edits and uses the model.
    const patched = await call(h.url, 'PATCH', `/v1beta/${given}?updateMask=description`, { description: 'still editable' });
    assert.equal(patched.status, 200, patched.text);

    assert.equal((await call(h.url, 'DELETE', `/v1beta/${mine}`)).status, 200);
    assert.equal((await call(h.url, 'GET', `/v1beta/${mine}`)).status, 404);
  });
});
