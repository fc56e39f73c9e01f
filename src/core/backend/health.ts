import { ApiError, NetworkError } from '../api/errors';

export type BackendHealth =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'starting' }
  | { readonly kind: 'connected' }
  | { readonly kind: 'unreachable'; readonly message: string }
  | { readonly kind: 'badKey'; readonly message: string }
  | { readonly kind: 'noKey'; readonly message: string };

/** Thrown by `getClient()` when the Gemini backend has no key to send. */
export class MissingApiKeyError extends Error {
  override readonly name = 'MissingApiKeyError';
  constructor() {
    super('No Gemini API key is set. Run "Gemini Tuning: Set API Key", or set GEMINI_API_KEY in the environment.');
  }
}

/** Thrown by `getClient()` when no backend can be reached at all (the local server failed to start, say). */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
}

/** What the outcome of a request says about the backend's health; `undefined` is a success. */
export function healthFromOutcome(error: unknown): BackendHealth {
  if (error === undefined) return { kind: 'connected' };
  if (error instanceof MissingApiKeyError) return { kind: 'noKey', message: error.message };
  // Vertex AI's CredentialsError, known by name so that its module loads only with that backend.
  if (error instanceof Error && error.name === 'CredentialsError') return { kind: 'noKey', message: error.message };
  if (error instanceof ApiError) {
    if (error.reason === 'API_KEY_INVALID' || (error.httpStatus === 400 && /api key/i.test(error.message))) {
      return { kind: 'badKey', message: 'The API key was rejected: it is not valid.' };
    }
    if (error.httpStatus === 401 || error.httpStatus === 403) {
      // A 403 on a listing means the caller has no identity, or not one allowed to use the API.
      return { kind: 'badKey', message: `The backend refused the credentials (${error.httpStatus} ${error.status ?? ''}): ${error.message}`.trim() };
    }
    if (error.httpStatus >= 500 || error.httpStatus === 429) {
      return { kind: 'unreachable', message: `The backend answered ${error.httpStatus} ${error.status ?? ''}: ${error.message}` };
    }
    // Any other answer (404 for one model, 400 for a bad argument) still proves the backend is there.
    return { kind: 'connected' };
  }
  if (error instanceof NetworkError) {
    return error.kind === 'aborted' ? { kind: 'unknown' } : { kind: 'unreachable', message: error.message };
  }
  return { kind: 'unreachable', message: error instanceof Error ? error.message : String(error) };
}
