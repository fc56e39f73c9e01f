import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { inspect } from 'node:util';
import { GeminiClient, type GeminiClientOptions } from '../../../src/core/api/client';

/** Credentials used throughout the API tests; the leak check greps for them. */
export const TEST_API_KEY = 'AIzaTEST-0123456789abcdefghijklmnopqrstu';
export const TEST_TOKEN = 'ya29.test-oauth-token-0123456789';
export const TEST_PROXY_PASSWORD = 'proxy-pass-s3cret-42';
export const ALL_SECRETS = [TEST_API_KEY, TEST_TOKEN, TEST_PROXY_PASSWORD];

interface Recorder {
  lines: string[];
  thrown: string[];
  urls: string[];
}

/** Shared across every API test file (each is bundled separately, so a module variable would not be). */
export function recorder(): Recorder {
  const key = Symbol.for('gemini-tuning.api-tests.recorder');
  const g = globalThis as unknown as Record<symbol, Recorder | undefined>;
  return (g[key] ??= { lines: [], thrown: [], urls: [] });
}

export function recordThrown(err: unknown): void {
  const r = recorder();
  r.thrown.push(String(err));
  r.thrown.push(inspect(err, { depth: 8, showHidden: true }));
  if (err instanceof Error) {
    r.thrown.push(err.message, err.stack ?? '');
    try {
      r.thrown.push(JSON.stringify(err));
    } catch {
      // circular: inspect above already covered it
    }
  }
}

export function recordLog(line: string): void {
  recorder().lines.push(line);
}

/** Awaits a rejection, records the error for the leak check, and returns it. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    recordThrown(err);
    return err as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/**
 * Collects a stream; returns the chunks, the error it ended with (recorded for the leak check) and
 * when the iteration settled (taken before the recording, which is slow).
 */
export async function drain<T>(
  iterable: AsyncIterable<T>,
  onChunk?: (chunk: T, index: number) => void,
): Promise<{ chunks: T[]; error?: Error; settledAt: number }> {
  const chunks: T[] = [];
  try {
    for await (const chunk of iterable) {
      onChunk?.(chunk, chunks.length);
      chunks.push(chunk);
    }
    return { chunks, settledAt: Date.now() };
  } catch (err) {
    const settledAt = Date.now();
    recordThrown(err);
    return { chunks, error: err as Error, settledAt };
  }
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  remotePort: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

/** A loopback HTTP server whose behaviour each test scripts, with byte-level control of responses. */
export class TestServer {
  readonly requests: RecordedRequest[] = [];
  readonly sockets = new Set<Socket>();
  closedSockets = 0;
  private handler: Handler = (_req, res) => sendJson(res, 404, { error: { code: 404, message: 'no handler', status: 'NOT_FOUND' } });
  private server: Server | undefined;
  url = '';
  port = 0;

  static async start(): Promise<TestServer> {
    const s = new TestServer();
    await s.listen();
    return s;
  }

  handle(handler: Handler): void {
    this.handler = handler;
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => {
      const pieces: Buffer[] = [];
      req.on('data', (d: Buffer) => pieces.push(d));
      req.on('end', () => {
        const body = Buffer.concat(pieces).toString('utf8');
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, remotePort: req.socket.remotePort ?? 0 });
        recorder().urls.push(req.url ?? '');
        Promise.resolve(this.handler(req, res, body)).catch((err: unknown) => {
          if (!res.headersSent) sendJson(res, 500, { error: { code: 500, message: String(err), status: 'INTERNAL' } });
          else res.destroy();
        });
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.closedSockets++;
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
  }

  reset(): void {
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function errorBody(code: number, status: string, message: string, details: unknown[] = []): unknown {
  return { error: { code, message, status, details } };
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

export function textChunk(text: string, finishReason?: string): Record<string, unknown> {
  return {
    candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0, ...(finishReason ? { finishReason } : {}) }],
  };
}

export function sseEvent(obj: unknown): string {
  return `data: ${JSON.stringify(obj)}\r\n\r\n`;
}

/**
 * Call at the moment of interest: resolves to how late this process ran a timer that was due at
 * once. On a starved machine (load far above the core count) every latency grows by about that
 * much, whatever the code does, so latency limits are checked as `limit + lag`.
 */
export function schedulingLag(): Promise<number> {
  const start = Date.now();
  return new Promise((resolve) => setTimeout(() => resolve(Date.now() - start), 0));
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A client for `server`, with the test key, the shared log recorder and fast retries. */
export function clientFor(url: string, extra: Partial<GeminiClientOptions> = {}): GeminiClient {
  return new GeminiClient({
    baseUrl: url,
    apiKey: TEST_API_KEY,
    log: recordLog,
    retry: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 4, maxRetryAfterMs: 2000 },
    ...extra,
  });
}
