// Vertex AI surface of the local server, against the Gemini API surface of the same server in the
// same run: (1) a 20-example job from create to SUCCEEDED against the same job through
// tunedModels (create → ACTIVE), alternating so that both see the same machine load; (2) a 50 MB
// resumable upload (one PUT, and 8 MiB chunks answered 308) against one uploadType=media POST of
// the same bytes; (3) one 1000-job page of tuningJobs.list against one 1000-model page of
// tunedModels.list, each with 1,000 on disk.
import { randomFillSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BenchContext, medianMs } from './context';
import { examples20, seedModels, startServer, stop } from './serverProcess';

const AREA = 'vertex local server';
const PARENT = 'projects/bench-proj/locations/us-central1';
const UPLOAD_BYTES = 50 * 1024 * 1024;
const CHUNK_BYTES = 8 * 1024 * 1024;

async function json(url: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const post = (url: string, body: unknown): Promise<Record<string, unknown>> => json(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

async function vertexJob(base: string): Promise<void> {
  const job = await post(`${base}/v1/${PARENT}/tuningJobs`, { baseModel: 'gemini-2.5-flash', supervisedTuningSpec: { trainingDatasetUri: 'gs://bench/train.jsonl' } });
  await until(async () => {
    const state = (await json(`${base}/v1/${job.name as string}`)).state;
    if (state === 'JOB_STATE_FAILED' || state === 'JOB_STATE_CANCELLED') throw new Error(`${job.name as string} ended ${String(state)}`);
    return state === 'JOB_STATE_SUCCEEDED';
  });
}

async function geminiJob(base: string): Promise<void> {
  const op = await post(`${base}/v1beta/tunedModels`, { displayName: 'bench', baseModel: 'models/gemini-1.5-flash-001-tuning', tuningTask: { trainingData: { examples: { examples: examples20() } } } });
  await until(async () => {
    const r = await json(`${base}/v1beta/${op.name as string}`);
    if (r.error) throw new Error(`training failed: ${JSON.stringify(r.error)}`);
    return r.done === true;
  });
}

async function mediaUpload(base: string, name: string, data: Buffer<ArrayBuffer>): Promise<void> {
  await json(`${base}/upload/storage/v1/b/bench/o?uploadType=media&name=${name}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: data });
}

async function resumableUpload(base: string, name: string, data: Buffer<ArrayBuffer>, chunk: number): Promise<void> {
  const start = await fetch(`${base}/upload/storage/v1/b/bench/o?uploadType=resumable&name=${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-upload-content-type': 'application/octet-stream', 'x-upload-content-length': String(data.length) },
    body: '{}',
  });
  await start.text();
  const session = start.headers.get('location');
  if (start.status !== 200 || !session) throw new Error(`resumable start: ${start.status}`);
  for (let at = 0; at < data.length; at += chunk) {
    const end = Math.min(at + chunk, data.length);
    const res = await fetch(session, { method: 'PUT', headers: { 'content-range': `bytes ${at}-${end - 1}/${data.length}` }, body: data.subarray(at, end) });
    await res.text();
    const expected = end === data.length ? 200 : 308;
    if (res.status !== expected) throw new Error(`resumable PUT ${at}-${end - 1}: ${res.status}, expected ${expected}`);
  }
}

/** Writes `count` SUCCEEDED tuning jobs straight into a data folder, as the server would have left them. */
function seedJobs(dataDir: string, count: number): void {
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i++) {
    const id = String(1_000_000_000_000_000_000n + BigInt(i));
    const dir = path.join(dataDir, 'vertex', 'tuningJobs', id);
    mkdirSync(dir, { recursive: true });
    const t = new Date(t0 + i * 1000).toISOString();
    const snapshots = Array.from({ length: 25 }, (_, s) => ({ step: s + 1, epoch: Math.floor((s * 4) / 20) + 1, meanLoss: 2 / (s + 1), computeTime: t }));
    writeFileSync(
      path.join(dir, 'job.json'),
      JSON.stringify({
        v: 1, id, projectNumber: '123456789012', location: 'us-central1', baseModel: 'gemini-2.5-flash', tunedModelDisplayName: `bench job ${i}`,
        spec: { trainingDatasetUri: 'gs://bench/train.jsonl' }, state: 'JOB_STATE_SUCCEEDED', createTime: t, updateTime: t, startTime: t, endTime: t,
        experimentId: `tuning-experiment-${i}`, modelId: String(2_000_000_000_000_000_000n + BigInt(i)), endpointId: String(3_000_000_000_000_000_000n + BigInt(i)),
        checkpointEndpointIds: Array.from({ length: 4 }, (_, e) => String(4_000_000_000_000_000_000n + BigInt(i * 4 + e))),
        plan: { exampleCount: 20, epochCount: 5, batchSize: 4, learningRate: 0.001, totalSteps: 25, seed: 1 }, snapshots,
      }),
    );
  }
}

export default async function (ctx: BenchContext): Promise<void> {
  const serverScript = path.join(ctx.repoRoot, 'dist', 'server.js');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vertex-bench-'));
  const child = await startServer(serverScript, dataDir);
  try {
    const base = child.url;
    await post(`${base}/storage/v1/b?project=bench-proj`, { name: 'bench' });
    const jsonl = examples20().map((e) => JSON.stringify({ contents: [{ role: 'user', parts: [{ text: e.textInput }] }, { role: 'model', parts: [{ text: e.output }] }] })).join('\n');
    await mediaUpload(base, 'train.jsonl', Buffer.from(jsonl));

    // (1) The same 20-example default job (5 epochs, batch 4, 25 steps) through each surface, alternating.
    await geminiJob(base); // the base model is loaded once, before either is timed
    const vertexTimes: number[] = [];
    const geminiTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      vertexTimes.push(await medianMs(1, () => vertexJob(base)));
      geminiTimes.push(await medianMs(1, () => geminiJob(base)));
    }
    const mid = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    ctx.record({ area: AREA, name: '20-example default job, tuningJobs create → SUCCEEDED', value: mid(vertexTimes), unit: 'ms', baseline: { name: 'same job via tunedModels (create → ACTIVE)', value: mid(geminiTimes) } });

    // (2) Uploads of 50 MB.
    const data = randomFillSync(Buffer.alloc(UPLOAD_BYTES));
    const mbPerS = (ms: number): number => UPLOAD_BYTES / 1024 / 1024 / (ms / 1000);
    const media = await medianMs(3, () => mediaUpload(base, 'media.bin', data));
    const single = await medianMs(3, () => resumableUpload(base, 'resumable.bin', data, data.length));
    const chunked = await medianMs(3, () => resumableUpload(base, 'chunked.bin', data, CHUNK_BYTES));
    ctx.record({ area: AREA, name: '50 MiB resumable upload, one PUT', value: mbPerS(single), unit: 'MiB/s', baseline: { name: 'one uploadType=media POST', value: mbPerS(media) } });
    ctx.record({ area: AREA, name: '50 MiB resumable upload, 8 MiB chunks (308 each)', value: mbPerS(chunked), unit: 'MiB/s', baseline: { name: 'one uploadType=media POST', value: mbPerS(media) } });
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }

  // (3) Listing 1,000 of each.
  const listDir = mkdtempSync(path.join(os.tmpdir(), 'vertex-bench-1k-'));
  try {
    seedJobs(listDir, 1000);
    seedModels(listDir, 1000);
    const big = await startServer(serverScript, listDir);
    try {
      const jobs = await json(`${big.url}/v1/projects/123456789012/locations/us-central1/tuningJobs?pageSize=1000`);
      const models = await json(`${big.url}/v1beta/tunedModels?pageSize=1000`);
      if ((jobs.tuningJobs as unknown[]).length !== 1000 || (models.tunedModels as unknown[]).length !== 1000) throw new Error('the seeded jobs or models were not all listed');
      const listJobs = await medianMs(7, () => fetch(`${big.url}/v1/projects/123456789012/locations/us-central1/tuningJobs?pageSize=1000`).then((r) => r.text()));
      const listModels = await medianMs(7, () => fetch(`${big.url}/v1beta/tunedModels?pageSize=1000&prettyPrint=false`).then((r) => r.text()));
      ctx.record({ area: AREA, name: 'tuningJobs.list, 1000-job page of 1,000', value: listJobs, unit: 'ms', baseline: { name: 'tunedModels.list, 1000-model page of 1,000', value: listModels } });
    } finally {
      await stop(big);
    }
  } finally {
    rmSync(listDir, { recursive: true, force: true });
  }
}
