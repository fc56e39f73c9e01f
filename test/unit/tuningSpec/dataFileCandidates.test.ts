import * as assert from 'node:assert/strict';
import { couldHoldExamples, examplesFileReference } from '../../../src/core/tuningSpec/dataFileCandidates';

describe('data files offered for a new spec', () => {
  it('offers CSV, TSV and JSONL files whatever they start with', () => {
    for (const file of ['/w/a.csv', '/w/a.tsv', '/w/a.jsonl', '/w/a.ndjson']) assert.equal(couldHoldExamples(file, '{"x":1}'), true, file);
  });

  it('offers a JSON file only when it holds an array', () => {
    assert.equal(couldHoldExamples('/w/tickets.json', '\uFEFF \n  [{"textInput": "a", "output": "b"}]'), true);
    assert.equal(couldHoldExamples('/w/package.json', '{\n  "name": "x"'), false);
    assert.equal(couldHoldExamples('/w/empty.json', ''), false);
  });

  it('points the spec at the file relative to the spec folder', () => {
    assert.equal(examplesFileReference('/w', '/w/data/tickets.csv'), 'data/tickets.csv');
    assert.equal(examplesFileReference('/w/specs', '/w/data/tickets.csv'), '../data/tickets.csv');
    assert.equal(examplesFileReference('/w', '/w/tickets.jsonl'), 'tickets.jsonl');
  });
});
