import type { Exchange } from './exchange';
import { noMethodServes } from './httpErrors';

/**
 * Where a program that uses the server (an editor window) holds a request open for as long as it
 * does: `GET /_clients?client=NAME`. The answer starts at once with one JSON line, `{"clients":N}`,
 * and never ends; the server knows the client has gone when the connection closes, which the
 * operating system does for a process that exits, crashes or is killed.
 */
export const CLIENTS_PATH = '/_clients';

/**
 * How long a server that exits when unused waits for its first client. The program that starts it
 * connects as soon as it reads the `listening on` line, so this matters only when that program died
 * in between; once a client has come, the server stops as soon as the last one has gone.
 */
export const FIRST_CLIENT_GRACE_MS = 10_000;

export interface ClientRegistryOptions {
  /** Called once when no client holds the server: the last one let go, or none came within the grace. */
  onUnused?: () => void;
  firstClientGraceMs?: number;
  log: (line: string) => void;
}

/** The clients that hold the server open (see CLIENTS_PATH). */
export class ClientRegistry {
  private readonly held = new Set<Exchange>();
  private graceTimer: NodeJS.Timeout | undefined;
  private unused = false;

  constructor(private readonly opts: ClientRegistryOptions) {}

  get count(): number {
    return this.held.size;
  }

  /** Starts the wait for a first client (a server that exits when unused). */
  listening(): void {
    if (!this.opts.onUnused || this.held.size > 0) return;
    const graceMs = this.opts.firstClientGraceMs ?? FIRST_CLIENT_GRACE_MS;
    this.graceTimer = setTimeout(() => {
      if (this.held.size === 0) this.becomeUnused(`no client connected within ${graceMs} ms of start-up`);
    }, graceMs);
    this.graceTimer.unref();
  }

  async handle(ex: Exchange): Promise<void> {
    if (ex.url.pathname !== CLIENTS_PATH || ex.method !== 'GET') throw noMethodServes(ex.method, ex.url.pathname);
    const name = (ex.url.searchParams.get('client') ?? '').replace(/[^\w .:@/-]/g, '').slice(0, 80) || 'a client';
    clearTimeout(this.graceTimer);
    this.held.add(ex);
    // A held request is silent by design: the idle timeout for silent connections does not apply.
    ex.req.socket.setTimeout(0);
    ex.res.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8', 'Cache-Control': 'no-cache' });
    ex.res.write(`${JSON.stringify({ clients: this.held.size })}\n`);
    this.opts.log(`[clients] ${name} connected (${this.held.size} holding the server)`);
    ex.res.once('close', () => {
      this.held.delete(ex);
      this.opts.log(`[clients] ${name} let go (${this.held.size} holding the server)`);
      if (this.held.size === 0) this.becomeUnused('the last client has gone');
    });
  }

  /** Lets every held request go (the server is stopping). */
  close(): void {
    clearTimeout(this.graceTimer);
    this.unused = true;
    for (const ex of this.held) ex.res.destroy();
  }

  private becomeUnused(why: string): void {
    if (this.unused || !this.opts.onUnused) return;
    this.unused = true;
    this.opts.log(`[clients] ${why}`);
    this.opts.onUnused();
  }
}
