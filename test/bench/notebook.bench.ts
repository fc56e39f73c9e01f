// Prompt notebook streaming: a long answer from the local server consumed (a) by the bare client and
// (b) through the notebook's accumulator + 50 ms output batcher. The batcher and accumulator are the
// pure module the notebook uses (src/notebook/streaming.ts); the sink stands in for
// `execution.appendOutputItems` by encoding each update the way NotebookCellOutputItem.stdout does
// and counting it. What VS Code does with an update (IPC, rendering) is not part of this figure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GeminiClient } from '../../src/core/api/client';
import type { GenerateContentRequest } from '../../src/core/api/types';
import { startLocalServer } from '../../src/server/localServer';
import { GenerationAccumulator, OutputBatcher, pumpStream } from '../../src/core/promptNotebook/streaming';
import { type BenchContext } from './context';

const AREA = 'notebook';
const BASE_MODEL = 'models/gemini-1.5-flash-001-tuning';
const TARGET_TOKENS = 20_000;
const RUNS = 3;

export default async function notebookBench(ctx: BenchContext): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notebook-bench-'));
  const server = await startLocalServer({ dataDir, workerScript: path.join(ctx.repoRoot, 'dist', 'trainer-worker.js'), stepDelayMs: 0 });
  const client = new GeminiClient({ baseUrl: server.url, retry: false });
  try {
    // The local model counts characters as tokens and an example output holds at most 5,000
    // characters, so the 20,000-token answer is 4 candidates of a 5,000-character trained output.
    const longOutput = Array.from({ length: 2000 }, (_, i) => `w${i % 10} `).join('').slice(0, 5000);
    const op = await client.tunedModels.create({
      displayName: 'notebook bench',
      baseModel: BASE_MODEL,
      tuningTask: {
        hyperparameters: { epochCount: 5, batchSize: 2, learningRate: 0.01 },
        trainingData: { examples: { examples: [{ textInput: 'long story', output: longOutput }, { textInput: 'long tale', output: longOutput }] } },
      },
    });
    const trainStarted = performance.now();
    const done = await client.waitForOperation(op, { initialDelayMs: 200, maxDelayMs: 1000 });
    const model = (done.response as { name?: string } | undefined)?.name ?? op.metadata?.tunedModel;
    if (!model) throw new Error('the bench model was not created');
    ctx.log(`trained ${model} in ${Math.round(performance.now() - trainStarted)} ms`);
    const candidateCount = Math.ceil(TARGET_TOKENS / longOutput.length);
    const request: GenerateContentRequest = {
      contents: [{ role: 'user', parts: [{ text: 'long story' }] }],
      generationConfig: { temperature: 0, candidateCount },
    };

    const bare = async (): Promise<{ ms: number; chunks: number; tokens: number }> => {
      const started = performance.now();
      let chunks = 0;
      let tokens = 0;
      for await (const chunk of client.streamGenerateContent(model, request)) {
        chunks++;
        tokens = chunk.usageMetadata?.candidatesTokenCount ?? tokens;
      }
      return { ms: performance.now() - started, chunks, tokens };
    };

    const notebook = async (): Promise<{ ms: number; updates: number; bytes: number; chars: number }> => {
      const started = performance.now();
      const encoder = new TextEncoder();
      let bytes = 0;
      const sink = {
        open: (_candidate: number, text: string) => void (bytes += encoder.encode(text).byteLength),
        append: (_candidate: number, text: string) => void (bytes += encoder.encode(text).byteLength),
      };
      const accumulator = new GenerationAccumulator();
      const batcher = new OutputBatcher(sink);
      await pumpStream(client.streamGenerateContent(model, request), accumulator, batcher);
      const chars = [...accumulator.candidates.values()].reduce((n, c) => n + c.text.length, 0);
      return { ms: performance.now() - started, updates: batcher.updates, bytes, chars };
    };

    // warm-up (model load, JIT) with a single candidate
    for await (const _ of client.streamGenerateContent(model, { ...request, generationConfig: { temperature: 0 } })) void _;
    const bareRuns: { ms: number; chunks: number; tokens: number }[] = [];
    const notebookRuns: { ms: number; updates: number; bytes: number; chars: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      bareRuns.push(await bare());
      notebookRuns.push(await notebook());
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const bareMs = median(bareRuns.map((r) => r.ms));
    const notebookMs = median(notebookRuns.map((r) => r.ms));
    const tokens = bareRuns[0].tokens;
    const chunks = bareRuns[0].chunks;
    const updates = median(notebookRuns.map((r) => r.updates));
    ctx.log(`${candidateCount} candidates: ${tokens} tokens in ${chunks} chunks, ${notebookRuns[0].chars} characters`);

    ctx.record({ area: AREA, name: `answer tokens (${candidateCount} candidates)`, value: tokens, unit: 'tokens' });
    ctx.record({ area: AREA, name: 'stream chunks from the server', value: chunks, unit: 'chunks' });
    ctx.record({ area: AREA, name: 'bare client: whole stream', value: Math.round(bareMs), unit: 'ms' });
    ctx.record({
      area: AREA,
      name: 'notebook pipeline: whole stream (accumulate + 50 ms batches)',
      value: Math.round(notebookMs),
      unit: 'ms',
      baseline: { name: 'bare client', value: Math.round(bareMs) },
    });
    ctx.record({ area: AREA, name: 'output updates (≤ 1 per 50 ms)', value: updates, unit: 'updates', baseline: { name: 'stream chunks', value: chunks } });
    ctx.record({ area: AREA, name: 'update budget: stream time / 50 ms', value: Math.ceil(notebookMs / 50) + 1, unit: 'updates' });
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
