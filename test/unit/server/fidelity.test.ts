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
