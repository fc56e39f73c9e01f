import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServerError, errorInfoDetail } from './httpErrors';

/**
 * Keeps web pages in the user's browser away from the server. A page can send "simple" requests
 * to loopback without asking (text/plain or form bodies, no preflight), and through DNS rebinding
 * it can even read the answers. Every such request is recognisable: a browser names the page in
 * `Origin` / `Sec-Fetch-Site`, a rebinding page's requests carry the attacker's name in `Host`, and
 * a page cannot send `application/json` without a preflight this server never grants.
 */
export interface BrowserGuardOptions {
  /** The port the server listens on, known once it listens. */
  port: () => number;
  /** The address the server is bound to; accepted as a Host name besides the loopback names. */
  bindHost: string;
  /** Further `Host` names (without port) to accept, e.g. a LAN name when bound to 0.0.0.0. */
  allowedHosts?: readonly string[];
  /** Web origins (`scheme://host[:port]`) whose pages may call the server; none by default. */
  allowedOrigins?: readonly string[];
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const CROSS_SITE = new Set(['cross-site', 'same-site']);

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function denied(reason: string, message: string): ServerError {
  return new ServerError('PERMISSION_DENIED', message, [
    errorInfoDetail(reason, { service: 'local tuning server' }),
  ]);
}

function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** `name` and port of a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`); undefined if malformed. */
export function parseHostHeader(value: string): { name: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return undefined;
  const name = (m[1] ?? m[2]).toLowerCase().replace(/\.$/, '');
  return { name, port: m[3] === undefined ? 80 : Number(m[3]) };
}

function normalOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin.toLowerCase();
  }
}

export class BrowserGuard {
  readonly #options: BrowserGuardOptions;
  readonly #origins: Set<string>;
  readonly #hosts: Set<string>;

  constructor(options: BrowserGuardOptions) {
    this.#options = options;
    this.#origins = new Set((options.allowedOrigins ?? []).map(normalOrigin));
    const bind = options.bindHost.toLowerCase();
    const wildcard = bind === '0.0.0.0' || bind === '::' || bind === '';
    this.#hosts = new Set([...(wildcard ? [] : [bind]), ...(options.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  }

  /**
   * The refusal for a request that may come from a web page, or undefined when it may proceed.
   * For an allowed origin it sets the CORS headers; `preflight` is true when the request was an
   * allowed CORS preflight that has been answered here.
   */
  check(req: IncomingMessage, res: ServerResponse, method: string): { refusal?: ServerError; preflight?: boolean } {
    const port = this.#options.port();
    const host = header(req, 'host');
    const parsed = host === undefined ? undefined : parseHostHeader(host);
    if (!parsed || parsed.port !== port || !(isLoopbackName(parsed.name) || this.#hosts.has(parsed.name))) {
      return {
        refusal: denied(
          'HOST_NOT_ALLOWED',
          `The Host header ${host === undefined ? '(missing)' : JSON.stringify(host)} does not name this server. ` +
            `The local tuning server answers only requests addressed to a loopback name with its port, such as 127.0.0.1:${port} or localhost:${port}; ` +
            'this protects it from web pages that use DNS rebinding. Call it as http://127.0.0.1:' +
            `${port}, or start it with --allowed-host NAME for another name.`,
        ),
      };
    }
    const origin = header(req, 'origin');
    const fetchSite = header(req, 'sec-fetch-site')?.toLowerCase();
    if (origin !== undefined) {
      if (!this.#origins.has(normalOrigin(origin))) {
        return {
          refusal: denied(
            'ORIGIN_NOT_ALLOWED',
            `Requests from web pages are refused: this one came from the page origin ${JSON.stringify(origin)}. ` +
              'The local tuning server has no API key by default, so a web page must not reach it. ' +
              `To let a page you trust call it, start the server with --allowed-origin ${origin === 'null' ? 'ORIGIN' : origin}.`,
          ),
        };
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      if (method === 'OPTIONS' && header(req, 'access-control-request-method') !== undefined) {
        res.writeHead(204, {
          'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE',
          'Access-Control-Allow-Headers': header(req, 'access-control-request-headers') ?? 'content-type, x-goog-api-key',
          'Access-Control-Max-Age': '600',
        });
        res.end();
        return { preflight: true };
      }
    } else if (fetchSite !== undefined && CROSS_SITE.has(fetchSite)) {
      return {
        refusal: denied(
          'ORIGIN_NOT_ALLOWED',
          `Requests from web pages are refused: this one says Sec-Fetch-Site: ${fetchSite}. ` +
            'Call the local tuning server from curl, an SDK or the extension, or allow the page with --allowed-origin.',
        ),
      };
    }
    if (WRITE_METHODS.has(method) && hasBody(req) && !acceptedBodyType(method, req.url ?? '', header(req, 'content-type'))) {
      const given = header(req, 'content-type');
      return {
        refusal: new ServerError(
          'INVALID_ARGUMENT',
          `A ${method} body must be JSON with the header "Content-Type: application/json"; ` +
            `this request has ${given === undefined ? 'no Content-Type' : `Content-Type: ${given}`}. ` +
            "With curl, add -H 'Content-Type: application/json' (as Google's REST samples do).",
          [errorInfoDetail('UNSUPPORTED_CONTENT_TYPE', { service: 'local tuning server' })],
          415,
        ),
      };
    }
    return {};
  }
}

function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return !Number.isFinite(length) || length > 0;
}

/**
 * JSON, except for Cloud Storage uploads, which carry the object's own bytes. A page can send a
 * POST without a preflight (which this server never grants) only with no type or one of three
 * types, so an upload POST needs another; a page cannot PUT at all without a preflight.
 */
function acceptedBodyType(method: string, url: string, contentType: string | undefined): boolean {
  if (!url.startsWith('/upload/')) return isJsonContentType(contentType);
  if (method !== 'POST') return true;
  const type = contentType?.split(';')[0].trim().toLowerCase();
  return type !== undefined && type !== '' && !PAGE_SENDABLE_TYPES.has(type);
}

const PAGE_SENDABLE_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const type = value.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}
