import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { appendExampleToSpec, escapeForInputBox, jsonlAppendText, PromoteError, unescapeFromInputBox } from '../../../src/core/promptNotebook/promote';

const spec = `# Capital cities, tuned small
displayName: capitals   # shown in the tree
baseModel: models/gemini-1.5-flash-001-tuning

examples:
  # the classics
  - textInput: France
    output: Paris
  - {textInput: Spain, output: Madrid}

validation:
  examples:
    - textInput: Italy
      output: Rome
`;

describe('adding a training example', () => {
  it('appends to inline examples and keeps comments, order and the other entries', () => {
    const out = appendExampleToSpec(spec, { textInput: 'Peru', output: 'Lima' });
    assert.equal(out, spec.replace('output: Madrid}\n', 'output: Madrid}\n  - textInput: Peru\n    output: Lima\n'));
    const data = parse(out) as { examples: unknown[]; validation: { examples: unknown[] } };
    assert.deepEqual(data.examples, [
      { textInput: 'France', output: 'Paris' },
      { textInput: 'Spain', output: 'Madrid' },
      { textInput: 'Peru', output: 'Lima' },
    ]);
    assert.deepEqual(data.validation.examples, [{ textInput: 'Italy', output: 'Rome' }]);
  });

  it('creates the examples list when the spec has none, keeping multi-line text exact', () => {
    const out = appendExampleToSpec('displayName: x\nexamplesFile: data.jsonl # external\n', { textInput: 'a: "b"\nsecond line', output: '  indented\n' });
    assert.ok(out.startsWith('displayName: x\nexamplesFile: data.jsonl # external\nexamples:\n  - '), out);
    assert.deepEqual((parse(out) as { examples: unknown }).examples, [{ textInput: 'a: "b"\nsecond line', output: '  indented\n' }]);
  });

  it('keeps a last item with a trailing comment and a file without a final newline intact', () => {
    const text = 'examples:\n    - textInput: a\n      output: b # note\nother: 1';
    const out = appendExampleToSpec(text, { textInput: 'c', output: 'd' });
    assert.equal(out, 'examples:\n    - textInput: a\n      output: b # note\n    - textInput: c\n      output: d\nother: 1');
    const flow = appendExampleToSpec('examples: [{textInput: a, output: b}] # flow\n', { textInput: 'c', output: 'd' });
    assert.deepEqual((parse(flow) as { examples: unknown }).examples, [{ textInput: 'a', output: 'b' }, { textInput: 'c', output: 'd' }]);
    assert.ok(flow.includes('# flow'));
  });

  it('refuses a spec with YAML errors or with examples that are not a list', () => {
    assert.throws(() => appendExampleToSpec('examples: [\n', { textInput: 'a', output: 'b' }), (e) => e instanceof PromoteError && /YAML errors \(line/.test(e.message));
    assert.throws(() => appendExampleToSpec('examples: data.jsonl\n', { textInput: 'a', output: 'b' }), /"examples" is not a list/);
  });

  it('appends exactly one JSONL line, adding a missing final newline first', () => {
    assert.equal(jsonlAppendText('', { textInput: 'a', output: 'b' }), '{"textInput":"a","output":"b"}\n');
    assert.equal(jsonlAppendText('{"textInput":"x","output":"y"}', { textInput: 'a\nb', output: 'c' }), '\n{"textInput":"a\\nb","output":"c"}\n');
    assert.equal(jsonlAppendText('{}\n', { textInput: 'a', output: 'b' }), '{"textInput":"a","output":"b"}\n');
  });

  it('edits multi-line text in a one-line box without losing characters', () => {
    for (const text of ['plain', 'two\nlines', 'back\\slash and \\n literal', 'tab\there\r\n']) {
      const escaped = escapeForInputBox(text);
      assert.ok(!escaped.includes('\n'));
      assert.equal(unescapeFromInputBox(escaped), text);
    }
  });
});
