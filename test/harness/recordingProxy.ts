// A loopback HTTP proxy in front of a server, remembering every request it forwarded, so that a
// test can check what went over the wire (headers, URLs). Plain Node: used in hosts and in Playwright tests.
import * as http from 'node:http';
import { type AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface RecordingProxy {
  readonly url: string;
  readonly requests: RecordedRequest[];
  retarget(target: string): void;
  close(): Promise<void>;
}

/**
 * Forwards every request to `target` and records it. `answer` may answer a request itself
 * (returning true), for a backend that behaves differently on some paths.
 */
export async function startRecordingProxy(target: string, answer?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  let targetUrl = new URL(target);
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (answer?.(req, res)) return;
    const upstream = http.request(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: { ...req.headers, host: targetUrl.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
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
