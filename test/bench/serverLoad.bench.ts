// The local tuning server under generation load, run as the extension runs it (`node dist/server.js`):
// (1) p99 of a plain GET while 64 large generateContent calls run at once, against the p99 of the
// same GET on the idle server; (2) p99 of the time to the first chunk of 100 concurrent streams,
// against the p99 of one stream at a time on the idle server, and the same burst once more right
// after. Targets: ≤ 50 ms and ≤ 100 ms. It also reports the tokens per second the 64 generations
// made together.
// SERVER_LOAD_TOKENS sets the tokens each generation writes (default 1000).
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchContext } from './context';
import { startServer, stop } from './serverProcess';

const AREA = 'server load';
const SENTENCE = 'Streaming test: the local model writes this sentence back one small chunk at a time, so that clients see text early. ';
const GENERATIONS = 64;
const STREAMS = 100;

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}

async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A tuned model that, at temperature 0, writes until the token limit: every generation is as large as asked. */
async function trainLongWriter(base: string): Promise<string> {
  const op = await json(`${base}/v1beta/tunedModels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      displayName: 'long writer',
      baseModel: 'models/gemini-1.5-flash-001-tuning',
      tuningTask: { trainingData: { examples: { examples: [{ textInput: 'stream please', output: SENTENCE.repeat(4).trim() }, { textInput: 'other', output: 'short' }] } }, hyperparameters: { epochCount: 20, batchSize: 2 } },
    }),
  });
  for (;;) {
    const r = await json(`${base}/v1beta/${op.name as string}`);
    if (r.done) {
      if (r.error) throw new Error(`training failed: ${JSON.stringify(r.error)}`);
      return (op.metadata as { tunedModel: string }).tunedModel;
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

const request = (tokens: number): string => JSON.stringify({ contents: [{ parts: [{ text: 'stream please' }] }], generationConfig: { temperature: 0, maxOutputTokens: tokens } });

async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  await (await fetch(url)).text();
  return performance.now() - started;
}

/**
 * Milliseconds to the first chunk of one SSE stream; the rest is read to the end. node:http rather
 * than fetch, so that reading 100 streams costs this process little and the figure is the server's.
 */
function firstChunk(base: string, model: string, tokens: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/v1beta/${model}:streamGenerateContent?alt=sse`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let first = -1;
      res.on('data', () => {
        if (first < 0) first = performance.now() - started;
      });
      res.on('end', () => (res.statusCode !== 200 || first < 0 ? reject(new Error(`stream from ${model}: status ${res.statusCode}, no chunk`)) : resolve(first)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(request(tokens));
  });
}

export default async function (ctx: BenchContext): Promise<void> {
  const tokens = Number(process.env.SERVER_LOAD_TOKENS) || 1000;
  const serverScript = path.join(ctx.repoRoot, 'dist', 'server.js');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'server-load-bench-'));
  const child = await startServer(serverScript, dataDir);
  try {
    const base = child.url;
    const model = await trainLongWriter(base);
    const getUrl = `${base}/v1beta/${model}`;
    // warm up: the workers start and load the weights
    await Promise.all(Array.from({ length: 4 }, () => fetch(`${base}/v1beta/${model}:generateContent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request(50) }).then((r) => r.text())));
    ctx.log(`load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} on ${os.cpus().length} cores`);

    // (1) A GET while 64 large generations run.
    const idleGets: number[] = [];
    for (let i = 0; i < 200; i++) idleGets.push(await timedGet(getUrl));
    let running = true;
    const generationsStarted = performance.now();
    const load = Promise.all(
      Array.from({ length: GENERATIONS }, async () => {
        const res = await fetch(`${base}/v1beta/${model}:generateContent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request(tokens) });
        const body = (await res.json()) as { usageMetadata?: { candidatesTokenCount?: number } };
        if (res.status !== 200 || body.usageMetadata?.candidatesTokenCount !== tokens) throw new Error(`a generation answered ${res.status} with ${JSON.stringify(body.usageMetadata)}`);
      }),
    ).finally(() => (running = false));
    const loadedGets: number[] = [];
    // Let all 64 reach the server before the first GET.
    await new Promise((r) => setTimeout(r, 50));
    while (running) {
      loadedGets.push(await timedGet(getUrl));
      await new Promise((r) => setTimeout(r, 5));
    }
    await load;
    const loadSeconds = (performance.now() - generationsStarted) / 1000;
    ctx.log(`${GENERATIONS} generations of ${tokens} tokens took ${loadSeconds.toFixed(1)} s; ${loadedGets.length} GETs meanwhile, worst ${Math.max(...loadedGets).toFixed(1)} ms`);
    ctx.record({ area: AREA, name: `generation throughput, ${GENERATIONS} generations of ${tokens} tokens at once`, value: Math.round((GENERATIONS * tokens) / loadSeconds), unit: 'tokens/s' });
    ctx.record({ area: AREA, name: `GET p99 while ${GENERATIONS} generations of ${tokens} tokens run (target ≤ 50 ms)`, value: p99(loadedGets), unit: 'ms', baseline: { name: 'same GET p99, idle server', value: p99(idleGets) } });

    // (2) The first chunk of 100 concurrent streams.
    const idleFirst: number[] = [];
    for (let i = 0; i < 30; i++) idleFirst.push(await firstChunk(base, model, 100));
    const concurrentFirst = await Promise.all(Array.from({ length: STREAMS }, () => firstChunk(base, model, tokens)));
    ctx.record({ area: AREA, name: `first-chunk p99, ${STREAMS} concurrent streams of ${tokens} tokens (target ≤ 100 ms)`, value: p99(concurrentFirst), unit: 'ms', baseline: { name: 'first-chunk p99, one stream at a time, idle server', value: p99(idleFirst) } });
    // The figure varies from run to run by more than the target's margin: a second burst gives a
    // second sample in the same run.
    const againFirst = await Promise.all(Array.from({ length: STREAMS }, () => firstChunk(base, model, tokens)));
    ctx.record({ area: AREA, name: `first-chunk p99, ${STREAMS} concurrent streams again, right after the first ${STREAMS}`, value: p99(againFirst), unit: 'ms', baseline: { name: 'first-chunk p99, one stream at a time, idle server', value: p99(idleFirst) } });
    ctx.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
