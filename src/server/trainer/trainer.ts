import { createHash } from 'node:crypto';
import { completedEpochs, totalSteps as totalStepsFor } from '../../core/api/tuningDefaults';
import { Adam } from './adam';
import { GradientHelper } from './gradientHelper';
import { commonGrams, inputIds, layoutOf, Network, type NetworkConfig, targetIds } from './network';
import { permutation, Rng } from './rng';

/**
 * Gemini's learning rates (0.001 for small datasets, 0.0002 for large ones) are step sizes for a
 * model of billions of weights. This network has about 130,000 dense weights, so Adam's step size
 * is the requested learning rate times this factor, for a batch of REFERENCE_BATCH_SIZE examples.
 * Every update is proportional to the learning rate.
 */
export const LEARNING_RATE_SCALE = 5;
/**
 * A batch of b > 4 examples averages b/4 times as many examples as a batch of 4, so its gradient
 * is that much less noisy and its step goes b/4 times as far (the linear scaling rule): each
 * example moves the weights about as much as in a batch of 4. Smaller batches keep the step of a
 * batch of 4 (shrinking it left 4 examples at batch 2 and 10 epochs unlearned). With the defaults,
 * 0.001 at batch 4 becomes 0.005 and 0.0002 at batch 16 becomes 0.004. Measured on 200 templated
 * lookups at the large-dataset defaults: 2% reproduced without this rule, 64% with it.
 */
export const REFERENCE_BATCH_SIZE = 4;
/**
 * Learning rates (after the batch-size rule) above this act as this one: larger steps wreck what
 * the pretrained network knows (measured: at 0.01 a 20-example job reproduced 18 of 20 outputs and
 * garbled the rest).
 */
export const MAX_EFFECTIVE_LEARNING_RATE = 0.004;
/**
 * The wide part's table is sparse (a bucket sees only the few examples that share its n-gram and
 * position), so its Adam steps are this much larger: 0.001 → 0.15.
 */
export const WIDE_STEP_MULTIPLIER = 30;

/**
 * The length of the input n-grams a tuned model's wide part keys on. Fewer, longer n-grams tell
 * examples apart better than every 2-, 3- and 4-gram did: at the defaults, 500 templated lookups
 * went from 31% to 76% reproduced and 20 French colours from 65% to 90%.
 */
export const TUNING_WIDE_NGRAM = 5;
/**
 * How many previous output bytes a tuned model's wide part keys its second set of n-gram keys on
 * (NetworkConfig.wideHistory). Measured at the defaults: 500 templated lookups from 76% to 92%
 * reproduced; 8 bytes gave 89%, 16 gave 94% but held-out templated rewrites fell to the
 * nearest-neighbour lookup's character F1.
 */
export const TUNING_WIDE_HISTORY = 12;

/**
 * The wide part leaves out the n-grams found in more than this share of the prompts
 * (NetworkConfig.wideCommon). Measured at the defaults, seed 1: 500 templated lookups from 92.4% to
 * 98.4% reproduced; alone it made held-out templated rewrites worse (character F1 0.82 against the
 * nearest neighbour's 0.88); together with MIN_UPDATES, better than before (0.94–1.00).
 */
export const COMMON_GRAM_SHARE = 0.5;

/**
 * A job of fewer steps than this makes this many Adam updates in all, up to MAX_UPDATES_PER_STEP
 * on each step's batch. With the default 5 epochs, 20 examples are only 25 steps, and their loss
 * was still falling at the last one.
 */
export const MIN_UPDATES = 75;
export const MAX_UPDATES_PER_STEP = 3;

/** How many Adam updates a job of `totalSteps` steps makes: never fewer for more steps. */
export function totalUpdates(totalSteps: number): number {
  return Math.max(totalSteps, Math.min(MAX_UPDATES_PER_STEP * totalSteps, MIN_UPDATES));
}

/** How many updates the first `steps` steps of a job of `totalSteps` make, spread evenly. */
export function updatesBefore(steps: number, totalSteps: number): number {
  return Math.floor((steps * totalUpdates(totalSteps)) / totalSteps);
}

/**
 * The shape a job trains: a start whose wide part has learned nothing yet (the base model) gets
 * the current wide part (TUNING_WIDE_NGRAM, TUNING_WIDE_HISTORY, and the n-grams common to the
 * job's prompts left out); a tuned model keeps the shape it was trained with.
 */
export function tuningConfig(start: StartingWeights, prompts: readonly string[]): NetworkConfig {
  if (start.config.wideNgram !== undefined) return start.config;
  const L = layoutOf(start.config);
  for (let i = L.wide; i < L.wproj; i++) if (start.weights[i] !== 0) return start.config;
  const config: NetworkConfig = { ...start.config, wideNgram: TUNING_WIDE_NGRAM, wideHistory: TUNING_WIDE_HISTORY };
  const common = commonGrams(prompts, TUNING_WIDE_NGRAM, COMMON_GRAM_SHARE);
  if (common.length > 0) config.wideCommon = common;
  return config;
}

export interface StepReport {
  step: number;
  epoch: number;
  meanLoss: number;
  computeTime: string;
  totalSteps: number;
  /** Mean per-token loss on the validation examples after this step, at evaluation steps only. */
  evalLoss?: number;
}

export interface TrainingPair {
  textInput: string;
  output: string;
}

/** The weights a job starts from: the base model's, or those of the tuned model it tunes further. */
export interface StartingWeights {
  config: NetworkConfig;
  weights: Float32Array;
}

export interface TrainerOptions {
  examples: readonly TrainingPair[];
  epochCount: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  start: StartingWeights;
  /** Measured, never trained on: see `evaluationInterval`. */
  validation?: readonly TrainingPair[];
  /** With validation examples: their loss is measured after every this many steps and after the last. */
  evaluationInterval?: number;
}

/** Everything a resumed job needs to continue exactly where it stopped. */
export interface TrainerState {
  fingerprint: string;
  completedSteps: number;
  snapshots: StepReport[];
  weights: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
}

export function rfc3339Now(): string {
  const nowMs = performance.timeOrigin + performance.now();
  const wholeMs = Math.floor(nowMs);
  const iso = new Date(wholeMs).toISOString(); // 2024-03-14T15:11:23.766Z
  const subMs = Math.floor((nowMs - wholeMs) * 1e6)
    .toString()
    .padStart(6, '0')
    .slice(0, 6);
  return `${iso.slice(0, 23)}${subMs}Z`;
}

export interface EncodedPair {
  input: Int32Array;
  target: Int32Array;
}

export function encodePair(e: TrainingPair): EncodedPair {
  return { input: inputIds(e.textInput ?? ''), target: targetIds(e.output ?? '') };
}

/**
 * Mean per-token negative log-likelihood of `batch` (the boundary that ends each output counts as
 * a token); with `grad`, fills it with the gradient of that mean, or with `tuning`, with the
 * gradient of what fine-tuning minimizes (see Network.tuningLoss), both per token.
 */
export function batchLoss(net: Network, batch: readonly EncodedPair[], grad?: Float64Array, tuning = false): number {
  let tokens = 0;
  for (const e of batch) tokens += e.target.length;
  grad?.fill(0);
  let nll = 0;
  for (const e of batch) nll += tuning ? net.tuningLoss(e.input, e.target, grad, 1 / tokens).nll : net.sequenceLoss(e.input, e.target, grad, 1 / tokens);
  return nll / tokens;
}

export class Trainer {
  readonly network: Network;
  readonly totalSteps: number;
  readonly fingerprint: string;
  readonly stepSize: number;
  /** Adam updates the whole job makes (see MIN_UPDATES). */
  readonly totalUpdates: number;
  private readonly pairs: EncodedPair[];
  private readonly validation: EncodedPair[];
  private readonly adam: Adam;
  private readonly orders = new Map<number, Int32Array>();
  private readonly grad: Float64Array;
  /** The gradient of a step's second half when no helper thread computes it. */
  private secondGrad?: Float64Array;
  private helper?: GradientHelper;
  /** The step whose second half the helper was already started on, or −1. */
  private helperStartedFor = -1;
  private completed = 0;
  readonly snapshots: StepReport[] = [];

  constructor(
    private readonly options: TrainerOptions,
    resume?: TrainerState,
  ) {
    const { examples, epochCount, batchSize, learningRate, start } = options;
    if (examples.length === 0) throw new Error('training needs at least one example');
    if (!(epochCount >= 1) || !(batchSize >= 1)) throw new Error('epochCount and batchSize must be at least 1');
    if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new Error('learningRate must be a positive number');
    this.totalSteps = totalStepsFor(examples.length, epochCount, batchSize);
    this.totalUpdates = totalUpdates(this.totalSteps);
    const config = tuningConfig(start, examples.map((e) => e.textInput));
    this.fingerprint = fingerprintOf(options, config, this.totalUpdates);
    this.pairs = examples.map(encodePair);
    this.validation = (options.validation ?? []).map(encodePair);
    // in shared memory, so that a helper thread can compute part of each step's gradient
    const weights = new Float32Array(new SharedArrayBuffer(start.weights.length * 4));
    if (resume) {
      if (resume.fingerprint !== this.fingerprint) {
        throw new Error('the checkpoint belongs to a different job (examples, hyperparameters, seed or starting model differ)');
      }
      if (resume.weights.length !== start.weights.length || resume.adamM.length !== start.weights.length || resume.adamV.length !== start.weights.length) {
        throw new Error('the checkpoint is inconsistent: its weights or optimizer state do not fit the network');
      }
      if (resume.completedSteps > this.totalSteps || resume.snapshots.length !== resume.completedSteps) {
        throw new Error(`the checkpoint is inconsistent: ${resume.completedSteps} steps done, ${resume.snapshots.length} snapshots, ${this.totalSteps} in total`);
      }
      weights.set(resume.weights);
      this.adam = new Adam(weights, Float32Array.from(resume.adamM), Float32Array.from(resume.adamV));
      this.completed = resume.completedSteps;
      this.snapshots.push(...resume.snapshots);
    } else {
      weights.set(start.weights);
      this.adam = new Adam(weights);
    }
    this.network = new Network(config, weights);
    this.grad = new Float64Array(weights.length);
    this.stepSize = stepSizeFor(learningRate, batchSize);
  }

  get completedSteps(): number {
    return this.completed;
  }

  get done(): boolean {
    return this.completed >= this.totalSteps;
  }

  /**
   * The examples are visited epoch after epoch, each epoch in an order drawn from (seed, epoch),
   * so the batch of any step is known without replaying earlier ones: a resumed job sees exactly
   * the batches it would have seen.
   */
  private orderOf(epoch: number): Int32Array {
    let order = this.orders.get(epoch);
    if (!order) {
      order = permutation(this.pairs.length, Rng.fromSeed(this.options.seed, epoch));
      this.orders.clear();
      this.orders.set(epoch, order);
    }
    return order;
  }

  /** How many Adam updates step `stepIndex` (0-based) makes on its batch: 1 to MAX_UPDATES_PER_STEP. */
  updatesAt(stepIndex: number): number {
    return updatesBefore(stepIndex + 1, this.totalSteps) - updatesBefore(stepIndex, this.totalSteps);
  }

  batchOf(stepIndex: number): { examples: number[]; epoch: number } {
    const n = this.pairs.length;
    const start = stepIndex * this.options.batchSize;
    const end = Math.min(start + this.options.batchSize, n * this.options.epochCount);
    const examples: number[] = [];
    for (let k = start; k < end; k++) examples.push(this.orderOf(Math.floor(k / n))[k % n]);
    return { examples, epoch: completedEpochs(stepIndex + 1, this.options.batchSize, n, this.options.epochCount) };
  }

  /** Mean per-token NLL of the given examples under the current weights, without updating. */
  evaluate(indices: readonly number[] = this.pairs.map((_, i) => i)): number {
    return batchLoss(
      this.network,
      indices.map((i) => this.pairs[i]),
    );
  }

  /** How many epochs the first `steps` steps have seen through (a batch may straddle two epochs). */
  epochsCompletedAfter(steps: number): number {
    const n = this.pairs.length;
    return Math.floor(Math.min(steps * this.options.batchSize, n * this.options.epochCount) / n);
  }

  private isEvaluationStep(step: number): boolean {
    if (this.validation.length === 0) return false;
    const interval = Math.max(1, Math.floor(this.options.evaluationInterval ?? this.totalSteps));
    return step % interval === 0 || step === this.totalSteps;
  }

  /**
   * One step on the next batch: `updatesAt(step)` Adam updates, each on the batch's gradient at the
   * weights the one before left. Its snapshot's loss is that batch's, before the first. At
   * evaluation steps the snapshot also carries the validation loss after the last.
   */
  step(): StepReport {
    if (this.done) throw new Error('training is already complete');
    const halves = this.halvesOf(this.completed);
    const started = this.helperStartedFor === this.completed;
    this.helperStartedFor = -1;
    const meanLoss = this.gradient(halves, started) / halves.tokens;
    const L = this.network.layout;
    const boost = { start: L.wide, end: L.wproj, factor: WIDE_STEP_MULTIPLIER };
    const from = updatesBefore(this.completed, this.totalSteps);
    const to = updatesBefore(this.completed + 1, this.totalSteps);
    for (let u = from; u < to; u++) {
      if (u > from) this.gradient(halves, false);
      this.adam.update(this.grad, u + 1, this.stepSize, boost);
    }
    this.completed++;
    const report: StepReport = { step: this.completed, epoch: halves.epoch, meanLoss, computeTime: rfc3339Now(), totalSteps: this.totalSteps };
    if (this.isEvaluationStep(this.completed)) report.evalLoss = batchLoss(this.network, this.validation);
    this.snapshots.push(report);
    // The weights of the next step are final now: the helper starts on its half of it while this
    // thread writes the checkpoint and reports (the result is the same, only sooner).
    if (this.helper && !this.done) {
      const next = this.halvesOf(this.completed);
      if (next.second.length > 0) {
        this.helper.start(next.second, next.scale);
        this.helperStartedFor = this.completed;
      }
    }
    return report;
  }

  /**
   * The batch of step `stepIndex` split in two halves (alternate examples), each summed into its
   * own gradient and added in this order: the same result whether a helper thread computes the
   * second half or this thread does.
   */
  private halvesOf(stepIndex: number): { first: number[]; second: number[]; scale: number; epoch: number; tokens: number } {
    const { examples, epoch } = this.batchOf(stepIndex);
    let tokens = 0;
    for (const i of examples) tokens += this.pairs[i].target.length;
    return { first: examples.filter((_, k) => k % 2 === 0), second: examples.filter((_, k) => k % 2 === 1), scale: 1 / tokens, epoch, tokens };
  }

  /**
   * Fills this.grad with the gradient of the batch's loss at the current weights, its second half
   * from the helper thread when there is one (`started`: already started on it); returns the
   * batch's summed NLL.
   */
  private gradient(halves: { first: number[]; second: number[]; scale: number }, started: boolean): number {
    const { first, second, scale } = halves;
    const helper = second.length > 0 ? this.helper : undefined;
    if (helper && !started) helper.start(second, scale);
    let nll = this.halfGradient(first, this.grad, scale);
    let secondGrad: Float64Array;
    if (helper) {
      nll += helper.finish();
      secondGrad = helper.grad;
    } else {
      secondGrad = this.secondGrad ??= new Float64Array(this.grad.length);
      nll += this.halfGradient(second, secondGrad, scale);
    }
    const grad = this.grad;
    for (let i = 0; i < grad.length; i++) grad[i] += secondGrad[i];
    return nll;
  }

  /** Fills `grad` with the gradient of what fine-tuning minimizes over `indices`, scaled; returns their summed NLL. */
  private halfGradient(indices: readonly number[], grad: Float64Array, scale: number): number {
    grad.fill(0);
    let nll = 0;
    for (const i of indices) {
      const e = this.pairs[i];
      nll += this.network.tuningLoss(e.input, e.target, grad, scale).nll;
    }
    return nll;
  }

  /**
   * Computes half of every following step's gradient on a second thread running `workerScript`
   * (the trainer worker bundle). The weights reached are bit for bit those without it.
   */
  useHelperThread(workerScript: string): void {
    if (this.helper) return;
    this.helper = new GradientHelper(workerScript, this.network.config, this.options.examples, this.network.weights, Math.ceil(this.options.batchSize / 2));
  }

  /** How many steps had half of their gradient computed on the helper thread. */
  get stepsHelped(): number {
    return this.helper?.answered ?? 0;
  }

  async close(): Promise<void> {
    await this.helper?.close();
    this.helper = undefined;
  }

  state(): TrainerState {
    return {
      fingerprint: this.fingerprint,
      completedSteps: this.completed,
      snapshots: this.snapshots.slice(),
      weights: Float32Array.from(this.adam.weights),
      adamM: Float32Array.from(this.adam.m),
      adamV: Float32Array.from(this.adam.v),
    };
  }

  /** Runs every remaining step synchronously (for small in-process jobs). */
  runToEnd(): StepReport[] {
    const reports: StepReport[] = [];
    while (!this.done) reports.push(this.step());
    return reports;
  }
}

/** Adam's step size for the dense network (the wide part's is WIDE_STEP_MULTIPLIER times larger). */
export function stepSizeFor(learningRate: number, batchSize: number): number {
  return Math.min(learningRate * Math.max(1, batchSize / REFERENCE_BATCH_SIZE), MAX_EFFECTIVE_LEARNING_RATE) * LEARNING_RATE_SCALE;
}

/** What a checkpoint must match to resume: the examples, hyperparameters, seed, shape, update count and starting weights. */
function fingerprintOf(options: TrainerOptions, config: NetworkConfig, updates: number): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ examples: options.examples.map((e) => [e.textInput, e.output]) }));
  hash.update(JSON.stringify([options.epochCount, options.batchSize, options.learningRate, options.seed, config, updates]));
  const w = options.start.weights;
  hash.update(new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
  return hash.digest('hex');
}
