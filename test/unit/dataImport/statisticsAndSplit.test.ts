import * as assert from 'node:assert/strict';
import { describeLengths, exampleStatistics, lengthStatistics } from '../../../src/core/dataImport/statistics';
import { splitForValidation, validationSize } from '../../../src/core/dataImport/validationSplit';

describe('import: length statistics', () => {
  it('gives min, median, 95th percentile (nearest rank), max and mean', () => {
    const lengths = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(lengthStatistics(lengths), { min: 1, median: 50, p95: 95, max: 100, mean: 50.5 });
    assert.deepEqual(lengthStatistics([7]), { min: 7, median: 7, p95: 7, max: 7, mean: 7 });
    assert.deepEqual(lengthStatistics([]), { min: 0, median: 0, p95: 0, max: 0, mean: 0 });
  });

  it('counts examples, empty inputs and exact repeats, and measures input and output apart', () => {
    const stats = exampleStatistics([
      { textInput: 'abc', output: 'x' },
      { textInput: '', output: 'xyz' },
      { textInput: 'abc', output: 'x' },
    ]);
    assert.equal(stats.examples, 3);
    assert.equal(stats.emptyInputs, 1);
    assert.equal(stats.duplicates, 1);
    assert.equal(stats.input.max, 3);
    assert.equal(stats.output.max, 3);
    assert.equal(stats.output.min, 1);
  });

  it('reads as a person would say it', () => {
    assert.equal(describeLengths({ min: 12, median: 80, p95: 300, max: 1340, mean: 90 }), '12–1,340 characters, median 80, 95% ≤ 300');
    assert.equal(describeLengths({ min: 5, median: 5, p95: 5, max: 5, mean: 5 }), '5 characters, median 5, 95% ≤ 5');
  });
});

describe('import: splitting off a validation set', () => {
  const examples = Array.from({ length: 200 }, (_, i) => ({ textInput: `q${i}`, output: `a${i}` }));

  it('holds out the fraction asked for, at least one, and always leaves one to train on', () => {
    assert.equal(validationSize(200, 0.1), 20);
    assert.equal(validationSize(3, 0.1), 1);
    assert.equal(validationSize(1, 0.2), 0);
    const { training, validation } = splitForValidation(examples, 0.1, 19);
    assert.equal(validation.length, 20);
    assert.equal(training.length, 180);
  });

  it('takes every example once, keeps the file order on each side, and splits the same way for the same seed', () => {
    const first = splitForValidation(examples, 0.2, 19);
    const all = [...first.training, ...first.validation].map((e) => e.textInput).sort();
    assert.deepEqual(all, examples.map((e) => e.textInput).sort());
    const position = (e: { textInput: string }) => Number(e.textInput.slice(1));
    for (const side of [first.training, first.validation]) assert.deepEqual(side.map(position), side.map(position).sort((a, b) => a - b));
    assert.deepEqual(splitForValidation(examples, 0.2, 19), first);
    assert.notDeepEqual(splitForValidation(examples, 0.2, 20).validation, first.validation, 'another seed chooses others');
    assert.notDeepEqual(first.validation, examples.slice(-40), 'not simply the last rows');
  });

  it('keeps exact repeats together, so nothing held out was trained on', () => {
    const repeated = examples.flatMap((e, i) => (i % 3 === 0 ? [e, e] : [e]));
    for (const seed of [1, 2, 3, 19]) {
      const { training, validation } = splitForValidation(repeated, 0.2, seed);
      const trained = new Set(training.map((e) => e.textInput));
      assert.ok(validation.length > 0);
      assert.deepEqual(validation.filter((e) => trained.has(e.textInput)), [], `seed ${seed}`);
    }
  });
});
