import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../../harness/waitFor';
import { SERVER_SCRIPT, call, tempDir } from './harness';

interface Child {
  url: string;
  proc: ChildProcess;
}

function spawnServer(dataDir: string, stepDelayMs: number): Promise<Child> {
  const proc = spawn(process.execPath, [SERVER_SCRIPT, '--port', '0', '--data-dir', dataDir, '--step-delay-ms', String(stepDelayMs), '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      buffer += d;
      const m = /listening on (http:\/\/\S+)\n/.exec(buffer);
      if (m) resolve({ url: m[1], proc });
    });
    proc.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
}

function kill9(child: Child): Promise<void> {
  return new Promise((resolve) => {
    child.proc.once('exit', () => resolve());
    child.proc.kill('SIGKILL');
  });
}

const PARENT = 'projects/my-proj/locations/us-central1';
const LINES = [
  { contents: [{ role: 'user', parts: [{ text: 'ping' }] }, { role: 'model', parts: [{ text: 'pong pong' }] }] },
  { contents: [{ role: 'user', parts: [{ text: 'tic' }] }, { role: 'model', parts: [{ text: 'tac' }] }] },
];

describe('local server: Vertex AI jobs and uploads across kill -9', function () {
  this.timeout(90_000);
  const dataDir = tempDir('gt-vertex-kill-');
  let child: Child | undefined;
  afterEach(async () => {
    if (child && child.proc.exitCode === null) await kill9(child);
    child = undefined;
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a job killed while RUNNING resumes at the next start and succeeds with the trained answer', async () => {
    child = await spawnServer(dataDir, 40);
    await call(child.url, 'POST', '/storage/v1/b?project=my-proj', { name: 'kill-data' });
    const up = await fetch(`${child.url}/upload/storage/v1/b/kill-data/o?uploadType=media&name=t.jsonl`, { method: 'POST', headers: { 'content-type': 'application/jsonl' }, body: LINES.map((l) => JSON.stringify(l)).join('\n') });
    assert.equal(up.status, 200);
    const created = await call(child.url, 'POST', `/v1/${PARENT}/tuningJobs`, { baseModel: 'gemini-2.5-flash', supervisedTuningSpec: { trainingDatasetUri: 'gs://kill-data/t.jsonl', hyperParameters: { epochCount: 40 } } });
    assert.equal(created.status, 200, created.text);
    const id = String(created.json.name).split('/').pop() ?? '';
    const checkpoint = path.join(dataDir, 'vertex', 'tuningJobs', id, 'checkpoint.json');
    await waitFor(async () => existsSync(checkpoint), 'the first checkpoint', { intervalMs: 10 });
    const running = await call(child.url, 'GET', `/v1/${created.json.name}`);
    assert.equal(running.json.state, 'JOB_STATE_RUNNING');
    // the loss curve is live while the job runs
    const experiment = (await call(child.url, 'GET', `/v1/${running.json.experiment}`)).json;
    const series = `${experiment.metadata.backing_tensorboard_resource}/experiments/${experiment.displayName}/runs/run-1/timeSeries/1`;
    const url = child.url;
    await waitFor(async () => (await call(url, 'GET', `/v1/${series}:read`)).json.timeSeriesData.values?.length > 0, 'a first loss point', { intervalMs: 10 });
    assert.equal((await call(url, 'GET', `/v1/${running.json.name}`)).json.state, 'JOB_STATE_RUNNING');
    await kill9(child);

    child = await spawnServer(dataDir, 0);
    const restarted = child.url;
    const done = await waitFor(
      async () => {
        const j = (await call(restarted, 'GET', `/v1/${created.json.name}`)).json;
        return j.state === 'JOB_STATE_RUNNING' ? undefined : j;
      },
      'the resumed job to end',
      { intervalMs: 25, timeoutMs: 60_000 },
    );
    assert.equal(done.state, 'JOB_STATE_SUCCEEDED', JSON.stringify(done.error));
    assert.equal(done.startTime, running.json.startTime);
    const answer = await call(restarted, 'POST', `/v1/${done.tunedModel.endpoint}:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'ping' }] }], generationConfig: { temperature: 0 } });
    assert.equal(answer.json.candidates[0].content.parts[0].text, 'pong pong');
  });

  it('a resumable upload killed half-way leaves no object, and its session resumes after the restart', async () => {
    child = await spawnServer(dataDir, 0);
    const start = await fetch(`${child.url}/upload/storage/v1/b/kill-data/o?uploadType=resumable&name=half.bin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const session = new URL(start.headers.get('location') ?? '');
    const first = await fetch(`${child.url}${session.pathname}${session.search}`, { method: 'PUT', headers: { 'content-range': 'bytes 0-4/*' }, body: 'hello' });
    assert.equal(first.status, 308);
    await kill9(child);
    // what a media upload cut by the kill leaves behind
    const torn = path.join(dataDir, 'storage', 'kill-data', 'objects', '.upload-0123456789abcdef.tmp');
    writeFileSync(torn, 'half of an upl');

    child = await spawnServer(dataDir, 0);
    assert.equal(existsSync(torn), false);
    const meta = await call(child.url, 'GET', '/storage/v1/b/kill-data/o/half.bin');
    assert.equal(meta.status, 404);
    const status = await fetch(`${child.url}${session.pathname}${session.search}`, { method: 'PUT', headers: { 'content-range': 'bytes */*' } });
    assert.equal(status.status, 308);
    assert.equal(status.headers.get('range'), 'bytes=0-4');
    const last = await fetch(`${child.url}${session.pathname}${session.search}`, { method: 'PUT', headers: { 'content-range': 'bytes 5-10/11' }, body: ' world' });
    assert.equal(last.status, 200);
    assert.equal(await (await fetch(`${child.url}/storage/v1/b/kill-data/o/half.bin?alt=media`)).text(), 'hello world');
  });
});
