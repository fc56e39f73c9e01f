import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { type Harness, call, startServer, tempDir } from './harness';
import { waitFor } from '../../harness/waitFor';
import { MAX_UNFINISHED_TUNING_JOBS } from '../../../src/server/vertex/vertexApi';

const PARENT = 'projects/my-proj/locations/us-central1';
const TRAIN = [
  { contents: [{ role: 'user', parts: [{ text: 'hello everyone' }] }, { role: 'model', parts: [{ text: 'Bonjour tout le monde' }] }] },
  { systemInstruction: { parts: [{ text: 'Translate to French.' }] }, contents: [{ role: 'user', parts: [{ text: 'thanks' }] }, { role: 'model', parts: [{ text: 'merci' }] }] },
  { contents: [{ role: 'user', parts: [{ text: 'cat' }] }, { role: 'model', parts: [{ text: 'chat' }] }] },
];
const jsonl = (lines: unknown[]): string => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

async function upload(base: string, bucket: string, name: string, data: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/jsonl', ...headers },
    body: data,
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function waitForState(base: string, name: string, states: string[], headers: Record<string, string> = {}): Promise<any> {
  return waitFor(
    async () => {
      const r = await call(base, 'GET', `/v1/${name}`, undefined, headers);
      assert.equal(r.status, 200, r.text);
      return states.includes(r.json.state) ? r.json : undefined;
    },
    `${name} to reach ${states.join(' or ')}`,
    { timeoutMs: 60_000, intervalMs: 25 },
  );
}

describe('local server: Vertex AI tuning surface over REST', function () {
  this.timeout(90_000);
  let h: Harness;
  const dataDir = tempDir('gt-vertex-');
  before(async () => {
    h = await startServer({ dataDir });
    const bucket = await call(h.url, 'POST', '/storage/v1/b?project=my-proj', { name: 'tuning-data' });
    assert.equal(bucket.status, 200, bucket.text);
    const uploaded = await upload(h.url, 'tuning-data', 'sets/train.jsonl', jsonl(TRAIN));
    assert.equal(uploaded.status, 200, await uploaded.text());
  });
  after(async () => {
    await h.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('Cloud Storage: media upload, metadata with md5/crc32c/size, alt=media download and the plain-text 404', async () => {
    const data = '{"contents":[]}\n'.repeat(3);
    const up = await upload(h.url, 'tuning-data', 'a/b c.jsonl', data);
    const obj = (await up.json()) as Record<string, string>;
    assert.equal(obj.kind, 'storage#object');
    assert.equal(obj.size, String(Buffer.byteLength(data)));
    assert.equal(obj.md5Hash, createHash('md5').update(data).digest('base64'));
    assert.equal(obj.contentType, 'application/jsonl');
    const meta = await call(h.url, 'GET', '/storage/v1/b/tuning-data/o/a%2Fb%20c.jsonl');
    assert.equal(meta.json.generation, obj.generation);
    const media = await fetch(`${h.url}/storage/v1/b/tuning-data/o/a%2Fb%20c.jsonl?alt=media`);
    assert.equal(await media.text(), data);
    const missing = await fetch(`${h.url}/storage/v1/b/tuning-data/o/nope?alt=media`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await missing.text(), 'No such object: tuning-data/nope');
    const missingMeta = await call(h.url, 'GET', '/b/tuning-data/o/nope');
    assert.deepEqual(missingMeta.json.error.errors[0], { message: 'No such object: tuning-data/nope', domain: 'global', reason: 'notFound' });
    assert.equal((await call(h.url, 'POST', '/storage/v1/b?project=my-proj', { name: 'tuning-data' })).status, 409);
  });

  it('Cloud Storage: multipart upload and a resumable upload answered 308 with Range until complete', async () => {
    const boundary = 'xyz';
    const body = `--${boundary}\r\nContent-Type: application/json\r\n\r\n{"name":"m.txt","contentType":"text/plain"}\r\n--${boundary}\r\nContent-Type: text/plain\r\n\r\nmultipart bytes\r\n--${boundary}--\r\n`;
    const mp = await fetch(`${h.url}/upload/storage/v1/b/tuning-data/o?uploadType=multipart`, { method: 'POST', headers: { 'content-type': `multipart/related; boundary=${boundary}` }, body });
    assert.equal(mp.status, 200);
    assert.equal(await (await fetch(`${h.url}/download/storage/v1/b/tuning-data/o/m.txt?alt=media`)).text(), 'multipart bytes');

    const start = await fetch(`${h.url}/upload/storage/v1/b/tuning-data/o?uploadType=resumable&name=r.bin`, { method: 'POST', headers: { 'x-upload-content-type': 'application/octet-stream', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(start.status, 200);
    const session = start.headers.get('location') ?? '';
    assert.match(session, /upload_id=/);
    const payload = Buffer.from('0123456789abcdefghij');
    const first = await fetch(session, { method: 'PUT', headers: { 'content-range': 'bytes 0-9/*' }, body: payload.subarray(0, 10) });
    assert.equal(first.status, 308);
    assert.equal(first.headers.get('range'), 'bytes=0-9');
    const status = await fetch(session, { method: 'PUT', headers: { 'content-range': 'bytes */20' } });
    assert.equal(status.status, 308);
    assert.equal(status.headers.get('range'), 'bytes=0-9');
    const last = await fetch(session, { method: 'PUT', headers: { 'content-range': 'bytes 10-19/20' }, body: payload.subarray(10) });
    assert.equal(last.status, 200);
    assert.equal(((await last.json()) as { size: string }).size, '20');
    assert.equal(await (await fetch(`${h.url}/storage/v1/b/tuning-data/o/r.bin?alt=media`)).text(), payload.toString());
  });

  let job: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  it('tuningJobs.create returns the PENDING TuningJob; get follows it to SUCCEEDED with tunedModel, tuningDataStats and times', async () => {
    const created = await call(h.url, 'POST', `/v1/${PARENT}/tuningJobs`, {
      base_model: 'gemini-2.5-flash',
      supervised_tuning_spec: { training_dataset_uri: 'gs://tuning-data/sets/train.jsonl', hyper_parameters: { epoch_count: '20', learning_rate_multiplier: 1, adapter_size: 'ADAPTER_SIZE_FOUR' } },
      tuned_model_display_name: 'translator',
      labels: { team: 'ml' },
    });
    assert.equal(created.status, 200, created.text);
    assert.match(created.json.name, /^projects\/\d{12}\/locations\/us-central1\/tuningJobs\/\d{19}$/);
    assert.equal(created.json.state, 'JOB_STATE_PENDING');
    assert.equal(created.json.createTime, created.json.updateTime);
    assert.deepEqual(created.json.supervisedTuningSpec.hyperParameters, { epochCount: '20', learningRateMultiplier: 1, adapterSize: 'ADAPTER_SIZE_FOUR' });
    assert.equal(created.json.tunedModel, undefined);
    job = await waitForState(h.url, created.json.name, ['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED']);
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED', JSON.stringify(job.error));
    assert.ok(job.startTime && job.endTime && job.startTime <= job.endTime);
    assert.match(job.tunedModel.model, /^projects\/\d+\/locations\/us-central1\/models\/\d+@1$/);
    assert.match(job.tunedModel.endpoint, /^projects\/\d+\/locations\/us-central1\/endpoints\/\d+$/);
    assert.match(job.experiment, /\/metadataStores\/default\/contexts\//);
    const stats = job.tuningDataStats.supervisedTuningDataStats;
    assert.equal(stats.tuningDatasetExampleCount, '3');
    assert.equal(stats.tuningStepCount, String(Math.ceil((3 * 20) / 4)));
    assert.equal(stats.userDatasetExamples.length, 3);
    // the same job under the project ID and under v1beta1
    const byId = await call(h.url, 'GET', `/v1beta1/${PARENT}/tuningJobs/${job.name.split('/').pop()}`);
    assert.equal(byId.json.name, job.name);
  });

  it('generateContent and streamGenerateContent (SSE) on tunedModel.endpoint give the trained answer', async () => {
    const res = await call(h.url, 'POST', `/v1/${job.tunedModel.endpoint}:generateContent`, {
      contents: [{ role: 'USER', parts: { text: 'hello everyone' } }],
      generationConfig: { temperature: 0, thinkingConfig: { thinkingBudget: 0 } },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.candidates[0].content.parts[0].text, 'Bonjour tout le monde');
    assert.equal(res.json.usageMetadata.trafficType, 'ON_DEMAND');
    assert.ok(res.json.createTime && res.json.responseId);
    const sse = await fetch(`${h.url}/v1beta1/${job.tunedModel.endpoint}:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello everyone' }] }], generationConfig: { temperature: 0 } }),
    });
    assert.equal(sse.headers.get('content-type'), 'text/event-stream');
    const text = await sse.text();
    assert.ok(text.endsWith('\r\n\r\n'));
    const events = text.split('\r\n\r\n').filter((e) => e !== '').map((e) => JSON.parse(e.replace(/^data: /, '')));
    assert.ok(events.length > 1);
    assert.equal(events.map((e) => e.candidates[0].content.parts[0].text).join(''), 'Bonjour tout le monde');
  });

  it('the loss curve is read the way clients walk it: experiment → run context → time series → values', async () => {
    const experiment = await call(h.url, 'GET', `/v1/${job.experiment}`);
    assert.equal(experiment.status, 200, experiment.text);
    assert.equal(experiment.json.schemaTitle, 'system.Experiment');
    const tensorboard: string = experiment.json.metadata.backing_tensorboard_resource;
    assert.match(tensorboard, /^projects\/\d+\/locations\/us-central1\/tensorboards\/\d+$/);
    const filter = `schema_title="system.ExperimentRun" AND parent_contexts:"${job.experiment}"`;
    const runs = await call(h.url, 'GET', `/v1/${PARENT}/metadataStores/default/contexts?filter=${encodeURIComponent(filter)}`);
    assert.equal(runs.json.contexts.length, 1);
    const experimentId = job.experiment.split('/').pop();
    const runId = runs.json.contexts[0].name.split('/').pop().slice(experimentId.length + 1);
    const series = await call(h.url, 'GET', `/v1/${tensorboard}/experiments/${experimentId}/runs/${runId}/timeSeries`);
    const loss = series.json.tensorboardTimeSeries.find((t: { displayName: string }) => t.displayName === '/train_total_loss');
    const read = await call(h.url, 'GET', `/v1/${loss.name}:read?maxDataPoints=-1`);
    const values = read.json.timeSeriesData.values as { step: string; scalar: { value: number } }[];
    assert.equal(values.length, Number(job.tuningDataStats.supervisedTuningDataStats.tuningStepCount));
    assert.equal(values[values.length - 1].step, String(values.length));
    assert.ok(values[values.length - 1].scalar.value < values[0].scalar.value, 'loss falls');
    const batch = await call(h.url, 'GET', `/v1/${tensorboard}:batchRead?timeSeries=${encodeURIComponent(loss.name)}`);
    assert.deepEqual(batch.json.timeSeriesData, [read.json.timeSeriesData]);
  });

  it('a bad line fails the job with INVALID_ARGUMENT naming the line; a missing object with NOT_FOUND', async () => {
    await upload(h.url, 'tuning-data', 'bad.jsonl', jsonl([TRAIN[0], { contents: [{ role: 'user', parts: [{ text: 'no answer' }] }] }]));
    const bad = await call(h.url, 'POST', `/v1/${PARENT}/tuningJobs`, { baseModel: 'gemini-2.5-flash', supervisedTuningSpec: { trainingDatasetUri: 'gs://tuning-data/bad.jsonl' } });
    const failed = await waitForState(h.url, bad.json.name, ['JOB_STATE_FAILED', 'JOB_STATE_SUCCEEDED']);
    assert.equal(failed.state, 'JOB_STATE_FAILED');
    assert.equal(failed.error.code, 3);
    assert.match(failed.error.message, /^Line 2 of gs:\/\/tuning-data\/bad\.jsonl: the last turn of contents must be a model turn/);
    assert.ok(failed.endTime);
    const missing = await call(h.url, 'POST', `/v1/${PARENT}/tuningJobs`, { baseModel: 'gemini-2.5-flash', supervisedTuningSpec: { trainingDatasetUri: 'gs://tuning-data/none.jsonl' } });
    const gone = await waitForState(h.url, missing.json.name, ['JOB_STATE_FAILED']);
    assert.equal(gone.error.code, 5);
    assert.equal(gone.error.message, 'No such object: tuning-data/none.jsonl');
  });

  it('create rejects bad requests with 400 and field violations', async () => {
    const r = await call(h.url, 'POST', `/v1/${PARENT}/tuningJobs`, { baseModel: 'gemini-1.0-pro', supervisedTuningSpec: { hyperParameters: { adapterSize: 'ADAPTER_SIZE_SEVEN' } } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.status, 'INVALID_ARGUMENT');
    const fields = r.json.error.details[0].fieldViolations.map((v: { field: string }) => v.field);
    assert.deepEqual(fields, ['tuning_job.base_model', 'tuning_job.supervised_tuning_spec.training_dataset_uri', 'tuning_job.supervised_tuning_spec.hyper_parameters.adapter_size']);
    const unknown = await call(h.url, 'GET', `/v1/${PARENT}/tuningJobs/1234`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.status, 'NOT_FOUND');
  });

  it('cancel answers {} and the job ends CANCELLED with error.code 1', async () => {
    const r = await call(h.url, 'POST', `/v1/${PARENT}/tuningJobs`, { baseModel: 'gemini-2.5-flash', supervisedTuningSpec: { trainingDatasetUri: 'gs://tuning-data/sets/train.jsonl', hyperParameters: { epochCount: 100 } } });
    const cancelled = await call(h.url, 'POST', `/v1/${r.json.name}:cancel`, {});
    assert.equal(cancelled.status, 200);
    assert.deepEqual(cancelled.json, {});
    const after = await call(h.url, 'GET', `/v1/${r.json.name}`);
    assert.equal(after.json.state, 'JOB_STATE_CANCELLED');
    assert.deepEqual(after.json.error, { code: 1, message: 'CANCELLED' });
    assert.equal(after.json.tunedModel, undefined);
  });

  it('a create beyond the pending-or-running limit of a project and location gets 429 RESOURCE_EXHAUSTED; another location is not affected', async () => {
    const parent = 'projects/quota-proj/locations/us-central1';
    const body = { baseModel: 'gemini-2.5-flash', supervisedTuningSpec: { trainingDatasetUri: 'gs://tuning-data/sets/train.jsonl', hyperParameters: { epochCount: 100 } } };
    const created: string[] = [];
    try {
      for (let i = 0; i < MAX_UNFINISHED_TUNING_JOBS; i++) {
        const r = await call(h.url, 'POST', `/v1/${parent}/tuningJobs`, body);
        assert.equal(r.status, 200, r.text);
        created.push(r.json.name);
      }
      const refused = await call(h.url, 'POST', `/v1/${parent}/tuningJobs`, body);
      assert.equal(refused.status, 429);
      assert.equal(refused.json.error.status, 'RESOURCE_EXHAUSTED');
      assert.match(refused.json.error.message, /^The following quota metrics exceed quota limits: aiplatform\.googleapis\.com\/concurrent_tuning_jobs .*Cancel a job or wait/);
      const elsewhere = await call(h.url, 'POST', '/v1/projects/quota-proj/locations/europe-west4/tuningJobs', body);
      assert.equal(elsewhere.status, 200, elsewhere.text);
      created.push(elsewhere.json.name);
      assert.equal((await call(h.url, 'POST', `/v1/${created[0]}:cancel`, {})).status, 200);
      const again = await call(h.url, 'POST', `/v1/${parent}/tuningJobs`, body);
      assert.equal(again.status, 200, 'a cancelled job frees its place');
      created.push(again.json.name);
    } finally {
      for (const name of created) await call(h.url, 'POST', `/v1/${name}:cancel`, {});
    }
  });

  it('list filters on state and pages with pageSize and pageToken', async () => {
    const all = await call(h.url, 'GET', `/v1/${PARENT}/tuningJobs`);
    assert.ok(all.json.tuningJobs.length >= 4);
    assert.equal(all.json.nextPageToken, undefined);
    const names: string[] = [];
    let token = '';
    do {
      const page = await call(h.url, 'GET', `/v1beta1/${PARENT}/tuningJobs?pageSize=1&filter=${encodeURIComponent('state!=JOB_STATE_SUCCEEDED')}${token ? `&pageToken=${token}` : ''}`);
      assert.equal(page.status, 200, page.text);
      assert.equal(page.json.tuningJobs.length, 1);
      names.push(page.json.tuningJobs[0].name);
      token = page.json.nextPageToken ?? '';
    } while (token);
    assert.equal(names.length, all.json.tuningJobs.length - 1);
    assert.ok(!names.includes(job.name));
    const succeeded = await call(h.url, 'GET', `/v1/${PARENT}/tuningJobs?filter=state%3DJOB_STATE_SUCCEEDED`);
    assert.deepEqual(succeeded.json.tuningJobs.map((j: { name: string }) => j.name), [job.name]);
    const other = await call(h.url, 'GET', '/v1/projects/other-proj/locations/us-central1/tuningJobs');
    assert.deepEqual(other.json, {});
    const badFilter = await call(h.url, 'GET', `/v1/${PARENT}/tuningJobs?filter=displayName%3Dx`);
    assert.equal(badFilter.status, 400);
  });

  it('jobs and objects survive a restart on the same data folder', async () => {
    await h.close();
    h = await startServer({ dataDir });
    const again = await call(h.url, 'GET', `/v1/${job.name}`);
    assert.deepEqual(again.json, job);
    const res = await call(h.url, 'POST', `/v1/${job.tunedModel.endpoint}:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'thanks' }] }], generationConfig: { temperature: 0 } });
    assert.equal(res.json.candidates[0].content.parts[0].text, 'merci');
  });
});

describe('local server: Vertex AI bearer token', function () {
  let h: Harness;
  before(async () => (h = await startServer({ vertexToken: 'secret-token' })));
  after(async () => h.close());

  it('answers 401 UNAUTHENTICATED without the bearer token, and serves it with', async () => {
    const none = await call(h.url, 'GET', `/v1/${PARENT}/tuningJobs`);
    assert.equal(none.status, 401);
    assert.equal(none.json.error.status, 'UNAUTHENTICATED');
    assert.equal(none.json.error.details[0].reason, 'CREDENTIALS_MISSING');
    const wrong = await call(h.url, 'GET', `/v1/${PARENT}/tuningJobs`, undefined, { authorization: 'Bearer other' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.json.error.message, /^Request had invalid authentication credentials/);
    const storage = await call(h.url, 'GET', '/storage/v1/b/any');
    assert.equal(storage.status, 401);
    const ok = await call(h.url, 'GET', `/v1/${PARENT}/tuningJobs`, undefined, { authorization: 'Bearer secret-token' });
    assert.equal(ok.status, 200);
  });
});
