import * as assert from 'node:assert/strict';
import { resolveHyperparameters } from '../../../src/core/api/tuningDefaults';
import { LocalTrainedModel } from '../../../src/server/trainer/trainedModel';
import {
  BOUNDARY,
  CANDIDATE_COUNT,
  CopyTracker,
  LocalModel,
  MATCH_CAP,
  Memory,
  PARAM,
  SCALAR_PARAMS,
  Vocabulary,
} from '../../../src/server/trainer/model';
import { LEARNING_RATE_SCALE, Trainer, type TrainerOptions } from '../../../src/server/trainer/trainer';
import { toCodes } from '../../../src/server/trainer/tokens';
import { type TrainingExample } from '../../../src/server/trainer/trainerApi';
import { COLORS_FR, lookupDataset } from './datasets';

function train(examples: TrainingExample[], overrides: Partial<TrainerOptions> = {}): Trainer {
  const trainer = new Trainer({ examples, ...resolveHyperparameters(examples.length), seed: 11, ...overrides });
  trainer.runToEnd();
  return trainer;
}

function greedy(model: LocalTrainedModel, input: string): string {
  return [...model.generate(input, { temperature: 0 })].join('');
}

function memorized(trainer: Trainer, examples: TrainingExample[]): number {
  const model = new LocalTrainedModel(trainer.model, trainer.totalSteps);
  return examples.filter((e) => greedy(model, e.textInput) === e.output).length / examples.length;
}

/** The documented formula evaluated from scratch, by string comparison, for one example. */
function referenceNll(model: LocalModel, input: string, output: string): { nll: number; tokens: number } {
  const p = model.params;
  const beta = Math.exp(p[PARAM.logSharpness]);
  const candidates = model.memory.nearest(model.memory.vectorize(input), CANDIDATE_COUNT);
  const out = [...toCodes(output), BOUNDARY];
  const V = model.vocab.size;
  let nll = 0;
  for (let t = 0; t < out.length; t++) {
    const prefix = out.slice(0, t);
    const y = out[t];
    const pairs: { z: number; next: number; aligned: boolean; match: number }[] = [];
    for (const c of candidates) {
      const o = [...model.memory.entries[c.entry].output];
      for (let j = 0; j <= o.length; j++) {
        const aligned = j === t && o.slice(0, j).every((ch, k) => ch === prefix[k]);
        let match = 0;
        while (match < j && match < t && o[j - 1 - match] === prefix[t - 1 - match]) match++;
        if (!aligned && match === 0) continue;
        const capped = Math.min(match, MATCH_CAP);
        pairs.push({ z: beta * c.sim + p[PARAM.prefixBonus] * (aligned ? 1 : 0) + p[PARAM.matchBonus] * capped, next: j < o.length ? o[j] : BOUNDARY, aligned, match: capped });
      }
    }
    const prevIndex = model.vocab.indexOf(t === 0 ? BOUNDARY : out[t - 1]);
    const row = Array.from({ length: V }, (_, v) => p[SCALAR_PARAMS + prevIndex * V + v]);
    const rowMax = Math.max(...row);
    const rowSum = row.reduce((s, l) => s + Math.exp(l - rowMax), 0);
    const bigram = Math.exp(row[model.vocab.indexOf(y)] - rowMax) / rowSum;
    let prob = bigram;
    if (pairs.length > 0) {
      const zMax = Math.max(...pairs.map((q) => q.z));
      const zSum = pairs.reduce((s, q) => s + Math.exp(q.z - zMax), 0);
      const copy = pairs.filter((q) => q.next === y).reduce((s, q) => s + Math.exp(q.z - zMax), 0) / zSum;
      const a =
        p[PARAM.gateBias] +
        p[PARAM.gatePrefix] * (pairs.some((q) => q.aligned) ? 1 : 0) +
        (p[PARAM.gateMatch] * Math.max(...pairs.map((q) => q.match))) / MATCH_CAP;
      const g = 1 / (1 + Math.exp(-a));
      prob = g * copy + (1 - g) * bigram;
    }
    nll -= Math.log(prob);
  }
  return { nll, tokens: out.length };
}

describe('local model: training', function () {
  this.timeout(60_000);

  it('computes the gradient of the per-token NLL exactly (finite differences)', () => {
    const examples = COLORS_FR.slice(0, 6);
    const memory = new Memory(examples);
    const vocab = Vocabulary.build(memory.entries.map((e) => e.output));
    const params = LocalModel.initialParams(vocab);
    // move away from the symmetric starting point so that every parameter matters
    for (let i = 0; i < params.length; i++) params[i] += Math.sin(i * 12.9898) * 0.3;
    const model = new LocalModel(vocab, memory, params);
    const loss = () =>
      examples.reduce((sum, _example, i) => sum + model.sequenceLoss(new CopyTracker(memory, memory.nearest(memory.entries[i].vector, CANDIDATE_COUNT, i)), memory.entries[i].output).nll, 0);
    const grad = new Float64Array(params.length);
    examples.forEach((_example, i) => model.sequenceLoss(new CopyTracker(memory, memory.nearest(memory.entries[i].vector, CANDIDATE_COUNT, i)), memory.entries[i].output, grad));
    const V = vocab.size;
    const checked = [0, 1, 2, 3, 4, 5, SCALAR_PARAMS + vocab.indexOf('e'.codePointAt(0) as number) * V + vocab.indexOf(' '.codePointAt(0) as number), SCALAR_PARAMS + 3];
    for (const i of checked) {
      const h = 1e-5;
      const saved = params[i];
      params[i] = saved + h;
      const up = loss();
      params[i] = saved - h;
      const down = loss();
      params[i] = saved;
      const numeric = (up - down) / (2 * h);
      assert.ok(Math.abs(numeric - grad[i]) <= 1e-5 * Math.max(1, Math.abs(numeric)), `parameter ${i}: analytic ${grad[i]} vs numeric ${numeric}`);
    }
    assert.ok(checked.some((i) => Math.abs(grad[i]) > 1e-3), 'the checked gradients are not all zero');
  });

  it("reports each step's loss as the batch's mean per-token NLL of the documented formula", () => {
    const examples = COLORS_FR;
    const trainer = new Trainer({ examples, ...resolveHyperparameters(examples.length), seed: 5 });
    for (let s = 0; s < 3; s++) {
      const { examples: batch } = trainer.batchOf(trainer.completedSteps);
      let nll = 0;
      let tokens = 0;
      for (const i of batch) {
        const r = referenceNll(trainer.model, examples[i].textInput, examples[i].output);
        nll += r.nll;
        tokens += r.tokens;
      }
      const report = trainer.step();
      assert.ok(Math.abs(report.meanLoss - nll / tokens) < 1e-9, `step ${report.step}: reported ${report.meanLoss}, reference ${nll / tokens}`);
    }
  });

  it('memorizes a 20-example dataset with default hyperparameters (temperature 0)', () => {
    const trainer = train(COLORS_FR);
    assert.equal(trainer.totalSteps, 25); // ceil(20 × 5 / 4)
    assert.ok(memorized(trainer, COLORS_FR) >= 0.95);
  });

  it('memorizes a 300-example dataset of near-identical inputs with default hyperparameters', () => {
    const examples = lookupDataset(300);
    const trainer = train(examples);
    assert.equal(trainer.totalSteps, 375);
    const share = memorized(trainer, examples);
    assert.ok(share >= 0.95, `memorized ${(share * 100).toFixed(1)}%`);
  });

  it('lowers the loss to at most a quarter of the first at defaults', () => {
    for (const examples of [COLORS_FR, lookupDataset(40, 2)]) {
      const trainer = train(examples);
      const losses = trainer.snapshots.map((s) => s.meanLoss);
      assert.ok(losses[losses.length - 1] <= losses[0] / 4, `first ${losses[0]}, last ${losses[losses.length - 1]}`);
      const firstHalf = losses.slice(0, losses.length / 2).reduce((a, b) => a + b, 0);
      const secondHalf = losses.slice(losses.length / 2).reduce((a, b) => a + b, 0);
      assert.ok(secondHalf < firstHalf, 'the loss falls over training');
      assert.ok(trainer.evaluate() < 0.5 * new Trainer({ examples, ...resolveHyperparameters(examples.length), seed: 11 }).evaluate());
    }
  });

  it('numbers steps and epochs like the Gemini API', () => {
    const trainer = train(lookupDataset(15), { epochCount: 5, batchSize: 4 });
    assert.equal(trainer.totalSteps, 19);
    assert.deepEqual(
      trainer.snapshots.map((s) => s.step),
      Array.from({ length: 19 }, (_, i) => i + 1),
    );
    assert.equal(trainer.snapshots[0].epoch, 1);
    assert.equal(trainer.snapshots[18].epoch, 5);
    assert.ok(trainer.snapshots.every((s, i) => i === 0 || s.epoch >= trainer.snapshots[i - 1].epoch));
    assert.match(trainer.snapshots[0].computeTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  it('visits every example once per epoch', () => {
    const examples = lookupDataset(10);
    const trainer = new Trainer({ examples, epochCount: 3, batchSize: 4, learningRate: 0.001, seed: 3 });
    const seen: number[] = [];
    for (let s = 0; s < trainer.totalSteps; s++) seen.push(...trainer.batchOf(s).examples);
    assert.equal(seen.length, 30);
    for (let e = 0; e < 3; e++) assert.deepEqual([...seen.slice(e * 10, e * 10 + 10)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.notDeepEqual(seen.slice(0, 10), seen.slice(10, 20), 'each epoch has its own order');
  });

  it('ends with a lower loss after more epochs', () => {
    const few = train(COLORS_FR, { epochCount: 2 });
    const many = train(COLORS_FR, { epochCount: 8 });
    assert.ok(many.evaluate() < few.evaluate(), `8 epochs ${many.evaluate()} vs 2 epochs ${few.evaluate()}`);
    const last = (t: Trainer) => t.snapshots[t.snapshots.length - 1].meanLoss;
    assert.ok(last(many) < last(few));
  });

  it('scales every update with the learning rate (Adam step = learning rate × LEARNING_RATE_SCALE)', () => {
    const delta = (learningRate: number) => {
      const trainer = new Trainer({ examples: COLORS_FR, epochCount: 1, batchSize: 4, learningRate, seed: 2 });
      const before = Float64Array.from(trainer.model.params);
      trainer.step();
      return trainer.model.params.map((v, i) => v - before[i]);
    };
    const base = delta(0.001);
    const doubled = delta(0.002);
    let moved = 0;
    base.forEach((d, i) => {
      assert.ok(Math.abs(doubled[i] - 2 * d) <= 1e-12 + 1e-9 * Math.abs(d), `parameter ${i}`);
      if (d !== 0) moved++;
    });
    assert.ok(moved > SCALAR_PARAMS);
    // Adam's first step moves a parameter with a clear gradient by the full step size
    assert.ok(Math.abs(Math.abs(base[PARAM.gateBias]) - 0.001 * LEARNING_RATE_SCALE) < 1e-6);
    const slow = train(COLORS_FR, { learningRate: 0.0001 });
    const normal = train(COLORS_FR, { learningRate: 0.001 });
    assert.ok(normal.evaluate() < slow.evaluate());
  });

  it('starts from the source model when tuning a tuned model', () => {
    const sourceExamples = lookupDataset(20, 4);
    const source = train(sourceExamples, { epochCount: 10 });
    const saved = {
      vocabulary: source.model.vocab.codes,
      params: Float32Array.from(source.model.params),
      memory: sourceExamples,
    };
    const redefined = { textInput: sourceExamples[0].textInput, output: 'Redefined by the new data.' };
    const newExamples = [...lookupDataset(12, 9), redefined];
    const fromSource = new Trainer({ examples: newExamples, ...resolveHyperparameters(newExamples.length), seed: 1, source: saved });
    const fromScratch = new Trainer({ examples: newExamples, ...resolveHyperparameters(newExamples.length), seed: 1 });
    for (let i = 0; i < SCALAR_PARAMS; i++) assert.equal(fromSource.model.params[i], saved.params[i]);
    const V = fromSource.model.vocab.size;
    const S = source.model.vocab.size;
    const e = 'e'.codePointAt(0) as number;
    const space = ' '.codePointAt(0) as number;
    assert.equal(
      fromSource.model.params[SCALAR_PARAMS + fromSource.model.vocab.indexOf(e) * V + fromSource.model.vocab.indexOf(space)],
      saved.params[SCALAR_PARAMS + source.model.vocab.indexOf(e) * S + source.model.vocab.indexOf(space)],
    );
    assert.ok(fromSource.step().meanLoss < fromScratch.step().meanLoss / 2, 'the tuned start is already better');
    fromSource.runToEnd();
    const model = new LocalTrainedModel(fromSource.model, fromSource.totalSteps);
    assert.equal(model.info.memoryExamples, newExamples.length + sourceExamples.length - 1);
    assert.equal(greedy(model, redefined.textInput), redefined.output, 'new examples win over the source');
    assert.equal(greedy(model, newExamples[3].textInput), newExamples[3].output);
    assert.equal(greedy(model, sourceExamples[5].textInput), sourceExamples[5].output, 'the source examples are kept');
  });

  it('stays finite and still learns with an absurd learning rate', () => {
    const trainer = train(COLORS_FR, { learningRate: 1000 });
    assert.ok(trainer.snapshots.every((s) => Number.isFinite(s.meanLoss)));
    assert.ok(trainer.model.params.every((p) => Number.isFinite(p)));
    assert.ok(memorized(trainer, COLORS_FR) >= 0.95);
  });

  it('rejects impossible jobs with a clear message', () => {
    assert.throws(() => new Trainer({ examples: [], epochCount: 1, batchSize: 1, learningRate: 0.001, seed: 1 }), /at least one example/);
    assert.throws(() => new Trainer({ examples: COLORS_FR, epochCount: 0, batchSize: 1, learningRate: 0.001, seed: 1 }), /epochCount/);
    assert.throws(() => new Trainer({ examples: COLORS_FR, epochCount: 1, batchSize: 1, learningRate: 0, seed: 1 }), /learningRate/);
  });
});
