import { createHash } from 'node:crypto';
import { totalSteps as totalStepsFor } from '../../core/api/tuningDefaults';
import { CANDIDATE_COUNT, type Candidate, CopyTracker, LocalModel, Memory, type MemoryExample, PARAM, Vocabulary } from './model';
import { permutation, Rng } from './rng';

/**
 * Gemini's learning rates (0.001 for small datasets, 0.0002 for large ones) are step sizes for
 * billions of weights. The local model has a handful of scalars and a bigram table, so Adam's step
 * size is the requested learning rate times this factor: 0.001 → 0.2, 0.0002 → 0.04. With the
 * default epochs and batch sizes both give a similar total movement (steps × step size ≈ 5–6), and
 * a learning-rate multiplier scales every update proportionally.
 */
export const LEARNING_RATE_SCALE = 200;
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;
const PARAM_LIMIT = 50;

export interface StepReport {
  step: number;
  epoch: number;
  meanLoss: number;
  computeTime: string;
  totalSteps: number;
}

export interface TrainerOptions {
  examples: readonly MemoryExample[];
  epochCount: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** A trained model to start from (tuning a tuned model). */
  source?: SourceModel;
}

export interface SourceModel {
  vocabulary: readonly number[];
  params: Float32Array | Float64Array;
  memory: readonly MemoryExample[];
}

/** Everything a resumed job needs to continue exactly where it stopped. */
export interface TrainerState {
  fingerprint: string;
  completedSteps: number;
  snapshots: StepReport[];
  vocabulary: number[];
  params: Float64Array;
  adamM: Float64Array;
  adamV: Float64Array;
}

/**
 * The model's memory: the new examples plus those of the source model whose input the new data
 * does not redefine. Tuning from a tuned model thus keeps what it knew and lets new examples win.
 */
export function combinedMemory(examples: readonly MemoryExample[], source?: SourceModel): MemoryExample[] {
  const memory = examples.map((e) => ({ textInput: e.textInput, output: e.output }));
  if (source) {
    const redefined = new Set(examples.map((e) => e.textInput));
    for (const e of source.memory) if (!redefined.has(e.textInput)) memory.push({ textInput: e.textInput, output: e.output });
  }
  return memory;
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

export class Trainer {
  readonly model: LocalModel;
  readonly totalSteps: number;
  readonly fingerprint: string;
  private readonly trainCount: number;
  private readonly candidates: Candidate[][];
  private readonly outputs: Int32Array[];
  private readonly stepSize: number;
  private readonly adamM: Float64Array;
  private readonly adamV: Float64Array;
  private readonly orders = new Map<number, Int32Array>();
  private readonly grad: Float64Array;
  private completed = 0;
  readonly snapshots: StepReport[] = [];

  constructor(
    private readonly options: TrainerOptions,
    resume?: TrainerState,
  ) {
    const { examples, epochCount, batchSize, learningRate } = options;
    if (examples.length === 0) throw new Error('training needs at least one example');
    if (!(epochCount >= 1) || !(batchSize >= 1)) throw new Error('epochCount and batchSize must be at least 1');
    if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new Error('learningRate must be a positive number');
    this.trainCount = examples.length;
    this.totalSteps = totalStepsFor(examples.length, epochCount, batchSize);
    this.fingerprint = fingerprintOf(options);
    const memoryExamples = combinedMemory(examples, options.source);
    const memory = new Memory(memoryExamples);
    this.outputs = memory.entries.slice(0, examples.length).map((e) => e.output);
    const sourceVocab = options.source ? new Vocabulary(options.source.vocabulary) : undefined;
    let vocab: Vocabulary;
    let params: Float64Array;
    if (resume) {
      if (resume.fingerprint !== this.fingerprint) {
        throw new Error('the checkpoint belongs to a different job (examples, hyperparameters, seed or source model differ)');
      }
      vocab = new Vocabulary(resume.vocabulary);
      params = Float64Array.from(resume.params);
      if (params.length !== LocalModel.parameterCount(vocab) || resume.adamM.length !== params.length || resume.adamV.length !== params.length) {
        throw new Error('the checkpoint is inconsistent: parameter and optimizer sizes do not match its vocabulary');
      }
      if (resume.completedSteps > this.totalSteps || resume.snapshots.length !== resume.completedSteps) {
        throw new Error(`the checkpoint is inconsistent: ${resume.completedSteps} steps done, ${resume.snapshots.length} snapshots, ${this.totalSteps} in total`);
      }
      this.adamM = Float64Array.from(resume.adamM);
      this.adamV = Float64Array.from(resume.adamV);
      this.completed = resume.completedSteps;
      this.snapshots.push(...resume.snapshots);
    } else {
      vocab = Vocabulary.build(
        memory.entries.map((e) => e.output),
        sourceVocab?.codes,
      );
      params = LocalModel.initialParams(vocab, sourceVocab && options.source ? { vocab: sourceVocab, params: options.source.params } : undefined);
      this.adamM = new Float64Array(params.length);
      this.adamV = new Float64Array(params.length);
    }
    this.model = new LocalModel(vocab, memory, params);
    this.grad = new Float64Array(params.length);
    this.stepSize = learningRate * LEARNING_RATE_SCALE;
    this.candidates = memory.entries.slice(0, examples.length).map((e, i) => memory.nearest(e.vector, CANDIDATE_COUNT, i));
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
      order = permutation(this.trainCount, Rng.fromSeed(this.options.seed, epoch));
      this.orders.clear();
      this.orders.set(epoch, order);
    }
    return order;
  }

  batchOf(stepIndex: number): { examples: number[]; epoch: number } {
    const n = this.trainCount;
    const start = stepIndex * this.options.batchSize;
    const end = Math.min(start + this.options.batchSize, n * this.options.epochCount);
    const examples: number[] = [];
    for (let k = start; k < end; k++) examples.push(this.orderOf(Math.floor(k / n))[k % n]);
    return { examples, epoch: Math.floor((end - 1) / n) + 1 };
  }

  /** Mean per-token NLL of the given examples under the current parameters, without updating. */
  evaluate(indices: readonly number[] = this.outputs.map((_, i) => i)): number {
    let nll = 0;
    let tokens = 0;
    for (const i of indices) {
      const r = this.model.sequenceLoss(this.trackerFor(i), this.outputs[i]);
      nll += r.nll;
      tokens += r.tokens;
    }
    return nll / tokens;
  }

  private trackerFor(i: number): CopyTracker {
    return new CopyTracker(this.model.memory, this.candidates[i]);
  }

  /** One optimizer step on the next batch; returns its snapshot (loss measured before the update). */
  step(): StepReport {
    if (this.done) throw new Error('training is already complete');
    const { examples, epoch } = this.batchOf(this.completed);
    const grad = this.grad;
    grad.fill(0);
    let tokens = 0;
    for (const i of examples) tokens += this.outputs[i].length + 1;
    let nll = 0;
    for (const i of examples) nll += this.model.sequenceLoss(this.trackerFor(i), this.outputs[i], grad, 1 / tokens).nll;
    this.adamUpdate(grad, this.completed + 1);
    this.completed++;
    const report: StepReport = {
      step: this.completed,
      epoch,
      meanLoss: nll / tokens,
      computeTime: rfc3339Now(),
      totalSteps: this.totalSteps,
    };
    this.snapshots.push(report);
    return report;
  }

  private adamUpdate(grad: Float64Array, t: number): void {
    const params = this.model.params;
    const m = this.adamM;
    const v = this.adamV;
    const c1 = 1 - Math.pow(ADAM_BETA1, t);
    const c2 = 1 - Math.pow(ADAM_BETA2, t);
    for (let i = 0; i < params.length; i++) {
      const g = grad[i];
      if (g === 0 && m[i] === 0) continue;
      m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * g;
      v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * g * g;
      params[i] -= (this.stepSize * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + ADAM_EPSILON);
    }
    // Projection onto a box keeps even an absurd learning rate from overflowing exp():
    // β ≤ e^12 already makes attention a hard nearest-neighbour choice.
    params[PARAM.logSharpness] = clamp(params[PARAM.logSharpness], -5, 12);
    for (let i = PARAM.logSharpness + 1; i < params.length; i++) params[i] = clamp(params[i], -PARAM_LIMIT, PARAM_LIMIT);
  }

  state(): TrainerState {
    return {
      fingerprint: this.fingerprint,
      completedSteps: this.completed,
      snapshots: this.snapshots.slice(),
      vocabulary: this.model.vocab.codes.slice(),
      params: Float64Array.from(this.model.params),
      adamM: Float64Array.from(this.adamM),
      adamV: Float64Array.from(this.adamV),
    };
  }

  /** Runs every remaining step synchronously (for small in-process jobs). */
  runToEnd(): StepReport[] {
    const reports: StepReport[] = [];
    while (!this.done) reports.push(this.step());
    return reports;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function fingerprintOf(options: TrainerOptions): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ examples: options.examples.map((e) => [e.textInput, e.output]) }));
  hash.update(JSON.stringify([options.epochCount, options.batchSize, options.learningRate, options.seed]));
  if (options.source) {
    hash.update(JSON.stringify(options.source.vocabulary));
    hash.update(new Uint8Array(options.source.params.buffer, options.source.params.byteOffset, options.source.params.byteLength));
    hash.update(JSON.stringify(options.source.memory.map((e) => [e.textInput, e.output])));
  }
  return hash.digest('hex');
}
