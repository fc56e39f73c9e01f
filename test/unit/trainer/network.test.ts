import * as assert from 'node:assert/strict';
import { commonGrams, inputIds, layoutOf, Network, type NetworkConfig, targetIds } from '../../../src/server/trainer/network';
import { Rng } from '../../../src/server/trainer/rng';
import { LEARNING_RATE_SCALE, MIN_UPDATES, REFERENCE_BATCH_SIZE, totalUpdates, Trainer, TUNING_WIDE_HISTORY, TUNING_WIDE_NGRAM, updatesBefore } from '../../../src/server/trainer/trainer';
import { COLORS_FR, lookupDataset } from './datasets';
import { referenceNll } from './referenceLoss';
import { BASE_MODEL_TIMEOUT_MS, baseStart, tinyStart, TINY, train } from './support';

// A root hook: before any unit test (the server's too) needs the base model, make sure this machine
// has it in the shared cache. Only the first run on a machine pretrains it (minutes).
before(async function () {
  this.timeout(BASE_MODEL_TIMEOUT_MS);
  await baseStart();
});

/** Tiny-network weights moved away from their start so that every part (the wide part too) matters. */
function perturbedWeights(): Float32Array {
  const weights = tinyStart(3).weights;
  for (let i = 0; i < weights.length; i++) weights[i] += Math.sin(i * 12.9898) * 0.3;
  return weights;
}

const PAIRS: Array<[string, string]> = [
  ['Translate to French: red', 'En français : rouge'],
  ['hello', 'olleh!'],
  ['', 'é🦊'],
  ['x', ''],
];

/** The 3-grams of "Translate to French: " (two of the three prompts share them). */
const TEMPLATE_GRAMS = commonGrams(['Translate to French: red', 'Translate to French: blue', 'hello'], 3, 0.5);
const WITH_COMMON: NetworkConfig = { ...TINY, wideNgram: 3, wideHistory: 2, wideCommon: TEMPLATE_GRAMS };

describe('local model: the network', function () {
  this.timeout(120_000);

  it('leaves out of the wide part the n-grams more than half of the prompts share', () => {
    assert.equal(TEMPLATE_GRAMS.length, 'Translate to French: '.length - 2 + 1, 'every 3-gram of the template, the boundary before it included');
    assert.deepEqual(TEMPLATE_GRAMS, [...TEMPLATE_GRAMS].sort((a, b) => a - b));
    const net = new Network(WITH_COMMON, perturbedWeights());
    const plain = new Network({ ...TINY, wideNgram: 3, wideHistory: 2 }, perturbedWeights());
    const prompt = inputIds('Translate to French: red');
    const kept = net.encode(prompt).wideHashes;
    assert.equal(kept.length, plain.encode(prompt).wideHashes.length - TEMPLATE_GRAMS.length);
    assert.ok(kept.every((h) => !TEMPLATE_GRAMS.includes(h)));
    assert.deepEqual(commonGrams(['Translate to French: red'], 3, 0.5), [], 'one prompt has no template');
  });

  for (const config of [TINY, { ...TINY, wideNgram: 3 }, { ...TINY, wideNgram: 3, wideHistory: 2 }, WITH_COMMON]) {
    const wideKeys = `${config.wideNgram ? `${config.wideNgram}-grams` : '2- to 4-grams'}${config.wideHistory ? `, keyed again with ${config.wideHistory} bytes of output` : ''}${config.wideCommon ? ', template n-grams left out' : ''}`;
    it(`computes the loss of the documented formula (checked by an independent implementation), wide part on ${wideKeys}`, () => {
      const weights = perturbedWeights();
      const net = new Network(config, weights);
      for (const [input, output] of PAIRS) {
        const ours = net.sequenceLoss(inputIds(input), targetIds(output));
        const reference = referenceNll(layoutOf(config), weights, inputIds(input), targetIds(output));
        assert.ok(Number.isFinite(ours) && ours > 0);
        assert.ok(Math.abs(ours - reference) <= 1e-9 * Math.max(1, reference), `${JSON.stringify(input)}: network ${ours}, reference ${reference}`);
        const tuning = net.tuningLoss(inputIds(input), targetIds(output));
        const denseReference = referenceNll(layoutOf(config), weights, inputIds(input), targetIds(output), true);
        assert.ok(Math.abs(tuning.nll - reference) <= 1e-9 * Math.max(1, reference), `${JSON.stringify(input)}: tuning nll ${tuning.nll}, reference ${reference}`);
        assert.ok(Math.abs(tuning.denseNll - denseReference) <= 1e-9 * Math.max(1, denseReference), `${JSON.stringify(input)}: without the wide part ${tuning.denseNll}, reference ${denseReference}`);
        const keyed = inputIds(input).length >= (config.wideNgram ?? 2);
        if (keyed) assert.ok(Math.abs(tuning.denseNll - tuning.nll) > 1e-6, 'the wide part changes the loss');
      }
    });
  }

  const gradientCases: Array<['likelihood' | 'tuning', NetworkConfig]> = [
    ['likelihood', TINY],
    ['tuning', TINY],
    ['tuning', { ...TINY, wideNgram: 3, wideHistory: 2 }],
    ['tuning', WITH_COMMON],
  ];
  for (const [objective, config] of gradientCases) {
    const objectiveName = objective === 'likelihood' ? 'negative log-likelihood' : 'fine-tuning objective (with the term without the wide part)';
    it(`computes the gradient of the ${objectiveName} exactly (finite differences)${config.wideHistory ? ', wide part keyed again with output bytes' : ''}${config.wideCommon ? ', template n-grams left out' : ''}`, () => {
      const weights = perturbedWeights();
      const net = new Network(config, weights);
      const encoded = PAIRS.map(([i, o]) => [inputIds(i), targetIds(o)] as const);
      const of = (i: Int32Array, o: Int32Array, grad?: Float64Array): number => {
        if (objective === 'likelihood') return net.sequenceLoss(i, o, grad);
        const { nll, denseNll } = net.tuningLoss(i, o, grad);
        return nll + denseNll;
      };
      const loss = () => encoded.reduce((sum, [i, o]) => sum + of(i, o), 0);
      const grad = new Float64Array(weights.length);
      for (const [i, o] of encoded) of(i, o, grad);
      // every weight with a gradient, sampled, plus a sample of the rest (whose gradient must be 0)
      const seed = 20240601;
      const rng = Rng.fromSeed(seed);
      const nonzero = [...grad.keys()].filter((i) => grad[i] !== 0);
      const chosen = new Set<number>();
      while (chosen.size < 300) chosen.add(nonzero[rng.below(nonzero.length)]);
      for (let k = 0; k < 60; k++) chosen.add(rng.below(weights.length));
      const L = layoutOf(TINY);
      for (const part of ['emb', 'wc', 'bag', 'wm', 'ws', 'wx', 'wh', 'wq', 'wl', 'wa', 'wv', 'wp', 'wide', 'wproj'] as const) {
        assert.ok(nonzero.some((i) => i >= L[part] && i < L[part] + 4096), `some weight of ${part} has a gradient`);
      }
      for (const i of chosen) {
        const saved = weights[i];
        weights[i] = saved + 1e-2;
        const up = loss();
        const upAt = weights[i];
        weights[i] = saved - 1e-2;
        const down = loss();
        const downAt = weights[i];
        weights[i] = saved;
        const numeric = (up - down) / (upAt - downAt);
        assert.ok(Math.abs(numeric - grad[i]) <= 2e-3 * Math.max(0.05, Math.abs(numeric)), `weight ${i} (seed ${seed}): analytic ${grad[i]} vs numeric ${numeric}`);
      }
    });
  }
});

describe('local model: training mechanics', function () {
  this.timeout(120_000);

  it("reports each step's loss as the mean per-token NLL of that step's batch, before its update", () => {
    const examples = COLORS_FR.slice(0, 10);
    const start = tinyStart();
    const trainer = new Trainer({ examples, epochCount: 2, batchSize: 3, learningRate: 0.001, seed: 5, start });
    // the shape the job trains: the wide part of a tuned model keys on TUNING_WIDE_NGRAM-grams, twice
    const L = trainer.network.layout;
    assert.equal(L.config.wideNgram, TUNING_WIDE_NGRAM);
    assert.equal(L.config.wideHistory, TUNING_WIDE_HISTORY);
    for (let s = 0; s < 3; s++) {
      const { examples: batch } = trainer.batchOf(trainer.completedSteps);
      const weights = Float32Array.from(trainer.network.weights);
      let nll = 0;
      let tokens = 0;
      for (const i of batch) {
        const target = targetIds(examples[i].output);
        nll += referenceNll(L, weights, inputIds(examples[i].textInput), target);
        tokens += target.length;
      }
      const report = trainer.step();
      assert.ok(Math.abs(report.meanLoss - nll / tokens) < 1e-9, `step ${report.step}: reported ${report.meanLoss}, reference ${nll / tokens}`);
    }
  });

  it("starts a job from the base model's weights, its wide part empty, so that the first loss is the base model's", async () => {
    const base = await baseStart();
    const examples = COLORS_FR.slice(0, 4);
    const trainer = new Trainer({ examples, epochCount: 1, batchSize: 4, learningRate: 0.001, seed: 1, start: base });
    const tuned = trainer.network;
    assert.equal(tuned.config.wideHistory, TUNING_WIDE_HISTORY);
    assert.deepEqual(tuned.weights, base.weights);
    const L = tuned.layout;
    assert.ok(tuned.weights.subarray(L.wide, L.wproj).every((v) => v === 0), 'the wide table is empty');
    const baseNet = new Network(base.config, base.weights);
    const baseLoss = examples.reduce((sum, e) => sum + baseNet.sequenceLoss(inputIds(e.textInput), targetIds(e.output)), 0);
    const tokens = examples.reduce((sum, e) => sum + targetIds(e.output).length, 0);
    const first = trainer.step().meanLoss;
    assert.ok(Math.abs(first - baseLoss / tokens) <= 1e-12 * first, `first loss ${first}, the base model's ${baseLoss / tokens}`);
  });

  it('numbers steps and epochs like the Gemini API', () => {
    const trainer = train(lookupDataset(15), tinyStart(), { epochCount: 5, batchSize: 4 });
    assert.equal(trainer.totalSteps, 19); // ceil(15 × 5 / 4)
    assert.deepEqual(
      trainer.snapshots.map((s) => s.step),
      Array.from({ length: 19 }, (_, i) => i + 1),
    );
    // `epoch` counts completed epochs, floor(step × batch size / examples): the recorded real run ends at step 19, epoch 5.
    assert.deepEqual(
      trainer.snapshots.map((s) => s.epoch),
      trainer.snapshots.map((s) => Math.floor((s.step * 4) / 15)),
    );
    assert.equal(trainer.snapshots[0].epoch, 0);
    assert.equal(trainer.snapshots[18].epoch, 5);
    assert.ok(trainer.snapshots.every((s, i) => i === 0 || s.epoch >= trainer.snapshots[i - 1].epoch));
    assert.match(trainer.snapshots[0].computeTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  it('visits every example once per epoch', () => {
    const examples = lookupDataset(10);
    const trainer = new Trainer({ examples, epochCount: 3, batchSize: 4, learningRate: 0.001, seed: 3, start: tinyStart() });
    const seen: number[] = [];
    for (let s = 0; s < trainer.totalSteps; s++) seen.push(...trainer.batchOf(s).examples);
    assert.equal(seen.length, 30);
    for (let e = 0; e < 3; e++) assert.deepEqual([...seen.slice(e * 10, e * 10 + 10)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.notDeepEqual(seen.slice(0, 10), seen.slice(10, 20), 'each epoch has its own order');
  });

  it('scales every update with the learning rate (Adam step = learning rate × max(1, batch size / 4) × LEARNING_RATE_SCALE)', () => {
    const delta = (learningRate: number) => {
      // 75 steps: one Adam update per step (shorter jobs make more, see MIN_UPDATES)
      const trainer = new Trainer({ examples: COLORS_FR, epochCount: 15, batchSize: 4, learningRate, seed: 2, start: tinyStart() });
      assert.equal(trainer.totalUpdates, trainer.totalSteps);
      const before = Float64Array.from(trainer.network.weights);
      trainer.step();
      return Float64Array.from(trainer.network.weights, (v, i) => v - before[i]);
    };
    const base = delta(0.001);
    const doubled = delta(0.002);
    let moved = 0;
    base.forEach((d, i) => {
      // float32 weights round each result, hence the small absolute tolerance
      assert.ok(Math.abs(doubled[i] - 2 * d) <= 1e-6, `weight ${i}: ${d} then ${doubled[i]}`);
      if (d !== 0) moved++;
    });
    assert.ok(moved > 1000);
    // Adam's first step moves a dense weight with a clear gradient by the full step size
    const L = layoutOf(TINY);
    const step = 0.001 * LEARNING_RATE_SCALE;
    assert.ok(Math.abs(Math.abs(base[L.bv + 'e'.charCodeAt(0)]) - step) < step * 1e-3);
    // a batch of 16 steps 16/REFERENCE_BATCH_SIZE times as far as a batch of 4 at the same rate
    const big = new Trainer({ examples: COLORS_FR, epochCount: 60, batchSize: 16, learningRate: 0.0005, seed: 2, start: tinyStart() });
    const before = big.network.weights[L.bv + 'e'.charCodeAt(0)];
    big.step();
    const bigStep = 0.0005 * (16 / REFERENCE_BATCH_SIZE) * LEARNING_RATE_SCALE;
    const moved16 = Math.abs(big.network.weights[L.bv + 'e'.charCodeAt(0)] - before);
    assert.ok(Math.abs(moved16 - bigStep) < bigStep * 1e-3, `batch 16 moved ${moved16}, expected ${bigStep}`);
  });

  it('makes at least MIN_UPDATES updates in a shorter job, one to three per step, and never fewer for more steps', () => {
    for (let steps = 1; steps <= 200; steps++) {
      const updates = totalUpdates(steps);
      assert.ok(updates >= Math.min(MIN_UPDATES, 3 * steps) && updates <= Math.max(steps, MIN_UPDATES), `${steps} steps: ${updates} updates`);
      if (steps > 1) assert.ok(updates >= totalUpdates(steps - 1), `${steps} steps make fewer updates than ${steps - 1}`);
      let sum = 0;
      for (let s = 0; s < steps; s++) {
        const at = updatesBefore(s + 1, steps) - updatesBefore(s, steps);
        assert.ok(at >= 1 && at <= 3, `${steps} steps: step ${s + 1} makes ${at}`);
        sum += at;
      }
      assert.equal(sum, updates);
    }
    assert.deepEqual([25, 50, 75, 157].map(totalUpdates), [75, 75, 75, 157]);
  });

  it('stays finite with an absurd learning rate', () => {
    const trainer = train(COLORS_FR.slice(0, 8), tinyStart(), { learningRate: 1000, epochCount: 2 });
    assert.ok(trainer.snapshots.every((s) => Number.isFinite(s.meanLoss)));
    assert.ok(trainer.network.weights.every((p) => Number.isFinite(p)));
  });

  it('rejects impossible jobs with a clear message', () => {
    const start = tinyStart();
    assert.throws(() => new Trainer({ examples: [], epochCount: 1, batchSize: 1, learningRate: 0.001, seed: 1, start }), /at least one example/);
    assert.throws(() => new Trainer({ examples: COLORS_FR, epochCount: 0, batchSize: 1, learningRate: 0.001, seed: 1, start }), /epochCount/);
    assert.throws(() => new Trainer({ examples: COLORS_FR, epochCount: 1, batchSize: 1, learningRate: 0, seed: 1, start }), /learningRate/);
  });
});
