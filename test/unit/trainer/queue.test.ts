import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveHyperparameters, totalSteps } from '../../../src/core/api/tuningDefaults';
import {
  loadTrainedModel,
  readCheckpoint,
  type StepReport,
  type TrainingJobSpec,
  TrainingQueue,
  writeFileAtomic,
} from '../../../src/server/trainer/trainerApi';
import { ensureBaseModelFile, sharedModelCacheDir } from '../../../src/server/trainer/baseModel';
import { readModelFile, type SavedModel } from '../../../src/server/trainer/persistence';
import { Trainer } from '../../../src/server/trainer/trainer';
import { COLORS_FR, demoCapitals, lookupDataset } from './datasets';
import { BASE_MODEL_TIMEOUT_MS } from './support';

const workerScript = path.resolve('dist/trainer-worker.js');

interface Outcome {
  steps: StepReport[];
  error?: Error;
}

function runJob(queue: TrainingQueue, spec: TrainingJobSpec, onStep?: (r: StepReport) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const steps: StepReport[] = [];
    queue.submit(spec, {
      onStep: (r) => {
        steps.push(r);
        onStep?.(r);
      },
      onDone: () => resolve({ steps }),
      onError: (error) => resolve({ steps, error }),
    });
  });
}

describe('training queue (worker threads)', function () {
  this.timeout(60_000);
  let dir: string;
  const queues: TrainingQueue[] = [];
  const newQueue = (concurrency?: number) => {
    const q = new TrainingQueue({ workerScript, concurrency });
    queues.push(q);
    return q;
  };
  const newQueueFor = (script: string) => {
    const q = new TrainingQueue({ workerScript: script });
    queues.push(q);
    return q;
  };
  let baseWeightsFile: string;
  let base: SavedModel;
  /** Small jobs by default: these tests are about the queue, the learning is tested elsewhere. */
  const spec = (jobId: string, overrides: Partial<TrainingJobSpec> = {}): TrainingJobSpec => ({
    jobId,
    examples: COLORS_FR.slice(0, 6),
    epochCount: 2,
    batchSize: 2,
    learningRate: 0.001,
    baseWeightsFile,
    checkpointFile: path.join(dir, `${jobId}.checkpoint.json`),
    weightsFile: path.join(dir, `${jobId}.weights.json`),
    seed: 17,
    stepDelayMs: 0,
    ...overrides,
  });

  before(async function () {
    this.timeout(BASE_MODEL_TIMEOUT_MS);
    await fs.access(workerScript).catch(() => {
      throw new Error(`${workerScript} is missing: run "node esbuild.mjs --tests" first`);
    });
    baseWeightsFile = (await ensureBaseModelFile([sharedModelCacheDir()])).file;
    base = await readModelFile(baseWeightsFile);
  });
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trainer-queue-'));
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('trains the default 40-example demo job off the main thread, reporting every step, and saves a model that memorized', async () => {
    const capitals = demoCapitals();
    const queue = newQueue();
    const timerTicks: number[] = [];
    const stepTimes: number[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const outcome = await runJob(queue, spec('colors', { examples: capitals, ...resolveHyperparameters(capitals.length) }), () => stepTimes.push(ticks));
    clearInterval(timer);
    timerTicks.push(ticks);
    assert.equal(outcome.error, undefined);
    const total = totalSteps(40, 5, 4);
    assert.deepEqual(
      outcome.steps.map((s) => s.step),
      Array.from({ length: total }, (_, i) => i + 1),
    );
    assert.ok(outcome.steps.every((s) => s.totalSteps === total && s.meanLoss > 0 && Number.isFinite(s.meanLoss)));
    assert.ok(outcome.steps[total - 1].meanLoss <= outcome.steps[0].meanLoss / 4);
    assert.ok(stepTimes[stepTimes.length - 1] > stepTimes[0], 'timers kept firing on the main thread while the job trained');
    const model = await loadTrainedModel(spec('colors').weightsFile);
    const right = capitals.filter((e) => [...model.generate(e.textInput, { temperature: 0 })].join('') === e.output).length;
    assert.ok(right >= 38, `${right} of 40 memorized`);
    const checkpoint = await readCheckpoint(spec('colors').checkpointFile);
    assert.equal(checkpoint?.completedSteps, total);
    assert.deepEqual(checkpoint?.snapshots, outcome.steps);
  });

  it('runs jobs one at a time in submission order by default', async () => {
    const queue = newQueue();
    const events: string[] = [];
    const small = { examples: COLORS_FR.slice(0, 6), epochCount: 1, batchSize: 4, baseWeightsFile: undefined };
    const jobs = ['a', 'b', 'c'].map(
      (id) =>
        new Promise<void>((resolve, reject) =>
          queue.submit(spec(id, small), {
            onStep: (r) => events.push(`${id}${r.step}`),
            onDone: () => {
              events.push(`${id} done`);
              resolve();
            },
            onError: reject,
          }),
        ),
    );
    assert.deepEqual(queue.pendingJobIds, ['a', 'b', 'c']);
    assert.throws(() => queue.submit(spec('b', small), { onStep() {}, onDone() {}, onError() {} }), /job b is already queued/);
    await Promise.all(jobs);
    assert.deepEqual(events, ['a1', 'a2', 'a done', 'b1', 'b2', 'b done', 'c1', 'c2', 'c done']);
    assert.deepEqual(queue.pendingJobIds, []);
  });

  it('runs several at once when asked to', async () => {
    const queue = newQueue(2);
    const slow = { examples: COLORS_FR.slice(0, 8), epochCount: 2, batchSize: 2, stepDelayMs: 20 };
    let firstDone = '';
    const started = new Set<string>();
    let bothStartedBeforeAnyDone = false;
    const job = (id: string) =>
      runJob(queue, spec(id, slow), () => {
        started.add(id);
        if (!firstDone && started.size === 2) bothStartedBeforeAnyDone = true;
      }).then((o) => {
        firstDone ||= id;
        return o;
      });
    const [x, y] = await Promise.all([job('x'), job('y')]);
    assert.equal(x.error, undefined);
    assert.equal(y.error, undefined);
    assert.ok(bothStartedBeforeAnyDone);
  });

  it('resumes a killed job from its checkpoint and ends exactly where an uninterrupted run ends', async () => {
    const examples = lookupDataset(10, 8);
    const job = spec('resumed', { examples, epochCount: 6, batchSize: 4, stepDelayMs: 5 });
    const total = totalSteps(10, 6, 4);
    const first = newQueue();
    const killedAfter = await new Promise<number>((resolve) => {
      first.submit(job, {
        onStep: (r) => {
          if (r.step === 12) {
            void first.close(); // terminates the worker thread mid-job, like a crash
            resolve(r.step);
          }
        },
        onDone: () => resolve(-1),
        onError: () => resolve(-2),
      });
    });
    assert.equal(killedAfter, 12);
    await first.close();
    const before = await readCheckpoint(job.checkpointFile);
    assert.ok(before && before.completedSteps >= 12 && before.completedSteps < total, `checkpoint at ${before?.completedSteps}`);
    await assert.rejects(fs.access(job.weightsFile));
    const stale = path.join(dir, `.${path.basename(job.checkpointFile)}.999.0a1b2c.tmp`);
    await fs.writeFile(stale, 'a write cut short by the kill');

    const second = await runJob(newQueue(), job);
    assert.equal(second.error, undefined);
    assert.equal(second.steps[0].step, before.completedSteps + 1, 'only new steps are reported');
    const after = await readCheckpoint(job.checkpointFile);
    assert.equal(after?.snapshots.length, total);
    assert.deepEqual(after?.snapshots.slice(0, before.completedSteps), before.snapshots);
    assert.deepEqual((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'temporary files of cut writes are cleaned up');
    assert.deepEqual(
      after?.snapshots.map((s) => s.step),
      Array.from({ length: total }, (_, i) => i + 1),
    );

    // the same job trained without interruption, in-process, by the same code the worker runs
    const straight = new Trainer({ examples, epochCount: 6, batchSize: job.batchSize, learningRate: job.learningRate, seed: job.seed, start: base });
    straight.runToEnd();
    const saved = await readModelFile(job.weightsFile);
    assert.ok(Buffer.from(saved.weights.buffer).equals(Buffer.from(straight.network.weights.buffer)), 'bit-for-bit the same weights');
    assert.ok(straight.network.config.wideCommon?.length, 'the prompts share a template');
    assert.deepEqual(saved.config, straight.network.config, 'the model file keeps the shape, the n-grams left out included');
    assert.deepEqual(
      after?.snapshots.map((s) => s.meanLoss),
      straight.snapshots.map((s) => s.meanLoss),
    );
  });

  it('computes half of every step on a second thread and reaches bit-for-bit the weights of one thread', async () => {
    const examples = lookupDataset(12, 3);
    const options = { examples, epochCount: 2, batchSize: 6, learningRate: 0.001, seed: 5, start: base };
    const helped = new Trainer(options);
    helped.useHelperThread(workerScript);
    try {
      helped.runToEnd();
      assert.equal(helped.stepsHelped, helped.totalUpdates, 'the helper thread computed part of every update');
    } finally {
      await helped.close();
    }
    const alone = new Trainer(options);
    alone.runToEnd();
    assert.ok(Buffer.from(helped.network.weights.buffer).equals(Buffer.from(alone.network.weights.buffer)), 'bit-for-bit the same weights');
    assert.deepEqual(
      helped.snapshots.map((s) => s.meanLoss),
      alone.snapshots.map((s) => s.meanLoss),
    );
  });

  it('finishes a job whose every step was done but whose weights were not yet written', async () => {
    const job = spec('almost', { examples: COLORS_FR.slice(0, 4), epochCount: 1 });
    await runJob(newQueue(), job);
    await fs.rm(job.weightsFile);
    const again = await runJob(newQueue(), job);
    assert.equal(again.error, undefined);
    assert.deepEqual(again.steps, []);
    await fs.access(job.weightsFile);
  });

  it('reports a corrupt checkpoint as an error instead of starting over', async () => {
    const job = spec('corrupt');
    await fs.writeFile(job.checkpointFile, 'GTLM\u0010\u0000\u0000\u0000{"format":"gemini');
    const outcome = await runJob(newQueue(), job);
    assert.match(outcome.error?.message ?? '', /checkpoint .*corrupt\.checkpoint\.json is corrupt/);
    assert.deepEqual(outcome.steps, []);
    assert.equal(await fs.readFile(job.checkpointFile, 'utf8'), 'GTLM\u0010\u0000\u0000\u0000{"format":"gemini');
    // a checkpoint cut short after its header
    const full = spec('cut');
    await runJob(newQueue(), full);
    const bytes = await fs.readFile(full.checkpointFile);
    await fs.writeFile(full.checkpointFile, bytes.subarray(0, bytes.length - 100));
    await assert.rejects(readCheckpoint(full.checkpointFile), /cut\.checkpoint\.json is corrupt: .*bytes where/);
    await assert.rejects(fs.access(job.weightsFile));
    await assert.rejects(readCheckpoint(job.checkpointFile), /is corrupt/);
    assert.equal(await readCheckpoint(path.join(dir, 'none.json')), undefined);
  });

  it('refuses a checkpoint of another job or of other training data', async () => {
    const job = spec('owner', { examples: COLORS_FR.slice(0, 8), epochCount: 1 });
    await runJob(newQueue(), job);
    const other = await runJob(newQueue(), spec('thief', { checkpointFile: job.checkpointFile }));
    assert.match(other.error?.message ?? '', /belongs to job owner/);
    const changed = await runJob(newQueue(), { ...job, examples: COLORS_FR.slice(0, 9), weightsFile: path.join(dir, 'changed.json') });
    assert.match(changed.error?.message ?? '', /cannot resume.*different job/);
  });

  it('tunes from a tuned model: starts from its weights', async () => {
    const source = spec('source', { examples: COLORS_FR.slice(0, 8), epochCount: 6 });
    assert.equal((await runJob(newQueue(), source)).error, undefined);
    const extra = COLORS_FR.slice(0, 8).map((e) => ({ textInput: `${e.textInput}?`, output: e.output }));
    const tuned = spec('tuned', { examples: extra, sourceWeightsFile: source.weightsFile, epochCount: 1 });
    const scratch = spec('scratch', { examples: extra, epochCount: 1 });
    const fromSource = await runJob(newQueue(), tuned);
    const fromScratch = await runJob(newQueue(), scratch);
    assert.equal(fromSource.error, undefined);
    assert.ok(fromSource.steps[0].meanLoss < fromScratch.steps[0].meanLoss / 2, 'the first step already profits from the source weights');
    const model = await loadTrainedModel(tuned.weightsFile);
    assert.equal(model.info.trainedSteps, (await readModelFile(source.weightsFile)).trainedSteps + 4);
    const missing = await runJob(newQueue(), spec('orphan', { sourceWeightsFile: path.join(dir, 'gone.json') }));
    assert.match(missing.error?.message ?? '', /cannot read model weights .*gone\.json/);
  });

  it('cancels waiting and running jobs without further events', async () => {
    const queue = newQueue();
    const events: string[] = [];
    const record = (id: string) => ({
      onStep: (r: StepReport) => events.push(`${id}${r.step}`),
      onDone: () => events.push(`${id} done`),
      onError: (e: Error) => events.push(`${id} error ${e.message}`),
    });
    const lastDone = new Promise<void>((resolve) => {
      queue.submit(spec('long', { epochCount: 50, stepDelayMs: 20 }), {
        ...record('long'),
        onStep: (r) => {
          events.push(`long${r.step}`);
          if (r.step === 2) queue.cancel('long');
        },
      });
      queue.submit(spec('skipped', { epochCount: 1 }), record('skipped'));
      queue.submit(spec('last', { examples: COLORS_FR.slice(0, 4), epochCount: 1, batchSize: 4 }), { ...record('last'), onDone: () => { events.push('last done'); resolve(); } });
      queue.cancel('skipped');
    });
    await lastDone;
    assert.deepEqual(events, ['long1', 'long2', 'last1', 'last done']);
  });

  it('turns a crashing or vanishing worker into an error', async () => {
    const crashing = path.join(dir, 'crash.js');
    await fs.writeFile(crashing, 'throw new Error("boom");');
    const crashed = await runJob(newQueueFor(crashing), spec('c1'));
    assert.match(crashed.error?.message ?? '', /training worker of job c1 crashed: boom/);
    const exiting = path.join(dir, 'exit.js');
    await fs.writeFile(exiting, 'process.exit(3);');
    const exited = await runJob(newQueueFor(exiting), spec('c2'));
    assert.match(exited.error?.message ?? '', /stopped unexpectedly \(exit code 3\)/);
    const absent = await runJob(newQueueFor(path.join(dir, 'absent.js')), spec('c3'));
    assert.ok(absent.error, 'a missing worker script is an error');
  });

  it('writes files atomically, leaving no temporary files behind', async () => {
    const file = path.join(dir, 'atomic.json');
    await writeFileAtomic(file, 'first');
    await writeFileAtomic(file, new TextEncoder().encode('second'));
    assert.equal(await fs.readFile(file, 'utf8'), 'second');
    assert.deepEqual(await fs.readdir(dir), ['atomic.json']);
    await assert.rejects(writeFileAtomic(path.join(dir, 'no', 'such', 'dir.json'), 'x'));
    assert.deepEqual(await fs.readdir(dir), ['atomic.json']);
  });
});
