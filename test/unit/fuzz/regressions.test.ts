// Problems the seeded fuzz found, each pinned by the smallest input that showed it.
import * as assert from 'node:assert/strict';
import { decodeTunebook, parseTunebook, TunebookFormatError } from '../../../src/core/promptNotebook/tunebookFormat';
import { buildCreateRequest } from '../../../src/core/tuningSpec/createRequest';
import { validateSpec } from '../../../src/core/tuningSpec/validateSpec';
import { memoryFileSystem } from '../../fuzz/families';

const DIR = '/fuzz';
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const examplesJsonl = Array.from({ length: 20 }, (_, i) => JSON.stringify({ textInput: `q${i}`, output: `a${i}` })).join('\n');

async function validate(spec: string, files: Record<string, string> = { 'data.jsonl': examplesJsonl }) {
  const fsys = memoryFileSystem(new Map(Object.entries(files).map(([name, text]) => [`${DIR}/${name}`, encode(text)])));
  return validateSpec(spec, `${DIR}/spec.tuning.yaml`, { fs: fsys });
}

describe('fuzz regressions', () => {
  it('a YAML error after a stray multi-line scalar is placed on the lines it is on', async () => {
    // The parser skips the line break inside a scalar it cannot place; positions after it were one line short.
    const spec = '    - textInput: a\nbaseModel: models/x\nexamplesFile: data.jsonl\nvalidation:\n  examples:\n    - textInput: b\ndisplayName: stray\n      output: c\n    - textInput: d\n      output: e\n';
    const result = await validate(spec);
    const lines = spec.split('\n');
    const syntax = result.diagnostics.filter((d) => d.code === 'yaml-syntax');
    assert.ok(syntax.length > 0, 'the syntax error is reported');
    for (const d of syntax) {
      assert.ok(d.range.start.character <= lines[d.range.start.line].length, `start ${JSON.stringify(d.range.start)} is inside line ${d.range.start.line + 1}`);
      assert.ok(d.range.end.character <= lines[d.range.end.line].length, `end ${JSON.stringify(d.range.end)} is inside line ${d.range.end.line + 1}`);
    }
    assert.ok(syntax.some((d) => d.range.start.line === 9), `a token on line 10 is reported on line 10: ${JSON.stringify(syntax.map((d) => d.range))}`);
  });

  for (const [key, value, line] of [
    ['epochCount', '1e400', 3],
    ['learningRate', '.inf', 3],
    ['batchSize', '-.inf', 3],
  ] as const) {
    it(`${key}: ${value} is an error on its line, not Infinity sent as null`, async () => {
      const spec = `baseModel: models/x\nexamplesFile: data.jsonl\nhyperparameters:\n  ${key}: ${value}\n`;
      const result = await validate(spec);
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      assert.ok(result.hasErrors, 'the spec has an error');
      assert.ok(errors.some((d) => d.range.start.line === line && /finite|whole number|greater than|at least/.test(d.message)), JSON.stringify(errors));
      assert.throws(() => buildCreateRequest(result));
    });
  }

  it('temperature: .nan is an error on its line', async () => {
    const result = await validate('baseModel: models/x\nexamplesFile: data.jsonl\ntemperature: .nan\n');
    assert.ok(result.diagnostics.some((d) => d.severity === 'error' && d.range.start.line === 2 && /temperature must be (a finite number|between)/.test(d.message)), JSON.stringify(result.diagnostics));
  });

  it('a spec nested so deep that the YAML parser runs out of stack gets the nesting limit, not "Maximum call stack size exceeded"', async () => {
    const result = await validate(`baseModel: models/x\nexamplesFile: data.jsonl\nextra: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}\n`);
    assert.deepEqual(result.diagnostics.filter((d) => /call stack/i.test(d.message)), []);
    const limits = result.diagnostics.filter((d) => d.code === 'yaml-limits');
    assert.equal(limits.length, 1, JSON.stringify(result.diagnostics.slice(0, 3)));
    assert.equal(limits[0].range.start.line, 2);
    assert.match(limits[0].message, /nested more than 64 levels/);
  });

  it('a prompt notebook output item whose mime the editor would refuse is reported with line and column', () => {
    const text = '{\n  "format": "gemini-tuning.tunebook",\n  "cells": [\n    {"kind": "prompt", "source": "x", "outputs": [{"items": [{"mime": "plain", "text": "y"}]}]}\n  ]\n}\n';
    assert.throws(() => parseTunebook(text), (e: unknown) => e instanceof TunebookFormatError && e.line === 4 && /mime must be a media type/.test(e.reason));
    assert.doesNotThrow(() => parseTunebook(text.replace('"plain"', '"text/plain; charset=utf-8"')));
  });

  it('a CSV quote that is never closed on its row is reported from the row where it opens', async () => {
    const rows = ['question,answer', ...Array.from({ length: 20 }, (_, i) => `q${i},a${i}`)];
    rows.splice(5, 0, '"unclosed,quote');
    rows.push('"Korea, South",Seoul');
    const result = await validate('baseModel: models/x\nexamplesFile:\n  - path: data.csv\n    columns: {textInput: question, output: answer}\n', { 'data.csv': rows.join('\n') });
    const bad = result.diagnostics.filter((d) => d.code === 'csv-row');
    assert.equal(bad.length, 1, JSON.stringify(bad));
    assert.equal(bad[0].range.start.line, 5, `starts on line 6, where the quote opens: ${JSON.stringify(bad[0].range)}`);
    assert.match(bad[0].message, /the row starts on line 6/);
  });

  it('a prompt notebook that is not UTF-8 is refused with the line and column of the first bad byte', () => {
    const bytes = new Uint8Array([...encode('{\n  "format": "gemini-tuning.tunebook",\n  "x": "ab'), 0xff, ...encode('"\n}')]);
    assert.throws(() => decodeTunebook(bytes), (e: unknown) => e instanceof TunebookFormatError && e.line === 3 && e.column === 11 && /not valid UTF-8.*0xff/.test(e.reason));
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from('{}', 'utf16le')]);
    assert.throws(() => decodeTunebook(utf16), (e: unknown) => e instanceof TunebookFormatError && e.line === 1 && e.column === 1 && /UTF-16/.test(e.reason));
    const cut = new Uint8Array([...encode('{"a": "é'), 0xe2, 0x82]);
    assert.throws(() => decodeTunebook(cut), (e: unknown) => e instanceof TunebookFormatError && e.line === 1 && e.column === 9);
    assert.equal(decodeTunebook(new Uint8Array([0xef, 0xbb, 0xbf, ...encode('{}')])), '{}', 'a UTF-8 BOM is dropped');
  });
});
