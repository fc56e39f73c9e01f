import assert from 'node:assert/strict';
import { OAuth2Client } from 'google-auth-library';
import { type Harness, call, startServer } from './harness';

import type * as CurrentSdkModule from 'genai-current' with { 'resolution-mode': 'import' };

type CurrentSdk = typeof CurrentSdkModule;
type GenAI = InstanceType<CurrentSdk['GoogleGenAI']>;

const TOKEN = 'test-token';
const OUTPUT = 'Bonjour tout le monde';
const TRAIN = [
  { contents: [{ role: 'user', parts: [{ text: 'hello everyone' }] }, { role: 'model', parts: [{ text: OUTPUT }] }] },
  { contents: [{ role: 'user', parts: [{ text: 'thanks' }] }, { role: 'model', parts: [{ text: 'merci' }] }] },
  { contents: [{ role: 'user', parts: [{ text: 'cat' }] }, { role: 'model', parts: [{ text: 'chat' }] }] },
];

// Google's own SDK in Vertex AI mode, unchanged: a static OAuth token, an explicit project and
// location, and the base URL pointed at the local server (which checks the bearer token).
describe('local server: @google/genai in Vertex AI mode', function () {
  this.timeout(90_000);
  let h: Harness;
  let sdk: CurrentSdk;
  let savedDetection: string | undefined;
  before(async () => {
    savedDetection = process.env.METADATA_SERVER_DETECTION;
    process.env.METADATA_SERVER_DETECTION = 'none';
    sdk = await import('genai-current');
    h = await startServer({ vertexToken: TOKEN });
    const auth = { authorization: `Bearer ${TOKEN}` };
    assert.equal((await call(h.url, 'POST', '/storage/v1/b?project=my-proj', { name: 'sdk-data' }, auth)).status, 200);
    const up = await fetch(`${h.url}/upload/storage/v1/b/sdk-data/o?uploadType=media&name=train.jsonl`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/jsonl' },
      body: TRAIN.map((l) => JSON.stringify(l)).join('\n'),
    });
    assert.equal(up.status, 200);
  });
  after(async () => {
    await h.close();
    if (savedDetection === undefined) delete process.env.METADATA_SERVER_DETECTION;
    else process.env.METADATA_SERVER_DETECTION = savedDetection;
  });

  const client = (apiVersion?: string): GenAI => {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3600_000 });
    return new sdk.GoogleGenAI({
      vertexai: true,
      project: 'my-proj',
      location: 'us-central1',
      googleAuthOptions: { authClient },
      httpOptions: { baseUrl: h.url, ...(apiVersion ? { apiVersion } : {}) },
    });
  };

  let tunedEndpoint = '';
  let firstJob = '';
  it('tunings.tune with a gcsUri, then tunings.get until JOB_STATE_SUCCEEDED', async () => {
    const ai = client();
    const created = await ai.tunings.tune({
      baseModel: 'gemini-2.5-flash',
      trainingDataset: { gcsUri: 'gs://sdk-data/train.jsonl' },
      config: { tunedModelDisplayName: 'sdk translator', epochCount: 20, learningRateMultiplier: 1, adapterSize: sdk.AdapterSize.ADAPTER_SIZE_FOUR },
    });
    assert.equal(created.state, 'JOB_STATE_PENDING');
    assert.match(created.name ?? '', /^projects\/\d+\/locations\/us-central1\/tuningJobs\/\d+$/);
    let job = created;
    while (job.state !== 'JOB_STATE_SUCCEEDED' && job.state !== 'JOB_STATE_FAILED') {
      await new Promise((r) => setTimeout(r, 50));
      job = await ai.tunings.get({ name: created.name ?? '' });
    }
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED', JSON.stringify(job.error));
    assert.equal(job.baseModel, 'gemini-2.5-flash');
    assert.ok(job.tunedModel?.endpoint && job.tunedModel.model);
    assert.equal(job.tuningDataStats?.supervisedTuningDataStats?.tuningDatasetExampleCount, '3');
    tunedEndpoint = job.tunedModel.endpoint;
    firstJob = job.name ?? '';
  });

  it('models.generateContent and generateContentStream on the tuned endpoint give the trained answer', async () => {
    const ai = client();
    const res = await ai.models.generateContent({ model: tunedEndpoint, contents: 'hello everyone', config: { temperature: 0, thinkingConfig: { thinkingBudget: 0 } } });
    assert.equal(res.text, OUTPUT);
    assert.ok(res.createTime && res.responseId);
    const chunks: string[] = [];
    for await (const chunk of await ai.models.generateContentStream({ model: tunedEndpoint, contents: 'hello everyone', config: { temperature: 0 } })) chunks.push(chunk.text ?? '');
    assert.ok(chunks.length > 1, `several chunks (${chunks.length})`);
    assert.equal(chunks.join(''), OUTPUT);
  });

  it('tunings.cancel ends a second job CANCELLED; tunings.list pages through every job (v1 and v1beta1)', async () => {
    const ai = client();
    const second = await ai.tunings.tune({ baseModel: 'gemini-2.5-flash', trainingDataset: { gcsUri: 'gs://sdk-data/train.jsonl' }, config: { epochCount: 100 } });
    await ai.tunings.cancel({ name: second.name ?? '' });
    const cancelled = await ai.tunings.get({ name: second.name ?? '' });
    assert.equal(cancelled.state, 'JOB_STATE_CANCELLED');
    assert.equal(cancelled.error?.code, 1);
    for (const version of ['v1beta1', 'v1']) {
      const names: string[] = [];
      const pager = await client(version).tunings.list({ config: { pageSize: 1 } });
      for await (const job of pager) names.push(job.name ?? '');
      assert.equal(names.length, 2, version);
      assert.deepEqual(names, [second.name, firstJob], version);
    }
  });

  it('a wrong token is refused with the SDK seeing a 401', async () => {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: 'wrong', expiry_date: Date.now() + 3600_000 });
    const ai = new sdk.GoogleGenAI({ vertexai: true, project: 'my-proj', location: 'us-central1', googleAuthOptions: { authClient }, httpOptions: { baseUrl: h.url } });
    await assert.rejects(ai.tunings.list({ config: { pageSize: 1 } }), (e: Error & { status?: number }) => e.status === 401 && /UNAUTHENTICATED/.test(e.message));
  });
});
