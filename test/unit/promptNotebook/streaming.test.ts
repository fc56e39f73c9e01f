import * as assert from 'node:assert/strict';
import { ApiError, StreamInterruptedError } from '../../../src/core/api/errors';
import type { GenerateContentResponse } from '../../../src/core/api/types';
import { describeFinish, describePromptBlocked, describeRunError, describeStats } from '../../../src/core/promptNotebook/outcome';
import { GenerationAccumulator, OutputBatcher, type OutputSink, pumpStream } from '../../../src/core/promptNotebook/streaming';
import { FakeClock } from '../../harness/fakeClock';

class RecordingSink implements OutputSink {
  calls: { op: 'open' | 'append'; candidate: number; text: string; at: number }[] = [];
  constructor(private readonly timers: FakeClock) {}
  open(candidate: number, text: string): void {
    this.calls.push({ op: 'open', candidate, text, at: this.timers.now() });
  }
  append(candidate: number, text: string): void {
    this.calls.push({ op: 'append', candidate, text, at: this.timers.now() });
  }
  textOf(candidate: number): string {
    return this.calls.filter((c) => c.candidate === candidate).map((c) => c.text).join('');
  }
}

const chunk = (text: string, extra: Partial<GenerateContentResponse['candidates'] & object>[0] = {}, index = 0): GenerateContentResponse => ({
  candidates: [{ index, content: { role: 'model', parts: [{ text }] }, ...extra }],
});

describe('streaming into outputs', () => {
  it('writes the first text at once, then at most one update per 50 ms, and loses nothing', () => {
    const timers = new FakeClock();
    const sink = new RecordingSink(timers);
    const batcher = new OutputBatcher(sink, 50, timers);
    const acc = new GenerationAccumulator(() => timers.now());
    const words: string[] = [];
    for (let i = 0; i < 100; i++) {
      const w = `w${i} `;
      words.push(w);
      batcher.push(acc.add(chunk(w)));
      timers.advance(7);
    }
    batcher.flush();
    assert.equal(sink.textOf(0), words.join(''));
    assert.equal(sink.calls[0].op, 'open');
    assert.equal(sink.calls[0].text, 'w0 ');
    assert.ok(sink.calls.slice(1).every((c) => c.op === 'append'));
    for (let i = 1; i < sink.calls.length; i++) {
      assert.ok(sink.calls[i].at - sink.calls[i - 1].at >= 50 || i === sink.calls.length - 1, `updates ${i - 1} and ${i} closer than 50 ms`);
    }
    // 700 ms of chunks every 7 ms → about 700/50 updates, far fewer than 100 chunks
    assert.ok(batcher.updates >= 13 && batcher.updates <= 16, `updates: ${batcher.updates}`);
    assert.equal(acc.firstTokenAt, 0);
  });

  it('gives each candidate its own output', () => {
    const timers = new FakeClock();
    const sink = new RecordingSink(timers);
    const batcher = new OutputBatcher(sink, 50, timers);
    const acc = new GenerationAccumulator(() => timers.now());
    batcher.push(acc.add({ candidates: [{ index: 0, content: { parts: [{ text: 'A1' }] } }, { index: 1, content: { parts: [{ text: 'B1' }] } }] }));
    batcher.push(acc.add({ candidates: [{ index: 1, content: { parts: [{ text: 'B2' }] }, finishReason: 'MAX_TOKENS' }] }));
    batcher.push(acc.add({ candidates: [{ index: 0, content: { parts: [{ text: 'A2' }] }, finishReason: 'STOP' }] }));
    batcher.flush();
    assert.deepEqual(sink.calls.map((c) => [c.op, c.candidate, c.text]), [
      ['open', 0, 'A1'],
      ['open', 1, 'B1'],
      ['append', 0, 'A2'],
      ['append', 1, 'B2'],
    ]);
    assert.deepEqual(acc.sortedCandidates().map((c) => [c.index, c.text, c.finishReason]), [
      [0, 'A1A2', 'STOP'],
      [1, 'B1B2', 'MAX_TOKENS'],
    ]);
  });

  it('keeps usage metadata and skips thought parts', () => {
    const acc = new GenerationAccumulator(() => 5);
    acc.add({ candidates: [{ index: 0, content: { parts: [{ text: 'thinking', thought: true }, { text: 'answer' }] } }], usageMetadata: { promptTokenCount: 3 } });
    acc.add({ candidates: [{ index: 0, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1 } });
    assert.equal(acc.candidates.get(0)?.text, 'answer');
    assert.deepEqual(acc.usage, { promptTokenCount: 3, candidatesTokenCount: 1 });
  });

  it('pumpStream flushes what arrived before the stream failed, then rethrows', async () => {
    const timers = new FakeClock();
    const sink = new RecordingSink(timers);
    const batcher = new OutputBatcher(sink, 50, timers);
    const acc = new GenerationAccumulator();
    const cut = new StreamInterruptedError({ reason: 'connection', message: 'socket closed', method: 'streamGenerateContent', received: [] });
    async function* stream(): AsyncGenerator<GenerateContentResponse> {
      yield chunk('one ');
      yield chunk('two ');
      yield chunk('three');
      throw cut;
    }
    await assert.rejects(pumpStream(stream(), acc, batcher), (e) => e === cut);
    assert.equal(sink.textOf(0), 'one two three');
  });
});

describe('describing how a run ended', () => {
  it('says nothing for STOP and explains the other finish reasons', () => {
    assert.equal(describeFinish('STOP', []), undefined);
    assert.equal(describeFinish(undefined, []), undefined);
    assert.equal(describeFinish('MAX_TOKENS', undefined), 'Finish reason MAX_TOKENS: the answer reached maxOutputTokens and was cut off.');
    assert.equal(
      describeFinish('SAFETY', [
        { category: 'HARM_CATEGORY_HARASSMENT', probability: 'MEDIUM', blocked: true },
        { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
      ]),
      'Finish reason SAFETY: the answer was stopped by the safety filters.\nSafety ratings: HARASSMENT: MEDIUM (blocked), HATE_SPEECH: NEGLIGIBLE',
    );
    assert.match(describePromptBlocked({ blockReason: 'SAFETY' }) ?? '', /The prompt was blocked \(SAFETY\)/);
  });

  it('formats stats with tokens, time to first token and total time', () => {
    assert.equal(describeStats({ totalMs: 1234, timeToFirstTokenMs: 85.4, usage: { promptTokenCount: 12, candidatesTokenCount: 40 } }), '12 → 40 tokens · first token 85 ms · 1.23 s');
    assert.equal(describeStats({ totalMs: 20 }), '20 ms');
  });

  it("carries the API's message and status for API errors", () => {
    const err = new ApiError({ httpStatus: 404, status: 'NOT_FOUND', message: 'Tuned model tunedModels/nope does not exist.', method: 'streamGenerateContent', httpMethod: 'POST' });
    assert.deepEqual(describeRunError(err, 'tunedModels/nope'), { name: 'API error 404 NOT_FOUND', message: 'Tuned model tunedModels/nope does not exist.' });
    const cut = new StreamInterruptedError({ reason: 'connection', message: 'socket closed', method: 'streamGenerateContent', received: [] });
    assert.match(describeRunError(cut, 'tunedModels/m').message, /interrupted before it finished \(connection\): socket closed\. The text above is what arrived\./);
  });
});
