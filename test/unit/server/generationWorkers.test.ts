import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Harness, call, startServer, trainModel, tuningBody } from './harness';

const SENTENCE = 'Streaming test: the local model writes this sentence back one small chunk at a time, so that clients see text early. ';

/**
 * A model that, at temperature 0, writes until the token limit: its generations are as long as
 * asked. The sentence is repeated three times, beyond the wide part's 128 output positions, and
 * the model cannot count the repeats, so it writes the sentence on and on (after two repeats it
 * learns where to stop).
 */
function longWriterBody(): Record<string, unknown> {
  const body = tuningBody({ displayName: 'long writer' });
  const task = body.tuningTask as { trainingData: { examples: { examples: unknown[] } }; hyperparameters: unknown };
  task.trainingData.examples.examples = [
    { textInput: 'stream please', output: SENTENCE.repeat(3).trim() },
    { textInput: 'other', output: 'short' },
  ];
  task.hyperparameters = { epochCount: 5, batchSize: 2 };
  return body;
}

const ask = (text: string, generationConfig: Record<string, unknown>): Record<string, unknown> => ({ contents: [{ role: 'user', parts: [{ text }] }], generationConfig });

describe('local server: generation on worker threads', function () {
  this.timeout(180_000);
  let h: Harness;
  let model: string;
  before(async () => {
    h = await startServer({ generationWorkers: 2 });
    model = await trainModel(h.url, longWriterBody());
  });
  after(async () => h.close());

  it('leaves the main thread idle while 8 long generations run, and answers a GET meanwhile', async () => {
    // The server runs in this process: its main thread is this one, so its event-loop utilization
    // is the share of time the server's request thread was busy. Generating on it makes that ≈ 1.
    const before = performance.eventLoopUtilization();
    let finished = 0;
    const generations = Array.from({ length: 8 }, async () => {
      const r = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, ask('stream please', { temperature: 0, maxOutputTokens: 3000 }));
      finished++;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    const get = await call(h.url, 'GET', `/v1beta/${model}`);
    assert.equal(get.status, 200);
    const finishedAtGet = finished;
    const replies = await Promise.all(generations);
    const busy = performance.eventLoopUtilization(before);
    for (const r of replies) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.usageMetadata.candidatesTokenCount, 3000, 'each generation is long');
    }
    assert.equal(finishedAtGet, 0, 'the GET was answered while every generation was still running');
    assert.ok(busy.utilization < 0.5, `the main thread was busy ${(busy.utilization * 100).toFixed(0)}% of ${busy.idle + busy.active | 0} ms while generations ran`);
  });

  it('gives the same candidates for the same seed on any worker, unary and streamed alike', async () => {
    const config = { temperature: 1.5, topK: 40, topP: 0.9, candidateCount: 3, seed: 11, maxOutputTokens: 60, stopSequences: ['zz'] };
    const replies = await Promise.all(Array.from({ length: 6 }, () => call(h.url, 'POST', `/v1beta/${model}:generateContent`, ask('stream please', config))));
    for (const r of replies) assert.deepEqual(r.json.candidates, replies[0].json.candidates);
    const streamed = await call(h.url, 'POST', `/v1beta/${model}:streamGenerateContent`, ask('stream please', config));
    const texts = ['', '', ''];
    for (const chunk of streamed.json as { candidates: { index: number; content: { parts: { text: string }[] } }[] }[]) {
      for (const c of chunk.candidates) texts[c.index] += c.content.parts[0].text;
    }
    assert.deepEqual(texts, replies[0].json.candidates.map((c: { content: { parts: { text: string }[] } }) => c.content.parts[0].text));
    const tokens = texts.reduce((n, t) => n + [...t].length, 0);
    assert.equal(streamed.json.at(-1).usageMetadata.candidatesTokenCount, tokens, 'usage counts what was streamed');
  });

  it('a stream the client leaves stops on its worker, which goes on serving others', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.url}/v1beta/${model}:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ask('stream please', { temperature: 0, maxOutputTokens: 8192 })),
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    const after = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, ask('stream please', { temperature: 0, maxOutputTokens: 20 }));
    assert.equal(after.status, 200, after.text);
    assert.equal(after.json.usageMetadata.candidatesTokenCount, 20);
  });

  it('a stream that fails or is left before its first chunk does not hold back the others', async function () {
    // While a stream waits for its first chunk, workers step nothing else; each of these must stop
    // counting as waiting, or the running stream below would stall.
    this.timeout(60_000);
    const unloadable = await trainModel(h.url, tuningBody({ displayName: 'unloadable' }));
    await fsp.writeFile(path.join(h.dataDir, 'tunedModels', unloadable.split('/')[1], 'weights.json'), 'not a model');
    const res = await fetch(`${h.url}/v1beta/${model}:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ask('stream please', { temperature: 0, maxOutputTokens: 3000 })),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const stream = `:streamGenerateContent?alt=sse`;
    assert.equal((await call(h.url, 'POST', `/v1beta/${model}${stream}`, { contents: [] })).status, 400);
    assert.equal((await call(h.url, 'POST', `/v1beta/tunedModels/no-such-model${stream}`, ask('hi', {}))).status, 404);
    assert.equal((await call(h.url, 'POST', `/v1beta/${model}${stream}`, '{"contents": [')).status, 400);
    assert.equal((await call(h.url, 'POST', `/v1beta/${unloadable}${stream}`, ask('hi', {}))).status, 500);
    const leaving = new AbortController();
    const left = fetch(`${h.url}/v1beta/${model}${stream}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask('stream please', {})), signal: leaving.signal });
    leaving.abort();
    await assert.rejects(left);
    let text = '';
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    assert.match(text, /"candidatesTokenCount":3000/, 'the running stream went on to its end');
    const unary = await call(h.url, 'POST', `/v1beta/${model}:generateContent`, ask('stream please', { temperature: 0, maxOutputTokens: 50 }));
    assert.equal(unary.json.usageMetadata.candidatesTokenCount, 50);
  });

  it('weights that cannot be loaded are a 500 naming the model, before any answer is sent', async () => {
    const damaged = await trainModel(h.url, { ...tuningBody({ displayName: 'damaged' }) });
    const id = damaged.split('/')[1];
    const weights = path.join(h.dataDir, 'tunedModels', id, 'weights.json');
    await fsp.writeFile(weights, 'not a model');
    for (const verb of ['generateContent', 'streamGenerateContent?alt=sse']) {
      const r = await call(h.url, 'POST', `/v1beta/${damaged}:${verb}`, ask('hello', { temperature: 0 }));
      assert.equal(r.status, 500, r.text);
      assert.match(r.json.error.message, new RegExp(`^The weights of ${damaged} could not be loaded: `));
    }
    await fsp.rm(weights);
    const missing = await call(h.url, 'POST', `/v1beta/${damaged}:generateContent`, ask('hello', { temperature: 0 }));
    assert.equal(missing.status, 500, missing.text);
    assert.equal(missing.json.error.message, `The weights of ${damaged} could not be loaded: cannot read model weights ${weights}: ENOENT`);
  });

  it('a model re-created under the same id answers with its new weights, not the ones a worker had loaded', async () => {
    const first = await trainModel(h.url, tuningBody({ displayName: 'same id' }), '?tunedModelId=same-id');
    const before = await call(h.url, 'POST', `/v1beta/${first}:generateContent`, ask('item 1', { temperature: 0, maxOutputTokens: 40 }));
    assert.equal(before.status, 200, before.text);
    assert.equal((await call(h.url, 'DELETE', `/v1beta/${first}`)).status, 200);
    const again = await trainModel(h.url, longWriterBody(), '?tunedModelId=same-id');
    assert.equal(again, first);
    const after = await call(h.url, 'POST', `/v1beta/${again}:generateContent`, ask('stream please', { temperature: 0, maxOutputTokens: 40 }));
    assert.equal(after.json.candidates[0].content.parts[0].text, (await call(h.url, 'POST', `/v1beta/${model}:generateContent`, ask('stream please', { temperature: 0, maxOutputTokens: 40 }))).json.candidates[0].content.parts[0].text);
    assert.notEqual(after.json.candidates[0].content.parts[0].text, before.json.candidates[0].content.parts[0].text);
  });
});
