// Local model and training queue: (1) the 20-example default job end to end on a worker thread
// (start, a checkpoint per step, the weights) against the same training in-process without any
// file; (2) in-process training against forward passes alone over the same batches (the cost of
// the gradient); (3) the 300-example default job; (4) generation speed of a tuned model against a
// bare bigram sampler over the same vocabulary; (5) the built-in base model's first-use training.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveHyperparameters } from '../../src/core/api/tuningDefaults';
import { baseModel, type TrainingExample, type TrainingJobSpec, TrainingQueue } from '../../src/server/trainer/trainerApi';
import { LocalTrainedModel } from '../../src/server/trainer/trainedModel';
import { type LocalModel, SCALAR_PARAMS } from '../../src/server/trainer/model';
import { Rng } from '../../src/server/trainer/rng';
import { Trainer } from '../../src/server/trainer/trainer';
import { COLORS_FR, lookupDataset } from '../unit/trainer/datasets';
import { type BenchContext, medianMs } from './context';

const AREA = 'trainer';

function runOnWorker(queue: TrainingQueue, spec: TrainingJobSpec): Promise<void> {
  return new Promise((resolve, reject) => queue.submit(spec, { onStep() {}, onDone: resolve, onError: reject }));
}

function trainInProcess(examples: TrainingExample[]): Trainer {
  const trainer = new Trainer({ examples, ...resolveHyperparameters(examples.length), seed: 1 });
  trainer.runToEnd();
  return trainer;
}

/** The loss of every batch of the job under fixed parameters: what training costs without gradients. */
function forwardOnly(examples: TrainingExample[]): void {
  const trainer = new Trainer({ examples, ...resolveHyperparameters(examples.length), seed: 1 });
  for (let s = 0; s < trainer.totalSteps; s++) trainer.evaluate(trainer.batchOf(s).examples);
}

/** Samples from the bigram table alone: the cheapest sampler over the same vocabulary. */
function bigramTokens(model: LocalModel, tokens: number, rng: Rng): number {
  const V = model.vocab.size;
  let prev = 0;
  const row = new Float64Array(V);
  for (let t = 0; t < tokens; t++) {
    const off = SCALAR_PARAMS + prev * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, model.params[off + v]);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += row[v] = Math.exp(model.params[off + v] - max);
    let r = rng.next() * sum;
    let next = V - 1;
    for (let v = 0; v < V; v++) if ((r -= row[v]) < 0) { next = v; break; }
    prev = next === 1 ? 0 : next;
  }
  return tokens;
}

export default async function (ctx: BenchContext): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trainer-bench-'));
  const queue = new TrainingQueue({ workerScript: path.join(ctx.repoRoot, 'dist', 'trainer-worker.js') });
  try {
    let run = 0;
    const job = (examples: TrainingExample[]): TrainingJobSpec => {
      run++;
      return {
        jobId: `bench-${run}`,
        examples,
        ...resolveHyperparameters(examples.length),
        checkpointFile: path.join(dir, `${run}.checkpoint.json`),
        weightsFile: path.join(dir, `${run}.weights.json`),
        seed: 1,
        stepDelayMs: 0,
      };
    };

    const worker20 = await medianMs(5, () => runOnWorker(queue, job(COLORS_FR)));
    const inProcess20 = await medianMs(5, () => trainInProcess(COLORS_FR));
    ctx.record({ area: AREA, name: '20-example default job on a worker (25 steps, checkpoint each step)', value: worker20, unit: 'ms', baseline: { name: 'same training in-process, no files', value: inProcess20 } });
    const forward20 = await medianMs(5, () => forwardOnly(COLORS_FR));
    ctx.record({ area: AREA, name: '20-example training in-process (forward + gradient + Adam)', value: inProcess20, unit: 'ms', baseline: { name: 'forward passes only over the same 25 batches', value: forward20 } });

    const big = lookupDataset(300);
    const worker300 = await medianMs(1, () => runOnWorker(queue, job(big)));
    const forward300 = await medianMs(1, () => forwardOnly(big));
    ctx.record({ area: AREA, name: '300-example default job on a worker (375 steps)', value: worker300, unit: 'ms', baseline: { name: 'forward passes only over the same batches', value: forward300 } });

    const trained = trainInProcess(big);
    const model = new LocalTrainedModel(trained.model, trained.totalSteps);
    let tokens = 0;
    const genMs = await medianMs(3, () => {
      for (let i = 0; i < 100; i++) for (const _ of model.generate(big[i].textInput, { temperature: 1, seed: i })) tokens++;
    });
    const perRun = tokens / 3;
    const rng = Rng.fromSeed(1);
    const bigramMs = await medianMs(3, () => bigramTokens(trained.model, Math.round(perRun), rng));
    ctx.record({ area: AREA, name: 'generation speed, 300-example tuned model', value: (perRun / genMs) * 1000, unit: 'tokens/s', baseline: { name: 'bare bigram sampler', value: (perRun / bigramMs) * 1000 } });

    const started = process.hrtime.bigint();
    baseModel();
    const baseMs = Number(process.hrtime.bigint() - started) / 1e6;
    ctx.record({ area: AREA, name: 'base model: training at first use', value: baseMs, unit: 'ms', baseline: { name: '20-example job in-process', value: inProcess20 } });
    ctx.log(`20-example job on a worker: ${worker20.toFixed(0)} ms (target: well under 30 s)`);
  } finally {
    await queue.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
