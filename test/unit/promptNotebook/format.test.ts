import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseTunebook, serializeTunebook, type Tunebook, TunebookFormatError } from '../../../src/core/promptNotebook/tunebookFormat';

const fixtures = path.resolve('test/fixtures/notebooks');
const fixture = (name: string): string => readFileSync(path.join(fixtures, name), 'utf8');

function expectFormatError(text: string, line: number, column: number, pattern: RegExp): void {
  assert.throws(
    () => parseTunebook(text),
    (e: unknown) => {
      assert.ok(e instanceof TunebookFormatError, `expected TunebookFormatError, got ${String(e)}`);
      assert.equal(e.line, line, `line of: ${e.message}`);
      assert.equal(e.column, column, `column of: ${e.message}`);
      assert.match(e.reason, pattern);
      assert.match(e.message, new RegExp(`^line ${line}, column ${column}: `));
      return true;
    },
  );
}

describe('tunebook format', () => {
  it('reads every part of the example file', () => {
    const book = parseTunebook(fixture('example.tunebook'));
    assert.equal(book.metadata.model, 'tunedModels/sentence-translator-abc123');
    assert.equal(book.metadata.chat, true);
    assert.equal(book.metadata.systemInstruction, 'You translate sentences.\nAnswer with the translation only.');
    assert.deepEqual(book.metadata.generationConfig, { temperature: 0, maxOutputTokens: 256, stopSequences: ['\n\n'] });
    assert.equal(book.metadata.author, 'kept as is');
    assert.equal(book.cells.length, 3);
    assert.deepEqual(book.cells[0], { kind: 'markdown', source: '# Translation checks\n\nTwo prompts, the second sees the first.' });
    assert.equal(book.cells[1].source, 'Bonjour le monde');
    assert.deepEqual(book.cells[1].outputs?.[0].items, [{ mime: 'text/plain', text: 'Hello world' }]);
    assert.equal(book.cells[1].outputs?.[0].metadata?.finishReason, 'STOP');
    assert.deepEqual(book.cells[2].metadata, {
      generationConfig: { temperature: 0.7, candidateCount: 2, seed: 42 },
      systemInstruction: '',
      expected: 'Hallo Welt',
    });
  });

  it('writes the example file back byte for byte', () => {
    const text = fixture('example.tunebook');
    assert.equal(serializeTunebook(parseTunebook(text)), text);
  });

  it('round-trips awkward content: CRLF, trailing newlines, unicode, binary outputs, languages', () => {
    const book: Tunebook = {
      metadata: { model: 'models/gemini-1.5-flash-001-tuning', chat: false, nested: { a: [1, { b: null }] } },
      cells: [
        { kind: 'prompt', source: 'line one\r\nline two\n\n', metadata: { systemInstruction: 'be brief\n' } },
        { kind: 'prompt', language: 'plaintext', source: '' },
        { kind: 'markdown', source: 'ünïcødé 🚀 "quotes" \\ backslash\ttab' },
        {
          kind: 'prompt',
          source: 'x',
          outputs: [
            { items: [{ mime: 'application/vnd.code.notebook.stdout', text: 'a\nb\n' }, { mime: 'image/png', base64: 'iVBORw0KGgo=' }] },
            { items: [{ mime: 'application/vnd.code.notebook.error', text: '{"name":"E","message":"m"}' }], metadata: { cancelled: true } },
          ],
        },
      ],
    };
    const text = serializeTunebook(book);
    assert.deepEqual(parseTunebook(text), book);
    assert.equal(serializeTunebook(parseTunebook(text)), text);
  });

  it('stores multi-line text as one array element per line, for one-line diffs', () => {
    const text = serializeTunebook({ metadata: {}, cells: [{ kind: 'prompt', source: 'a\nb\nc' }] });
    assert.match(text, /"source": \[\n\s+"a",\n\s+"b",\n\s+"c"\n\s+\]/);
    assert.ok(text.endsWith('\n'));
  });

  it('treats an empty file as a new empty notebook', () => {
    assert.deepEqual(parseTunebook(''), { metadata: {}, cells: [] });
    assert.deepEqual(parseTunebook('  \n'), { metadata: {}, cells: [] });
  });

  it('does not let a "__proto__" key change the prototype of kept metadata', () => {
    const book = parseTunebook('{"format":"gemini-tuning.tunebook","metadata":{"__proto__":{"polluted":true}},"cells":[]}');
    assert.equal((book.metadata as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(book.metadata, '__proto__')?.value, { polluted: true });
  });

  describe('malformed files fail with what and where, never an empty notebook', () => {
    it('trailing comma', () => expectFormatError(fixture('bad-trailing-comma.tunebook'), 7, 3, /invalid JSON: trailing comma before \]/));
    it('unknown cell kind', () => expectFormatError(fixture('bad-cell-kind.tunebook'), 7, 15, /cells\[1\]\.kind must be "markdown" or "prompt"/));
    it('wrongly typed setting', () => expectFormatError(fixture('bad-temperature.tunebook'), 4, 54, /"metadata\.generationConfig\.temperature" must be a number/));
    it('truncated file', () => expectFormatError(fixture('bad-truncated.tunebook'), 6, 35, /invalid JSON: unterminated string/));
    it('another kind of JSON file', () => expectFormatError(fixture('bad-not-a-tunebook.tunebook'), 3, 3, /unknown property "nbformat"/));
    it('a newer format version', () => expectFormatError(fixture('bad-newer-version.tunebook'), 3, 14, /newer version of the format \(7\)/));
    it('not JSON at all', () => expectFormatError('# just markdown\n', 1, 1, /invalid JSON: expected a value but found '#'/));
    it('missing format marker', () => expectFormatError('{\n  "cells": []\n}', 1, 1, /missing "format"/));
    it('a cell without source', () => expectFormatError('{"format":"gemini-tuning.tunebook","cells":[{"kind":"prompt"}]}', 1, 45, /cells\[0\] has no "source"/));
    it('an integer setting with a fraction', () =>
      expectFormatError('{"format":"gemini-tuning.tunebook","metadata":{"generationConfig":{"topK":2.5}},"cells":[]}', 1, 75, /topK" must be an integer/));
    it('an unknown generation setting', () =>
      expectFormatError('{"format":"gemini-tuning.tunebook","metadata":{"generationConfig":{"temprature":1}},"cells":[]}', 1, 68, /unknown generation setting "temprature"/));
    it('an output item with both text and base64', () =>
      expectFormatError('{"format":"gemini-tuning.tunebook","cells":[{"kind":"prompt","source":"","outputs":[{"items":[{"mime":"a/b","text":"x","base64":"eA=="}]}]}]}', 1, 95, /exactly one of "text" or "base64"/));
    it('duplicate keys', () => expectFormatError('{"format":"gemini-tuning.tunebook","cells":[],"cells":[]}', 1, 47, /duplicate property "cells"/));
    it('garbage after the document', () => expectFormatError('{"format":"gemini-tuning.tunebook","cells":[]} x', 1, 48, /after the end of the document/));
    it('a raw newline inside a string', () => expectFormatError('{"format":"gemini-tuning.tunebook","cells":[{"kind":"prompt","source":"a\nb"}]}', 1, 73, /control character in string/));
  });
});
