/** google.rpc.Code names with the HTTP status each maps to (AIP-193). */
export const RPC_CODES = {
  OK: { number: 0, http: 200 },
  CANCELLED: { number: 1, http: 499 },
  UNKNOWN: { number: 2, http: 500 },
  INVALID_ARGUMENT: { number: 3, http: 400 },
  DEADLINE_EXCEEDED: { number: 4, http: 504 },
  NOT_FOUND: { number: 5, http: 404 },
  ALREADY_EXISTS: { number: 6, http: 409 },
  PERMISSION_DENIED: { number: 7, http: 403 },
  RESOURCE_EXHAUSTED: { number: 8, http: 429 },
  FAILED_PRECONDITION: { number: 9, http: 400 },
  ABORTED: { number: 10, http: 409 },
  OUT_OF_RANGE: { number: 11, http: 400 },
  UNIMPLEMENTED: { number: 12, http: 501 },
  INTERNAL: { number: 13, http: 500 },
  UNAVAILABLE: { number: 14, http: 503 },
  DATA_LOSS: { number: 15, http: 500 },
  UNAUTHENTICATED: { number: 16, http: 401 },
} as const;

export type RpcStatus = keyof typeof RPC_CODES;

export interface FieldViolation {
  field: string;
  description: string;
}

export type ErrorDetail = { '@type': string } & Record<string, unknown>;

const TYPE_PREFIX = 'type.googleapis.com/google.rpc.';

/** An error that the HTTP layer turns into the `{error:{code,message,status,details}}` envelope. */
export class ServerError extends Error {
  constructor(
    readonly status: RpcStatus,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly httpStatus: number = RPC_CODES[status].http,
  ) {
    super(message);
  }

  toEnvelope(): { error: { code: number; message: string; status: RpcStatus; details?: ErrorDetail[] } } {
    return {
      error: {
        code: this.httpStatus,
        message: this.message,
        status: this.status,
        ...(this.details.length > 0 ? { details: this.details } : {}),
      },
    };
  }
}

export function badRequestDetail(violations: FieldViolation[]): ErrorDetail {
  return {
    '@type': `${TYPE_PREFIX}BadRequest`,
    fieldViolations: violations.map((v) => (v.field === '' ? { description: v.description } : v)),
  };
}

/** INVALID_ARGUMENT for one field, with a BadRequest detail naming it. */
export function invalidField(field: string, description: string): ServerError {
  return new ServerError('INVALID_ARGUMENT', `Invalid value for ${field}: ${description}`, [
    badRequestDetail([{ field, description }]),
  ]);
}

export function invalidFields(violations: FieldViolation[]): ServerError {
  const message =
    violations.length === 1
      ? `Invalid value for ${violations[0].field}: ${violations[0].description}`
      : `Request contains ${violations.length} invalid arguments: ` +
        violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new ServerError('INVALID_ARGUMENT', message, [badRequestDetail(violations)]);
}

export function failedPrecondition(message: string, field?: string): ServerError {
  const details: ErrorDetail[] = field ? [badRequestDetail([{ field, description: message }])] : [];
  return new ServerError('FAILED_PRECONDITION', message, details);
}

export function tunedModelNotFound(name: string): ServerError {
  return new ServerError('NOT_FOUND', `Tuned model ${name} does not exist.`);
}

/** A path this server has no method for (also a known path with another version's binding). */
export function noMethodServes(method: string, pathname: string): ServerError {
  return new ServerError('NOT_FOUND', `No method serves ${method} ${pathname} on this server.`);
}

export function baseModelNotFound(name: string): ServerError {
  return new ServerError(
    'NOT_FOUND',
    `${name} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
  );
}

export function retryInfoDetail(retryDelay: string): ErrorDetail {
  return { '@type': `${TYPE_PREFIX}RetryInfo`, retryDelay };
}

export function errorInfoDetail(reason: string, metadata: Record<string, string>): ErrorDetail {
  return { '@type': `${TYPE_PREFIX}ErrorInfo`, reason, domain: 'googleapis.com', metadata };
}

export function localizedMessageDetail(message: string): ErrorDetail {
  return { '@type': `${TYPE_PREFIX}LocalizedMessage`, locale: 'en-US', message };
}

/** The google.rpc.Status an Operation carries: the RPC code number, no status string. */
export function operationStatus(status: RpcStatus, message: string): { code: number; message: string } {
  return { code: RPC_CODES[status].number, message };
}

export function statusForHttp(http: number): RpcStatus {
  const exact = (Object.keys(RPC_CODES) as RpcStatus[]).find((k) => RPC_CODES[k].http === http && k !== 'FAILED_PRECONDITION' && k !== 'OUT_OF_RANGE' && k !== 'ABORTED' && k !== 'UNKNOWN' && k !== 'DATA_LOSS');
  return exact ?? (http >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
}

/** The error a fault rule or an in-band stream error carries for an HTTP status. */
export function faultError(status: number, retryDelay?: string): ServerError {
  const rpc = statusForHttp(status);
  if (status === 429) {
    return new ServerError(
      'RESOURCE_EXHAUSTED',
      `You exceeded your current quota, please check your plan and billing details. Please retry in ${retryDelay ?? '1s'}.`,
      [retryInfoDetail(retryDelay ?? '1s')],
      429,
    );
  }
  const messages: Partial<Record<string, string>> = {
    INTERNAL: 'Internal error encountered.',
    UNAVAILABLE: 'The service is currently unavailable.',
    DEADLINE_EXCEEDED: 'Deadline expired before operation could complete.',
  };
  return new ServerError(rpc, messages[rpc] ?? `Injected fault: HTTP ${status}.`, retryDelay ? [retryInfoDetail(retryDelay)] : [], status);
}
