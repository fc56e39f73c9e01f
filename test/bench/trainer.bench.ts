// The local model: (1) kernel speed against a plain matrix multiply and the FLOP/s training
// achieves; (2) the 20- and 500-example default jobs end to end on a worker (checkpoint per step),
// with the process's peak memory; (3) two jobs at once on two workers against one after the other;
// (4) memorization at defaults (20, 40, 500 examples) against barely trained and untrained models;
// (5) held-out accuracy on simple tasks against a nearest-neighbour lookup; (6) generation speed;
// (7) the base model's pretraining cost (recorded when it was made) and its load time from the cache.
import { readFileSync, statSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveHyperparameters } from '../../src/core/api/tuningDefaults';
import { baseModelFiles, ensureBaseModelFile, type PretrainingRecord, sharedModelCacheDir } from '../../src/server/trainer/baseModel';
import { matMul, matVec } from '../../src/server/trainer/kernels';
import { inputIds, layoutOf, type NetworkConfig, ngramHashes, targetIds } from '../../src/server/trainer/network';
import { readModelFile, type SavedModel } from '../../src/server/trainer/persistence';
import { LocalTrainedModel } from '../../src/server/trainer/trainedModel';
import { Trainer, type TrainingPair } from '../../src/server/trainer/trainer';
import { type TrainingJobSpec, TrainingQueue } from '../../src/server/trainer/trainerApi';
import { COLORS_FR, lookupDataset } from '../unit/trainer/datasets';
import { generalizationTasks, nearestNeighbour, score } from '../unit/trainer/tasks';
import { type BenchContext, medianMs } from './context';

const AREA = 'trainer';

function runOnWorker(queue: TrainingQueue, spec: TrainingJobSpec, onStep: () => void = () => undefined): Promise<void> {
  return new Promise((resolve, reject) => queue.submit(spec, { onStep, onDone: resolve, onError: reject }));
}

/** Multiply-adds of one example's forward pass (the backward pass costs about twice as much). */
function forwardMacs(config: NetworkConfig, e: TrainingPair): number {
  const { embed: D, hidden: H, state: S, outHidden: A, window: W, wideRank: R } = config;
  const n = inputIds(e.textInput).length;
  const m = targetIds(e.output).length;
  const grams = ngramHashes(inputIds(e.textInput)).length;
  const encoder = n * H * W * D + H * H + S * H;
  const perStep = 3 * S * (D + 2 * H) + 3 * S * S + H * S + 4 * S + 2 * n * H + A * (S + H) + 257 * A + grams * R + 257 * R;
  return encoder + m * perStep;
}

function greedy(model: LocalTrainedModel, input: string): string {
  return [...model.generate(input, { temperature: 0, maxOutputTokens: 200 })].join('');
}

function exactShare(model: LocalTrainedModel, examples: readonly TrainingPair[]): number {
  return examples.filter((e) => greedy(model, e.textInput) === e.output).length / examples.length;
}

function demoCapitals(repoRoot: string): TrainingPair[] {
  return readFileSync(path.join(repoRoot, 'test', 'fixtures', 'demo', 'capitals.examples.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TrainingPair);
}

export default async function (ctx: BenchContext): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trainer-bench-'));
  const workerScript = path.join(ctx.repoRoot, 'dist', 'trainer-worker.js');
  const queue = new TrainingQueue({ workerScript });
  const pair = new TrainingQueue({ workerScript, concurrency: 2 });
  const loadAtStart = os.loadavg().map((x) => x.toFixed(1)).join(' ');
  try {
    // (7) the base model
    const cacheStarted = process.hrtime.bigint();
    const ensured = await ensureBaseModelFile([sharedModelCacheDir()], undefined, ctx.log);
    const start: SavedModel = await readModelFile(ensured.file);
    const loadMs = Number(process.hrtime.bigint() - cacheStarted) / 1e6;
    const record = JSON.parse(readFileSync(baseModelFiles(sharedModelCacheDir()).record, 'utf8')) as PretrainingRecord;
    ctx.record({ area: AREA, name: `base model: pretraining (${record.recipe.steps} steps, ${record.tokens} tokens; recorded ${record.finishedAt})`, value: record.milliseconds, unit: 'ms', baseline: { name: 'loading it from the cache', value: loadMs } });

    // (1) kernels
    const size = 256;
    const a = Float32Array.from({ length: size * size }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: size * size }, (_, i) => Math.cos(i));
    const c = new Float32Array(size * size);
    matMul(a, b, c, size, size, size);
    const matMulMs = await medianMs(5, () => matMul(a, b, c, size, size, size));
    const plainGflops = (2 * size ** 3) / (matMulMs / 1000) / 1e9;
    const rows = 192;
    const cols = 120;
    const w = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i));
    const x = Float64Array.from({ length: cols }, (_, i) => Math.cos(i));
    const y = new Float64Array(rows);
    const reps = 20_000;
    const matVecMs = await medianMs(5, () => {
      for (let r = 0; r < reps; r++) matVec(w, 0, rows, cols, x, 0, y, 0);
    });
    const matVecGflops = (2 * rows * cols * reps) / (matVecMs / 1000) / 1e9;
    ctx.record({ area: AREA, name: `network kernel: matrix × vector (${rows}×${cols}, the GRU input shape)`, value: matVecGflops, unit: 'GFLOP/s', baseline: { name: `plain ${size}³ matrix multiply (Float32Array)`, value: plainGflops } });

    const examples20 = COLORS_FR;
    const hp20 = resolveHyperparameters(examples20.length);
    const inProcessMs = await medianMs(3, () => new Trainer({ examples: examples20, ...hp20, seed: 1, start }).runToEnd());
    const trainer = new Trainer({ examples: examples20, ...hp20, seed: 1, start });
    let macs = 0;
    // each of a step's updates runs the forward and backward pass over its batch
    for (let s = 0; s < trainer.totalSteps; s++) for (const i of trainer.batchOf(s).examples) macs += 3 * trainer.updatesAt(s) * forwardMacs(start.config, examples20[i]);
    const achieved = (2 * macs) / (inProcessMs / 1000) / 1e9;
    ctx.record({ area: AREA, name: 'training: achieved FLOP/s (forward + backward, counted analytically)', value: achieved, unit: 'GFLOP/s', baseline: { name: `plain ${size}³ matrix multiply`, value: plainGflops } });

    // (2) end-to-end jobs on a worker
    let run = 0;
    const job = (examples: TrainingPair[]): TrainingJobSpec => {
      run++;
      return {
        jobId: `bench-${run}`,
        examples,
        ...resolveHyperparameters(examples.length),
        baseWeightsFile: ensured.file,
        checkpointFile: path.join(dir, `${run}.checkpoint`),
        weightsFile: path.join(dir, `${run}.model`),
        seed: 1,
        stepDelayMs: 0,
      };
    };
    const worker20 = await medianMs(3, () => runOnWorker(queue, job(examples20)));
    ctx.record({ area: AREA, name: '20-example default job on a worker (25 steps, a checkpoint per step)', value: worker20, unit: 'ms', baseline: { name: 'same training in-process, no files', value: inProcessMs } });

    const big = lookupDataset(500);
    const bigSpec = job(big);
    let peakRss = process.memoryUsage().rss;
    const before = peakRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    let steps = 0;
    let checkpointBytes = 0;
    const bigStarted = process.hrtime.bigint();
    const bigCpu = process.cpuUsage();
    await runOnWorker(queue, bigSpec, () => {
      steps++;
      if (steps === 1) checkpointBytes = statSync(bigSpec.checkpointFile).size;
    });
    const worker500 = Number(process.hrtime.bigint() - bigStarted) / 1e6;
    const cpu500 = process.cpuUsage(bigCpu);
    clearInterval(sampler);
    ctx.record({ area: AREA, name: `500-example default job on a worker (${steps} steps reported live)`, value: worker500, unit: 'ms', baseline: { name: 'processor time of all its threads', value: (cpu500.user + cpu500.system) / 1000 } });
    ctx.record({ area: AREA, name: 'checkpoint written after every step, 500-example job', value: checkpointBytes / 2 ** 20, unit: 'MiB', baseline: { name: 'its model file', value: statSync(bigSpec.weightsFile).size / 2 ** 20 } });
    ctx.record({ area: AREA, name: 'peak memory (RSS) of the process while training 500 examples', value: peakRss / 2 ** 20, unit: 'MiB', baseline: { name: 'before the job', value: before / 2 ** 20 } });

    // (3) two jobs at once
    const twoInOrder = await medianMs(1, async () => {
      await runOnWorker(queue, job(examples20));
      await runOnWorker(queue, job(examples20));
    });
    const twoAtOnce = await medianMs(1, () => Promise.all([runOnWorker(pair, job(examples20)), runOnWorker(pair, job(examples20))]));
    ctx.record({ area: AREA, name: 'two 20-example jobs on two workers at once', value: twoAtOnce, unit: 'ms', baseline: { name: 'the same two jobs one after the other', value: twoInOrder } });

    // (4) memorization at defaults
    const untrained = LocalTrainedModel.fromSaved(start);
    const tuned20 = LocalTrainedModel.fromSaved(await readModelFile(path.join(dir, '1.model')));
    const barely = new Trainer({ examples: examples20, ...hp20, epochCount: 1, learningRate: hp20.learningRate * 0.01, seed: 1, start });
    barely.runToEnd();
    const mem20 = exactShare(tuned20, examples20);
    ctx.record({ area: AREA, name: 'memorization, 20 examples (English → French colours), exact match', value: mem20, unit: 'share', baseline: { name: 'barely trained (1 epoch, learning rate × 0.01)', value: exactShare(new LocalTrainedModel(barely.network, 5), examples20) } });
    ctx.record({ area: AREA, name: 'memorization, 20 examples: untrained base model, exact match', value: exactShare(untrained, examples20), unit: 'share' });
    const capitals = demoCapitals(ctx.repoRoot);
    const capitalsModel = new Trainer({ examples: capitals, ...resolveHyperparameters(capitals.length), seed: 1, start });
    capitalsModel.runToEnd();
    ctx.record({ area: AREA, name: 'memorization, 40 examples (demo capitals, 5 epochs), exact match', value: exactShare(new LocalTrainedModel(capitalsModel.network, 0), capitals), unit: 'share' });
    const tuned500 = LocalTrainedModel.fromSaved(await readModelFile(bigSpec.weightsFile));
    ctx.record({ area: AREA, name: 'memorization, 500 examples (templated lookups with random codes), exact match', value: exactShare(tuned500, big), unit: 'share' });

    // (5) generalization
    for (const task of generalizationTasks(20, 10)) {
      const t = new Trainer({ examples: task.train, ...resolveHyperparameters(task.train.length), seed: 1, start });
      t.runToEnd();
      const model = new LocalTrainedModel(t.network, 0);
      const ours = score(task.heldOut.map((e) => ({ predicted: greedy(model, e.textInput), expected: e.output })));
      const lookup = score(task.heldOut.map((e) => ({ predicted: nearestNeighbour(task.train, e.textInput), expected: e.output })));
      ctx.record({ area: AREA, name: `held-out ${task.name} (20 train, 10 held out): exact match`, value: ours.exact, unit: 'share', baseline: { name: 'nearest-neighbour lookup', value: lookup.exact } });
      ctx.record({ area: AREA, name: `held-out ${task.name}: character F1`, value: ours.f1, unit: 'F1', baseline: { name: 'nearest-neighbour lookup', value: lookup.f1 } });
    }

    // (6) generation
    let tokens = 0;
    const genMs = await medianMs(3, () => {
      for (let i = 0; i < 40; i++) for (const _ of tuned500.generate(big[i].textInput, { temperature: 1, seed: i })) tokens++;
    });
    ctx.record({ area: AREA, name: 'generation speed, 500-example tuned model', value: (tokens / 3 / genMs) * 1000, unit: 'tokens/s' });
    ctx.log(`load average at the start ${loadAtStart}, at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (1, 5, 15 min)`);
    ctx.log(`parameters: ${layoutOf(start.config).size} in the base model, ${tuned500.network.weights.length} in a tuned one; 20-example job ${worker20.toFixed(0)} ms (target ≤ 10 s); 500-example job ${(worker500 / 1000).toFixed(1)} s (target ≤ 120 s), processor time ${((cpu500.user + cpu500.system) / 1e6).toFixed(1)} s`);
  } finally {
    await Promise.all([queue.close(), pair.close()]);
    await fs.rm(dir, { recursive: true, force: true });
  }
}
