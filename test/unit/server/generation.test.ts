import assert from 'node:assert/strict';
import * as http from 'node:http';
import { BASE_MODEL, type Harness, call, startServer, trainModel, tuningBody } from './harness';

/** Raw bytes of a response, read with node:http so nothing normalizes them. */
function rawPost(base: string, path: string, body: unknown): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const LONG_OUTPUT = 'The quick brown fox jumps over the lazy dog again and again.';

describe('local server: generation', function () {
  let h: Harness;
  let model: string;
  before(async () => {
    h = await startServer();
    const body = tuningBody({ displayName: 'generator' });
    (body.tuningTask as { trainingData: { examples: { examples: { textInput: string; output: string }[] } } }).trainingData.examples.examples = [
      { textInput: 'fox', output: LONG_OUTPUT },
      { textInput: 'cat', output: 'A cat sat on the mat.' },
      { textInput: 'one', output: 'two' },
      { textInput: 'three', output: 'four' },
    ];
    (body.tuningTask as { hyperparameters: unknown }).hyperparameters = { epochCount: 10, batchSize: 2 };
    model = await trainModel(h.url, body);
  });
  after(async () => h.close());
  const ask = (text: string, generationConfig: Record<string, unknown> = { temperature: 0 }): Record<string, unknown> => ({ contents: [{ role: 'user', parts: [{ text }] }], generationConfig });

  it('generateContent answers with the trained output, index 0, finishReason STOP and honest usage', async () => {
    const r = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, ask('fox'));
    assert.equal(r.status, 200, r.text);
    const c = r.json.candidates[0];
    assert.equal(c.content.parts[0].text, LONG_OUTPUT);
    assert.equal(c.content.role, 'model');
    assert.equal(c.index, 0);
    assert.equal(c.finishReason, 'STOP');
    const u = r.json.usageMetadata;
    assert.equal(u.promptTokenCount, 3);
    assert.equal(u.candidatesTokenCount, [...LONG_OUTPUT].length);
    assert.equal(u.totalTokenCount, u.promptTokenCount + u.candidatesTokenCount);
    assert.equal(r.json.modelVersion, model);
    assert.match(r.json.responseId, /^[a-z0-9]+$/);
  });

  it('reads the last user turn of a multi-turn conversation; systemInstruction does not change the input', async () => {
    const r = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, {
      systemInstruction: { parts: [{ text: 'be brief' }] },
      contents: [
        { role: 'user', parts: [{ text: 'fox' }] },
        { role: 'model', parts: [{ text: LONG_OUTPUT }] },
        { role: 'user', parts: [{ text: 'c' }, { text: 'at' }] },
      ],
      generationConfig: { temperature: 0 },
    });
    assert.equal(r.json.candidates[0].content.parts[0].text, 'A cat sat on the mat.');
    assert.equal(r.json.usageMetadata.promptTokenCount, 3);
  });

  it('maxOutputTokens stops with MAX_TOKENS; stopSequences cut the output', async () => {
    const max = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, ask('fox', { temperature: 0, maxOutputTokens: 5 }));
    assert.equal(max.json.candidates[0].finishReason, 'MAX_TOKENS');
    assert.equal(max.json.candidates[0].content.parts[0].text, LONG_OUTPUT.slice(0, 5));
    assert.equal(max.json.usageMetadata.candidatesTokenCount, 5);
    const stop = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, ask('fox', { temperature: 0, stopSequences: ['fox'] }));
    assert.equal(stop.json.candidates[0].content.parts[0].text, 'The quick brown ');
    assert.equal(stop.json.candidates[0].finishReason, 'STOP');
  });

  it('candidateCount gives that many indexed candidates; the same seed gives the same output', async () => {
    const config = { temperature: 1.5, topK: 40, candidateCount: 3, seed: 7 };
    const a = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, ask('fo', config));
    const b = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, ask('fo', config));
    assert.deepEqual(a.json.candidates.map((c: { index: number }) => c.index), [0, 1, 2]);
    assert.deepEqual(a.json.candidates, b.json.candidates);
  });

  it('SSE stream: data: <compact json>\\r\\n\\r\\n frames, several chunks, finishReason on the last only', async () => {
    const r = await rawPost(h.url, `/v1beta/${model}:streamGenerateContent?alt=sse`, ask('fox'));
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/event-stream');
    const text = r.body.toString('utf8');
    const frames = text.split('\r\n\r\n');
    assert.equal(frames.pop(), '', 'ends with \\r\\n\\r\\n and nothing after');
    assert.ok(frames.length > 3, `several chunks, got ${frames.length}`);
    let rebuilt = '';
    let joined = '';
    frames.forEach((frame, i) => {
      assert.ok(frame.startsWith('data: '), 'each event is one data: line');
      assert.equal(frame.includes('\n'), false, 'single-line JSON');
      const json = JSON.parse(frame.slice('data: '.length));
      rebuilt += `data: ${JSON.stringify(json)}\r\n\r\n`;
      const c = json.candidates[0];
      assert.equal(c.index, 0);
      joined += c.content.parts[0].text;
      if (i < frames.length - 1) assert.equal(c.finishReason, undefined);
      else assert.equal(c.finishReason, 'STOP');
      assert.ok(json.usageMetadata.promptTokenCount > 0);
    });
    assert.equal(rebuilt, text, 'byte-exact: compact JSON, CRLF CRLF separators');
    assert.equal(joined, LONG_OUTPUT);
    const last = JSON.parse(frames[frames.length - 1].slice(6));
    assert.equal(last.usageMetadata.candidatesTokenCount, [...LONG_OUTPUT].length);
  });

  it('JSON-array stream: [elem,\\r\\nelem,…] written progressively, parseable as one array', async () => {
    const r = await rawPost(h.url, `/v1beta/${model}:streamGenerateContent`, ask('fox'));
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const text = r.body.toString('utf8');
    const array = JSON.parse(text) as { candidates: { content: { parts: { text: string }[] }; finishReason?: string }[] }[];
    assert.ok(array.length > 3);
    assert.equal(text, `[${array.map((e) => JSON.stringify(e)).join(',\r\n')}]`, 'byte-exact framing');
    assert.equal(array.map((e) => e.candidates[0].content.parts[0].text).join(''), LONG_OUTPUT);
    assert.equal(array[array.length - 1].candidates[0].finishReason, 'STOP');
  });

  it('streams arrive progressively (first chunk before the stream ends)', async () => {
    const res = await fetch(`${h.url}/v1beta/${model}:streamGenerateContent?alt=sse`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask('fox')) });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    assert.ok(first.value && first.value.length > 0);
    assert.match(Buffer.from(first.value).toString(), /^data: \{/);
    let rest = '';
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      rest += Buffer.from(next.value).toString();
    }
    assert.match(rest, /"finishReason":"STOP"/);
  });

  it('the base model serves generateContent and streamGenerateContent too', async () => {
    const unary = await call(h.url, 'POST', `/v1beta/${BASE_MODEL}:generateContent`, ask('hello', { maxOutputTokens: 8, seed: 1 }));
    assert.equal(unary.status, 200, unary.text);
    assert.equal(unary.json.candidates[0].index, 0);
    assert.ok(unary.json.candidates[0].finishReason);
    const stream = await rawPost(h.url, `/v1beta/${BASE_MODEL}:streamGenerateContent?alt=sse`, ask('hello', { maxOutputTokens: 8, seed: 1 }));
    assert.equal(stream.status, 200);
    assert.match(stream.body.toString(), /^data: \{.*\}\r\n\r\n$/s);
  });
});
