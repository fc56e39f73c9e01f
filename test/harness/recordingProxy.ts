// A loopback HTTP proxy in front of a server, remembering every request it forwarded, so that a
// test can check what went over the wire (headers, URLs) and when the client let go of each
// connection. Plain Node: used in hosts and in Playwright tests.
import * as http from 'node:http';
import { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** How the exchange of one request ended, as the proxy saw it. */
export interface ClosedExchange {
  /** `performance.now()` in this process when the connection to the client closed. */
  readonly closedAt: number;
  /** Whether the whole response had been sent by then; false when the client hung up first. */
  readonly responseComplete: boolean;
}

export interface RecordingProxy {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Resolves when the client's connection for `request` (one of `requests`) has closed. */
  closed(request: RecordedRequest): Promise<ClosedExchange>;
  retarget(target: string): void;
  close(): Promise<void>;
}

/**
 * Forwards every request to `target` and records it. `answer` may answer a request itself
 * (returning true), for a backend that behaves differently on some paths.
 */
export async function startRecordingProxy(target: string, answer?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const endings = new WeakMap<RecordedRequest, Promise<ClosedExchange>>();
  let targetUrl = new URL(target);
  const server = http.createServer((req, res) => {
    const request: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    requests.push(request);
    endings.set(
      request,
      new Promise((resolve) => res.once('close', () => resolve({ closedAt: performance.now(), responseComplete: res.writableFinished }))),
    );
    if (answer?.(req, res)) return;
    const upstream = http.request(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: { ...req.headers, host: targetUrl.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502);
      res.end();
    });
    // A client that hangs up is passed on: the server behind sees its connection close too.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    closed: (request) => {
      const ending = endings.get(request);
      if (!ending) throw new Error(`${request.method} ${request.url} did not go through this proxy`);
      return ending;
    },
    retarget: (next) => {
      targetUrl = new URL(next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The API key a recorded request carried in its header, if any. */
export function apiKeyOf(request: RecordedRequest): string | undefined {
  const key = request.headers['x-goog-api-key'];
  return typeof key === 'string' ? key : undefined;
}
