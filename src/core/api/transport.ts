import { STATUS_CODES } from 'node:http';
import type { Dispatcher } from 'undici';
import { ApiError, NetworkError, type NetworkErrorKind } from './errors';
import { Redactor } from './redact';
import type { ErrorDetail, ErrorEnvelope } from './types';

export const API_VERSION = 'v1beta';
const CLIENT_ID = `gemini-tuning-vscode/0.1.0 gl-node/${process.versions.node}`;

export interface RetryPolicy {
  /** Attempts in total, the first one included. 1 turns retries off. */
  maxAttempts: number;
  /** Delay before the first retry; later ones grow by `multiplier`, with jitter. */
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
  /** A 429 is retried only when RetryInfo or Retry-After says when, and only if that is at most this long. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 4,
  initialDelayMs: 1000,
  multiplier: 2,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/** A proxy as VS Code's `http.proxy`, `http.proxyStrictSSL` and `http.noProxy` describe it. */
export interface ProxyOptions {
  url?: string;
  strictSSL?: boolean;
  noProxy?: string[];
}

/** The default cap on a unary response body (a tuned model with all its snapshots is far smaller). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface TransportOptions {
  /** e.g. `http://127.0.0.1:PORT` or `https://generativelanguage.googleapis.com`; `/v1beta` is appended. */
  baseUrl: string;
  /** Sent only in the `x-goog-api-key` header. A function is asked before every request. */
  apiKey?: string | (() => string | undefined | Promise<string | undefined>);
  /** OAuth access token provider, sent as `Authorization: Bearer`. */
  accessToken?: () => Promise<string>;
  /** Quota project for OAuth calls (`x-goog-user-project`). */
  userProject?: string;
  /** Retry policy for safe-to-repeat requests; `false` turns retries off. */
  retry?: Partial<RetryPolicy> | false;
  /** Explicit proxy; without it HTTPS_PROXY / HTTP_PROXY / NO_PROXY apply. */
  proxy?: ProxyOptions;
  /** Limit for one unary request attempt. Default 120 s; 0 turns it off. */
  requestTimeoutMs?: number;
  /** Largest unary response body read; a larger one fails with ApiError instead of filling memory. Default 64 MiB. */
  maxResponseBytes?: number;
  /** Receives one line per request, retry and recovered failure. Never receives secrets. */
  log?: (line: string) => void;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Call {
  /** API method name for errors and logs, e.g. `tunedModels.get`. */
  method: string;
  httpMethod: HttpMethod;
  /** Path below the API version, e.g. `tunedModels/abc:generateContent`. */
  path: string;
  /** `v1beta` unless the method is bound only under another version (operations cancel is `v1`). */
  apiVersion?: 'v1beta' | 'v1';
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  resource?: string;
  /** Safe to repeat: eligible for automatic retries. */
  idempotent: boolean;
  signal?: AbortSignal;
}

export interface OpenResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/** Aborts an attempt for one of three reasons, so the failure can be told apart afterwards. */
export class AttemptControl {
  readonly controller = new AbortController();
  reason: 'caller' | 'timeout' | 'idle' | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort = () => this.abort('caller');

  constructor(private readonly callerSignal: AbortSignal | undefined) {
    if (callerSignal) {
      if (callerSignal.aborted) this.abort('caller');
      else callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Arms (or re-arms, cheaply) a timer that aborts with `reason` after `ms`. */
  arm(ms: number, reason: 'timeout' | 'idle'): void {
    if (!(ms > 0)) return;
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => this.abort(reason), ms);
    this.timer.unref?.();
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  abort(reason: 'caller' | 'timeout' | 'idle'): void {
    if (this.controller.signal.aborted) return;
    this.reason = reason;
    this.disarm();
    this.controller.abort(new Error(`aborted: ${reason}`));
  }

  dispose(): void {
    this.disarm();
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}

export class Transport {
  readonly #options: TransportOptions;
  #dispatcher: Promise<Dispatcher> | undefined;
  readonly #redactor = new Redactor();
  readonly #retry: RetryPolicy;
  readonly #origin: string;
  /** The base URL's own path, below which `/<version>/` and the method's path go. */
  readonly #basePath: string;
  readonly #displayBase: string;

  constructor(options: TransportOptions) {
    this.#options = options;
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`the base URL is not a valid URL: ${this.#redactor.redact(String(options.baseUrl))}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`the base URL must start with http:// or https://, not ${url.protocol}`);
    }
    if (url.username || url.password || url.search) {
      throw new TypeError('the base URL must not carry credentials or a query; pass the API key separately');
    }
    this.#origin = url.origin;
    let prefix = url.pathname.replace(/\/+$/, '');
    if (prefix.endsWith(`/${API_VERSION}`)) prefix = prefix.slice(0, -API_VERSION.length - 1);
    this.#basePath = prefix;
    this.#displayBase = url.origin + prefix;
    this.#retry = options.retry === false ? { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 } : { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (typeof options.apiKey === 'string') this.#redactor.remember(options.apiKey);
  }

  get baseUrl(): string {
    return this.#displayBase;
  }

  get redactor(): Redactor {
    return this.#redactor;
  }

  get retryPolicy(): Readonly<RetryPolicy> {
    return this.#retry;
  }

  log(line: string): void {
    const log = this.#options.log;
    if (!log) return;
    try {
      log(this.#redactor.redact(line));
    } catch {
      // a failing logger must not fail the request
    }
  }

  async close(): Promise<void> {
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    if (dispatcher) await (await dispatcher).close();
  }

  async destroy(): Promise<void> {
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    if (dispatcher) await (await dispatcher).destroy();
  }

  /** undici is a large module: it is loaded at the first request, not when the editor activates. */
  #connection(): Promise<Dispatcher> {
    this.#dispatcher ??= createDispatcher(this.#options.proxy);
    return this.#dispatcher;
  }

  /** A unary JSON call with retries for idempotent requests. */
  async json<T>(call: Call): Promise<T> {
    const policy = this.#retry;
    for (let attempt = 1; ; attempt++) {
      let failure: ApiError | NetworkError;
      try {
        return await this.attemptJson<T>(call);
      } catch (err) {
        if (!(err instanceof ApiError || err instanceof NetworkError)) throw err;
        failure = err;
      }
      if (!call.idempotent || attempt >= policy.maxAttempts || call.signal?.aborted) throw failure;
      const delay = this.retryDelay(failure, attempt);
      if (delay === undefined) throw failure;
      this.log(
        `${call.method}: ${describeFailure(failure)}; retrying in ${formatMs(delay)} (attempt ${attempt + 1} of ${policy.maxAttempts})`,
      );
      await sleep(delay, call.signal, () => this.abortedError(call));
    }
  }

  /** Milliseconds to wait before retrying after `failure`, or undefined when it must not be retried. */
  retryDelay(failure: ApiError | NetworkError, attempt: number): number | undefined {
    const policy = this.#retry;
    if (failure instanceof NetworkError) {
      return failure.kind === 'reset' ? backoff(policy, attempt) : undefined;
    }
    const status = failure.httpStatus;
    if (status === 429) {
      const asked = failure.retryDelayMs;
      return asked !== undefined && asked <= policy.maxRetryAfterMs ? asked : undefined;
    }
    if (status === 502 || status === 503 || status === 504) {
      const asked = failure.retryDelayMs;
      const computed = backoff(policy, attempt);
      return asked !== undefined && asked <= policy.maxRetryAfterMs ? Math.max(asked, computed) : computed;
    }
    return undefined;
  }

  private async attemptJson<T>(call: Call): Promise<T> {
    const control = new AttemptControl(call.signal);
    const started = Date.now();
    const timeout = this.#options.requestTimeoutMs ?? 120_000;
    control.arm(timeout, 'timeout');
    try {
      const response = await this.open(call, control);
      const limit = this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      const pieces: Buffer[] = [];
      let size = 0;
      try {
        for await (const piece of response.body) {
          size += (piece as Buffer).length;
          if (size > limit) break;
          pieces.push(piece as Buffer);
        }
      } catch (err) {
        throw this.networkError(call, err, control, timeout);
      }
      if (size > limit) {
        response.body.destroy();
        throw new ApiError({
          httpStatus: response.statusCode,
          status: 'UNKNOWN',
          message: `the backend's response to ${call.method} is larger than ${limit} bytes, the most this client reads (maxResponseBytes); it was not read further. Check that the base URL points at the Gemini API or the local tuning server.`,
          method: call.method,
          httpMethod: call.httpMethod,
          resource: call.resource,
        });
      }
      const text = Buffer.concat(pieces).toString('utf8');
      this.log(`${call.httpMethod} ${this.describePath(call)} ${response.statusCode} ${Date.now() - started}ms`);
      if (response.statusCode >= 200 && response.statusCode < 300) {
        if (text.trim() === '') return {} as T;
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new ApiError({
            httpStatus: response.statusCode,
            status: 'UNKNOWN',
            message: `the backend sent a response that is not JSON: ${this.#redactor.redact(text.slice(0, 120))}`,
            method: call.method,
            httpMethod: call.httpMethod,
            resource: call.resource,
          });
        }
      }
      throw this.apiError(call, response.statusCode, response.headers, text);
    } finally {
      control.dispose();
    }
  }

  /** Sends one request and returns once headers arrive. Network failures become NetworkError. */
  async open(call: Call, control: AttemptControl, extraHeaders?: Record<string, string>): Promise<OpenResponse> {
    if (control.signal.aborted) throw this.abortedError(call);
    const headers = await this.headers(call.body !== undefined, extraHeaders);
    if (control.signal.aborted) throw this.abortedError(call);
    try {
      const response = await (await this.#connection()).request({
        origin: this.#origin,
        path: this.buildPath(call),
        method: call.httpMethod,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: control.signal,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    } catch (err) {
      throw this.networkError(call, err, control, this.#options.requestTimeoutMs ?? 120_000);
    }
  }

  buildPath(call: Call): string {
    let path = `${this.#basePath}/${call.apiVersion ?? API_VERSION}/${call.path}`;
    if (call.query) {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(call.query)) {
        if (value !== undefined && value !== '') params.set(name, String(value));
      }
      const query = params.toString();
      if (query) path += `?${query}`;
    }
    return path;
  }

  describePath(call: Call): string {
    return this.buildPath(call);
  }

  private async headers(hasBody: boolean, extra?: Record<string, string>): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': CLIENT_ID,
      'x-goog-api-client': CLIENT_ID,
    };
    if (hasBody) headers['content-type'] = 'application/json';
    const { apiKey, accessToken, userProject } = this.#options;
    const key = typeof apiKey === 'function' ? await apiKey() : apiKey;
    if (key) {
      this.#redactor.remember(key);
      headers['x-goog-api-key'] = key;
    }
    if (accessToken) {
      const token = await accessToken();
      if (token) {
        this.#redactor.remember(token);
        headers.authorization = `Bearer ${token}`;
      }
    }
    if (userProject) headers['x-goog-user-project'] = userProject;
    return extra ? { ...headers, ...extra } : headers;
  }

  /** Builds the ApiError for a non-2xx response from its (already read) body. */
  apiError(call: Call, statusCode: number, headers: OpenResponse['headers'], rawText: string): ApiError {
    const text = this.#redactor.redact(rawText);
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    const envelope = parseEnvelope(text);
    if (envelope) {
      return new ApiError({
        httpStatus: statusCode,
        status: envelope.status,
        message: envelope.message ?? '',
        details: envelope.details,
        method: call.method,
        httpMethod: call.httpMethod,
        resource: call.resource,
        retryAfterMs,
      });
    }
    const snippet = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
    const reason = STATUS_CODES[statusCode] ?? 'error';
    return new ApiError({
      httpStatus: statusCode,
      status: undefined,
      message: snippet ? `HTTP ${statusCode} ${reason}: ${snippet}` : `HTTP ${statusCode} ${reason}`,
      method: call.method,
      httpMethod: call.httpMethod,
      resource: call.resource,
      retryAfterMs,
    });
  }

  /** An ApiError for an error object found inside a stream. */
  inBandError(call: Call, error: NonNullable<ErrorEnvelope['error']>, received: ApiError['received']): ApiError {
    const clean = JSON.parse(this.#redactor.redact(JSON.stringify(error))) as ErrorEnvelope['error'];
    const httpStatus = typeof clean.code === 'number' ? clean.code : 500;
    return new ApiError({
      httpStatus,
      status: clean.status,
      message: clean.message ?? '',
      details: Array.isArray(clean.details) ? clean.details : [],
      method: call.method,
      httpMethod: call.httpMethod,
      resource: call.resource,
      received: received ? [...received] : undefined,
    });
  }

  abortedError(call: Call): NetworkError {
    return new NetworkError({
      kind: 'aborted',
      message: `${call.method} to ${this.#displayBase} was cancelled`,
      method: call.method,
      url: this.#displayBase,
    });
  }

  /** Maps an undici or socket failure to a NetworkError a person can read. */
  networkError(call: Call, err: unknown, control: AttemptControl, timeoutMs: number): NetworkError {
    if (err instanceof NetworkError) return err;
    const base = this.#displayBase;
    if (control.reason === 'caller') return this.abortedError(call);
    if (control.reason === 'timeout') {
      return new NetworkError({
        kind: 'timeout',
        message: `${call.method}: no complete response from ${base} within ${formatMs(timeoutMs)}`,
        method: call.method,
        url: base,
      });
    }
    const code = errorCode(err);
    const message = errorMessage(err);
    const host = new URL(base).host;
    let kind: NetworkErrorKind = 'other';
    let text: string;
    const proxyStatus = /Proxy response \((\d+)\)/.exec(message)?.[1];
    if (proxyStatus || /^Proxy /.test(message)) {
      kind = 'proxy';
      text = `could not connect to ${base} through the proxy: ${proxyStatus ? `the proxy answered ${proxyStatus}` : message}`;
    } else if (code === 'ECONNREFUSED') {
      kind = 'refused';
      text = `could not connect to ${base}: connection refused`;
    } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
      kind = 'dns';
      text = `could not connect to ${base}: host ${host.replace(/:\d+$/, '')} not found`;
    } else if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      kind = 'timeout';
      text = `could not connect to ${base}: timed out`;
    } else if (isTlsCode(code)) {
      kind = 'tls';
      text = `could not connect to ${base}: TLS error (${code}): ${message}`;
    } else if (
      code === 'ECONNRESET' ||
      code === 'EPIPE' ||
      code === 'ECONNABORTED' ||
      code === 'UND_ERR_SOCKET' ||
      code === 'UND_ERR_CLOSED' ||
      code === 'ERR_STREAM_PREMATURE_CLOSE'
    ) {
      kind = 'reset';
      text = `the connection to ${base} was closed before the response was complete (${code})`;
    } else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL') {
      kind = 'refused';
      text = `could not connect to ${base}: host unreachable (${code})`;
    } else {
      text = `request to ${base} failed: ${message}${code ? ` (${code})` : ''}`;
    }
    return new NetworkError({
      kind,
      message: this.#redactor.redact(`${call.method}: ${text}`),
      method: call.method,
      url: base,
      code,
      cause: this.#redactor.sanitizeCause(err),
    });
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Transport { baseUrl: ${JSON.stringify(this.#displayBase)} }`;
  }
}

export async function createDispatcher(proxy: ProxyOptions | undefined): Promise<Dispatcher> {
  const { Agent, EnvHttpProxyAgent } = await import('undici');
  const strictSSL = proxy?.strictSSL !== false;
  const tls = strictSSL ? undefined : { rejectUnauthorized: false };
  const env = process.env;
  const envProxy = env.https_proxy || env.HTTPS_PROXY || env.http_proxy || env.HTTP_PROXY;
  if (proxy?.url) {
    return new EnvHttpProxyAgent({
      httpProxy: proxy.url,
      httpsProxy: proxy.url,
      noProxy: proxy.noProxy ? proxy.noProxy.join(',') : undefined,
      connect: tls,
      requestTls: tls,
      proxyTls: tls,
    });
  }
  if (envProxy) {
    return new EnvHttpProxyAgent({
      noProxy: proxy?.noProxy && proxy.noProxy.length > 0 ? proxy.noProxy.join(',') : undefined,
      connect: tls,
      requestTls: tls,
      proxyTls: tls,
    });
  }
  return new Agent({ connect: tls });
}

function parseEnvelope(text: string): { message?: string; status?: string; details?: ErrorDetail[] } | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  // Some gateways wrap the envelope in an array.
  if (Array.isArray(parsed)) parsed = parsed[0];
  const error = (parsed as { error?: unknown } | null)?.error;
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { message?: unknown; status?: unknown; details?: unknown };
  return {
    message: typeof e.message === 'string' ? e.message : undefined,
    status: typeof e.status === 'string' ? e.status : undefined,
    details: Array.isArray(e.details) ? (e.details as ErrorDetail[]) : [],
  };
}

export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - Date.now());
}

function backoff(policy: RetryPolicy, attempt: number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * Math.pow(policy.multiplier, attempt - 1));
  // "Equal jitter": at least half the computed delay, so retries never bunch up at zero.
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** Waits `ms`, rejecting with `abortError()` as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined, abortError: () => Error): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    const errors = (current as { errors?: unknown }).errors;
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorMessage(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return errorMessage(err.errors[0]);
  if (err instanceof Error) return err.message;
  return String(err);
}

function isTlsCode(code: string | undefined): boolean {
  if (!code) return false;
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('CERT_') ||
    code === 'EPROTO' ||
    code === 'UND_ERR_PRX_TLS' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN'
  );
}

export function describeFailure(err: ApiError | NetworkError): string {
  if (err instanceof ApiError) return `${err.httpStatus}${err.status ? ` ${err.status}` : ''}`;
  return `${err.kind}${err.code ? ` (${err.code})` : ''}`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

/** A resource name as a URL path: each segment encoded, the slashes kept. */
export function encodeName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
