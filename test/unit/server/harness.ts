import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type LocalServerOptions, startLocalServer } from '../../../src/server/localServer';
import { pinTrainingSeed } from '../../harness/seed';
import { waitFor } from '../../harness/waitFor';

pinTrainingSeed();

export const WORKER_SCRIPT = path.resolve('dist/trainer-worker.js');
export const SERVER_SCRIPT = path.resolve('dist/server.js');
export const BASE_MODEL = 'models/gemini-1.5-flash-001-tuning';

export interface Harness {
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export function tempDir(prefix = 'gt-server-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startServer(opts: Partial<LocalServerOptions> = {}): Promise<Harness> {
  const dataDir = opts.dataDir ?? tempDir();
  const server = await startLocalServer({ workerScript: WORKER_SCRIPT, stepDelayMs: 0, ...opts, dataDir });
  return {
    url: server.url,
    dataDir,
    close: async () => {
      await server.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export async function call(
  base: string,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(base + pathAndQuery, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function examples(n: number, prefix = 'item'): { textInput: string; output: string }[] {
  return Array.from({ length: n }, (_, i) => ({ textInput: `${prefix} ${i + 1}`, output: `answer ${i + 1} for ${prefix}` }));
}

export function tuningBody(over: Record<string, unknown> = {}, n = 4): Record<string, unknown> {
  return {
    displayName: 'test model',
    baseModel: BASE_MODEL,
    tuningTask: {
      trainingData: { examples: { examples: examples(n) } },
      hyperparameters: { epochCount: 2, batchSize: 2 },
    },
    ...over,
  };
}

/** Polls the operation until done; returns the final Operation. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function waitDone(base: string, operationName: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(
    async () => {
      const r = await call(base, 'GET', `/v1beta/${operationName}`);
      if (r.status !== 200) throw new Error(`GET ${operationName}: ${r.status} ${r.text}`);
      return r.json.done ? r.json : undefined;
    },
    `operation ${operationName} to be done`,
    { timeoutMs, intervalMs: 25 },
  );
}

/** Creates a model and waits until it is ACTIVE (or FAILED); returns its name. */
export async function trainModel(base: string, body: Record<string, unknown> = tuningBody(), query = ''): Promise<string> {
  const r = await call(base, 'POST', `/v1beta/tunedModels${query}`, body);
  if (r.status !== 200) throw new Error(`create failed: ${r.status} ${r.text}`);
  const op = await waitDone(base, r.json.name);
  if (op.error) throw new Error(`training failed: ${JSON.stringify(op.error)}`);
  return op.metadata.tunedModel as string;
}
