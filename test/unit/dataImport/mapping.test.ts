import * as assert from 'node:assert/strict';
import { guessColumnMapping, textColumns } from '../../../src/core/dataImport/columnMapping';
import { parseDataTable } from '../../../src/core/dataImport/dataTable';
import { mappedExamples } from '../../../src/core/dataImport/importedExamples';
import { MAX_OUTPUT_CHARS } from '../../../src/core/tuningSpec/examples';

describe('import: which columns hold the input and the output', () => {
  it('guesses by names people use for them, whatever their case and order', () => {
    const guess = (header: string) => guessColumnMapping(parseDataTable(`${header}\n${header.split(',').map(() => 'x').join(',')}\n`, 'csv', 'x.csv'));
    assert.deepEqual(guess('id,Answer,Question'), { input: 'Question', output: 'Answer', byName: true });
    assert.deepEqual(guess('completion,prompt'), { input: 'prompt', output: 'completion', byName: true });
    assert.deepEqual(guess('text_input,output'), { input: 'text_input', output: 'output', byName: true });
    assert.deepEqual(guess('notes,instruction,response'), { input: 'instruction', output: 'response', byName: true });
  });

  it('falls back to the first two text columns, skipping columns of numbers', () => {
    const table = parseDataTable('[{"n": 1, "de": "Hund", "en": "dog"}, {"n": 2, "de": "Katze", "en": "cat"}]', 'json', 'x.json');
    assert.deepEqual(textColumns(table), ['de', 'en']);
    assert.deepEqual(guessColumnMapping(table), { input: 'de', output: 'en', byName: false });
  });

  it('completes a half-named guess with another column', () => {
    const table = parseDataTable('word,answer\na,b\n', 'csv', 'x.csv');
    assert.deepEqual(guessColumnMapping(table), { input: 'word', output: 'answer', byName: false });
  });

  it('guesses names written with spaces around them, keeping them as written', () => {
    assert.deepEqual(guessColumnMapping(parseDataTable('Question , Answer\nx,y\n', 'csv', 'x.csv')), { input: 'Question ', output: ' Answer', byName: true });
  });

  it('has no guess with fewer than two text columns', () => {
    assert.equal(guessColumnMapping(parseDataTable('only\na\n', 'csv', 'x.csv')), undefined);
  });
});

describe('import: the examples a mapping makes', () => {
  it('keeps the rows the spec accepts and says where and why it leaves the others out', () => {
    const long = 'x'.repeat(MAX_OUTPUT_CHARS + 1);
    const table = parseDataTable(
      [
        '{"q": "a", "a": "b", "n": 1}',
        '{"q": "c", "a": ""}',
        '{"q": "d"}',
        '{"q": "e", "a": 5}',
        `{"q": "f", "a": "${long}"}`,
        '{"q": "", "a": "g"}',
      ].join('\n'),
      'jsonl',
      'x.jsonl',
    );
    const { examples, leftOut } = mappedExamples(table, { input: 'q', output: 'a' });
    assert.deepEqual(examples, [
      { textInput: 'a', output: 'b', at: 1 },
      { textInput: '', output: 'g', at: 6 },
    ]);
    assert.deepEqual(
      leftOut.map((l) => `${l.place}: ${l.reason}`),
      ['line 2: the output is empty: every example needs an output', 'line 3: no "a"', 'line 4: "a" is a number, not text', `line 5: the output is ${(MAX_OUTPUT_CHARS + 1).toLocaleString('en-US')} characters long; the maximum is ${MAX_OUTPUT_CHARS.toLocaleString('en-US')}`],
    );
  });
});
