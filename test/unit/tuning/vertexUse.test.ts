import assert from 'node:assert/strict';
import { toCsv } from '../../../src/core/lossChart/csv';
import { parseToWebview } from '../../../src/core/lossChart/protocol';
import { evalLossPointsOf } from '../../../src/core/lossChart/snapshots';
import { checkpointLabel, modelChoices, owningModelName, promptableCheckpoints, vertexBaseModels } from '../../../src/core/promptNotebook/modelChoice';
import { describeDataStats, describeDistribution, modelDetailsText } from '../../../src/core/tunedModels/details';
import { vertexCurlSnippet, vertexTypeScriptSnippet } from '../../../src/core/tunedModels/snippets';
import { fromGeminiTunedModel } from '../../../src/core/tuning/geminiApi';
import { checkpointModelName, parseCheckpointModelName } from '../../../src/core/tuning/model';
import { checkpointsOf, fromVertexTuningJob } from '../../../src/core/tuning/vertexApi';
import { VertexBackend } from '../../../src/core/tuning/vertexBackend';
import { staticAccessToken } from '../../../src/core/vertex/auth';
import { VertexClient } from '../../../src/core/vertex/client';
import { StorageUploader } from '../../../src/core/vertex/storageUpload';
import type { TuningJob } from '../../../src/core/vertex/types';
import { type Harness, call, startServer } from '../server/harness';

const PARENT = 'projects/801452371447/locations/us-central1';
const NAME = `${PARENT}/tuningJobs/4303478340632707072`;
const ENDPOINT = `${PARENT}/endpoints/6219012451378823168`;
const EARLY = `${PARENT}/endpoints/1712312345678901248`;

const succeeded: TuningJob = {
  name: NAME,
  tunedModelDisplayName: 'support-bot',
  baseModel: 'gemini-2.5-flash',
  state: 'JOB_STATE_SUCCEEDED',
  tunedModel: {
    model: `${PARENT}/models/9030969596621881344@1`,
    endpoint: ENDPOINT,
    checkpoints: [
      { checkpointId: '3', epoch: '3', step: '96', endpoint: ENDPOINT },
      { checkpointId: '1', epoch: '1', step: '32', endpoint: EARLY },
      { checkpointId: '2', epoch: '2', step: '64' },
    ],
  },
  tuningDataStats: {
    supervisedTuningDataStats: {
      tuningDatasetExampleCount: '500',
      totalTuningCharacterCount: '912345',
      totalBillableTokenCount: '228086',
      tuningStepCount: '96',
      userInputTokenDistribution: { sum: '201000', min: 55, max: 1900, mean: 402, median: 371, p5: 98, p95: 812 },
      totalTruncatedExampleCount: '2',
      truncatedExampleIndices: ['7', '41'],
      droppedExampleReasons: ['example 12: the last turn is not the model’s'],
    },
  },
};

describe('Vertex AI jobs in use: checkpoints, details, snippets and the chart’s validation loss', () => {
  it('maps the checkpoints that have endpoints, in step order, and only for a job that succeeded', () => {
    assert.deepEqual(checkpointsOf(succeeded), [
      { id: '1', epoch: 1, step: 32, generationModel: EARLY },
      { id: '3', epoch: 3, step: 96, generationModel: ENDPOINT },
    ]);
    assert.deepEqual(fromVertexTuningJob(succeeded).checkpoints, checkpointsOf(succeeded));
    assert.equal(fromVertexTuningJob({ ...succeeded, state: 'JOB_STATE_RUNNING' }).checkpoints, undefined);
    assert.equal(checkpointsOf({ tunedModel: { endpoint: ENDPOINT } }), undefined);
  });

  it('names a checkpoint after its model, and reads the name back', () => {
    const name = checkpointModelName(NAME, '1');
    assert.equal(name, `${NAME}/checkpoints/1`);
    assert.deepEqual(parseCheckpointModelName(name), { modelName: NAME, checkpointId: '1' });
    assert.equal(parseCheckpointModelName(NAME), undefined);
    assert.equal(parseCheckpointModelName('tunedModels/abc'), undefined);
    assert.equal(owningModelName(name), NAME);
    assert.equal(owningModelName('tunedModels/abc'), 'tunedModels/abc');
  });

  it('offers each checkpoint but the one the model’s own endpoint serves, in the picker and for the kernels', () => {
    const model = fromVertexTuningJob(succeeded);
    assert.deepEqual(promptableCheckpoints(model).map((c) => c.model), [`${NAME}/checkpoints/1`]);
    assert.equal(checkpointLabel(model.checkpoints![0]), 'checkpoint 1 (epoch 1, step 32)');
    assert.equal(checkpointLabel({ id: '7', generationModel: EARLY }), 'checkpoint 7');
    const choices = modelChoices([model], ['gemini-2.5-flash'], false);
    assert.deepEqual(
      choices.map((c) => [c.model, c.label]),
      [
        [NAME, 'support-bot'],
        [`${NAME}/checkpoints/1`, 'support-bot — checkpoint 1 (epoch 1, step 32)'],
        ['gemini-2.5-flash', 'gemini-2.5-flash'],
      ],
    );
    assert.deepEqual(vertexBaseModels([model, fromVertexTuningJob({ ...succeeded, name: `${NAME}9` }), fromVertexTuningJob({ ...succeeded, baseModel: 'gemini-2.5-pro' })]), ['gemini-2.5-flash', 'gemini-2.5-pro']);
    assert.deepEqual(vertexBaseModels([fromVertexTuningJob({ ...succeeded, baseModel: 'gemini-1.0-retired' })], ['gemini-2.5-flash', 'gemini-2.5-pro']), ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-1.0-retired'], 'the configured models, then a job’s model that is no longer configured');
    assert.deepEqual(vertexBaseModels([fromGeminiTunedModel({ name: 'tunedModels/x', baseModel: 'models/gemini-1.5-flash-001-tuning', state: 'ACTIVE' })]), []);
  });

  it('opens a Vertex AI job’s details with its data statistics, error and endpoints as comments before the JSON', () => {
    const text = modelDetailsText(fromVertexTuningJob(succeeded));
    const lines = text.split('\n');
    assert.deepEqual(lines.slice(0, 10), [
      '// support-bot — ACTIVE',
      '// Training data: 500 examples, 228,086 billable tokens, 912,345 characters, 96 tuning steps',
      '// Input tokens per example: min 55, p5 98, median 371, mean 402, p95 812, max 1,900, total 201,000',
      '// Truncated examples: 2 (at indices 7, 41); they were cut to the model\'s token limit',
      '// Dropped examples: 1',
      '//   - example 12: the last turn is not the model’s',
      `// Endpoint: ${ENDPOINT}`,
      `// Checkpoint 1 (epoch 1, step 32): ${EARLY}`,
      `// Checkpoint 3 (epoch 3, step 96): ${ENDPOINT}`,
      '// The tuning job as Vertex AI returns it:',
    ]);
    assert.deepEqual(JSON.parse(lines.filter((l) => !l.startsWith('//')).join('\n')), succeeded);

    const failed = modelDetailsText(fromVertexTuningJob({ name: NAME, state: 'JOB_STATE_FAILED', error: { code: 3, message: 'Line 1 of gs://b/t.jsonl: the last turn must be the model\'s' } }));
    assert.ok(failed.startsWith('// FAILED\n// Error: Line 1 of gs://b/t.jsonl: the last turn must be the model\'s\n'), failed);
    const running = modelDetailsText(fromVertexTuningJob({ name: NAME, state: 'JOB_STATE_PENDING' }));
    assert.ok(running.startsWith('// CREATING (pending)\n// Training data: statistics appear once the dataset has been processed\n'), running);

    const gemini = fromGeminiTunedModel({ name: 'tunedModels/x', state: 'FAILED' });
    assert.equal(modelDetailsText(gemini), `${JSON.stringify(gemini.raw, null, 2)}\n`, 'a Gemini API model keeps its plain JSON');
  });

  it('describes distributions with what was reported, and no statistics as such', () => {
    assert.equal(describeDistribution({ min: 1, max: 3 }), 'min 1, max 3');
    assert.equal(describeDistribution({}), 'not reported');
    assert.deepEqual(describeDataStats({ exampleCount: 1, truncatedExampleCount: 0 }), ['Training data: 1 example', 'Truncated examples: none', 'Dropped examples: none']);
  });

  it('writes Vertex AI snippets that ask gcloud for a token and send it in a header', () => {
    const model = fromVertexTuningJob(succeeded);
    const curl = vertexCurlSnippet(model, 'https://us-central1-aiplatform.googleapis.com/');
    assert.equal(
      curl,
      [
        `curl -sS -X POST 'https://us-central1-aiplatform.googleapis.com/v1/${ENDPOINT}:generateContent'`,
        `  -H 'Content-Type: application/json'`,
        `  -H "Authorization: Bearer $(gcloud auth print-access-token)"`,
        `  -d '{"contents":[{"role":"user","parts":[{"text":"Hello"}]}]}'`,
      ].join(' \\\n'),
    );
    const ts = vertexTypeScriptSnippet(model, 'https://us-central1-aiplatform.googleapis.com', { defaultBaseUrl: true });
    assert.match(ts, /vertexai: true,\n {2}project: "801452371447",\n {2}location: "us-central1",\n {2}apiVersion: "v1",\n\}\);/);
    assert.ok(ts.includes(`model: ${JSON.stringify(ENDPOINT)},`));
    assert.ok(!ts.includes('httpOptions'));
    assert.ok(!ts.includes('apiKey'), 'Vertex AI signs in with Application Default Credentials, not a key');
    assert.match(vertexTypeScriptSnippet(model, 'http://127.0.0.1:8085', { defaultBaseUrl: false }), /httpOptions: \{ baseUrl: "http:\/\/127\.0\.0\.1:8085" \},/);
    assert.throws(() => vertexCurlSnippet(fromVertexTuningJob({ name: NAME, state: 'JOB_STATE_RUNNING' }), 'https://x'), /has no endpoint yet/);
  });

  it('writes snippets for the local twin that need no Google account: its API key from the environment, or no token', () => {
    const model = fromVertexTuningJob(succeeded);
    const keyed = vertexCurlSnippet(model, 'http://127.0.0.1:8085', { kind: 'localServer', withKey: true });
    assert.ok(keyed.includes(`-H "Authorization: Bearer $GEMINI_API_KEY"`), keyed);
    assert.ok(!keyed.includes('gcloud'));
    const open = vertexCurlSnippet(model, 'http://127.0.0.1:8085', { kind: 'localServer', withKey: false });
    assert.ok(!open.includes('Authorization'), open);
    const ts = vertexTypeScriptSnippet(model, 'http://127.0.0.1:8085', { defaultBaseUrl: false, auth: { kind: 'localServer', withKey: true } });
    assert.ok(ts.includes(`authClient.setCredentials({ access_token: process.env.GEMINI_API_KEY });`), ts);
    assert.ok(ts.includes('googleAuthOptions: { authClient },'));
    assert.ok(!ts.includes('application-default login'));
    const tsOpen = vertexTypeScriptSnippet(model, 'http://127.0.0.1:8085', { defaultBaseUrl: false, auth: { kind: 'localServer', withKey: false } });
    assert.ok(!tsOpen.includes('process.env'), tsOpen);
  });

  it('exports validation loss in an eval_loss column, with rows for steps evaluated only', () => {
    const pt = (step: number, loss: number) => ({ step, epoch: 0, loss, computeTimeMs: null });
    const csv = toCsv([{ header: { name: NAME, displayName: 'bot' }, points: [pt(1, 2), pt(2, 1.5)], evalPoints: [pt(2, 1.75), pt(3, 1.25)] }]);
    assert.equal(
      csv,
      ['model,display_name,step,epoch,mean_loss,compute_time,eval_loss', `${NAME},bot,1,0,2,,`, `${NAME},bot,2,0,1.5,,1.75`, `${NAME},bot,3,0,,,1.25`, ''].join('\r\n'),
    );
    assert.equal(toCsv([{ header: { name: 'tunedModels/a', displayName: 'A' }, points: [pt(1, 2)] }]).split('\r\n')[0], 'model,display_name,step,epoch,mean_loss,compute_time', 'no column without validation loss');
  });

  it('carries validation loss to the chart page, and refuses columns that are not', () => {
    const model = fromVertexTuningJob(succeeded, { train: [{ step: 1, value: 2 }], eval: [{ step: 2, value: 1.5, wallTime: '2026-03-02T10:22:10.120Z' }, { step: 1, value: 1.75 }] });
    assert.deepEqual(evalLossPointsOf(model), [
      { step: 1, epoch: 0, loss: 1.75, computeTimeMs: null },
      { step: 2, epoch: 0, loss: 1.5, computeTimeMs: Date.parse('2026-03-02T10:22:10.120Z') },
    ]);
    assert.deepEqual(evalLossPointsOf(fromVertexTuningJob(succeeded)), []);
    const header = { name: NAME, displayName: 'bot', state: 'CREATING' };
    const columns = { step: [2], epoch: [0], loss: [1.5], computeTimeMs: [null] };
    const points = { step: [], epoch: [], loss: [], computeTimeMs: [] };
    assert.ok(parseToWebview({ type: 'appendPoints', name: NAME, header, points, evalPoints: columns }));
    assert.equal(parseToWebview({ type: 'appendPoints', name: NAME, header, points, evalPoints: { ...columns, step: [2, 1] } }), undefined);
    assert.equal(parseToWebview({ type: 'upsertModel', model: { header, points, evalPoints: { step: [1] } } }), undefined);
  });
});

describe('Vertex AI backend: where prompts go, against the local server', function () {
  this.timeout(120_000);
  const TOKEN = 'ya29.use-test-token';
  let h: Harness;
  let client: VertexClient;
  let uploader: StorageUploader;
  let backend: VertexBackend;
  let job: TuningJob;

  before(async () => {
    h = await startServer({ vertexToken: TOKEN, stepDelayMs: 5 });
    assert.equal((await call(h.url, 'POST', '/storage/v1/b?project=my-proj', { name: 'use-bucket' }, { authorization: `Bearer ${TOKEN}` })).status, 200);
    const credentials = staticAccessToken(TOKEN);
    client = new VertexClient({ project: 'my-proj', location: 'us-central1', baseUrl: h.url, accessToken: () => credentials.getToken() });
    uploader = new StorageUploader({ baseUrl: h.url, accessToken: () => credentials.getToken() });
    backend = new VertexBackend({ client, uploader, stagingBucket: 'use-bucket' });
    const submitted = await backend.submitJob({ baseModel: 'gemini-2.5-flash', epochCount: 3, training: { examples: [{ textInput: 'cat', output: 'chat' }, { textInput: 'dog', output: 'chien' }] } });
    const done = await submitted.whenDone({ initialDelayMs: 20, maxDelayMs: 50 });
    assert.equal(done.state, 'active', done.stateDetail);
    job = await client.tuningJobs.get(done.name);
  });
  after(async () => {
    await client?.close();
    await uploader?.close();
    await h?.close();
  });

  it('sends a job to its tuned endpoint, a checkpoint to its own, and a base model to the project’s publisher model', async () => {
    const first = job.tunedModel?.checkpoints?.find((c) => c.checkpointId === '1');
    assert.ok(first?.endpoint && first.endpoint !== job.tunedModel?.endpoint);
    assert.equal(await backend.generationTarget(job.name!), job.tunedModel?.endpoint);
    assert.equal(await backend.generationTarget(checkpointModelName(job.name!, '1')), first.endpoint);
    assert.equal(await backend.generationTarget('gemini-2.5-flash'), 'projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-flash');
    assert.equal(await backend.generationTarget('publishers/google/models/gemini-2.5-pro'), 'projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-pro');
    assert.equal(await backend.generationTarget(first.endpoint), first.endpoint);
    await assert.rejects(backend.generationTarget(checkpointModelName(job.name!, '9')), /has no checkpoint 9 with an endpoint; its checkpoints are 1, 2, 3/);
  });

  it('streams from each: the answers are the endpoints’ own', async () => {
    const request = { contents: [{ role: 'user', parts: [{ text: 'cat' }] }], generationConfig: { temperature: 0 } };
    const text = async (stream: AsyncIterable<{ candidates?: { content?: { parts?: { text?: string }[] } }[] }>) => {
      let out = '';
      for await (const chunk of stream) out += chunk.candidates?.[0]?.content?.parts?.map((p) => p.text ?? '').join('') ?? '';
      return out;
    };
    const oneShot = async (endpoint: string) => (await client.generateContent(endpoint, request)).candidates?.[0]?.content?.parts?.map((p) => p.text ?? '').join('') ?? '';
    const first = job.tunedModel!.checkpoints!.find((c) => c.checkpointId === '1')!.endpoint!;
    const publisher = 'projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-flash';
    assert.equal(await text(backend.streamGenerateContent(job.name!, request)), await oneShot(job.tunedModel!.endpoint!));
    assert.equal(await text(backend.streamGenerateContent(checkpointModelName(job.name!, '1'), request)), await oneShot(first));
    assert.equal(await text(backend.streamGenerateContent('gemini-2.5-flash', request)), await oneShot(publisher));
    await assert.rejects(client.generateContent('projects/my-proj/locations/us-central1/publishers/google/models/gemini-0-nano', request), /Publisher Model .*gemini-0-nano.* was not found/);
  });

  it('says why a job that has not succeeded has no endpoint to prompt', async () => {
    const running = await backend.submitJob({ baseModel: 'gemini-2.5-flash', displayName: 'slow one', epochCount: 100, training: { examples: [{ textInput: 'a', output: 'b' }] } });
    await assert.rejects(text(backend.streamGenerateContent(running.model.name, { contents: [{ role: 'user', parts: [{ text: 'a' }] }] })), /slow one \(projects\/.*\) has no endpoint to answer prompts: it is still tuning/);
    await backend.cancelJob(running.model.name);
    async function text(stream: AsyncIterable<unknown>): Promise<void> {
      for await (const _ of stream) void _;
    }
  });
});
