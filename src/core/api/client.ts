import { ApiError, NetworkError } from './errors';
import { streamGenerateContentCall, streamGeneration } from './generationStream';
import {
  encodeName,
  Transport,
  formatMs,
  sleep,
  type Call,
  type TransportOptions,
} from './transport';
import type {
  GenerateContentRequest,
  GenerateContentResponse,
  ListModelsResponse,
  ListOperationsResponse,
  ListPermissionsResponse,
  ListTunedModelsResponse,
  Model,
  Operation,
  Permission,
  TunedModel,
} from './types';

export { DEFAULT_RETRY_POLICY, type RetryPolicy, type ProxyOptions } from './transport';

export interface GeminiClientOptions extends TransportOptions {
  /** A stream that sends no bytes for this long is stopped. Default 60 s; 0 turns it off. */
  streamIdleTimeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ListOptions extends CallOptions {
  /** Up to 1000; the backend clamps larger values. */
  pageSize?: number;
  pageToken?: string;
  /** Passed to the backend unchanged. */
  filter?: string;
}

export type ListAllOptions = Omit<ListOptions, 'pageToken'>;

export interface CreateTunedModelOptions extends CallOptions {
  tunedModelId?: string;
}

export interface StreamOptions extends CallOptions {
  /** Overrides the client's `streamIdleTimeoutMs` for this stream. */
  idleTimeoutMs?: number;
}

export interface WaitOptions extends CallOptions {
  /** Called with every polled operation, so callers see completedPercent and snapshots as they grow. */
  onProgress?: (op: Operation) => void;
  initialDelayMs?: number;
  multiplier?: number;
  maxDelayMs?: number;
  /** Gives up (NetworkError kind `timeout`) after this long. No limit by default. */
  timeoutMs?: number;
}

const MAX_PAGE_SIZE = 1000;

/** How waitForOperation paces its polls unless told otherwise. */
export const DEFAULT_POLL_SCHEDULE = { initialDelayMs: 5000, multiplier: 1.5, maxDelayMs: 45_000 } as const;

/** The delays between operation polls: `initialDelayMs`, then ×`multiplier`, capped at `maxDelayMs`. */
export function* pollDelays(schedule: { initialDelayMs?: number; multiplier?: number; maxDelayMs?: number } = {}): Generator<number, never> {
  const multiplier = schedule.multiplier ?? DEFAULT_POLL_SCHEDULE.multiplier;
  const max = schedule.maxDelayMs ?? DEFAULT_POLL_SCHEDULE.maxDelayMs;
  let delay = Math.min(max, schedule.initialDelayMs ?? DEFAULT_POLL_SCHEDULE.initialDelayMs);
  for (;;) {
    yield delay;
    delay = Math.min(max, delay * multiplier);
  }
}
const DEFAULT_STREAM_IDLE_MS = 60_000;

/** The one way the extension talks to a Gemini API backend (the real API or the local server). */
export class GeminiClient {
  readonly #transport: Transport;
  readonly #streamIdleTimeoutMs: number;

  constructor(options: GeminiClientOptions) {
    this.#transport = new Transport(options);
    this.#streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS;
  }

  /** The base URL requests go to (without the API version). */
  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  readonly tunedModels = {
    create: (model: TunedModel, opts: CreateTunedModelOptions = {}): Promise<Operation> =>
      this.#transport.json<Operation>({
        method: 'tunedModels.create',
        httpMethod: 'POST',
        path: 'tunedModels',
        query: { tunedModelId: opts.tunedModelId },
        body: model,
        resource: opts.tunedModelId ? `tunedModels/${opts.tunedModelId}` : undefined,
        idempotent: false,
        signal: opts.signal,
      }),

    get: (name: string, opts: CallOptions = {}): Promise<TunedModel> => {
      const resource = tunedModelName(name);
      return this.#get<TunedModel>('tunedModels.get', resource, opts);
    },

    list: (opts: ListOptions = {}): Promise<ListTunedModelsResponse> =>
      this.#list<ListTunedModelsResponse>('tunedModels.list', 'tunedModels', undefined, opts),

    listAll: (opts: ListAllOptions = {}): AsyncIterable<TunedModel> =>
      this.#pages(opts, (page) => this.tunedModels.list(page), (r) => r.tunedModels),

    patch: (model: TunedModel & { name: string }, updateMask: string[], opts: CallOptions = {}): Promise<TunedModel> => {
      const resource = tunedModelName(model.name);
      return this.#transport.json<TunedModel>({
        method: 'tunedModels.patch',
        httpMethod: 'PATCH',
        path: encodeName(resource),
        query: { updateMask: updateMask.length > 0 ? updateMask.join(',') : undefined },
        body: model,
        resource,
        idempotent: false,
        signal: opts.signal,
      });
    },

    delete: async (name: string, opts: CallOptions = {}): Promise<void> => {
      const resource = tunedModelName(name);
      await this.#transport.json({
        method: 'tunedModels.delete',
        httpMethod: 'DELETE',
        path: encodeName(resource),
        resource,
        idempotent: false,
        signal: opts.signal,
      });
    },

    transferOwnership: async (name: string, emailAddress: string, opts: CallOptions = {}): Promise<void> => {
      const resource = tunedModelName(name);
      await this.#transport.json({
        method: 'tunedModels.transferOwnership',
        httpMethod: 'POST',
        path: `${encodeName(resource)}:transferOwnership`,
        body: { emailAddress },
        resource,
        idempotent: false,
        signal: opts.signal,
      });
    },
  };

  readonly operations = {
    get: (name: string, opts: CallOptions = {}): Promise<Operation> =>
      this.#get<Operation>('operations.get', checkName(name, OPERATION_NAME, 'tunedModels/{model}/operations/{operation}'), opts),

    list: (tunedModelName_: string, opts: ListOptions = {}): Promise<ListOperationsResponse> => {
      const parent = tunedModelName(tunedModelName_);
      return this.#list<ListOperationsResponse>('operations.list', `${encodeName(parent)}/operations`, parent, opts);
    },

    listAll: (tunedModelName_: string, opts: ListAllOptions = {}): AsyncIterable<Operation> =>
      this.#pages(opts, (page) => this.operations.list(tunedModelName_, page), (r) => r.operations),

    /**
     * Asks the backend to stop a tuning job. It answers at once; the operation ends (and the model
     * leaves CREATING) when the job has stopped, so follow it with `get` as usual.
     */
    cancel: async (name: string, opts: CallOptions = {}): Promise<void> => {
      const resource = checkName(name, TUNING_OPERATION_NAME, 'tunedModels/{model}/operations/{operation}');
      await this.#transport.json({
        method: 'operations.cancel',
        httpMethod: 'POST',
        // The protos bind CancelOperation for tuning operations under v1 only.
        apiVersion: 'v1',
        path: `${encodeName(resource)}:cancel`,
        body: {},
        resource,
        idempotent: false,
        signal: opts.signal,
      });
    },
  };

  readonly permissions = {
    create: (parent: string, permission: Permission, opts: CallOptions = {}): Promise<Permission> => {
      const resource = permissionParent(parent);
      return this.#transport.json<Permission>({
        method: 'permissions.create',
        httpMethod: 'POST',
        path: `${encodeName(resource)}/permissions`,
        body: permission,
        resource,
        idempotent: false,
        signal: opts.signal,
      });
    },

    get: (name: string, opts: CallOptions = {}): Promise<Permission> =>
      this.#get<Permission>('permissions.get', checkName(name, PERMISSION_NAME, 'tunedModels/{model}/permissions/{permission}'), opts),

    list: (parent: string, opts: Omit<ListOptions, 'filter'> = {}): Promise<ListPermissionsResponse> => {
      const resource = permissionParent(parent);
      return this.#list<ListPermissionsResponse>('permissions.list', `${encodeName(resource)}/permissions`, resource, opts);
    },

    listAll: (parent: string, opts: Omit<ListAllOptions, 'filter'> = {}): AsyncIterable<Permission> =>
      this.#pages(opts, (page) => this.permissions.list(parent, page), (r) => r.permissions),

    patch: (permission: Permission & { name: string }, updateMask: string[] = ['role'], opts: CallOptions = {}): Promise<Permission> => {
      const resource = checkName(permission.name, PERMISSION_NAME, 'tunedModels/{model}/permissions/{permission}');
      return this.#transport.json<Permission>({
        method: 'permissions.patch',
        httpMethod: 'PATCH',
        path: encodeName(resource),
        query: { updateMask: (updateMask.length > 0 ? updateMask : ['role']).join(',') },
        body: permission,
        resource,
        idempotent: false,
        signal: opts.signal,
      });
    },

    delete: async (name: string, opts: CallOptions = {}): Promise<void> => {
      const resource = checkName(name, PERMISSION_NAME, 'tunedModels/{model}/permissions/{permission}');
      await this.#transport.json({
        method: 'permissions.delete',
        httpMethod: 'DELETE',
        path: encodeName(resource),
        resource,
        idempotent: false,
        signal: opts.signal,
      });
    },
  };

  readonly models = {
    list: (opts: Omit<ListOptions, 'filter'> = {}): Promise<ListModelsResponse> =>
      this.#list<ListModelsResponse>('models.list', 'models', undefined, opts),

    listAll: (opts: Omit<ListAllOptions, 'filter'> = {}): AsyncIterable<Model> =>
      this.#pages(opts, (page) => this.models.list(page), (r) => r.models),

    get: (name: string, opts: CallOptions = {}): Promise<Model> =>
      this.#get<Model>('models.get', prefixed(name, 'models', BASE_MODEL_NAME, 'models/{model}'), opts),
  };

  generateContent(model: string, request: GenerateContentRequest, opts: CallOptions = {}): Promise<GenerateContentResponse> {
    const resource = generationModelName(model);
    return this.#transport.json<GenerateContentResponse>({
      method: 'generateContent',
      httpMethod: 'POST',
      path: `${encodeName(resource)}:generateContent`,
      body: request,
      resource,
      idempotent: false,
      signal: opts.signal,
    });
  }

  /**
   * Streams a generation (`alt=sse`). Yields each chunk as it arrives. Throws ApiError for an error
   * response or an error inside the stream, StreamInterruptedError (with the chunks received so far)
   * when the stream stops early, and NetworkError kind `aborted` when `signal` aborts. Never retried.
   */
  streamGenerateContent(model: string, request: GenerateContentRequest, opts: StreamOptions = {}): AsyncIterable<GenerateContentResponse> {
    const resource = generationModelName(model);
    const call = streamGenerateContentCall('streamGenerateContent', resource, request, opts.signal);
    const idleMs = opts.idleTimeoutMs ?? this.#streamIdleTimeoutMs;
    return { [Symbol.asyncIterator]: () => this.#stream(call, idleMs) };
  }

  /**
   * Polls a long-running operation until it is done: `initialDelayMs` (5 s), growing by `multiplier`
   * (1.5) up to `maxDelayMs` (45 s). Transient failures are logged and polling goes on. Returns the
   * finished operation, whose `error` tells whether it failed.
   */
  async waitForOperation(op: Operation, opts: WaitOptions = {}): Promise<Operation> {
    if (op.done) return op;
    if (!op.name) throw new TypeError('waitForOperation needs an operation with a name');
    const name = op.name;
    const signal = opts.signal;
    const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : undefined;
    const call: Call = { method: 'operations.get', httpMethod: 'GET', path: name, resource: name, idempotent: true, signal };
    const aborted = () => this.#transport.abortedError(call);
    const delays = pollDelays(opts);
    for (;;) {
      let delay = delays.next().value;
      if (deadline !== undefined) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new NetworkError({
            kind: 'timeout',
            message: `${name} was not done after ${formatMs(opts.timeoutMs ?? 0)}`,
            method: 'operations.get',
            url: this.baseUrl,
          });
        }
        delay = Math.min(delay, left);
      }
      await sleep(delay, signal, aborted);
      let current: Operation;
      try {
        current = await this.operations.get(name, { signal });
      } catch (err) {
        if (signal?.aborted) throw aborted();
        if (!isTransient(err)) throw err;
        this.#transport.log(`operations.get ${name}: ${(err as Error).message}; polling again later`);
        continue;
      }
      if (signal?.aborted) throw aborted();
      if (opts.onProgress) {
        try {
          opts.onProgress(current);
        } catch (err) {
          this.#transport.log(`waitForOperation ${name}: progress callback failed: ${(err as Error).message}`);
        }
      }
      if (current.done) return current;
    }
  }

  /** Closes idle connections; requests in flight finish first. */
  close(): Promise<void> {
    return this.#transport.close();
  }

  /** Drops every connection at once, in-flight requests included. */
  destroy(): Promise<void> {
    return this.#transport.destroy();
  }

  dispose(): void {
    void this.#transport.destroy().catch(() => undefined);
  }

  toString(): string {
    return `GeminiClient(${this.baseUrl})`;
  }

  toJSON(): { baseUrl: string } {
    return { baseUrl: this.baseUrl };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `GeminiClient { baseUrl: ${JSON.stringify(this.baseUrl)} }`;
  }

  #get<T>(method: string, resource: string, opts: CallOptions): Promise<T> {
    return this.#transport.json<T>({
      method,
      httpMethod: 'GET',
      path: encodeName(resource),
      resource,
      idempotent: true,
      signal: opts.signal,
    });
  }

  #list<T>(method: string, path: string, resource: string | undefined, opts: ListOptions): Promise<T> {
    return this.#transport.json<T>({
      method,
      httpMethod: 'GET',
      path,
      query: { pageSize: pageSize(opts.pageSize), pageToken: opts.pageToken, filter: opts.filter },
      resource,
      idempotent: true,
      signal: opts.signal,
    });
  }

  async *#pages<R extends { nextPageToken?: string }, T>(
    opts: ListAllOptions,
    fetchPage: (page: ListOptions) => Promise<R>,
    items: (response: R) => T[] | undefined,
  ): AsyncGenerator<T, void, undefined> {
    const seen = new Set<string>();
    let pageToken: string | undefined;
    do {
      const response = await fetchPage({ ...opts, pageSize: opts.pageSize ?? MAX_PAGE_SIZE, pageToken });
      yield* items(response) ?? [];
      pageToken = response.nextPageToken || undefined;
      if (pageToken !== undefined) {
        if (seen.has(pageToken)) throw new Error(`the backend returned the page token ${JSON.stringify(pageToken)} twice`);
        seen.add(pageToken);
      }
    } while (pageToken !== undefined);
  }

  #stream(call: Call, idleMs: number): AsyncGenerator<GenerateContentResponse, void, undefined> {
    return streamGeneration(this.#transport, call, idleMs);
  }
}

function isTransient(err: unknown): boolean {
  if (err instanceof NetworkError) return err.kind !== 'aborted';
  if (err instanceof ApiError) return err.httpStatus >= 500 || err.httpStatus === 429 || err.httpStatus === 408;
  return false;
}

function pageSize(value: number | undefined): number | undefined {
  if (value === undefined || !(value > 0)) return undefined;
  return Math.min(MAX_PAGE_SIZE, Math.floor(value));
}

const SEGMENT = '[A-Za-z0-9][A-Za-z0-9._~-]*';
const TUNED_MODEL_NAME = new RegExp(`^tunedModels/${SEGMENT}$`);
const BASE_MODEL_NAME = new RegExp(`^models/${SEGMENT}$`);
const GENERATION_MODEL_NAME = new RegExp(`^(models|tunedModels)/${SEGMENT}$`);
const OPERATION_NAME = new RegExp(`^[A-Za-z]+/${SEGMENT}(/[A-Za-z]+/${SEGMENT})*$`);
const TUNING_OPERATION_NAME = new RegExp(`^tunedModels/${SEGMENT}/operations/${SEGMENT}$`);
const PERMISSION_NAME = new RegExp(`^(tunedModels|corpora)/${SEGMENT}/permissions/${SEGMENT}$`);
const PERMISSION_PARENT = new RegExp(`^(tunedModels|corpora)/${SEGMENT}$`);

function checkName(name: string, pattern: RegExp, shape: string): string {
  if (typeof name !== 'string' || !pattern.test(name)) {
    throw new TypeError(`expected a resource name like ${shape}, got ${JSON.stringify(String(name).slice(0, 100))}`);
  }
  return name;
}

/** Accepts `collection/id` or a bare id. */
function prefixed(name: string, collection: string, pattern: RegExp, shape: string): string {
  const full = typeof name === 'string' && !name.includes('/') ? `${collection}/${name}` : name;
  return checkName(full, pattern, shape);
}

function tunedModelName(name: string): string {
  return prefixed(name, 'tunedModels', TUNED_MODEL_NAME, 'tunedModels/{model}');
}

function permissionParent(name: string): string {
  return prefixed(name, 'tunedModels', PERMISSION_PARENT, 'tunedModels/{model}');
}

/** Like js-genai: `models/…` and `tunedModels/…` are kept, a bare name means `models/{name}`. */
function generationModelName(name: string): string {
  return prefixed(name, 'models', GENERATION_MODEL_NAME, 'tunedModels/{model} or models/{model}');
}
