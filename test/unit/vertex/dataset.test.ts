import assert from 'node:assert/strict';
import { checkVertexJsonl, examplesToVertexJsonl } from '../../../src/core/vertex/dataset';

const line = (value: unknown): string => JSON.stringify(value);
const turn = (role: string, text: string) => ({ role, parts: [{ text }] });

describe('Vertex AI JSONL: converting the spec\'s examples and checking user files', () => {
  it('converts textInput/output pairs to contents with user and model turns, one line each', () => {
    const text = examplesToVertexJsonl([{ textInput: 'cat', output: 'chat' }, { textInput: 'line\nbreak "quoted"', output: 'ok' }]);
    const lines = text.split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '');
    assert.deepEqual(JSON.parse(lines[0]), { contents: [turn('user', 'cat'), turn('model', 'chat')] });
    assert.deepEqual(JSON.parse(lines[1]).contents[0].parts[0].text, 'line\nbreak "quoted"');
    assert.deepEqual(checkVertexJsonl(text), { exampleCount: 2, problems: [], truncated: false });
  });

  it('puts the system instruction on every line when there is one', () => {
    const text = examplesToVertexJsonl([{ textInput: 'a', output: 'b' }], 'Translate to French.');
    assert.deepEqual(JSON.parse(text), { systemInstruction: { parts: [{ text: 'Translate to French.' }] }, contents: [turn('user', 'a'), turn('model', 'b')] });
    assert.equal(checkVertexJsonl(text).problems.length, 0);
  });

  it('accepts multi-turn conversations, roles in any case, parts as one object, blank lines and CRLF', () => {
    const text = [
      line({ contents: [turn('user', 'hi'), turn('model', 'hello'), turn('user', 'and?'), turn('model', 'bye')] }),
      '',
      line({ contents: [{ role: 'USER', parts: { text: 'x' } }, turn('model', 'y')] }),
      line({ contents: [turn('user', 'look'), { role: 'model', parts: [{ text: 'a photo' }] }], systemInstruction: { parts: [{ fileData: { mimeType: 'image/png', fileUri: 'gs://b/i.png' } }] } }),
    ].join('\r\n');
    assert.deepEqual(checkVertexJsonl(text), { exampleCount: 3, problems: [], truncated: false });
  });

  it('reports each bad line with its 1-based number and what is wrong', () => {
    const text = [
      line({ contents: [turn('user', 'fine'), turn('model', 'fine')] }),
      '{not json',
      line({ messages: [] }),
      line({ contents: [turn('model', 'first')] }),
      line({ contents: [turn('user', 'a'), turn('user', 'b')] }),
      line({ contents: [turn('user', 'a')] }),
      line({ contents: [turn('user', 'a'), { role: 'assistant', parts: [{ text: 'b' }] }] }),
      line({ contents: [turn('user', 'a'), { role: 'model', parts: [] }] }),
      line({ contents: [turn('user', 'a'), { role: 'model', parts: [{ text: 5 }] }] }),
      line({ contents: [turn('user', 'a'), { role: 'model', parts: [{ text: 'x', functionCall: {} }] }] }),
      line({ contents: [{ role: 'user', parts: [{ fileData: { fileUri: 'https://x/y.png' } }] }, turn('model', 'b')] }),
      line([1, 2]),
      line({ contents: [] }),
      line({ systemInstruction: 'be brief', contents: [turn('user', 'a'), turn('model', 'b')] }),
    ].join('\n');
    const check = checkVertexJsonl(text);
    assert.equal(check.exampleCount, 1);
    assert.deepEqual(check.problems.map((p) => p.line), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    const byLine = new Map(check.problems.map((p) => [p.line, p.message]));
    assert.match(byLine.get(2) ?? '', /not valid JSON/);
    assert.match(byLine.get(3) ?? '', /unknown field "messages".*OpenAI/);
    assert.match(byLine.get(4) ?? '', /contents\[0\] must be a user turn/);
    assert.match(byLine.get(5) ?? '', /contents\[1\] repeats the role "user"/);
    assert.match(byLine.get(6) ?? '', /last turn must be a model turn/);
    assert.match(byLine.get(7) ?? '', /contents\[1\]\.role must be "user" or "model", found the text "assistant"/);
    assert.match(byLine.get(8) ?? '', /contents\[1\]\.parts must hold at least one part/);
    assert.match(byLine.get(9) ?? '', /parts\[0\]\.text must be a string, found number 5/);
    assert.match(byLine.get(10) ?? '', /exactly one of .* it has text and functionCall/);
    assert.match(byLine.get(11) ?? '', /fileUri must be a gs:\/\/ URI/);
    assert.match(byLine.get(12) ?? '', /expected an object/);
    assert.match(byLine.get(13) ?? '', /"contents" is required/);
    assert.match(byLine.get(14) ?? '', /"systemInstruction" must be an object/);
  });

  it('an empty file is a problem, and checking stops at maxProblems', () => {
    assert.deepEqual(checkVertexJsonl('\n\n').problems, [{ line: 1, message: 'the file holds no examples; write one JSON object per line with "contents"' }]);
    const many = Array.from({ length: 10 }, () => '{').join('\n');
    const check = checkVertexJsonl(many, { maxProblems: 3 });
    assert.equal(check.problems.length, 3);
    assert.equal(check.truncated, true);
  });
});
