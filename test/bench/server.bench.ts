// Local tuning server, run as the child process the extension starts (`node dist/server.js`):
// (1) the 20-example default job end to end through the API (create → poll → ACTIVE) against the
// same training run in-process by the trainer alone; (2) first-chunk latency of 1, 10 and 100
// concurrent SSE streams against a plain `GET /v1beta/models` round trip, and their throughput
// (tokens/s across all streams) against a single stream; (3) the server's peak RSS against its idle
// RSS; (4) one 1000-model page of tunedModels.list with 10,000 models on disk against GET /v1beta/models.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveHyperparameters } from '../../src/core/api/tuningDefaults';
import { loadBaseModel, sharedModelCacheDir } from '../../src/server/trainer/baseModel';
import { Trainer } from '../../src/server/trainer/trainer';
import { type BenchContext, medianMs } from './context';
import { examples20, seedModels, startServer, stop } from './serverProcess';

const AREA = 'server';
const OUTPUT = 'Streaming test: the local model writes this sentence back one small chunk at a time, so that clients see text early. '.repeat(2);

/** VmRSS (now) and VmHWM (peak) of a process, in MiB, from /proc. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function post(url: string, body: unknown): Promise<{ name: string; metadata: { tunedModel: string } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { name: string; metadata: { tunedModel: string } };
}

async function waitDone(base: string, op: string): Promise<void> {
  for (;;) {
    const r = (await (await fetch(`${base}/v1beta/${op}?prettyPrint=false`)).json()) as { done?: boolean; error?: unknown };
    if (r.done) {
      if (r.error) throw new Error(`training failed: ${JSON.stringify(r.error)}`);
      return;
    }
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** One SSE stream: ms to the first chunk and the number of tokens (characters) received. */
async function stream(base: string, model: string): Promise<{ firstMs: number; tokens: number }> {
  const started = performance.now();
  const res = await fetch(`${base}/v1beta/${model}:streamGenerateContent?alt=sse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ parts: [{ text: 'stream please' }] }], generationConfig: { temperature: 0 } }),
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let firstMs = -1;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (firstMs < 0) firstMs = performance.now() - started;
    text += decoder.decode(value, { stream: true });
  }
  let tokens = 0;
  for (const frame of text.split('\r\n\r\n')) {
    if (!frame.startsWith('data: ')) continue;
    const json = JSON.parse(frame.slice(6)) as { candidates: { content: { parts: { text: string }[] } }[] };
    tokens += [...json.candidates[0].content.parts[0].text].length;
  }
  return { firstMs, tokens };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export default async function (ctx: BenchContext): Promise<void> {
  const serverScript = path.join(ctx.repoRoot, 'dist', 'server.js');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'server-bench-'));
  const child = await startServer(serverScript, dataDir);
  const pid = child.proc.pid as number;
  try {
    const base = child.url;
    await fetch(`${base}/v1beta/models`).then((r) => r.text());
    const idle = memoryOf(pid);
    ctx.log(`idle RSS ${idle.rss.toFixed(1)} MiB`);

    // (1) Training the 20-example default job.
    const examples = examples20();
    const start = await loadBaseModel([sharedModelCacheDir()]);
    const inProcess = await medianMs(3, () => {
      const trainer = new Trainer({ examples, ...resolveHyperparameters(examples.length), seed: 1, start });
      trainer.runToEnd();
    });
    const throughApi = await medianMs(3, async () => {
      const op = await post(`${base}/v1beta/tunedModels`, {
        displayName: 'bench default job',
        baseModel: 'models/gemini-1.5-flash-001-tuning',
        tuningTask: { trainingData: { examples: { examples } } },
      });
      await waitDone(base, op.name);
    });
    ctx.record({ area: AREA, name: '20-example default job via the API (create → ACTIVE)', value: throughApi, unit: 'ms', baseline: { name: 'same training in-process (trainer alone)', value: inProcess } });

    // (2) Streams.
    const op = await post(`${base}/v1beta/tunedModels`, {
      displayName: 'bench streamer',
      baseModel: 'models/gemini-1.5-flash-001-tuning',
      tuningTask: { trainingData: { examples: { examples: [{ textInput: 'stream please', output: OUTPUT }, { textInput: 'other', output: 'short' }] } }, hyperparameters: { epochCount: 20, batchSize: 2 } },
    });
    await waitDone(base, op.name);
    const model = op.metadata.tunedModel;
    const roundTrip = await medianMs(15, () => fetch(`${base}/v1beta/models`).then((r) => r.text()));
    await stream(base, model);
    let single = 0;
    for (const n of [1, 10, 100]) {
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: n }, () => stream(base, model)));
      const seconds = (performance.now() - started) / 1000;
      const tokens = results.reduce((s, r) => s + r.tokens, 0);
      const throughput = tokens / seconds;
      if (n === 1) single = throughput;
      ctx.record({ area: AREA, name: `first-chunk latency, ${n} concurrent stream${n > 1 ? 's' : ''} (median)`, value: median(results.map((r) => r.firstMs)), unit: 'ms', baseline: { name: 'GET /v1beta/models round trip', value: roundTrip } });
      ctx.record({ area: AREA, name: `stream throughput, ${n} concurrent stream${n > 1 ? 's' : ''}`, value: throughput, unit: 'tokens/s', baseline: { name: '1 stream', value: single } });
    }

    // (3) Memory.
    const after = memoryOf(pid);
    ctx.record({ area: AREA, name: 'server peak RSS (after training and 100 streams)', value: after.peak, unit: 'MiB', baseline: { name: 'idle RSS after start', value: idle.rss } });
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }

  // (4) Listing with 10,000 models on disk.
  const bigDir = mkdtempSync(path.join(os.tmpdir(), 'server-bench-10k-'));
  try {
    seedModels(bigDir, 10_000);
    const startedAt = performance.now();
    const big = await startServer(serverScript, bigDir);
    const startupMs = performance.now() - startedAt;
    try {
      const roundTrip = await medianMs(15, () => fetch(`${big.url}/v1beta/models`).then((r) => r.text()));
      const firstPage = await medianMs(7, () => fetch(`${big.url}/v1beta/tunedModels?pageSize=1000&prettyPrint=false`).then((r) => r.text()));
      const filtered = await medianMs(7, () => fetch(`${big.url}/v1beta/tunedModels?filter=model%209999&prettyPrint=false`).then((r) => r.text()));
      ctx.record({ area: AREA, name: 'tunedModels.list, 1000-model page of 10,000', value: firstPage, unit: 'ms', baseline: { name: 'GET /v1beta/models round trip', value: roundTrip } });
      ctx.record({ area: AREA, name: 'tunedModels.list with a text filter over 10,000', value: filtered, unit: 'ms', baseline: { name: 'GET /v1beta/models round trip', value: roundTrip } });
      ctx.record({ area: AREA, name: 'start-up with 10,000 models on disk', value: startupMs, unit: 'ms' });
    } finally {
      await stop(big);
    }
  } finally {
    rmSync(bigDir, { recursive: true, force: true });
  }
}
