// API client streaming: (1) SSE parse throughput of this client's parser, eventsource-parser and the
// stream handling inside @google/genai, on the same bytes split into the same reads; (2) end-to-end
// streaming, this client vs @google/genai's generateContentStream, against a loopback server that
// writes pre-encoded chunks as fast as the socket takes them, and against the local tuning server.
// Parse figures use CPU time and every parser also runs JSON.parse on each event, as a real
// consumer must; @google/genai's parser is driven through its own processStreamResponse, which
// reads a web ReadableStream, so that stream's cost is part of its figure.
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createParser } from 'eventsource-parser';
import { GeminiClient } from '../../src/core/api/client';
import { SseParser } from '../../src/core/api/sse';
import type { GenerateContentRequest } from '../../src/core/api/types';
import { startLocalServer } from '../../src/server/localServer';
import { type BenchContext } from './context';

const AREA = 'api';
const READ_SIZE = 16 * 1024;
const PROMPT = 'tell me a long story about the sea';

interface Payload {
  name: string;
  reads: Uint8Array[];
  bytes: number;
  events: number;
}

function chunkJson(i: number, text: string, last: boolean): string {
  return JSON.stringify({
    candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
    usageMetadata: { promptTokenCount: 12, candidatesTokenCount: i + 1, totalTokenCount: i + 13 },
    modelVersion: 'gemini-1.5-flash-001-tuning',
    responseId: 'bench',
  });
}

function payload(name: string, events: number, textLength: number, readSize: number): Payload {
  const text = 'lorem ipsum dolor sit amet, '.repeat(Math.ceil(textLength / 28)).slice(0, textLength);
  const parts: string[] = [];
  for (let i = 0; i < events; i++) parts.push(`data: ${chunkJson(i, text, i === events - 1)}\r\n\r\n`);
  const all = Buffer.from(parts.join(''));
  const reads: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += readSize) reads.push(new Uint8Array(all.subarray(i, i + readSize)));
  return { name, reads, bytes: all.length, events };
}

function parseWithClient(p: Payload, json = true): number {
  let count = 0;
  const parser = new SseParser((kind, text) => {
    if (kind === 'data') {
      if (json) JSON.parse(text);
      count++;
    }
  });
  for (const read of p.reads) parser.push(read);
  parser.end();
  return count;
}

function parseWithEventsourceParser(p: Payload, json = true): number {
  let count = 0;
  const parser = createParser({
    onEvent: (event) => {
      if (json) JSON.parse(event.data);
      count++;
    },
  });
  const decoder = new TextDecoder();
  for (const read of p.reads) parser.feed(decoder.decode(read, { stream: true }));
  return count;
}

interface GenaiStreamInternals {
  processStreamResponse(response: Response): AsyncGenerator<{ json(): Promise<unknown> }>;
}

async function parseWithGenai(p: Payload, apiClient: GenaiStreamInternals, json = true): Promise<number> {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < p.reads.length) controller.enqueue(p.reads[i++]);
      else controller.close();
    },
  });
  let count = 0;
  for await (const chunk of apiClient.processStreamResponse(new Response(body))) {
    if (json) await chunk.json();
    count++;
  }
  return count;
}

/** Writes `events` pre-encoded SSE chunks per request, one write each, yielding to the loop every 32. */
async function startBurstServer(events: number, textLength: number): Promise<{ server: Server; url: string }> {
  const text = 'x'.repeat(textLength);
  const frames = Array.from({ length: events }, (_, i) => `data: ${chunkJson(i, text, i === events - 1)}\r\n\r\n`);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      for (let i = 0; i < frames.length; i++) {
        if (!res.write(frames[i])) await new Promise((r) => res.once('drain', r));
        else if (i % 32 === 31) await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface StreamTiming {
  firstChunkMs: number;
  totalMs: number;
  chunks: number;
}

async function timeStream(run: () => AsyncIterable<unknown>): Promise<StreamTiming> {
  const started = performance.now();
  let firstChunkMs = 0;
  let chunks = 0;
  for await (const _ of run()) {
    if (chunks === 0) firstChunkMs = performance.now() - started;
    chunks++;
  }
  return { firstChunkMs, totalMs: performance.now() - started, chunks };
}

/**
 * Median CPU time (user + system, this process) of each contender, running them in turn round by
 * round: on a shared machine, wall time mostly measures the neighbours.
 */
async function interleavedCpuMs(rounds: number, contenders: (() => unknown)[]): Promise<number[]> {
  const samples = contenders.map(() => [] as number[]);
  for (const run of contenders) await run();
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const before = process.cpuUsage();
      await contenders[i]();
      const used = process.cpuUsage(before);
      samples[i].push((used.user + used.system) / 1000);
    }
  }
  return samples.map(median);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Alternates the two clients run by run, so drift on a busy machine hits both alike. */
async function compareStreams(
  runs: number,
  ours: () => AsyncIterable<unknown>,
  theirs: () => AsyncIterable<unknown>,
): Promise<{ ours: StreamTiming; theirs: StreamTiming }> {
  await timeStream(ours);
  await timeStream(theirs);
  const a: StreamTiming[] = [];
  const b: StreamTiming[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await timeStream(ours));
    b.push(await timeStream(theirs));
  }
  const summarize = (t: StreamTiming[]): StreamTiming => ({
    firstChunkMs: median(t.map((x) => x.firstChunkMs)),
    totalMs: median(t.map((x) => x.totalMs)),
    chunks: t[0].chunks,
  });
  return { ours: summarize(a), theirs: summarize(b) };
}

function recordStreamComparison(ctx: BenchContext, label: string, result: { ours: StreamTiming; theirs: StreamTiming }): void {
  const baseline = '@google/genai generateContentStream';
  const oursRate = (result.ours.chunks / result.ours.totalMs) * 1000;
  const theirsRate = (result.theirs.chunks / result.theirs.totalMs) * 1000;
  ctx.record({ area: AREA, name: `${label}: time to first chunk`, value: result.ours.firstChunkMs, unit: 'ms', baseline: { name: baseline, value: result.theirs.firstChunkMs } });
  ctx.record({ area: AREA, name: `${label}: chunks per second`, value: oursRate, unit: 'chunks/s', baseline: { name: baseline, value: theirsRate } });
  ctx.log(
    `${label}: ${result.ours.chunks} chunks; client first ${result.ours.firstChunkMs.toFixed(2)} ms, ${oursRate.toFixed(0)}/s; ` +
      `genai first ${result.theirs.firstChunkMs.toFixed(2)} ms, ${theirsRate.toFixed(0)}/s`,
  );
}

export default async function apiBench(ctx: BenchContext): Promise<void> {
  const { GoogleGenAI } = await import('genai-current');
  const genai = new GoogleGenAI({ apiKey: 'bench-key', httpOptions: { baseUrl: 'http://127.0.0.1:9' } });
  const genaiInternals = (genai as unknown as { apiClient: GenaiStreamInternals }).apiClient;

  // ── 1. Parse throughput ─────────────────────────────────────────────────────────────────────
  const payloads = [
    payload('typical chunks (20,000 events of ~300 B, 16 KB reads)', 20_000, 60, READ_SIZE),
    payload('large chunks (400 events of ~16 KB, 4 KB reads)', 400, 16_000, 4 * 1024),
    payload('one 2 MB event in 16 KB reads', 1, 2 * 1024 * 1024, READ_SIZE),
  ];
  for (const p of payloads) {
    const expect = (n: number, who: string) => {
      if (n !== p.events) throw new Error(`${who} parsed ${n} of ${p.events} events (${p.name})`);
    };
    expect(parseWithClient(p), 'client');
    expect(parseWithEventsourceParser(p), 'eventsource-parser');
    expect(await parseWithGenai(p, genaiInternals), '@google/genai');
    const [ours, esp, gen] = await interleavedCpuMs(7, [
      () => parseWithClient(p),
      () => parseWithEventsourceParser(p),
      () => parseWithGenai(p, genaiInternals),
    ]);
    const mbps = (ms: number) => p.bytes / 1e6 / (ms / 1000);
    const eps = (ms: number) => p.events / (ms / 1000);
    ctx.record({ area: AREA, name: `SSE parse MB/s, ${p.name}: client vs eventsource-parser`, value: mbps(ours), unit: 'MB/s', baseline: { name: 'eventsource-parser', value: mbps(esp) } });
    ctx.record({ area: AREA, name: `SSE parse MB/s, ${p.name}: client vs @google/genai`, value: mbps(ours), unit: 'MB/s', baseline: { name: '@google/genai stream handling', value: mbps(gen) } });
    if (p.events > 1) {
      ctx.record({ area: AREA, name: `SSE parse events/s, ${p.name}: client vs eventsource-parser`, value: eps(ours), unit: 'events/s', baseline: { name: 'eventsource-parser', value: eps(esp) } });
      ctx.record({ area: AREA, name: `SSE parse events/s, ${p.name}: client vs @google/genai`, value: eps(ours), unit: 'events/s', baseline: { name: '@google/genai stream handling', value: eps(gen) } });
    }
    ctx.log(`${p.name}: ${(p.bytes / 1e6).toFixed(1)} MB; client ${mbps(ours).toFixed(0)} MB/s, eventsource-parser ${mbps(esp).toFixed(0)} MB/s, genai ${mbps(gen).toFixed(0)} MB/s`);
    // The same without JSON.parse: the framing work that differs between the parsers.
    const [oursFraming, espFraming, genFraming] = await interleavedCpuMs(7, [
      () => parseWithClient(p, false),
      () => parseWithEventsourceParser(p, false),
      () => parseWithGenai(p, genaiInternals, false),
    ]);
    ctx.record({ area: AREA, name: `SSE framing only MB/s, ${p.name}: client vs eventsource-parser`, value: mbps(oursFraming), unit: 'MB/s', baseline: { name: 'eventsource-parser', value: mbps(espFraming) } });
    ctx.record({ area: AREA, name: `SSE framing only MB/s, ${p.name}: client vs @google/genai`, value: mbps(oursFraming), unit: 'MB/s', baseline: { name: '@google/genai stream handling', value: mbps(genFraming) } });
    ctx.log(`${p.name}, framing only: client ${mbps(oursFraming).toFixed(0)} MB/s, eventsource-parser ${mbps(espFraming).toFixed(0)} MB/s, genai ${mbps(genFraming).toFixed(0)} MB/s`);
  }

  const request: GenerateContentRequest = { contents: [{ role: 'user', parts: [{ text: PROMPT }] }] };

  // ── 2. End to end against a loopback server that streams as fast as it can ───────────────
  const burst = await startBurstServer(5000, 40);
  const burstClient = new GeminiClient({ baseUrl: burst.url, apiKey: 'bench-key', retry: false });
  const burstGenai = new GoogleGenAI({ apiKey: 'bench-key', httpOptions: { baseUrl: burst.url } });
  try {
    const result = await compareStreams(
      7,
      () => burstClient.streamGenerateContent('models/bench', request),
      () => streamOf(burstGenai.models.generateContentStream({ model: 'models/bench', contents: PROMPT })),
    );
    recordStreamComparison(ctx, 'stream of 5,000 chunks from a loopback server', result);
  } finally {
    await burstClient.destroy();
    await new Promise<void>((resolve) => burst.server.close(() => resolve()));
  }

  // ── 3. End to end against the local tuning server ────────────────────────────────────────
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-bench-'));
  const local = await startLocalServer({ dataDir, workerScript: path.join(ctx.repoRoot, 'dist', 'trainer-worker.js'), stepDelayMs: 0 });
  const localClient = new GeminiClient({ baseUrl: local.url, retry: false });
  const localGenai = new GoogleGenAI({ apiKey: 'bench-key', httpOptions: { baseUrl: local.url } });
  try {
    const model = 'models/gemini-1.5-flash-001-tuning';
    const localRequest: GenerateContentRequest = { ...request, generationConfig: { candidateCount: 4, temperature: 0 } };
    const result = await compareStreams(
      10,
      () => localClient.streamGenerateContent(model, localRequest),
      () => streamOf(localGenai.models.generateContentStream({ model, contents: PROMPT, config: { candidateCount: 4, temperature: 0 } })),
    );
    recordStreamComparison(ctx, 'stream from the local tuning server (base model)', result);
  } finally {
    await localClient.destroy();
    await local.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** generateContentStream resolves to the iterator; this makes it a plain AsyncIterable for timing. */
async function* streamOf<T>(pending: Promise<AsyncIterable<T>>): AsyncGenerator<T> {
  yield* await pending;
}
