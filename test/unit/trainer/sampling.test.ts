import * as assert from 'node:assert/strict';
import { countTokens, type SamplingOptions, type TrainedModel, type TrainingExample } from '../../../src/server/trainer/trainerApi';
import { type SavedModel } from '../../../src/server/trainer/persistence';
import { LocalTrainedModel, pickToken } from '../../../src/server/trainer/trainedModel';
import { Network } from '../../../src/server/trainer/network';
import { Rng } from '../../../src/server/trainer/rng';
import { CAPITAL_SENTENCES, COLORS_FR } from './datasets';
import { BASE_MODEL_TIMEOUT_MS, baseStart, modelOf, tinyStart, train } from './support';

/** A freshly initialized network spreads its probability widely, which makes sampling effects visible. */
function untrained(): LocalTrainedModel {
  const { config, weights } = tinyStart(4);
  return new LocalTrainedModel(new Network(config, weights), 0);
}

function run(model: TrainedModel, input: string, opts: SamplingOptions): { text: string; tokens: string[]; finish: string } {
  const gen = model.generate(input, opts);
  const tokens: string[] = [];
  for (;;) {
    const r = gen.next();
    if (r.done) return { text: tokens.join(''), tokens, finish: r.value };
    tokens.push(r.value);
  }
}

function frequencies(opts: SamplingOptions, draws = 20_000): Map<number, number> {
  const dist = [0, 0.5, 0.3, 0.15, 0.05];
  const rng = Rng.fromSeed(42);
  const counts = new Map<number, number>();
  for (let i = 0; i < draws; i++) {
    const code = pickToken(dist, opts, rng);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return new Map([...counts].map(([code, n]) => [code, n / draws]));
}

function assertFrequencies(actual: Map<number, number>, expected: number[]): void {
  expected.forEach((p, i) => {
    const got = actual.get(i + 1) ?? 0;
    assert.ok(Math.abs(got - p) < 0.015, `token ${i + 1}: expected ${p.toFixed(3)}, drew ${got.toFixed(3)}`);
  });
}

const normalized = (w: number[]) => w.map((x) => x / w.reduce((a, b) => a + b, 0));

describe('local model: sampling', function () {
  this.timeout(60_000);
  let start: SavedModel;
  let fr: LocalTrainedModel;
  let base: LocalTrainedModel;
  const lookup = CAPITAL_SENTENCES;
  let lookupModel: LocalTrainedModel;
  const noisy = untrained();

  before(async function () {
    this.timeout(BASE_MODEL_TIMEOUT_MS);
    start = await baseStart();
    base = LocalTrainedModel.fromSaved(start);
    fr = modelOf(train(COLORS_FR, start));
    lookupModel = modelOf(train(lookup, start, { epochCount: 8, learningRate: 0.003 }));
  });

  it('draws in proportion to the probabilities at temperature 1', () => {
    assertFrequencies(frequencies({ temperature: 1 }), [0.5, 0.3, 0.15, 0.05]);
  });

  it('sharpens below temperature 1 and flattens above it (p^(1/T))', () => {
    assertFrequencies(frequencies({ temperature: 0.5 }), normalized([0.25, 0.09, 0.0225, 0.0025]));
    assertFrequencies(frequencies({ temperature: 2 }), normalized([0.5, 0.3, 0.15, 0.05].map(Math.sqrt)));
  });

  it('is greedy at temperature 0', () => {
    assertFrequencies(frequencies({ temperature: 0 }, 500), [1, 0, 0, 0]);
    const outputs = new Set(Array.from({ length: 5 }, () => run(noisy, 'anything at all', { temperature: 0, maxOutputTokens: 40 }).text));
    assert.equal(outputs.size, 1);
  });

  it('keeps only the K most likely tokens with topK', () => {
    assertFrequencies(frequencies({ topK: 1 }, 500), [1, 0, 0, 0]);
    assertFrequencies(frequencies({ topK: 2 }), [0.625, 0.375, 0, 0]);
  });

  it('keeps the smallest set reaching P with topP, after temperature', () => {
    assertFrequencies(frequencies({ topP: 0.5 }, 500), [1, 0, 0, 0]);
    assertFrequencies(frequencies({ topP: 0.6 }), [0.625, 0.375, 0, 0]);
    assertFrequencies(frequencies({ topP: 0.9 }), normalized([0.5, 0.3, 0.15]).concat(0));
    assertFrequencies(frequencies({ temperature: 0.5, topP: 0.9 }), normalized([0.25, 0.09]).concat(0, 0));
    assertFrequencies(frequencies({ topK: 3, topP: 0.9 }), normalized([0.5, 0.3, 0.15]).concat(0));
  });

  it('repeats itself exactly for the same seed, and not for another seed or none', () => {
    const opts = { temperature: 1, maxOutputTokens: 60 };
    const a = run(noisy, 'What is the code?', { ...opts, seed: 7 });
    const b = run(noisy, 'What is the code?', { ...opts, seed: 7 });
    const c = run(noisy, 'What is the code?', { ...opts, seed: 8 });
    assert.deepEqual(a, b);
    assert.notEqual(a.text, c.text);
    const unseeded = new Set(Array.from({ length: 4 }, () => run(noisy, 'What is the code?', opts).text));
    assert.ok(unseeded.size > 1, 'without a seed every generation draws afresh');
    assert.equal(run(lookupModel, lookup[2].textInput, { temperature: 1, seed: 123 }).text, run(lookupModel, lookup[2].textInput, { temperature: 1, seed: 123 }).text);
  });

  it('gives candidates of one request independent, reproducible draws', () => {
    const opts = { temperature: 1, maxOutputTokens: 60, seed: 99 };
    const first = run(noisy, 'Describe the otter', { ...opts, candidateIndex: 0 });
    const second = run(noisy, 'Describe the otter', { ...opts, candidateIndex: 1 });
    assert.notEqual(first.text, second.text);
    assert.deepEqual(run(noisy, 'Describe the otter', { ...opts, candidateIndex: 1 }), second);
  });

  it('ends with STOP at the end of an output and MAX_TOKENS at maxOutputTokens', () => {
    const full = run(lookupModel, lookup[0].textInput, { temperature: 0 });
    assert.equal(full.text, lookup[0].output);
    assert.equal(full.finish, 'STOP');
    const cut = run(lookupModel, lookup[0].textInput, { temperature: 0, maxOutputTokens: 10 });
    assert.equal(cut.finish, 'MAX_TOKENS');
    assert.equal(cut.tokens.length, 10);
    assert.equal(cut.text, [...lookup[0].output].slice(0, 10).join(''));
    const exact = run(lookupModel, lookup[0].textInput, { temperature: 0, maxOutputTokens: countTokens(lookup[0].output) });
    assert.equal(exact.text, lookup[0].output);
  });

  it('stops before a stop sequence, which is not part of the output', () => {
    const input = lookup[0].textInput;
    const output = lookup[0].output; // "The capital of France is Paris."
    assert.equal(run(lookupModel, input, { temperature: 0 }).text, output);
    assert.deepEqual(run(lookupModel, input, { temperature: 0, stopSequences: [' of '] }), {
      text: 'The capital',
      tokens: [...'The capital'],
      finish: 'STOP',
    });
    assert.equal(run(lookupModel, input, { temperature: 0, stopSequences: [' is ', 'capital'] }).text, 'The ', 'the earliest stop wins');
    assert.equal(run(lookupModel, input, { temperature: 0, stopSequences: ['The'] }).text, '');
    // a partial match that does not complete is held back, then released unchanged
    const partial = run(lookupModel, input, { temperature: 0, stopSequences: [`${output.slice(0, -1)}!`, 'zzz'] });
    assert.deepEqual(partial, { text: output, tokens: [...output], finish: 'STOP' });
  });

  it('streams one token at a time, lazily', () => {
    const gen = lookupModel.generate(lookup[1].textInput, { temperature: 0 });
    const first = gen.next();
    assert.deepEqual(first, { done: false, value: lookup[1].output[0] });
    const rest: string[] = [];
    let last = gen.next();
    for (; !last.done; last = gen.next()) rest.push(last.value);
    assert.equal(last.value, 'STOP');
    assert.equal(first.value + rest.join(''), lookup[1].output);
    assert.ok(rest.length > 5);
    assert.ok(rest.every((token) => countTokens(token) === 1));
  });

  it('counts tokens the way it generates them: one per code point', () => {
    assert.equal(countTokens(''), 0);
    assert.equal(countTokens('héllo'), 5);
    assert.equal(countTokens('a🦊b'), 3);
    assert.equal(countTokens('\ud83e'), 1, 'a lone surrogate is one token');
    const emoji: TrainingExample[] = [
      { textInput: 'animal', output: 'It is a 🦊 fox 🦊!' },
      { textInput: 'weather', output: '☀️ then 🌧️' },
      { textInput: 'flag', output: '🇫🇷 𝒻𝓇𝒶𝓃𝒸𝑒' },
    ];
    const model = modelOf(train(emoji, start, { epochCount: 40, learningRate: 0.003 }));
    for (const e of emoji) {
      const r = run(model, e.textInput, { temperature: 0 });
      assert.equal(r.text, e.output);
      assert.equal(r.tokens.length, countTokens(e.output));
      assert.equal(model.countTokens(e.output), r.tokens.length);
    }
  });

  it('copes with empty, unknown, astral, broken and very long input', () => {
    const inputs = ['', '   ', '\u0000\u0007', '漢字かなカナ', '🦊🦊🦊🧪', '\ud800 lone \udfff surrogates', 'x'.repeat(200_000), 'Translate '.repeat(5000)];
    for (const input of inputs) {
      for (const model of [fr, noisy, base]) {
        const r = run(model, input, { temperature: 0.7, seed: 1, maxOutputTokens: 200 });
        assert.ok(r.finish === 'STOP' || r.finish === 'MAX_TOKENS');
        assert.ok(r.tokens.length <= 200);
        assert.equal(r.text, r.tokens.join(''));
      }
    }
    assert.equal(run(fr, 'Translate to French: 🦊', { temperature: 0 }).text.startsWith('En français : '), true);
  });
});

describe('local model: the built-in base model', function () {
  this.timeout(60_000);
  let base: LocalTrainedModel;
  before(async function () {
    this.timeout(BASE_MODEL_TIMEOUT_MS);
    base = LocalTrainedModel.fromSaved(await baseStart());
  });

  it('does the generic transformations it was pretrained on, named in the prompt', () => {
    assert.equal(run(base, 'uppercase: hello world', { temperature: 0 }).text, 'HELLO WORLD');
    assert.equal(run(base, 'successor: 41', { temperature: 0 }).text, '42');
    assert.ok(base.info.trainedSteps > 0);
  });
});
