import { ApiError, NetworkError, StreamInterruptedError, type StreamInterruption } from './errors';
import { SseBufferOverflowError, SseParser, type SseEventKind } from './sse';
import {
  AttemptControl,
  Transport,
  formatMs,
  sleep,
  type Call,
  type TransportOptions,
} from './transport';
import type {
  ErrorEnvelope,
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
    const call: Call = {
      method: 'streamGenerateContent',
      httpMethod: 'POST',
      path: `${encodeName(resource)}:streamGenerateContent`,
      query: { alt: 'sse' },
      body: request,
      resource,
      idempotent: false,
      signal: opts.signal,
    };
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

  async *#stream(call: Call, idleMs: number): AsyncGenerator<GenerateContentResponse, void, undefined> {
    const transport = this.#transport;
    const control = new AttemptControl(call.signal);
    const received: GenerateContentResponse[] = [];
    const started = Date.now();
    const interrupted = (reason: StreamInterruption, detail: string, cause?: unknown) =>
      new StreamInterruptedError({
        reason,
        message: transport.redactor.redact(
          `${call.method} ${call.resource}: the stream stopped after ${received.length} chunk${received.length === 1 ? '' : 's'}: ${detail}`,
        ),
        method: call.method,
        resource: call.resource,
        received,
        cause: transport.redactor.sanitizeCause(cause),
      });
    const idleError = () => interrupted('idle', `no data arrived for ${formatMs(idleMs)}`);
    const failure = (err: unknown): Error => {
      if (control.reason === 'caller' || call.signal?.aborted) return transport.abortedError(call);
      if (control.reason === 'idle') return idleError();
      if (err instanceof ApiError || err instanceof StreamInterruptedError) return err;
      if (err instanceof SseBufferOverflowError) return interrupted('tooLarge', err.message);
      const network = transport.networkError(call, err, control, idleMs);
      return interrupted('connection', network.message.replace(`${call.method}: `, ''), err);
    };

    control.arm(idleMs, 'idle');
    let body: Awaited<ReturnType<Transport['open']>>['body'] | undefined;
    let finished = false;
    try {
      let response: Awaited<ReturnType<Transport['open']>>;
      try {
        response = await transport.open(call, control, { accept: 'text/event-stream' });
      } catch (err) {
        throw failure(err);
      }
      body = response.body;
      const contentType = String(response.headers['content-type'] ?? '');
      if (response.statusCode < 200 || response.statusCode >= 300 || contentType.includes('application/json')) {
        // Read piece by piece so that the idle timer restarts on every byte, as for SSE: a slow
        // array that keeps arriving is not idle.
        const pieces: Buffer[] = [];
        try {
          for await (const piece of response.body) {
            control.arm(idleMs, 'idle');
            pieces.push(piece as Buffer);
          }
        } catch (err) {
          throw failure(err);
        }
        const text = Buffer.concat(pieces).toString('utf8');
        finished = true;
        transport.log(`POST ${transport.describePath(call)} ${response.statusCode} ${Date.now() - started}ms`);
        if (response.statusCode < 200 || response.statusCode >= 300) {
          throw transport.apiError(call, response.statusCode, response.headers, text);
        }
        // The backend ignored alt=sse and sent the whole stream as one JSON array.
        for (const chunk of parseJsonStream(text)) {
          if ('error' in chunk && chunk.error && typeof chunk.error === 'object') {
            throw transport.inBandError(call, chunk.error as ErrorEnvelope['error'], received);
          }
          received.push(chunk);
        }
        if (call.signal?.aborted) throw transport.abortedError(call);
        for (const chunk of received) yield chunk;
        return;
      }

      const progress = new CompletionTracker();
      const pending: (SseEventKind | string)[] = [];
      const parser = new SseParser((kind, text) => {
        pending.push(kind, text);
      });
      const toChunk = (kind: SseEventKind, text: string): GenerateContentResponse | undefined => {
        if (kind === 'garbage') throw interrupted('malformed', `unexpected bytes in the stream: ${JSON.stringify(text)}`);
        const trimmed = text.trim();
        if (trimmed === '' || trimmed === '[DONE]') return undefined;
        let parsed: unknown;
        try {
          parsed = JSON.parse(trimmed);
        } catch {
          throw interrupted('malformed', `an event is not valid JSON: ${JSON.stringify(trimmed.slice(0, 80))}`);
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw interrupted('malformed', `an event is not a JSON object: ${JSON.stringify(trimmed.slice(0, 80))}`);
        }
        const error = (parsed as { error?: unknown }).error;
        if (error && typeof error === 'object') {
          throw transport.inBandError(call, error as ErrorEnvelope['error'], received);
        }
        return parsed as GenerateContentResponse;
      };

      const iterator = body[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<Buffer>;
        try {
          next = await iterator.next();
        } catch (err) {
          throw failure(err);
        }
        if (next.done) break;
        const linesBefore = parser.contentLines;
        try {
          parser.push(next.value);
        } catch (err) {
          throw failure(err);
        }
        // Only content restarts the idle timer: a stream of nothing but heartbeat comments ends by it.
        if (parser.contentLines !== linesBefore || parser.receivingContent) control.arm(idleMs, 'idle');
        if (pending.length === 0) continue;
        const events = pending.splice(0);
        for (let i = 0; i < events.length; i += 2) {
          const chunk = toChunk(events[i] as SseEventKind, events[i + 1]);
          if (!chunk) continue;
          received.push(chunk);
          progress.add(chunk);
          if (call.signal?.aborted) throw transport.abortedError(call);
          control.disarm();
          yield chunk;
          if (call.signal?.aborted) throw transport.abortedError(call);
          control.arm(idleMs, 'idle');
        }
      }
      finished = true;
      control.disarm();
      const end = parser.end();
      for (let i = 0; i < pending.length; i += 2) {
        const chunk = toChunk(pending[i] as SseEventKind, pending[i + 1]);
        if (!chunk) continue;
        received.push(chunk);
        progress.add(chunk);
        if (call.signal?.aborted) throw transport.abortedError(call);
        yield chunk;
      }
      transport.log(`POST ${transport.describePath(call)} 200 ${received.length} chunks ${Date.now() - started}ms`);
      if (end.leftover) {
        throw interrupted('leftover', `it ended in the middle of an event (${JSON.stringify(end.leftoverSample)})`);
      }
      if (!progress.complete) {
        throw interrupted('unfinished', 'it ended before any candidate had a finishReason');
      }
    } finally {
      control.dispose();
      if (body && !finished) body.destroy();
    }
  }
}

/** Tracks whether every candidate of a stream reached a finishReason (or the prompt was blocked). */
class CompletionTracker {
  private readonly unfinished = new Set<number>();
  private readonly finished = new Set<number>();
  private blocked = false;

  add(chunk: GenerateContentResponse): void {
    if (chunk.promptFeedback?.blockReason) this.blocked = true;
    for (const candidate of chunk.candidates ?? []) {
      const index = candidate.index ?? 0;
      if (candidate.finishReason) {
        this.finished.add(index);
        this.unfinished.delete(index);
      } else if (!this.finished.has(index)) {
        this.unfinished.add(index);
      }
    }
  }

  get complete(): boolean {
    return this.blocked || (this.finished.size > 0 && this.unfinished.size === 0);
  }
}

function parseJsonStream(text: string): GenerateContentResponse[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const parsed = JSON.parse(trimmed) as unknown;
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.filter((x): x is GenerateContentResponse => !!x && typeof x === 'object');
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

function encodeName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
