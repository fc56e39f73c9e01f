import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkApiKey } from './apiKey';
import type { BrowserGuard } from './browserGuard';
import { CLIENTS_PATH, type ClientRegistry } from './clients';
import { type Exchange, isPayloadTooLarge, sendError } from './exchange';
import type { FaultInjector } from './faults';
import { ServerError, faultError, noMethodServes, tunedModelNotFound } from './httpErrors';
import { tunedModelName } from './resources';
import { type Route, RouteTable, parseApiPath } from './routing';
import { FAULTS_PATH, faultControl } from './routes/faults';
import { operationNotFound } from './routes/operations';
import { isValidTunedModelId } from './wire';

export interface RequestHandlerOptions {
  routes: readonly Route[];
  faults?: FaultInjector;
  apiKey?: string;
  /** A surface with its own paths and auth (Vertex AI and Cloud Storage), tried before the route table. */
  prefixed?: { serves(pathname: string): boolean; handle(ex: Exchange): Promise<void> };
  /** Refuses requests from web pages (foreign Host, browser Origin, non-JSON writes). */
  guard?: BrowserGuard;
  /** The programs holding the server open (`/_clients`). */
  clients?: ClientRegistry;
  log: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The HTTP entry point: the browser guard, fault control, injected faults, the API key, then the route table.
 * Every failure becomes the API's JSON error envelope.
 */
export function createRequestHandler(options: RequestHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { faults, apiKey, guard, log } = options;
  const table = new RouteTable(options.routes);
  const controlFaults = faultControl(faults);

  async function handle(ex: Exchange): Promise<void> {
    const { method, url } = ex;
    if (guard) {
      const { refusal, preflight } = guard.check(ex.req, ex.res, method);
      if (refusal) throw refusal;
      if (preflight) return;
    }
    if (url.pathname === FAULTS_PATH || url.pathname.startsWith(`${FAULTS_PATH}/`)) return controlFaults(ex);
    ex.faults = faults ? faults.take(method, url.pathname) : [];
    for (const f of ex.faults) if (f.action === 'delayHeaders') await sleep(f.ms);
    const status = ex.faults.find((f) => f.action === 'status');
    if (status && status.action === 'status') throw faultError(status.status, status.retryDelay);
    if (options.prefixed?.serves(url.pathname)) return options.prefixed.handle(ex);
    // Holding the server open is not an API call: the windows that hold it need no key, and it serves no data.
    if (options.clients && url.pathname === CLIENTS_PATH) return options.clients.handle(ex);
    if (apiKey !== undefined) {
      const denied = checkApiKey(ex.req, url, apiKey);
      if (denied) throw denied;
    }
    const path = parseApiPath(url.pathname);
    if (!path || !table.servesResource(path)) throw noMethodServes(method, url.pathname);
    // Tuned model ids are checked before anything else looks at them.
    if (path.collection === 'tunedModels' && path.id !== undefined && !isValidTunedModelId(path.id)) {
      if (path.sub === 'operations' && path.subId !== undefined) throw operationNotFound(path);
      throw tunedModelNotFound(tunedModelName(path.id));
    }
    const match = table.match(method, path);
    if (match.kind === 'route') return match.route.handle(ex, path);
    if (match.kind === 'unknownResource' || match.allowed.length === 0) throw noMethodServes(method, url.pathname);
    ex.res.setHeader('Allow', match.allowed.join(', '));
    throw new ServerError('NOT_FOUND', `${method} is not supported for ${url.pathname}; use ${match.allowed.join(' or ')}.`);
  }

  return (req, res) => {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      url = new URL('http://localhost/');
    }
    const ex: Exchange = { req, res, method, url, pretty: url.searchParams.get('prettyPrint') !== 'false', faults: [] };
    handle(ex)
      .catch((e: unknown) => {
        const error = e instanceof ServerError ? e : new ServerError('INTERNAL', 'Internal error encountered.');
        if (!(e instanceof ServerError)) log(`[http] ${method} ${url.pathname} failed: ${(e as Error)?.stack ?? String(e)}`);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (isPayloadTooLarge(error)) res.setHeader('Connection', 'close');
        sendError(ex, error);
        if (isPayloadTooLarge(error)) req.destroy();
      })
      .finally(() => {
        // The path only: the query may carry the API key.
        log(`[http] ${method} ${url.pathname} ${res.statusCode} ${Date.now() - started}ms`);
      });
  };
}
