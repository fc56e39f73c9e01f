import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { BrowserGuard } from './browserGuard';
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS, limitConnections, serverTimeoutOptions } from './connectionLimits';
import { FaultInjector } from './faults';
import { createRequestHandler } from './requestHandler';
import type { Route } from './routing';
import { generationRoutes } from './routes/generation';
import { modelRoutes } from './routes/models';
import { operationRoutes } from './routes/operations';
import { permissionRoutes } from './routes/permissions';
import { tunedModelRoutes } from './routes/tunedModels';
import { ClientRegistry } from './clients';
import { type DataDirLock, acquireDataDirLock } from './dataDirLock';
import { GenerationPool } from './generationPool';
import { type DiskChange, ModelStore } from './store';
import { BaseModelProvider, TrainingQueue, readCheckpoint, sharedModelCacheDir } from './trainer/trainerApi';
import type { TrainerPort } from './trainerPort';
import { TuningService } from './tuningService';
import { startVertexSurface } from './vertex/vertexSurface';

export interface LocalServerOptions {
  /** Loopback unless given. */
  host?: string;
  /** 0 or absent picks a free port. */
  port?: number;
  dataDir: string;
  /** When set, every request must carry this key (`x-goog-api-key` header or `key` query parameter). */
  apiKey?: string;
  /** When set, Vertex AI and Cloud Storage calls must carry `Authorization: Bearer <token>`; defaults to `apiKey`. */
  vertexToken?: string;
  /** Web origins whose pages may call the server; every other browser request is refused. */
  allowedOrigins?: readonly string[];
  /** Host names accepted besides loopback and the bound address (requests naming others are refused). */
  allowedHosts?: readonly string[];
  /** Enables the `/_faults` control endpoint (also enabled by env GEMINI_TUNING_FAULTS=1). */
  faultInjection?: boolean;
  /** The trainer's worker bundle; defaults to `trainer-worker.js` next to this bundle. */
  workerScript?: string;
  /** Worker threads that run generations; default one per core (see defaultGenerationWorkers). */
  generationWorkers?: number;
  /** Pause after each training step so progress can be watched (demos); default 0, full speed. */
  stepDelayMs?: number;
  /** Timeouts and the connection limit against slow or silent clients; defaults in DEFAULT_CONNECTION_LIMITS. */
  connectionLimits?: Partial<ConnectionLimits>;
  /**
   * Called once no program holds the server open any more (see `/_clients`): the last one let go,
   * or none came within FIRST_CLIENT_GRACE_MS of start-up. A server started for editor windows
   * stops then; without it, the server runs until it is stopped.
   */
  onUnused?: () => void;
  /** How long a server with `onUnused` waits for its first client; default FIRST_CLIENT_GRACE_MS. */
  firstClientGraceMs?: number;
  log?: (line: string) => void;
  /** Runs before each change to a model on disk; a test makes it throw to stand for a full or read-only disk. */
  beforeDiskChange?: (change: DiskChange) => void | Promise<void>;
}

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_STEP_DELAY_MS = 0;
/** Two jobs train at once, one per core of a typical small machine; more wait in order. */
export const TRAINING_CONCURRENCY = 2;
/** Where, under the data directory, the pretrained base model is cached. */
export const BASE_MODEL_DIR = 'base-model';

function realTrainer(dataDir: string, workerScript: string, log: (line: string) => void): TrainerPort {
  const base = new BaseModelProvider({ workerScript, dirs: [path.join(dataDir, BASE_MODEL_DIR), sharedModelCacheDir()], log });
  return {
    createQueue: (options) => new TrainingQueue({ ...options, concurrency: TRAINING_CONCURRENCY, baseModel: base }),
    readCheckpoint,
    baseModel: () => base.model(),
    baseModelFile: () => base.file(),
  };
}

/** Every API binding the server serves, each group built from the services it needs. */
function apiRoutes(store: ModelStore, tuning: TuningService, generations: GenerationPool, log: (line: string) => void): Route[] {
  return [
    ...modelRoutes(),
    ...tunedModelRoutes({ store, tuning, log }),
    ...operationRoutes({ store, tuning }),
    ...permissionRoutes({ store }),
    ...generationRoutes({ store, tuning, generations }),
  ];
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Opens the data folder, resumes unfinished tuning jobs, then serves the API. */
export async function startLocalServer(opts: LocalServerOptions): Promise<LocalServer> {
  const log = opts.log ?? (() => undefined);
  const lock = await acquireDataDirLock(opts.dataDir, log);
  try {
    return await serve(opts, log, lock);
  } catch (e) {
    await lock.release();
    throw e;
  }
}

async function serve(opts: LocalServerOptions, log: (line: string) => void, lock: DataDirLock): Promise<LocalServer> {
  const host = opts.host ?? '127.0.0.1';
  const store = new ModelStore(path.resolve(opts.dataDir), log, opts.beforeDiskChange);
  for (const issue of await store.open()) log(`[store] tunedModels/${issue.id}: ${issue.problem}`);
  const workerScript = opts.workerScript ?? path.join(__dirname, 'trainer-worker.js');
  const trainer = realTrainer(store.dataDir, workerScript, log);
  const queue = trainer.createQueue({ workerScript, log });
  const tuning = new TuningService(store, trainer, queue, { stepDelayMs: opts.stepDelayMs ?? DEFAULT_STEP_DELAY_MS, log });
  // prepared in the background, so that the first tuning job or base-model prompt need not wait
  trainer.baseModel().catch((e: unknown) => log(`[trainer] the base model is not available: ${(e as Error).message}`));
  await tuning.recover();
  const generations = new GenerationPool({ workerScript, size: opts.generationWorkers, log });
  const vertex = await startVertexSurface({ dataDir: store.dataDir, trainer, queue, generations, stepDelayMs: opts.stepDelayMs ?? DEFAULT_STEP_DELAY_MS, token: opts.vertexToken || opts.apiKey || undefined, log });
  const faultsEnabled = opts.faultInjection === true || process.env.GEMINI_TUNING_FAULTS === '1';
  let port = 0;
  const guard = new BrowserGuard({ port: () => port, bindHost: host, allowedHosts: opts.allowedHosts, allowedOrigins: opts.allowedOrigins });
  const clients = new ClientRegistry({ onUnused: opts.onUnused, firstClientGraceMs: opts.firstClientGraceMs, log });
  const handler = createRequestHandler({
    clients,
    routes: apiRoutes(store, tuning, generations, log),
    faults: faultsEnabled ? new FaultInjector() : undefined,
    apiKey: opts.apiKey || undefined,
    prefixed: vertex.api,
    guard,
    log,
  });
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...opts.connectionLimits };
  const server = http.createServer({ keepAliveTimeout: 5000, ...serverTimeoutOptions(limits) }, handler);
  limitConnections(server, limits, log);
  port = await listen(server, opts.port ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  await lock.publish({ url: `http://${urlHost}:${port}`, port });
  clients.listening();
  log(`[http] serving ${store.size} tuned models from ${store.dataDir}${faultsEnabled ? ' (fault injection on)' : ''}`);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      (closing ??= (async () => {
        clients.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await generations.close();
        await vertex.close();
        await tuning.close();
        await store.flush();
        await lock.release();
      })()),
  };
}
