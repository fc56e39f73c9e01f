import type * as http from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long a client may take and how many may be connected. Silent, slow-header and slow-body
 * connections are closed by the timeouts; the limit keeps them from using up file descriptors
 * meanwhile, by closing the oldest connection that is not in the middle of a request.
 */
export interface ConnectionLimits {
  /** Time to send the complete request headers. */
  headersTimeoutMs: number;
  /** Time to send the complete request (headers and body); the response may take longer. */
  requestTimeoutMs: number;
  /** A connection with no bytes either way for this long is closed (a stream that keeps sending stays). */
  idleTimeoutMs: number;
  /** Connections open at once; beyond it the oldest idle one is closed, or the new one if none is idle. */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 120_000,
  maxConnections: 256,
};

/** The `http.createServer` options that enforce the timeouts. */
export function serverTimeoutOptions(limits: ConnectionLimits): http.ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    // how often Node checks the two above; its default (30 s) would let slow headers live that long
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2))),
  };
}

/** Applies the idle timeout and the connection limit to a server created with `serverTimeoutOptions`. */
export function limitConnections(server: http.Server, limits: ConnectionLimits, log: (line: string) => void): void {
  server.setTimeout(limits.idleTimeoutMs);
  // Insertion order is arrival order, so the first idle entry is the oldest.
  const open = new Map<Socket, { busy: number }>();
  let refusedSince = 0;
  server.on('connection', (socket: Socket) => {
    if (open.size >= limits.maxConnections) {
      const idle = [...open].find(([, s]) => s.busy === 0)?.[0];
      if (idle) {
        open.delete(idle);
        idle.destroy();
      } else {
        if (refusedSince++ === 0) log(`[http] ${limits.maxConnections} connections are busy; refusing new ones until one ends`);
        socket.destroy();
        return;
      }
    }
    refusedSince = 0;
    open.set(socket, { busy: 0 });
    socket.once('close', () => open.delete(socket));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const state = open.get(req.socket);
    if (!state) return;
    state.busy++;
    res.once('close', () => state.busy--);
  });
}
