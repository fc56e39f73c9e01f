// Tree: time from a refresh to a populated tree, for 100, 1,000 and 10,000 models on the local
// server, against the bare API listing of the same models (GeminiClient.tunedModels.listAll with
// pageSize 1000). The server runs as its own process, as it does under the extension. The tree
// side is TunedModelsStore.refresh() plus the provider's work for every item (grouping, label,
// description, icon, context value), which are vscode-free; only the TreeItem objects and the
// rendering, which VS Code does lazily for the visible rows, are left out.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GeminiClient } from '../../src/core/api/client';
import type { TunedModel } from '../../src/core/api/types';
import { LocalServerProcess } from '../../src/core/backend/localServerProcess';
import { Emitter } from '../../src/core/util/event';
import { silentLog } from '../../src/core/util/log';
import { groupModels } from '../../src/core/tunedModels/grouping';
import { modelContextValue, modelDescription, modelIcon, modelLabel } from '../../src/core/tunedModels/presentation';
import { TunedModelsStore } from '../../src/extension/tunedModelsStore';
import type { ModelRecord } from '../../src/server/records';
import { type BenchContext, medianMs } from './context';

const AREA = 'tree';
const SIZES = [100, 1_000, 10_000];
const RUNS = 5;

function record(i: number): ModelRecord {
  const time = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const state = i % 10 === 9 ? 'FAILED' : 'ACTIVE';
  return {
    v: 1,
    id: `bench-${i}`,
    displayName: `Bench model ${i}`,
    description: 'a model for the tree benchmark',
    baseModel: 'models/gemini-1.5-flash-001-tuning',
    temperature: 1,
    topP: 0.95,
    topK: 64,
    state,
    createTime: time,
    updateTime: time,
    startTime: time,
    completeTime: time,
    hyperparameters: { epochCount: 5, batchSize: 4, learningRate: 0.001 },
    learningRate: 0.001,
    snapshots: Array.from({ length: 5 }, (_, s) => ({ step: s + 1, epoch: s + 1, meanLoss: 2 / (s + 1), computeTime: time })),
    operationId: `op${i}`,
    totalSteps: 5,
    exampleCount: 20,
    seed: i,
    ...(state === 'FAILED' ? { error: { code: 13, message: 'failed for the benchmark' } } : {}),
    permissions: [{ id: 'owner', granteeType: 'USER', emailAddress: 'local-user@localhost', role: 'OWNER' }],
    resumeCount: 0,
  };
}

function seed(dataDir: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const dir = path.join(dataDir, 'tunedModels', `bench-${i}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(record(i)));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** What the provider computes for every item of an expanded tree. */
function mapTree(store: TunedModelsStore, now: number): number {
  let items = 0;
  for (const group of groupModels(store.models)) {
    items++;
    for (const model of group.models) {
      modelLabel(model);
      modelDescription(model, now);
      modelIcon(model);
      modelContextValue(model);
      items++;
    }
  }
  return items;
}

export default async function treeBench(ctx: BenchContext): Promise<void> {
  const serverScript = path.join(ctx.repoRoot, 'dist', 'server.js');
  if (!fs.existsSync(serverScript)) throw new Error('dist/server.js is missing: run `node esbuild.mjs` first');
  for (const size of SIZES) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-tree-bench-'));
    const server = new LocalServerProcess({ serverScript, dataDir, extraArgs: ['--quiet'], output: () => {}, log: silentLog, maxConsecutiveFailures: 1 });
    try {
      seed(dataDir, size);
      server.start();
      const url = await server.whenReady(120_000);
      const client = new GeminiClient({ baseUrl: url });
      const changes = new Emitter<void>();
      const store = new TunedModelsStore(
        { onDidChange: changes.event, getClient: async () => client },
        { focus: { focused: true, onDidChangeFocus: new Emitter<boolean>().event }, polling: () => ({ initialDelayMs: 5000, maxDelayMs: 45000, unfocusedDelayMs: 60000 }) },
      );

      const listAll = async (): Promise<TunedModel[]> => {
        const models: TunedModel[] = [];
        for await (const model of client.tunedModels.listAll({ pageSize: 1000 })) models.push(model);
        return models;
      };
      // Warm both paths (connection, JIT) before timing.
      if ((await listAll()).length !== size) throw new Error(`the server listed the wrong number of models`);
      await store.refresh();

      // Interleaved, so that a burst of load on this shared machine hits both sides alike.
      const bareTimes: number[] = [];
      const treeTimes: number[] = [];
      const mapTimes: number[] = [];
      let items = 0;
      for (let run = 0; run < RUNS; run++) {
        bareTimes.push(await medianMs(1, listAll));
        treeTimes.push(
          await medianMs(1, async () => {
            await store.refresh();
            const mapStart = process.hrtime.bigint();
            items = mapTree(store, Date.now());
            mapTimes.push(Number(process.hrtime.bigint() - mapStart) / 1e6);
          }),
        );
      }
      const bare = median(bareTimes);
      const tree = median(treeTimes);
      const mapping = median(mapTimes);
      const groups = groupModels(store.models).length;
      if (store.models.length !== size || items !== size + groups) throw new Error(`the tree holds ${store.models.length} models and ${items} items for ${size}`);
      ctx.log(`${size} models: bare listAll ${bare.toFixed(1)} ms, refresh to populated tree ${tree.toFixed(1)} ms (of which item mapping ${mapping.toFixed(1)} ms)`);
      ctx.record({
        area: AREA,
        name: `refresh to populated tree, ${size.toLocaleString('en-US')} models`,
        value: Number(tree.toFixed(2)),
        unit: 'ms',
        baseline: { name: `bare listAll, ${size.toLocaleString('en-US')} models`, value: Number(bare.toFixed(2)) },
      });
      ctx.record({
        area: AREA,
        name: `item mapping only, ${size.toLocaleString('en-US')} models`,
        value: Number(mapping.toFixed(2)),
        unit: 'ms',
        baseline: { name: `bare listAll, ${size.toLocaleString('en-US')} models`, value: Number(bare.toFixed(2)) },
      });
      store.dispose();
      await client.close();
    } finally {
      await server.stop();
      server.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}
