/**
 * A window's hold on the local tuning server it uses: one request to `/_clients` kept open for as
 * long as the window wants the server. A server started for windows stops once none holds it;
 * the operating system closes the connection of a window whose process ends in any way.
 */
import * as http from 'node:http';

export const CLIENTS_PATH = '/_clients';

export interface ServerHold {
  /** Resolves when the hold ends: released here, or the server closed the connection (it stopped). */
  readonly ended: Promise<void>;
  release(): void;
}

/** Opens a hold on the server at `url`; rejects when the server does not accept it. */
export function holdServer(url: string, client: string, timeoutMs = 10_000): Promise<ServerHold> {
  return new Promise((resolve, reject) => {
    let resolveEnded: () => void = () => undefined;
    const ended = new Promise<void>((r) => (resolveEnded = r));
    const target = new URL(CLIENTS_PATH, url);
    target.searchParams.set('client', client);
    const req = http.get(target, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`the local tuning server at ${url} refused to be held open: HTTP ${res.statusCode} for GET ${CLIENTS_PATH}`));
        return;
      }
      res.once('data', () => {
        clearTimeout(timer);
        resolve({ ended, release: () => req.destroy() });
      });
      res.resume();
      res.once('close', resolveEnded);
    });
    const timer = setTimeout(() => req.destroy(new Error(`the local tuning server at ${url} did not answer GET ${CLIENTS_PATH} within ${timeoutMs} ms`)), timeoutMs);
    req.once('error', (e) => {
      clearTimeout(timer);
      resolveEnded();
      reject(new Error(`could not hold the local tuning server at ${url} open: ${e.message}`));
    });
    req.once('close', () => {
      clearTimeout(timer);
      resolveEnded();
    });
  });
}
