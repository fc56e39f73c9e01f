import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TunedModelInfo } from '../../../src/core/tuning/model';
import { VertexBackend } from '../../../src/core/tuning/vertexBackend';
import { staticAccessToken } from '../../../src/core/vertex/auth';
import { VertexClient } from '../../../src/core/vertex/client';
import { StorageUploader } from '../../../src/core/vertex/storageUpload';
import { type Harness, call, startServer } from '../server/harness';

const TOKEN = 'ya29.backend-test-token';
const BUCKET = 'staging-bucket';
const EXAMPLES = [
  { textInput: 'cat', output: 'chat' },
  { textInput: 'dog', output: 'chien' },
  { textInput: 'thanks', output: 'merci' },
  { textInput: 'hello', output: 'bonjour' },
];

describe('Vertex AI backend, end to end against the local server', function () {
  this.timeout(120_000);
  let h: Harness;
  let client: VertexClient;
  let uploader: StorageUploader;
  let backend: VertexBackend;
  const logs: string[] = [];

  before(async () => {
    h = await startServer({ vertexToken: TOKEN, stepDelayMs: 20 });
    assert.equal((await call(h.url, 'POST', '/storage/v1/b?project=my-proj', { name: BUCKET }, { authorization: `Bearer ${TOKEN}` })).status, 200);
    const credentials = staticAccessToken(TOKEN);
    const log = (l: string) => logs.push(l);
    client = new VertexClient({ project: 'my-proj', location: 'us-central1', baseUrl: h.url, accessToken: () => credentials.getToken(), log });
    uploader = new StorageUploader({ baseUrl: h.url, accessToken: () => credentials.getToken(), log });
    backend = new VertexBackend({ client, uploader, stagingBucket: BUCKET, log });
  });
  after(async () => {
    await client?.close();
    await uploader?.close();
    await h?.close();
  });
  afterEach(() => {
    for (const line of logs) assert.ok(!line.includes(TOKEN), `a log line holds the token: ${line}`);
  });

  it('uploads the spec\'s examples with progress, creates the job, watches it to active with its loss, and generates from its endpoint', async () => {
    const uploads: number[] = [];
    const submitted = await backend.submitJob(
      { baseModel: 'gemini-2.5-flash', displayName: 'french words', epochCount: 3, adapterSize: 'ADAPTER_SIZE_FOUR', learningRateMultiplier: 1, training: { examples: EXAMPLES, systemInstruction: 'Translate to French.' }, validation: { examples: EXAMPLES.slice(0, 2) } },
      { onUploadProgress: (which, p) => which === 'training' && uploads.push(p.sentBytes / p.totalBytes) },
    );
    assert.equal(uploads[uploads.length - 1], 1, 'the training upload reached its last byte');
    assert.equal(submitted.model.backend, 'vertex');
    assert.equal(submitted.model.state, 'creating');
    assert.equal(submitted.model.stateDetail, 'pending');
    const raw = submitted.model.raw as { supervisedTuningSpec: { trainingDatasetUri: string; validationDatasetUri: string } };
    assert.match(raw.supervisedTuningSpec.trainingDatasetUri, /^gs:\/\/staging-bucket\/gemini-tuning\/\d{8}T\d{6}-[0-9a-f]{8}\/training\.jsonl$/);
    assert.match(raw.supervisedTuningSpec.validationDatasetUri, /validation\.jsonl$/);

    const seen: TunedModelInfo[] = [];
    const done = await submitted.whenDone({ initialDelayMs: 20, maxDelayMs: 50, onProgress: (m) => seen.push(m) });
    assert.equal(done.state, 'active', done.stateDetail);
    assert.ok(seen.length >= 1);
    assert.deepEqual(done.hyperparameters, { epochCount: 3, learningRateMultiplier: 1, adapterSize: 'ADAPTER_SIZE_FOUR' });
    assert.equal(done.exampleCount, EXAMPLES.length);
    assert.equal(done.dataStats?.exampleCount, EXAMPLES.length);
    assert.ok(done.dataStats?.stepCount && done.dataStats.stepCount > 0);
    assert.equal(done.loss.length, done.dataStats?.stepCount, 'the loss curve has every step');
    assert.match(done.generationModel ?? '', /^projects\/\d+\/locations\/us-central1\/endpoints\/\d+$/);

    const listed: string[] = [];
    for await (const model of backend.listModels()) listed.push(model.name);
    assert.ok(listed.includes(done.name));

    // Greedy decoding, so that the streamed answer can be compared with the one-shot answer; a
    // lightly tuned model may rightly answer with nothing at all, so the text is not required.
    const request = { contents: [{ role: 'user', parts: [{ text: 'cat' }] }], generationConfig: { temperature: 0 } };
    let text = '';
    let chunks = 0;
    let finishReason: string | undefined;
    for await (const chunk of client.streamGenerateContent(done.generationModel!, request)) {
      chunks++;
      text += chunk.candidates?.[0]?.content?.parts?.map((p) => p.text ?? '').join('') ?? '';
      finishReason = chunk.candidates?.[0]?.finishReason ?? finishReason;
    }
    assert.ok(chunks > 0, 'the tuned endpoint streams an answer');
    assert.equal(finishReason, 'STOP');
    const oneShot = await client.generateContent(done.generationModel!, request);
    assert.equal(text, oneShot.candidates?.[0]?.content?.parts?.map((p) => p.text ?? '').join('') ?? '', 'streamed and one-shot answers agree');
  });

  it('cancels a running job, and refuses to cancel it again with its state', async () => {
    const submitted = await backend.submitJob({ baseModel: 'gemini-2.5-flash', epochCount: 100, training: { jsonl: '{"contents":[{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[{"text":"b"}]}]}\n' } });
    assert.equal(await backend.cancelJob(submitted.model.name), submitted.model.name);
    const ended = await submitted.whenDone({ initialDelayMs: 20, maxDelayMs: 50 });
    assert.equal(ended.state, 'cancelled');
    await assert.rejects(backend.cancelJob(submitted.model.name), /has already ended \(JOB_STATE_CANCELLED\); there is nothing to cancel/);
  });

  it('a job over data the service refuses ends failed, with the service\'s reason', async () => {
    const bad = await uploader.upload({ bucket: BUCKET, object: 'bad.jsonl', source: { bytes: Buffer.from('{"contents":[{"role":"model","parts":[{"text":"b"}]}]}\n') } });
    const submitted = await backend.submitJob({ baseModel: 'gemini-2.5-flash', training: { gcsUri: bad.gcsUri } });
    const ended = await submitted.whenDone({ initialDelayMs: 20, maxDelayMs: 50 });
    assert.equal(ended.state, 'failed');
    assert.match(ended.stateDetail ?? '', /Line 1 of gs:\/\/staging-bucket\/bad\.jsonl/);
  });

  it('checks a user\'s JSONL file before uploading it, naming the lines, and creates no job', async () => {
    const file = path.join(h.dataDir, 'user.jsonl');
    writeFileSync(file, '{"contents":[{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[{"text":"b"}]}]}\n{"messages":[]}\n');
    const before = await countJobs();
    await assert.rejects(backend.submitJob({ baseModel: 'gemini-2.5-flash', training: { jsonlFile: file } }), (err: Error) => {
      assert.match(err.message, /user\.jsonl is not Vertex AI tuning data:\n {2}line 2: unknown field "messages"/);
      return true;
    });
    assert.equal(await countJobs(), before);
    await assert.rejects(new VertexBackend({ client, uploader }).submitJob({ baseModel: 'gemini-2.5-flash', training: { examples: EXAMPLES } }), /set geminiTuning\.vertex\.stagingBucket/);
  });

  async function countJobs(): Promise<number> {
    let n = 0;
    for await (const _ of client.tuningJobs.listAll()) n++;
    return n;
  }
});
