import * as assert from 'node:assert/strict';
import { buildHistory, buildPromptRequest, describeSettings, effectiveSettings, parseSettingInput } from '../../../src/core/promptNotebook/generateRequest';

describe('prompt request construction', () => {
  it('is single-turn by default, even with earlier answered prompts', () => {
    const request = buildPromptRequest({
      prompt: 'third',
      notebook: {},
      earlier: [{ prompt: 'first', answer: 'one' }],
    });
    assert.deepEqual(request, { contents: [{ role: 'user', parts: [{ text: 'third' }] }] });
  });

  it('in chat mode sends earlier prompts and their answers in order, then the prompt', () => {
    const request = buildPromptRequest({
      prompt: 'third',
      notebook: { chat: true },
      earlier: [
        { prompt: 'first', answer: 'one' },
        { prompt: 'second', answer: 'two' },
      ],
    });
    assert.deepEqual(request.contents, [
      { role: 'user', parts: [{ text: 'first' }] },
      { role: 'model', parts: [{ text: 'one' }] },
      { role: 'user', parts: [{ text: 'second' }] },
      { role: 'model', parts: [{ text: 'two' }] },
      { role: 'user', parts: [{ text: 'third' }] },
    ]);
  });

  it('leaves out earlier prompts without a completed answer and empty prompts, keeping turns alternating', () => {
    const history = buildHistory([
      { prompt: 'never run', answer: undefined },
      { prompt: '   ', answer: 'stray' },
      { prompt: 'ran', answer: '' },
      { prompt: 'also ran', answer: 'yes' },
    ]);
    assert.deepEqual(history.map((c) => [c.role, (c.parts?.[0] as { text: string }).text]), [
      ['user', 'ran'],
      ['model', ''],
      ['user', 'also ran'],
      ['model', 'yes'],
    ]);
  });

  it('cell settings override notebook settings key by key', () => {
    const notebook = { systemInstruction: 'Be terse.', generationConfig: { temperature: 1, maxOutputTokens: 100, stopSequences: ['END'] } };
    const cell = { generationConfig: { temperature: 0, seed: 7 } };
    assert.deepEqual(effectiveSettings(notebook, cell), {
      systemInstruction: 'Be terse.',
      generationConfig: { temperature: 0, maxOutputTokens: 100, stopSequences: ['END'], seed: 7 },
    });
    const request = buildPromptRequest({ prompt: 'p', notebook, cell });
    assert.deepEqual(request.systemInstruction, { parts: [{ text: 'Be terse.' }] });
    assert.deepEqual(request.generationConfig, { temperature: 0, maxOutputTokens: 100, stopSequences: ['END'], seed: 7 });
  });

  it('an empty systemInstruction in a cell removes the notebook one; no settings means no fields', () => {
    const request = buildPromptRequest({ prompt: 'p', notebook: { systemInstruction: 'x' }, cell: { systemInstruction: '' } });
    assert.equal('systemInstruction' in request, false);
    assert.equal('generationConfig' in request, false);
  });

  it('describes effective settings briefly', () => {
    assert.equal(describeSettings({}, false), 'model defaults');
    assert.equal(
      describeSettings({ systemInstruction: 's', generationConfig: { temperature: 0, maxOutputTokens: 64, candidateCount: 2, stopSequences: ['\n'] } }, true),
      'temp 0 · max 64 · 2 candidates · stop "\\n" · system · chat',
    );
  });

  it('parses what people type for a setting and says what is wrong', () => {
    assert.deepEqual(parseSettingInput('temperature', '0.5'), { value: 0.5 });
    assert.deepEqual(parseSettingInput('temperature', ''), { value: undefined });
    assert.deepEqual(parseSettingInput('temperature', '3'), { error: 'temperature must be between 0 and 2' });
    assert.deepEqual(parseSettingInput('topK', '2.5'), { error: 'topK must be a whole number' });
    assert.deepEqual(parseSettingInput('seed', 'abc'), { error: 'seed must be a number' });
    assert.deepEqual(parseSettingInput('stopSequences', '"\\n\\n", "END"'), { value: ['\n\n', 'END'] });
    assert.deepEqual(parseSettingInput('stopSequences', '["a","b","c","d","e","f"]'), { error: 'At most 5 stop sequences' });
    assert.ok('error' in parseSettingInput('stopSequences', 'END'));
  });
});
