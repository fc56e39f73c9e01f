import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { ServerError, errorInfoDetail, localizedMessageDetail } from './httpErrors';

function keysEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** The real API's answer to a request without the right key, or undefined when the key is right. */
export function checkApiKey(req: IncomingMessage, url: URL, apiKey: string): ServerError | undefined {
  const header = req.headers['x-goog-api-key'];
  const given = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('key') ?? undefined;
  if (given !== undefined && given !== '') {
    if (keysEqual(given, apiKey)) return undefined;
    const message = 'API key not valid. Please pass a valid API key.';
    return new ServerError('INVALID_ARGUMENT', message, [
      errorInfoDetail('API_KEY_INVALID', { service: 'generativelanguage.googleapis.com' }),
      localizedMessageDetail(message),
    ]);
  }
  if (typeof req.headers.authorization === 'string' && /^bearer\s/i.test(req.headers.authorization)) {
    return new ServerError(
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    );
  }
  return new ServerError(
    'PERMISSION_DENIED',
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  );
}
