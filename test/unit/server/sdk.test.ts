import assert from 'node:assert/strict';
import { BASE_MODEL, type Harness, call, startServer, tuningBody } from './harness';

import type * as CurrentSdkModule from 'genai-current' with { 'resolution-mode': 'import' };
import type * as LegacySdkModule from 'genai-legacy' with { 'resolution-mode': 'import' };

type CurrentSdk = typeof CurrentSdkModule;
type LegacySdk = typeof LegacySdkModule;
type CurrentGenAI = InstanceType<CurrentSdk['GoogleGenAI']>;

// The official SDK as an independent client. Both versions declare engines.node >=20, matching the
// Node 20 these tests run on.
const OUTPUT = 'Bonjour tout le monde, comment allez-vous ?';

describe('local server: official @google/genai SDK', function () {
  this.timeout(60_000);
  let h: Harness;
  let model: string;
  let current$: CurrentSdk;
  let legacy$: LegacySdk;
  before(async () => {
    current$ = await import('genai-current');
    legacy$ = await import('genai-legacy');
    h = await startServer({ apiKey: 'sdk-test-key', faultInjection: true });
    const body = tuningBody({ displayName: 'sdk translator' });
    (body.tuningTask as { trainingData: unknown }).trainingData = {
      examples: { examples: [{ textInput: 'hello everyone', output: OUTPUT }, { textInput: 'thanks', output: 'merci' }, { textInput: 'cat', output: 'chat' }] },
    };
    (body.tuningTask as { hyperparameters: unknown }).hyperparameters = { epochCount: 10, batchSize: 2 };
    const created = await call(h.url, 'POST', '/v1beta/tunedModels', body, { 'x-goog-api-key': 'sdk-test-key' });
    assert.equal(created.status, 200, created.text);
    model = created.json.metadata.tunedModel;
    for (;;) {
      const m = await call(h.url, 'GET', `/v1beta/${model}`, undefined, { 'x-goog-api-key': 'sdk-test-key' });
      if (m.json.state !== 'CREATING') break;
      await new Promise((r) => setTimeout(r, 25));
    }
  });
  after(async () => h.close());

  const current = (): CurrentGenAI => new current$.GoogleGenAI({ apiKey: 'sdk-test-key', httpOptions: { baseUrl: h.url } });

  it('genai 2.32 models.generateContent against a locally tuned model', async () => {
    const res = await current().models.generateContent({ model, contents: 'hello everyone', config: { temperature: 0 } });
    assert.equal(res.text, OUTPUT);
    assert.equal(res.candidates?.[0].finishReason, 'STOP');
    assert.equal(res.candidates?.[0].index, 0);
    assert.equal(res.usageMetadata?.candidatesTokenCount, [...OUTPUT].length);
  });

  it('genai 2.32 models.generateContentStream yields several chunks that add up to the output', async () => {
    const chunks: string[] = [];
    let finish: string | undefined;
    for await (const chunk of await current().models.generateContentStream({ model, contents: 'hello everyone', config: { temperature: 0, systemInstruction: 'translate' } })) {
      chunks.push(chunk.text ?? '');
      finish = chunk.candidates?.[0].finishReason ?? finish;
    }
    assert.ok(chunks.length > 3, `several chunks (${chunks.length})`);
    assert.equal(chunks.join(''), OUTPUT);
    assert.equal(finish, 'STOP');
  });

  it('genai 2.32 generateContent on the base model', async () => {
    const res = await current().models.generateContent({ model: BASE_MODEL, contents: 'hi', config: { maxOutputTokens: 4, seed: 3 } });
    assert.equal(res.candidates?.[0].finishReason !== undefined, true);
  });

  it('genai 2.32 tunings.get maps the tuned model to a TuningJob', async () => {
    const job = await current().tunings.get({ name: model });
    assert.equal(job.name, model);
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED');
    assert.equal(job.baseModel, BASE_MODEL);
    assert.ok(job.startTime && job.endTime && job.createTime);
    assert.equal(job.tunedModel?.model, model);
  });

  it('genai 2.32 surfaces server errors as ApiError with the HTTP status', async () => {
    await assert.rejects(current().models.generateContent({ model: 'tunedModels/missing-model', contents: 'x' }), (e: Error & { status?: number }) => {
      assert.equal(e.status, 404);
      assert.match(e.message, /Tuned model tunedModels\/missing-model does not exist\./);
      return true;
    });
    const wrongKey = new current$.GoogleGenAI({ apiKey: 'nope', httpOptions: { baseUrl: h.url } });
    await assert.rejects(wrongKey.models.generateContent({ model, contents: 'x' }), (e: Error & { status?: number }) => e.status === 400 && /API_KEY_INVALID/.test(e.message));
  });

  it('genai 2.32 throws on an in-band stream error', async () => {
    await call(h.url, 'POST', '/_faults', { rules: [{ match: ':streamGenerateContent', action: 'inBandError', afterChunks: 1, status: 503 }] });
    const received: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of await current().models.generateContentStream({ model, contents: 'hello everyone', config: { temperature: 0 } })) received.push(chunk.text ?? '');
      })(),
      (e: Error & { status?: number }) => e.status === 503,
    );
    assert.equal(received.length, 1);
  });

  it('genai 2.32 tunings.tune drops trainingData, and the server refuses it as the real API would', async () => {
    await assert.rejects(
      current().tunings.tune({ baseModel: BASE_MODEL, trainingDataset: { examples: [{ textInput: 'a', output: 'b' }] }, config: { tunedModelDisplayName: 'dropped', epochCount: 1 } }),
      (e: Error & { status?: number }) => e.status === 400 && /tuningTask\.trainingData: is required/.test(e.message),
    );
  });

  it('genai 1.27 tunings.tune creates a model that trains to JOB_STATE_SUCCEEDED', async () => {
    const legacy = new legacy$.GoogleGenAI({ apiKey: 'sdk-test-key', httpOptions: { baseUrl: h.url } });
    const job = await legacy.tunings.tune({
      baseModel: BASE_MODEL,
      trainingDataset: { examples: [{ textInput: '1', output: '2' }, { textInput: '3', output: '4' }, { textInput: 'ten', output: 'eleven' }] },
      // 20 epochs: at 5, whether the local model has learned "eleven" depends on the job's seed
      config: { tunedModelDisplayName: 'number generator', epochCount: 20, batchSize: 2, learningRate: 0.001 },
    });
    assert.match(job.name ?? '', /^tunedModels\/number-generator-[a-z0-9]{12}$/);
    let state = job.state;
    for (let i = 0; i < 400 && state !== 'JOB_STATE_SUCCEEDED' && state !== 'JOB_STATE_FAILED'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      state = (await legacy.tunings.get({ name: job.name as string })).state;
    }
    assert.equal(state, 'JOB_STATE_SUCCEEDED');
    const res = await current().models.generateContent({ model: job.name as string, contents: 'ten', config: { temperature: 0 } });
    assert.equal(res.text, 'eleven');
  });
});
