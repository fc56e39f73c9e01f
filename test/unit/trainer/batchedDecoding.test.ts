import * as assert from 'node:assert/strict';
import { BatchedGeneration, stepBatch, stepCandidates } from '../../../src/server/trainer/batchedDecoding';
import { type CandidatesRequest, type GenerationChunk, runCandidates } from '../../../src/server/trainer/candidates';
import { DEFAULT_CONFIG, initialWeights, inputIds, layoutOf, Network, type NetworkConfig } from '../../../src/server/trainer/network';
import { Rng } from '../../../src/server/trainer/rng';
import { LocalTrainedModel } from '../../../src/server/trainer/trainedModel';
import { TUNING_WIDE_HISTORY, TUNING_WIDE_NGRAM } from '../../../src/server/trainer/trainer';

/** Sizes that are not multiples of the kernels' unrolling, so their remainder loops run too. */
const ODD: NetworkConfig = { embed: 7, hidden: 11, state: 13, outHidden: 9, buckets: 64, window: 3, wideBuckets: 128, wideRank: 3 };
/** The shapes decoding must agree on: made before the wide part had history keys, and tuned since (3-grams keyed again with output bytes). */
const CONFIGS: [string, NetworkConfig][] = [
  ['the default network', DEFAULT_CONFIG],
  ['a network of odd sizes', ODD],
  ['the tuned network', { ...DEFAULT_CONFIG, wideNgram: TUNING_WIDE_NGRAM, wideHistory: TUNING_WIDE_HISTORY }],
  ['a network of odd sizes with history keys', { ...ODD, wideNgram: 3, wideHistory: 5 }],
];

/** Random weights, the wide part included (initialWeights leaves it at zero, as pretraining does). */
function randomNetwork(config: NetworkConfig, seed: number): Network {
  const layout = layoutOf(config);
  const weights = initialWeights(layout, seed);
  const rng = Rng.fromSeed(seed, 7);
  for (let i = layout.wide; i < layout.wproj; i++) weights[i] = (rng.next() * 2 - 1) * 0.8;
  return new Network(config, weights);
}

function unbatched(net: Network, request: CandidatesRequest): GenerationChunk[] {
  return [...runCandidates(new LocalTrainedModel(net, 0), request)];
}

/**
 * Decodes all requests together, one step for every candidate that needs one, the way a generation
 * worker does; request k joins after `k * joinEvery` steps, so batches change size as they go.
 */
function batched(net: Network, requests: readonly CandidatesRequest[], joinEvery: number): GenerationChunk[][] {
  const out: GenerationChunk[][] = requests.map(() => []);
  const open: { gen: BatchedGeneration; at: number }[] = [];
  let joined = 0;
  for (let step = 0; joined < requests.length || open.length > 0; step++) {
    while (joined < requests.length && step >= joined * joinEvery) {
      open.push({ gen: new BatchedGeneration(net, requests[joined]), at: joined });
      joined++;
    }
    stepCandidates(net, open.flatMap(({ gen }) => gen.needingStep()));
    for (const { gen, at } of open) for (let chunk = gen.takeChunk(); chunk; chunk = gen.takeChunk()) out[at].push(chunk);
    for (let i = open.length - 1; i >= 0; i--) if (open[i].gen.finished) open.splice(i, 1);
  }
  return out;
}

function requestsFor(seed: number): CandidatesRequest[] {
  const rng = Rng.fromSeed(seed, 99);
  const inputs = ['stream please', '', 'héllo wörld → ✓', 'a'.repeat(40), 'The capital of France is'];
  const samplings: CandidatesRequest['sampling'][] = [
    { temperature: 0, maxOutputTokens: 40 },
    { temperature: 1, maxOutputTokens: 33 },
    { temperature: 1.7, topK: 40, maxOutputTokens: 25 },
    { temperature: 0.8, topP: 0.6, maxOutputTokens: 19 },
    { temperature: 1, topK: 3, topP: 0.9, maxOutputTokens: 60, stopSequences: ['e', 'th'] },
    { temperature: 0, maxOutputTokens: 3 },
    { temperature: 2, maxOutputTokens: 50, stopSequences: ['\uFFFD'] },
    { temperature: 1.2, maxOutputTokens: 45, stopSequences: ['abc', 'ab', 'x y'] },
  ];
  return samplings.map((sampling, i) => ({
    input: inputs[i % inputs.length],
    candidateCount: 1 + (i % 3),
    sampling,
    seed: Math.floor(rng.next() * 2 ** 31),
  }));
}

describe('batched decoding', () => {
  it('computes each step bit for bit as Network.step does', () => {
    for (const [name, config] of CONFIGS) {
      const net = randomNetwork(config, 3);
      const prompts = ['one', 'a longer prompt of the batch', 'ünïcode', '', 'five'];
      const encs = prompts.map((p) => net.encode(inputIds(p)));
      const inputs = encs.map((enc, i) => {
        const start = net.start(enc);
        return { enc, t: i * 5, prev: 40 + i, history: 1000 + 37 * i, sPrev: start.s, cPrev: start.c, alphaPrev: start.alpha, out: net.newCache(enc.n) };
      });
      stepBatch(net, inputs);
      for (const input of inputs) {
        const expected = net.newCache(input.enc.n);
        net.step(input.enc, input.t, input.prev, input.history, input.sPrev, input.cPrev, input.alphaPrev, expected);
        for (const field of ['s', 'c', 'alpha', 'p', 'a', 'q', 'loc', 'wideKeys', 'wide'] as const) assert.deepEqual(input.out[field], expected[field], `${name}: ${field} differs`);
        assert.equal(input.out.pgen, expected.pgen, `${name}: pgen differs`);
      }
    }
  });

  for (const [name, config] of CONFIGS) {
    it(`writes the same chunks as unbatched decoding, at temperature 0 and for a seed (${name})`, () => {
      const seed = Number(process.env.TEST_SEED) || Math.floor(Math.random() * 2 ** 31);
      console.log(`      seed ${seed} (TEST_SEED=${seed} repeats it)`);
      const net = randomNetwork(config, seed);
      const requests = requestsFor(seed);
      const expected = requests.map((r) => unbatched(net, r));
      for (const joinEvery of [0, 3]) {
        const got = batched(net, requests, joinEvery);
        requests.forEach((r, i) => assert.deepEqual(got[i], expected[i], `seed ${seed} (TEST_SEED=${seed} repeats it), request ${i} ${JSON.stringify(r.sampling)}, joining every ${joinEvery} steps`));
      }
      assert.ok(
        expected.some((chunks) => chunks.some((c) => c.finished.includes('STOP'))) && expected.some((chunks) => chunks.some((c) => c.finished.includes('MAX_TOKENS'))),
        `seed ${seed}: the requests should end both ways`,
      );
    });
  }
});
