// Vertex AI:
// - uploading a 50 MB JSONL file with StorageUploader (resumable, 8 MiB chunks, MD5 checked),
//   against one plain HTTP POST (uploadType=media) of the same bytes;
// - listing 1,000 tuning jobs into neutral models through VertexBackend.listModels()
// (VertexClient.tuningJobs.listAll, pages of 100, mapped with fromVertexTuningJob), against the
// bare list calls (fetch of the same pages, JSON.parse, nothing else). The local server's Vertex
// surface runs in this process, seeded with finished jobs on disk.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VertexBackend } from '../../src/core/tuning/vertexBackend';
import { VertexClient } from '../../src/core/vertex/client';
import { StorageUploader } from '../../src/core/vertex/storageUpload';
import { startLocalServer } from '../../src/server/localServer';
import { projectNumberOf } from '../../src/server/vertex/names';
import type { TuningJobRecord } from '../../src/server/vertex/tuningJobStore';
import { type BenchContext, medianMs } from './context';

const AREA = 'vertex backend';
const UPLOAD_BYTES = 50 * 1024 * 1024;
const UPLOAD_RUNS = 3;
const JOBS = 1_000;
const PAGE = 100;
const RUNS = 5;
const TOKEN = 'bench-token';
const PROJECT = 'my-proj';
const LOCATION = 'us-central1';

function job(i: number): TuningJobRecord {
  const time = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const id = String(1_000_000_000_000_000_000n + BigInt(i));
  const state = i % 10 === 9 ? 'JOB_STATE_FAILED' : 'JOB_STATE_SUCCEEDED';
  return {
    v: 1,
    id,
    projectNumber: projectNumberOf(PROJECT),
    location: LOCATION,
    baseModel: 'gemini-2.5-flash',
    tunedModelDisplayName: `bench job ${i}`,
    spec: { trainingDatasetUri: 'gs://bench/train.jsonl', epochCount: 3, learningRateMultiplier: 1, adapterSize: 'ADAPTER_SIZE_FOUR' },
    state,
    createTime: time,
    updateTime: time,
    startTime: time,
    endTime: time,
    ...(state === 'JOB_STATE_FAILED' ? { error: { code: 3, message: 'failed for the benchmark' } } : {}),
    experimentId: `tuning-experiment-${i}`,
    modelId: String(2_000_000_000_000_000_000n + BigInt(i)),
    endpointId: String(3_000_000_000_000_000_000n + BigInt(i)),
    plan: { exampleCount: 20, epochCount: 3, batchSize: 4, learningRate: 0.001, totalSteps: 15, seed: i },
    dataStats: { supervisedTuningDataStats: { tuningDatasetExampleCount: '20', tuningStepCount: '15', totalBillableTokenCount: '4000' } },
    snapshots: [],
  };
}

export default async function vertexBench(ctx: BenchContext): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-vertex-bench-'));
  for (let i = 0; i < JOBS; i++) {
    const record = job(i);
    const dir = path.join(dataDir, 'vertex', 'tuningJobs', record.id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'job.json'), JSON.stringify(record));
  }
  const server = await startLocalServer({ dataDir, workerScript: path.join(ctx.repoRoot, 'dist', 'trainer-worker.js'), vertexToken: TOKEN, stepDelayMs: 0 });
  const client = new VertexClient({ project: PROJECT, location: LOCATION, baseUrl: server.url, accessToken: async () => TOKEN });
  const backend = new VertexBackend({ client, uploader: new StorageUploader({ baseUrl: server.url, accessToken: async () => TOKEN }) });
  try {
    let listed = 0;
    const listThroughBackend = async () => {
      listed = 0;
      for await (const model of backend.listModels()) if (model.state) listed++;
    };
    let bare = 0;
    const listBare = async () => {
      bare = 0;
      let pageToken: string | undefined;
      do {
        const query = new URLSearchParams({ pageSize: String(PAGE), ...(pageToken ? { pageToken } : {}) });
        const res = await fetch(`${server.url}/v1/projects/${PROJECT}/locations/${LOCATION}/tuningJobs?${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const body = (await res.json()) as { tuningJobs?: unknown[]; nextPageToken?: string };
        bare += body.tuningJobs?.length ?? 0;
        pageToken = body.nextPageToken || undefined;
      } while (pageToken);
    };
    // One untimed run of each first, so that neither side pays for the server's or the JIT's warm-up.
    await listThroughBackend();
    await listBare();
    const throughBackend = await medianMs(RUNS, listThroughBackend);
    if (listed !== JOBS) throw new Error(`listed ${listed} jobs, expected ${JOBS}`);
    const bareMs = await medianMs(RUNS, listBare);
    if (bare !== JOBS) throw new Error(`the bare calls listed ${bare} jobs, expected ${JOBS}`);
    ctx.record({ area: AREA, name: `list ${JOBS} tuning jobs into neutral models`, value: throughBackend, unit: 'ms', baseline: { name: `bare list calls (pages of ${PAGE})`, value: bareMs } });
    await uploadBench(ctx, server.url, dataDir);
    ctx.log(`vertex: ${JOBS} jobs through the backend in ${throughBackend.toFixed(1)} ms, bare ${bareMs.toFixed(1)} ms (median of ${RUNS})`);
  } finally {
    await client.close();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function uploadBench(ctx: BenchContext, url: string, dataDir: string): Promise<void> {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const made = await fetch(`${url}/storage/v1/b?project=${PROJECT}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench-bucket' }) });
  if (made.status !== 200) throw new Error(`could not create the bench bucket: ${made.status} ${await made.text()}`);
  const line = `${JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x'.repeat(200) }] }, { role: 'model', parts: [{ text: 'y'.repeat(200) }] }] })}\n`;
  const file = path.join(dataDir, 'big.jsonl');
  fs.writeFileSync(file, line.repeat(Math.ceil(UPLOAD_BYTES / line.length)));
  const bytes = fs.readFileSync(file);
  const uploader = new StorageUploader({ baseUrl: url, accessToken: async () => TOKEN });
  try {
    let i = 0;
    const throughUploader = await medianMs(UPLOAD_RUNS, async () => {
      const up = await uploader.upload({ bucket: 'bench-bucket', object: `up-${i++}.jsonl`, source: { path: file } });
      if (Number(up.object.size) !== bytes.length) throw new Error('the uploaded object has the wrong size');
    });
    let j = 0;
    const plain = await medianMs(UPLOAD_RUNS, async () => {
      const res = await fetch(`${url}/upload/storage/v1/b/bench-bucket/o?uploadType=media&name=plain-${j++}.jsonl`, { method: 'POST', headers: { ...auth, 'content-type': 'application/jsonl' }, body: bytes });
      if (res.status !== 200) throw new Error(`plain upload: ${res.status}`);
      await res.text();
    });
    ctx.record({ area: AREA, name: `upload ${(bytes.length / 1024 / 1024).toFixed(0)} MB JSONL (resumable, 8 MiB chunks, MD5 checked)`, value: throughUploader, unit: 'ms', baseline: { name: 'one plain HTTP POST of the same bytes', value: plain } });
    ctx.log(`vertex: upload ${throughUploader.toFixed(0)} ms, plain ${plain.toFixed(0)} ms (median of ${UPLOAD_RUNS})`);
  } finally {
    await uploader.close();
  }
}
