import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { createRequestHandler } from './requestHandler';
import { FaultInjector } from './faults';
import { ModelStore } from './store';
import { TrainingQueue, baseModel, loadTrainedModel, readCheckpoint } from './trainer/trainerApi';
import type { TrainerPort } from './trainerPort';
import { TuningService } from './tuningService';

export interface LocalServerOptions {
  /** Loopback unless given. */
  host?: string;
  /** 0 or absent picks a free port. */
  port?: number;
  dataDir: string;
  /** When set, every request must carry this key (`x-goog-api-key` header or `key` query parameter). */
  apiKey?: string;
  /** Enables the `/_faults` control endpoint (also enabled by env GEMINI_TUNING_FAULTS=1). */
  faultInjection?: boolean;
  /** The trainer's worker bundle; defaults to `trainer-worker.js` next to this bundle. */
  workerScript?: string;
  /** Pause after each training step so progress can be watched; default 150 ms, tests use 0. */
  stepDelayMs?: number;
  log?: (line: string) => void;
}

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_STEP_DELAY_MS = 150;

const realTrainer: TrainerPort = {
  createQueue: (options) => new TrainingQueue(options),
  readCheckpoint,
  loadTrainedModel,
  baseModel,
};

export async function startLocalServer(opts: LocalServerOptions): Promise<LocalServer> {
  const log = opts.log ?? (() => undefined);
  const host = opts.host ?? '127.0.0.1';
  const store = new ModelStore(path.resolve(opts.dataDir), log);
  for (const issue of await store.open()) log(`[store] tunedModels/${issue.id}: ${issue.problem}`);
  const queue = realTrainer.createQueue({ workerScript: opts.workerScript ?? path.join(__dirname, 'trainer-worker.js'), log });
  const tuning = new TuningService(store, realTrainer, queue, { stepDelayMs: opts.stepDelayMs ?? DEFAULT_STEP_DELAY_MS, log });
  await tuning.recover();
  const faultsEnabled = opts.faultInjection === true || process.env.GEMINI_TUNING_FAULTS === '1';
  const handler = createRequestHandler({
    store,
    tuning,
    faults: faultsEnabled ? new FaultInjector() : undefined,
    apiKey: opts.apiKey || undefined,
    log,
  });
  const server = http.createServer({ keepAliveTimeout: 5000, requestTimeout: 0 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  log(`[http] serving ${store.size} tuned models from ${store.dataDir}${faultsEnabled ? ' (fault injection on)' : ''}`);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await tuning.close();
        await store.flush();
      })()),
  };
}
