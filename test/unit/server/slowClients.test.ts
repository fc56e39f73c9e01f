import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { type Harness, call, startServer, trainModel, tuningBody } from './harness';

const LIMITS = { headersTimeoutMs: 2000, requestTimeoutMs: 2500, idleTimeoutMs: 1500, maxConnections: 20 };

function connect(url: URL): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => resolve(socket));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

function closed(socket: net.Socket): Promise<void> {
  return socket.destroyed || socket.readyState === 'closed' ? Promise.resolve() : new Promise((r) => socket.once('close', () => r()));
}

/** Resolves once `count` of the promises settled, or rejects after `ms` saying how many did. */
function atLeast(promises: Promise<void>[], count: number, ms: number, what: string): Promise<void> {
  let done = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: only ${done} of ${promises.length} within ${ms} ms (wanted ${count})`)), ms);
    for (const p of promises) {
      void p.then(() => {
        if (++done === count) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}

/** Writes `bytes` one at a time every `everyMs` until the socket closes (or `giveUpMs`); returns how long it lived. */
function trickle(socket: net.Socket, bytes: string, everyMs: number, giveUpMs: number): Promise<number> {
  const started = Date.now();
  const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return;
    socket.write(bytes[i++ % bytes.length]);
  }, everyMs);
  return closed(socket).then(() => {
    clearInterval(timer);
    clearTimeout(giveUp);
    return Date.now() - started;
  });
}

describe('local server: slow and silent clients', function () {
  this.timeout(60_000);
  let h: Harness;
  let url: URL;
  const logged: string[] = [];
  before(async () => {
    h = await startServer({ faultInjection: true, connectionLimits: LIMITS, log: (l) => logged.push(l) });
    url = new URL(h.url);
  });
  after(async () => h.close());

  it('200 silent connections beyond the limit do not keep a normal client out, and all end by themselves', async () => {
    const sockets = await Promise.all(Array.from({ length: 200 }, () => connect(url)));
    const closes = sockets.map(closed);
    // Well before any timeout, the limit has closed all but the newest 20.
    await atLeast(closes, 180, 1000, 'silent connections closed by the limit');
    const r = await call(h.url, 'GET', '/v1beta/models');
    assert.equal(r.status, 200);
    await atLeast(closes, 200, LIMITS.idleTimeoutMs + 3000, 'silent connections closed by the timeouts');
  });

  it('closes a connection whose headers trickle in, after the header timeout', async () => {
    const socket = await connect(url);
    socket.write(`GET /v1beta/models HTTP/1.1\r\nHost: ${url.host}\r\n`);
    const lived = await trickle(socket, 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 100, LIMITS.headersTimeoutMs + 5000);
    assert.ok(lived >= LIMITS.headersTimeoutMs - 100 && lived < LIMITS.headersTimeoutMs + 3000, `lived ${lived} ms`);
  });

  it('closes a connection whose body trickles in, after the request timeout', async () => {
    const socket = await connect(url);
    socket.write(`POST /v1beta/tunedModels HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`);
    const lived = await trickle(socket, ' ', 100, LIMITS.requestTimeoutMs + 5000);
    assert.ok(lived >= LIMITS.requestTimeoutMs - 100 && lived < LIMITS.requestTimeoutMs + 3000, `lived ${lived} ms`);
  });

  it('a stream that keeps sending outlives the idle timeout', async () => {
    const body = tuningBody({}, 2);
    const long = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ';
    (body.tuningTask as { trainingData: unknown }).trainingData = { examples: { examples: [{ textInput: 'long', output: long }, { textInput: 'short', output: 'ok' }] } };
    (body.tuningTask as { hyperparameters: unknown }).hyperparameters = { epochCount: 20, batchSize: 2 };
    const model = await trainModel(h.url, body);
    await call(h.url, 'POST', '/_faults', { rules: [{ match: ':streamGenerateContent', action: 'slowStream', chunkDelayMs: 250 }] });
    const started = Date.now();
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${h.url}/v1beta/${model}:streamGenerateContent?alt=sse`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let all = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (all += c));
        res.on('end', () => resolve(all));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error(`stream cut after ${Date.now() - started} ms`)));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ contents: [{ parts: [{ text: 'long' }] }], generationConfig: { temperature: 0 } }));
    });
    const took = Date.now() - started;
    assert.ok(took > LIMITS.idleTimeoutMs, `the stream took ${took} ms, not longer than the idle timeout; it proves nothing`);
    assert.match(text, /"finishReason": ?"STOP"/);
  });
});
