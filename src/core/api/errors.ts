import type {
  BadRequest,
  ErrorDetail,
  ErrorInfo,
  FieldViolation,
  GenerateContentResponse,
  Help,
  HelpLink,
  LocalizedMessage,
  QuotaFailure,
  QuotaViolation,
  RetryInfo,
  DebugInfo,
} from './types';

/** Base of every error the client throws, so callers can tell them from programming errors. */
export abstract class GeminiClientError extends Error {
  abstract readonly kindOfFailure: 'api' | 'network' | 'stream';
}

export interface ApiErrorInit {
  httpStatus: number;
  status?: string;
  message: string;
  details?: ErrorDetail[];
  /** API method, e.g. `tunedModels.get`. */
  method: string;
  /** HTTP verb used. */
  httpMethod: string;
  /** Resource the call addressed, e.g. `tunedModels/abc`, when there was one. */
  resource?: string;
  /** `Retry-After` header, in milliseconds, when the response had one. */
  retryAfterMs?: number;
  /** Chunks a stream delivered before an error arrived inside it. */
  received?: GenerateContentResponse[];
}

/** The backend answered with an error (an AIP-193 envelope, or a non-JSON error page). */
export class ApiError extends GeminiClientError {
  override readonly name = 'ApiError';
  readonly kindOfFailure = 'api' as const;
  readonly httpStatus: number;
  /** RPC code name such as `NOT_FOUND`; undefined when the body carried none. */
  readonly status: string | undefined;
  readonly details: readonly ErrorDetail[];
  readonly method: string;
  readonly httpMethod: string;
  readonly resource: string | undefined;
  /** ErrorInfo.reason, e.g. `API_KEY_INVALID`. */
  readonly reason: string | undefined;
  readonly errorInfo: ErrorInfo | undefined;
  /** RetryInfo.retryDelay in milliseconds, else the Retry-After header. */
  readonly retryDelayMs: number | undefined;
  readonly fieldViolations: readonly FieldViolation[];
  readonly quotaViolations: readonly QuotaViolation[];
  readonly helpLinks: readonly HelpLink[];
  readonly localizedMessage: LocalizedMessage | undefined;
  readonly debugInfo: DebugInfo | undefined;
  /** Set when the error arrived inside a stream: the chunks received before it. */
  readonly received: readonly GenerateContentResponse[] | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message || `HTTP ${init.httpStatus}`);
    this.httpStatus = init.httpStatus;
    this.status = init.status || undefined;
    this.details = init.details ?? [];
    this.method = init.method;
    this.httpMethod = init.httpMethod;
    this.resource = init.resource;
    this.received = init.received;
    this.errorInfo = findDetail<ErrorInfo>(this.details, 'ErrorInfo');
    this.reason = this.errorInfo?.reason;
    const retryInfo = findDetail<RetryInfo>(this.details, 'RetryInfo');
    const fromRetryInfo = retryInfo?.retryDelay !== undefined ? parseDuration(retryInfo.retryDelay) : undefined;
    this.retryDelayMs = fromRetryInfo ?? init.retryAfterMs;
    this.fieldViolations = findDetail<BadRequest>(this.details, 'BadRequest')?.fieldViolations ?? [];
    this.quotaViolations = findDetail<QuotaFailure>(this.details, 'QuotaFailure')?.violations ?? [];
    this.helpLinks = findDetail<Help>(this.details, 'Help')?.links ?? [];
    this.localizedMessage = findDetail<LocalizedMessage>(this.details, 'LocalizedMessage');
    this.debugInfo = findDetail<DebugInfo>(this.details, 'DebugInfo');
  }

  /** One line for logs: method, resource, status and message. */
  describe(): string {
    const where = this.resource ? `${this.method} ${this.resource}` : this.method;
    const code = this.status ? `${this.httpStatus} ${this.status}` : `${this.httpStatus}`;
    const reason = this.reason ? ` [${this.reason}]` : '';
    return `${where}: ${code}${reason}: ${this.message}`;
  }

  override toString(): string {
    return `${this.name}: ${this.describe()}`;
  }
}

export type NetworkErrorKind =
  /** Nothing listens at the address. */
  | 'refused'
  /** The connection was reset or closed while the request was in flight. */
  | 'reset'
  /** The host name could not be resolved. */
  | 'dns'
  /** TLS handshake or certificate failure. */
  | 'tls'
  /** No connection, headers or body within the allowed time. */
  | 'timeout'
  /** The caller cancelled. */
  | 'aborted'
  /** The proxy refused or failed the connection. */
  | 'proxy'
  | 'other';

export interface NetworkErrorInit {
  kind: NetworkErrorKind;
  message: string;
  method: string;
  /** Origin (and path) the request went to; never carries credentials. */
  url: string;
  /** Low-level error code, e.g. `ECONNREFUSED` or `UND_ERR_SOCKET`. */
  code?: string;
  cause?: unknown;
}

/** The request never got a complete answer: the connection failed, timed out or was cancelled. */
export class NetworkError extends GeminiClientError {
  override readonly name = 'NetworkError';
  readonly kindOfFailure = 'network' as const;
  readonly kind: NetworkErrorKind;
  readonly method: string;
  readonly url: string;
  readonly code: string | undefined;

  constructor(init: NetworkErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.method = init.method;
    this.url = init.url;
    this.code = init.code;
  }
}

export type StreamInterruption =
  /** The connection closed or failed before the last chunk. */
  | 'connection'
  /** The stream ended cleanly but no candidate reached a finishReason. */
  | 'unfinished'
  /** The stream ended in the middle of an event. */
  | 'leftover'
  /** No bytes arrived for longer than the idle timeout. */
  | 'idle'
  /** The stream carried bytes that are not server-sent events or not JSON. */
  | 'malformed'
  /** One event grew beyond the buffer cap. */
  | 'tooLarge';

export interface StreamInterruptedErrorInit {
  reason: StreamInterruption;
  message: string;
  method: string;
  resource?: string;
  received: GenerateContentResponse[];
  cause?: unknown;
}

/** A generation stream stopped before it was complete. `received` keeps the partial output. */
export class StreamInterruptedError extends GeminiClientError {
  override readonly name = 'StreamInterruptedError';
  readonly kindOfFailure = 'stream' as const;
  readonly reason: StreamInterruption;
  readonly method: string;
  readonly resource: string | undefined;
  readonly received: GenerateContentResponse[];

  constructor(init: StreamInterruptedErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.reason = init.reason;
    this.method = init.method;
    this.resource = init.resource;
    this.received = init.received;
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof NetworkError && err.kind === 'aborted';
}

function findDetail<T>(details: readonly ErrorDetail[], typeName: string): T | undefined {
  const suffix = `/google.rpc.${typeName}`;
  for (const detail of details) {
    const type = detail && typeof detail === 'object' ? (detail as { '@type'?: unknown })['@type'] : undefined;
    if (typeof type === 'string' && type.endsWith(suffix)) return detail as unknown as T;
  }
  return undefined;
}

/** Parses a protobuf Duration string (`"47s"`, `"1.5s"`, `"0.250s"`) to milliseconds. */
export function parseDuration(value: string | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(-?\d+(?:\.\d+)?)s\s*$/.exec(value);
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * 1000);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
