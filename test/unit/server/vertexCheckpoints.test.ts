import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { type Harness, call, startServer, tempDir } from './harness';
import { waitFor } from '../../harness/waitFor';

const PARENT = 'projects/my-proj/locations/us-central1';
const turn = (input: string, output: string): unknown => ({ contents: [{ role: 'user', parts: [{ text: input }] }, { role: 'model', parts: [{ text: output }] }] });
const TRAIN = [
  turn('hello everyone', 'Bonjour tout le monde'),
  turn('thanks', 'merci'),
  turn('cat', 'chat'),
  turn('dog', 'chien'),
  turn('good night', 'bonne nuit'),
  turn('the red house', 'la maison rouge'),
  turn('I am hungry', "j'ai faim"),
  turn('see you tomorrow', 'à demain'),
];
const jsonl = (lines: unknown[]): string => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Point = { step: string; scalar: { value: number } };

async function upload(base: string, name: string, lines: unknown[]): Promise<void> {
  const r = await fetch(`${base}/upload/storage/v1/b/eval-data/o?uploadType=media&name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/jsonl' },
    body: jsonl(lines),
  });
  assert.equal(r.status, 200, await r.text());
}

async function create(base: string, spec: Record<string, unknown>): Promise<string> {
  const r = await call(base, 'POST', `/v1/${PARENT}/tuningJobs`, { baseModel: 'gemini-2.5-flash', supervisedTuningSpec: { trainingDatasetUri: 'gs://eval-data/train.jsonl', ...spec } });
  assert.equal(r.status, 200, r.text);
  return r.json.name as string;
}

async function get(base: string, name: string): Promise<Json> {
  const r = await call(base, 'GET', `/v1/${name}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

function finished(base: string, name: string): Promise<Json> {
  return waitFor(
    async () => {
      const job = await get(base, name);
      return ['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED'].includes(job.state) ? job : undefined;
    },
    `${name} to end`,
    { timeoutMs: 60_000, intervalMs: 25 },
  );
}

/** Walks experiment → run → time series the way clients do; returns the series by tag. */
async function seriesOf(base: string, job: Json): Promise<Map<string, string>> {
  const experiment = await call(base, 'GET', `/v1/${job.experiment}`);
  const tensorboard: string = experiment.json.metadata.backing_tensorboard_resource;
  const filter = `schema_title="system.ExperimentRun" AND parent_contexts:"${job.experiment}"`;
  const runs = await call(base, 'GET', `/v1/${PARENT}/metadataStores/default/contexts?filter=${encodeURIComponent(filter)}`);
  const experimentId = job.experiment.split('/').pop();
  const runId = runs.json.contexts[0].name.split('/').pop().slice(experimentId.length + 1);
  const list = await call(base, 'GET', `/v1/${tensorboard}/experiments/${experimentId}/runs/${runId}/timeSeries`);
  assert.equal(list.status, 200, list.text);
  return new Map((list.json.tensorboardTimeSeries as { displayName: string; name: string }[]).map((s) => [s.displayName, s.name]));
}

async function points(base: string, seriesName: string): Promise<Point[]> {
  const read = await call(base, 'GET', `/v1/${seriesName}:read?maxDataPoints=-1`);
  assert.equal(read.status, 200, read.text);
  return read.json.timeSeriesData.values as Point[];
}

async function answer(base: string, endpoint: string, prompt: string): Promise<string> {
  const r = await call(base, 'POST', `/v1/${endpoint}:generateContent`, { contents: [{ role: 'user', parts: [{ text: prompt }] }], generationConfig: { temperature: 0, maxOutputTokens: 40 } });
  assert.equal(r.status, 200, r.text);
  return r.json.candidates[0].content.parts.map((p: { text: string }) => p.text).join('');
}

describe('local server: Vertex AI validation loss and checkpoints', function () {
  this.timeout(120_000);
  let h: Harness;
  const dataDir = tempDir('gt-vertex-eval-');
  before(async () => {
    // Slow steps, so that a client can watch a job while it runs.
    h = await startServer({ dataDir, stepDelayMs: 40 });
    assert.equal((await call(h.url, 'POST', '/storage/v1/b?project=my-proj', { name: 'eval-data' })).status, 200);
    await upload(h.url, 'train.jsonl', TRAIN);
    await upload(h.url, 'seen.jsonl', [TRAIN[0], TRAIN[3]]);
    await upload(h.url, 'unseen.jsonl', [turn('the blue car', 'la voiture bleue'), turn('good morning', 'bonjour')]);
  });
  after(async () => {
    await h.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('/eval_total_loss is the loss on the validation set, measured while the job runs, and only with one', async () => {
    const seen = await create(h.url, { validationDatasetUri: 'gs://eval-data/seen.jsonl', hyperParameters: { epochCount: 10 } });
    const live = await waitFor(
      async () => {
        const job = await get(h.url, seen);
        if (job.state !== 'JOB_STATE_RUNNING') {
          assert.equal(job.state, 'JOB_STATE_PENDING', JSON.stringify(job.error));
          return undefined;
        }
        const series = await seriesOf(h.url, job);
        const evalName = series.get('/eval_total_loss');
        assert.ok(evalName, `series: ${[...series.keys()].join(', ')}`);
        const values = await points(h.url, evalName);
        const stillRunning = (await get(h.url, seen)).state === 'JOB_STATE_RUNNING';
        return values.length > 0 && stillRunning ? values : undefined;
      },
      'a validation loss point while the job is RUNNING',
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    assert.ok(live.length >= 1);

    const unseen = await create(h.url, { validationDatasetUri: 'gs://eval-data/unseen.jsonl', hyperParameters: { epochCount: 10 } });
    const plain = await create(h.url, { hyperParameters: { epochCount: 10 } });
    const [a, b, c] = [await finished(h.url, seen), await finished(h.url, unseen), await finished(h.url, plain)];
    for (const job of [a, b, c]) assert.equal(job.state, 'JOB_STATE_SUCCEEDED', JSON.stringify(job.error));

    const totalSteps = Number(a.tuningDataStats.supervisedTuningDataStats.tuningStepCount);
    assert.equal(totalSteps, 20);
    const [seriesA, seriesB, seriesC] = [await seriesOf(h.url, a), await seriesOf(h.url, b), await seriesOf(h.url, c)];
    assert.deepEqual([...seriesC.keys()], ['/train_total_loss'], 'no validation set, no eval series');
    const evalA = await points(h.url, seriesA.get('/eval_total_loss') ?? '');
    const evalB = await points(h.url, seriesB.get('/eval_total_loss') ?? '');
    // every ceil(20 / 10) = 2 steps, and the last
    assert.deepEqual(evalA.map((p) => p.step), ['2', '4', '6', '8', '10', '12', '14', '16', '18', '20']);
    assert.deepEqual(evalB.map((p) => p.step), evalA.map((p) => p.step));
    // The same seed and training data train the same weights; only the validation set differs.
    const curve = async (series: Map<string, string>): Promise<string[]> => (await points(h.url, series.get('/train_total_loss') ?? '')).map((p) => `${p.step}:${p.scalar.value}`);
    assert.deepEqual(await curve(seriesA), await curve(seriesB));
    const last = (values: Point[]): number => values[values.length - 1].scalar.value;
    assert.ok(last(evalA) < evalA[0].scalar.value / 2, `loss on trained examples falls: ${evalA.map((p) => p.scalar.value.toFixed(3)).join(' ')}`);
    assert.ok(last(evalB) > last(evalA) * 2, `examples never trained on stay harder: ${last(evalB)} vs ${last(evalA)}`);
    const batch = await call(h.url, 'GET', `/v1/${a.experiment.replace(/metadataStores.*/, '')}tensorboards/${a.name.split('/').pop()}:batchRead?timeSeries=${encodeURIComponent(seriesA.get('/eval_total_loss') ?? '')}&timeSeries=${encodeURIComponent(seriesA.get('/train_total_loss') ?? '')}`);
    assert.equal(batch.status, 200, batch.text);
    assert.deepEqual(batch.json.timeSeriesData.map((d: { values: Point[] }) => d.values.length), [10, 20]);
  });

  let job: Json = {};
  it('each epoch has a checkpoint with its own endpoint, answering from the weights of that epoch', async () => {
    const name = await create(h.url, { hyperParameters: { epochCount: 6 } });
    job = await finished(h.url, name);
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED', JSON.stringify(job.error));
    const checkpoints: Json[] = job.tunedModel.checkpoints;
    assert.deepEqual(
      checkpoints.map((c) => [c.checkpointId, c.epoch, c.step]),
      [1, 2, 3, 4, 5, 6].map((e) => [String(e), String(e), String(2 * e)]),
    );
    assert.equal(checkpoints[5].endpoint, job.tunedModel.endpoint, 'the last checkpoint is the tuned model');
    assert.equal(new Set(checkpoints.map((c) => c.endpoint)).size, 6);
    for (const c of checkpoints) assert.match(c.endpoint, /^projects\/\d+\/locations\/us-central1\/endpoints\/\d{19}$/);

    const prompts = TRAIN.map((t) => (t as Json).contents[0].parts[0].text as string);
    const finalAnswers = await Promise.all(prompts.map((p) => answer(h.url, job.tunedModel.endpoint, p)));
    const firstEpochAnswers = await Promise.all(prompts.map((p) => answer(h.url, checkpoints[0].endpoint, p)));
    assert.notDeepEqual(firstEpochAnswers, finalAnswers, 'after one epoch the model answers otherwise than after six');
    assert.ok(existsSync(path.join(dataDir, 'vertex', 'tuningJobs', name.split('/').pop() ?? '', 'epoch-1-weights.json')));

    // A restart serves the same checkpoint from disk.
    await h.close();
    h = await startServer({ dataDir, stepDelayMs: 40 });
    assert.deepEqual(await Promise.all(prompts.map((p) => answer(h.url, checkpoints[0].endpoint, p))), firstEpochAnswers);
  });

  it('exportLastCheckpointOnly keeps no checkpoints or epoch weights; a cancelled job has no tuned model', async () => {
    const only = await create(h.url, { hyperParameters: { epochCount: 2 }, exportLastCheckpointOnly: true });
    const job = await finished(h.url, only);
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED');
    assert.equal(job.tunedModel.checkpoints, undefined);
    assert.ok(!existsSync(path.join(dataDir, 'vertex', 'tuningJobs', only.split('/').pop() ?? '', 'epoch-1-weights.json')));

    const cancelled = await create(h.url, { hyperParameters: { epochCount: 50 } });
    await waitFor(async () => (await get(h.url, cancelled)).state === 'JOB_STATE_RUNNING', `${cancelled} to run`, { timeoutMs: 60_000, intervalMs: 20 });
    assert.deepEqual((await call(h.url, 'POST', `/v1/${cancelled}:cancel`, {})).json, {});
    const ended = await get(h.url, cancelled);
    assert.equal(ended.tunedModel, undefined);
  });

  it('models and endpoints: get, list across pages, delete as a done operation; a deployed model cannot be deleted', async () => {
    const checkpoints: Json[] = job.tunedModel.checkpoints;
    const model = await call(h.url, 'GET', `/v1/${job.tunedModel.model}`);
    assert.equal(model.status, 200, model.text);
    const modelName = job.tunedModel.model.replace(/@1$/, '');
    assert.equal(model.json.name, modelName);
    assert.equal(model.json.versionId, '1');
    assert.deepEqual(new Set(model.json.deployedModels.map((d: Json) => d.endpoint)), new Set(checkpoints.map((c) => c.endpoint)));
    assert.deepEqual(model.json.checkpoints.map((c: Json) => c.checkpointId), ['1', '2', '3', '4', '5', '6']);
    assert.equal((await call(h.url, 'GET', `/v1beta1/${modelName}`)).json.name, modelName);
    assert.equal((await call(h.url, 'GET', `/v1/${modelName}@2`)).status, 404);

    const first = await call(h.url, 'GET', `/v1/${checkpoints[0].endpoint}`);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.name, checkpoints[0].endpoint);
    assert.equal(first.json.deployedModels[0].model, modelName);
    assert.equal(first.json.deployedModels[0].checkpointId, '1');

    const listed: string[] = [];
    let token = '';
    do {
      const page = await call(h.url, 'GET', `/v1beta1/${PARENT}/endpoints?pageSize=4${token ? `&pageToken=${token}` : ''}`);
      assert.equal(page.status, 200, page.text);
      listed.push(...page.json.endpoints.map((e: Json) => e.name));
      token = page.json.nextPageToken ?? '';
    } while (token);
    assert.equal(new Set(listed).size, listed.length);
    for (const c of checkpoints) assert.ok(listed.includes(c.endpoint), `${c.endpoint} listed`);

    const refused = await call(h.url, 'DELETE', `/v1/${modelName}`);
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.json.error.status, 'FAILED_PRECONDITION');

    const jobDir = path.join(dataDir, 'vertex', 'tuningJobs', job.name.split('/').pop());
    const deleted = await call(h.url, 'DELETE', `/v1/${checkpoints[0].endpoint}`);
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.json.done, true);
    assert.match(deleted.json.name, /^projects\/\d+\/locations\/us-central1\/operations\/\d+$/);
    assert.equal(deleted.json.metadata['@type'], 'type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata');
    assert.equal((await call(h.url, 'GET', `/v1/${checkpoints[0].endpoint}`)).status, 404);
    const gone = await call(h.url, 'POST', `/v1/${checkpoints[0].endpoint}:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'cat' }] }] });
    assert.equal(gone.status, 404);
    await waitFor(() => !existsSync(path.join(jobDir, 'epoch-1-weights.json')), 'the deleted checkpoint\'s weights to be removed', { timeoutMs: 5000, intervalMs: 10 });
    await answer(h.url, checkpoints[1].endpoint, 'cat'); // the other checkpoints still answer

    for (const c of checkpoints.slice(1)) assert.equal((await call(h.url, 'DELETE', `/v1/${c.endpoint}`)).status, 200);
    const modelDeleted = await call(h.url, 'DELETE', `/v1/${modelName}`);
    assert.equal(modelDeleted.status, 200, modelDeleted.text);
    assert.equal(modelDeleted.json.done, true);
    await h.close();
    h = await startServer({ dataDir, stepDelayMs: 40 });
    assert.equal((await call(h.url, 'GET', `/v1/${job.tunedModel.model}`)).status, 404, 'the deletion survived a restart');
    assert.equal((await call(h.url, 'GET', `/v1/${job.name}`)).json.state, 'JOB_STATE_SUCCEEDED', 'the job stays');
  });
});
