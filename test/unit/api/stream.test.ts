import assert from 'node:assert/strict';
import { ApiError, NetworkError, StreamInterruptedError } from '../../../src/core/api/errors';
import { type GeminiClient } from '../../../src/core/api/client';
import { type GenerateContentResponse } from '../../../src/core/api/types';
import { TestServer, clientFor, delay, drain, errorBody, schedulingLag, sendJson, sseEvent, startSse, textChunk } from './testServer';

const request = { contents: [{ role: 'user', parts: [{ text: 'count' }] }] };
const texts = (chunks: readonly GenerateContentResponse[]) => chunks.map((c) => c.candidates?.[0]?.content?.parts?.[0]?.text);

describe('api/streamGenerateContent', () => {
  let server: TestServer;
  let client: GeminiClient;

  before(async () => {
    server = await TestServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    client = clientFor(server.url, { streamIdleTimeoutMs: 2000 });
  });
  afterEach(async () => {
    await client.destroy();
  });

  it('requests alt=sse and yields each chunk as soon as it arrives', async () => {
    let release!: () => void;
    const gates: Promise<void>[] = [];
    server.handle(async (_req, res) => {
      startSse(res);
      for (let i = 0; i < 3; i++) {
        const gate = new Promise<void>((resolve) => (release = resolve));
        gates.push(gate);
        res.write(sseEvent(textChunk(`t${i}`, i === 2 ? 'STOP' : undefined)));
        if (i < 2) {
          // the next chunk is written only after the client has seen this one
          await Promise.race([gate, delay(3000)]);
        }
      }
      res.end();
    });
    const seenBeforeNext: boolean[] = [];
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', request), (_chunk, i) => {
      seenBeforeNext.push(gates.length === i + 1);
      release();
    });
    assert.equal(error, undefined);
    assert.deepEqual(texts(chunks), ['t0', 't1', 't2']);
    assert.deepEqual(seenBeforeNext, [true, true, true], 'each chunk was yielded before the server sent the next one');
    const req = server.requests[0];
    assert.equal(`${req.method} ${req.url}`, 'POST /v1beta/tunedModels/m1:streamGenerateContent?alt=sse');
    assert.deepEqual(JSON.parse(req.body), request);
  });

  it('joins events split across writes, including byte by byte', async () => {
    server.handle(async (_req, res) => {
      startSse(res);
      const bytes = Buffer.from(sseEvent(textChunk('héllo ✓')) + ': ping\r\n\r\n' + `data:${JSON.stringify(textChunk('end', 'STOP'))}\n\n`);
      for (let i = 0; i < bytes.length; i += 7) {
        res.write(bytes.subarray(i, i + 7));
        if (i % 70 === 0) await delay(1);
      }
      res.end();
    });
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', request));
    assert.equal(error, undefined);
    assert.deepEqual(texts(chunks), ['héllo ✓', 'end']);
  });

  it('raises StreamInterruptedError with the chunks so far when the connection is cut', async () => {
    server.handle(async (_req, res) => {
      startSse(res);
      res.write(sseEvent(textChunk('a')));
      res.write(sseEvent(textChunk('b')));
      await delay(20);
      res.destroy();
    });
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', request));
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.reason, 'connection');
    assert.deepEqual(texts(error.received), ['a', 'b']);
    assert.deepEqual(texts(chunks), ['a', 'b']);
    assert.match(error.message, /streamGenerateContent tunedModels\/m1: the stream stopped after 2 chunks/);
  });

  it('raises StreamInterruptedError when the stream ends cleanly without a finishReason', async () => {
    server.handle((_req, res) => {
      startSse(res);
      res.end(sseEvent(textChunk('a')));
    });
    const { error } = await drain(client.streamGenerateContent('tunedModels/m1', request));
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.reason, 'unfinished');
    assert.deepEqual(texts(error.received), ['a']);
  });

  it('raises StreamInterruptedError when bytes of an unfinished event are left over', async () => {
    server.handle((_req, res) => {
      startSse(res);
      res.end(sseEvent(textChunk('a', 'STOP')) + 'data: {"candidates":[{"content"');
    });
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', request));
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.reason, 'leftover');
    assert.deepEqual(texts(chunks), ['a']);
    assert.equal(error.received.length, 1);
  });

  it('turns a bare in-band error object into an ApiError that keeps the chunks so far', async () => {
    server.handle((_req, res) => {
      startSse(res);
      res.write(sseEvent(textChunk('a')));
      res.end(JSON.stringify(errorBody(500, 'INTERNAL', 'Internal error encountered.'), null, 2));
    });
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', request));
    assert.ok(error instanceof ApiError);
    assert.equal(error.httpStatus, 500);
    assert.equal(error.status, 'INTERNAL');
    assert.equal(error.message, 'Internal error encountered.');
    assert.equal(error.method, 'streamGenerateContent');
    assert.equal(error.resource, 'tunedModels/m1');
    assert.deepEqual(texts(error.received ?? []), ['a']);
    assert.deepEqual(texts(chunks), ['a']);
  });

  it('turns an in-band error inside data: into an ApiError', async () => {
    server.handle((_req, res) => {
      startSse(res);
      res.write(sseEvent(textChunk('a')));
      res.end(sseEvent(errorBody(503, 'UNAVAILABLE', 'The model is overloaded.')));
    });
    const { error } = await drain(client.streamGenerateContent('tunedModels/m1', request));
    assert.ok(error instanceof ApiError);
    assert.equal(error.httpStatus, 503);
    assert.equal(error.status, 'UNAVAILABLE');
    assert.equal(server.requests.length, 1, 'not retried');
  });

  it('raises an ApiError for an error status before the stream starts', async () => {
    server.handle((_req, res) => sendJson(res, 404, errorBody(404, 'NOT_FOUND', 'Tuned model tunedModels/m1 does not exist.')));
    const { error } = await drain(client.streamGenerateContent('tunedModels/m1', request));
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 'NOT_FOUND');
  });

  it('rejects garbage bytes and events that are not JSON as malformed', async () => {
    for (const tail of ['<html><body>proxy error</body></html>\n\n', 'data: {not json}\n\n', 'data: 42\n\n', '\u0000\u00ff\u0001binary\n\n']) {
      server.reset();
      server.handle((_req, res) => {
        startSse(res);
        res.write(sseEvent(textChunk('a')));
        res.end(tail);
      });
      const { error } = await drain(client.streamGenerateContent('tunedModels/m1', request));
      assert.ok(error instanceof StreamInterruptedError, JSON.stringify(tail));
      assert.equal(error.reason, 'malformed', JSON.stringify(tail));
      assert.deepEqual(texts(error.received), ['a']);
    }
  });

  it('stops an idle stream with a clear message, keeping what arrived', async () => {
    server.handle((_req, res) => {
      startSse(res);
      res.write(sseEvent(textChunk('a')));
    });
    const started = Date.now();
    const { error } = await drain(client.streamGenerateContent('tunedModels/m1', request, { idleTimeoutMs: 200 }));
    const took = Date.now() - started;
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.reason, 'idle');
    assert.match(error.message, /no data arrived for 200 ms/);
    assert.deepEqual(texts(error.received), ['a']);
    assert.ok(took >= 190 && took < 1500, `took ${took} ms`);
  });

  it('applies the idle timeout to the wait for headers too', async () => {
    server.handle(() => undefined);
    const { error } = await drain(client.streamGenerateContent('tunedModels/m1', request, { idleTimeoutMs: 150 }));
    assert.ok(error instanceof StreamInterruptedError);
    assert.equal(error.reason, 'idle');
  });

  it('has no total time cap while chunks keep coming', async () => {
    server.handle(async (_req, res) => {
      startSse(res);
      for (let i = 0; i < 8; i++) {
        res.write(sseEvent(textChunk(`t${i}`, i === 7 ? 'STOP' : undefined)));
        await delay(60);
      }
      res.end();
    });
    const started = Date.now();
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', request, { idleTimeoutMs: 200 }));
    assert.equal(error, undefined);
    assert.equal(chunks.length, 8);
    assert.ok(Date.now() - started > 400, 'the stream outlived several idle periods');
  });

  it('does not count a slow consumer as an idle stream', async () => {
    server.handle((_req, res) => {
      startSse(res);
      res.end(sseEvent(textChunk('a')) + sseEvent(textChunk('b', 'STOP')));
    });
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', request, { idleTimeoutMs: 300 }), () => {
      const until = Date.now() + 400;
      while (Date.now() < until) {
        // a consumer busy longer than the idle timeout
      }
    });
    assert.equal(error, undefined);
    assert.equal(chunks.length, 2);
  });

  it('cancels within 100 ms, closes the socket, and delivers nothing after cancel', async () => {
    let serverSocketClosedAt = 0;
    server.handle(async (req, res) => {
      req.socket.once('close', () => (serverSocketClosedAt = Date.now()));
      startSse(res);
      for (let i = 0; i < 1000 && !res.destroyed; i++) {
        res.write(sseEvent(textChunk(`t${i}`)));
        await delay(10);
      }
      res.end();
    });
    const controller = new AbortController();
    let abortedAt = 0;
    let lag: Promise<number> = Promise.resolve(0);
    let afterCancel = 0;
    const { chunks, error, settledAt: rejectedAt } = await drain(client.streamGenerateContent('tunedModels/m1', request, { signal: controller.signal }), (_c, i) => {
      if (abortedAt) afterCancel++;
      if (i === 2) {
        abortedAt = Date.now();
        lag = schedulingLag();
        controller.abort();
      }
    });
    assert.ok(error instanceof NetworkError);
    assert.equal(error.kind, 'aborted');
    assert.equal(afterCancel, 0, 'no chunk after cancel');
    assert.equal(chunks.length, 3);
    const limit = 100 + (await lag);
    assert.ok(rejectedAt - abortedAt < limit, `the iterator settled ${rejectedAt - abortedAt} ms after cancel (limit ${limit})`);
    while (!serverSocketClosedAt && Date.now() < abortedAt + limit + 50) await delay(5);
    assert.ok(serverSocketClosedAt > 0 && serverSocketClosedAt - abortedAt < limit, `socket closed ${serverSocketClosedAt - abortedAt} ms after cancel (limit ${limit})`);
    assert.equal(server.requests.length, 1, 'no retry after cancel');
  });

  it('cancels while waiting for the next chunk within 100 ms', async () => {
    server.handle((_req, res) => {
      startSse(res);
      res.write(sseEvent(textChunk('a')));
    });
    const controller = new AbortController();
    const iterator = client.streamGenerateContent('tunedModels/m1', request, { signal: controller.signal })[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    const pending = iterator.next();
    await delay(30);
    const abortedAt = Date.now();
    const lag = schedulingLag();
    controller.abort();
    await assert.rejects(pending, (err: Error) => err instanceof NetworkError && err.kind === 'aborted');
    const settled = Date.now() - abortedAt;
    const limit = 100 + (await lag);
    assert.ok(settled < limit, `settled ${settled} ms after cancel (limit ${limit})`);
    while (server.sockets.size > 0 && Date.now() - abortedAt < limit) await delay(2);
    assert.equal(server.sockets.size, 0, `the server saw the socket close within ${limit} ms`);
  });

  it('closes the socket when the consumer stops early', async () => {
    server.handle(async (_req, res) => {
      startSse(res);
      for (let i = 0; i < 100 && !res.destroyed; i++) {
        res.write(sseEvent(textChunk(`t${i}`)));
        await delay(10);
      }
      res.end();
    });
    for await (const chunk of client.streamGenerateContent('tunedModels/m1', request)) {
      assert.ok(chunk.candidates);
      break;
    }
    const started = Date.now();
    while (server.sockets.size > 0 && Date.now() - started < 500) await delay(5);
    assert.equal(server.sockets.size, 0);
  });

  it('treats a blocked prompt as a complete stream', async () => {
    server.handle((_req, res) => {
      startSse(res);
      res.end(sseEvent({ promptFeedback: { blockReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH' }] } }));
    });
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', request));
    assert.equal(error, undefined);
    assert.equal(chunks[0].promptFeedback?.blockReason, 'SAFETY');
  });

  it('needs every candidate to finish when several are streamed', async () => {
    const cand = (index: number, finishReason?: string) => ({ candidates: [{ index, content: { parts: [{ text: 'x' }] }, ...(finishReason ? { finishReason } : {}) }] });
    server.handle((_req, res) => {
      startSse(res);
      res.end(sseEvent(cand(0)) + sseEvent(cand(1)) + sseEvent(cand(0, 'STOP')));
    });
    const { error } = await drain(client.streamGenerateContent('tunedModels/m1', request));
    assert.ok(error instanceof StreamInterruptedError && error.reason === 'unfinished');
    server.handle((_req, res) => {
      startSse(res);
      res.end(sseEvent(cand(0)) + sseEvent(cand(1, 'STOP')) + sseEvent(cand(0, 'MAX_TOKENS')) + sseEvent({ usageMetadata: { totalTokenCount: 3 } }));
    });
    const ok = await drain(client.streamGenerateContent('tunedModels/m1', request));
    assert.equal(ok.error, undefined);
    assert.equal(ok.chunks.length, 4);
  });

  it('reads a backend that ignores alt=sse and sends one JSON array', async () => {
    server.handle((_req, res) => sendJson(res, 200, [textChunk('a'), textChunk('b', 'STOP')]));
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', request));
    assert.equal(error, undefined);
    assert.deepEqual(texts(chunks), ['a', 'b']);
  });

  it('a stream of nothing but SSE comments (heartbeats) ends by the idle timeout', async () => {
    server.handle(async (_req, res) => {
      startSse(res);
      res.write(sseEvent(textChunk('t0')));
      // bounded, so that the test ends by itself even if the client never gives up
      for (let i = 0; i < 100 && !res.destroyed && !res.writableEnded; i++) {
        res.write(': keep-alive\n\n');
        await delay(50);
      }
      res.end();
    });
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', request, { idleTimeoutMs: 300 }));
    assert.deepEqual(texts(chunks), ['t0']);
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(error.reason, 'idle');
  });

  it('a JSON-array stream that keeps arriving is not idle: the timer restarts on every byte', async () => {
    const elements = Array.from({ length: 8 }, (_, i) => JSON.stringify(textChunk(`t${i}`, i === 7 ? 'STOP' : undefined)));
    server.handle(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      for (let i = 0; i < elements.length; i++) {
        res.write(`${i === 0 ? '[' : ',\r\n'}${elements[i]}`);
        await delay(60);
      }
      res.end(']');
    });
    const started = Date.now();
    const { chunks, error } = await drain(client.streamGenerateContent('tunedModels/m1', request, { idleTimeoutMs: 200 }));
    assert.equal(error, undefined);
    assert.equal(chunks.length, 8);
    assert.ok(Date.now() - started > 400, 'the array outlived several idle periods');
  });
});
