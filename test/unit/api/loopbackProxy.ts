import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/** A loopback forward proxy: CONNECT tunnels and absolute-URI HTTP requests, both recorded. */
export class LoopbackProxy {
  readonly tunnels: string[] = [];
  readonly forwarded: string[] = [];
  readonly authorizations: (string | undefined)[] = [];
  /** Local ports of the proxy's own connections to targets: a request that crossed the proxy comes from one. */
  readonly outboundPorts = new Set<number>();
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  url = '';
  requireAuth: string | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.authorizations.push(req.headers['proxy-authorization']);
      this.forwarded.push(req.url ?? '');
      const target = new URL(req.url ?? '');
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: target.pathname + target.search, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('socket', (s) => s.once('connect', () => this.outboundPorts.add(s.localPort ?? 0)));
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    this.server.on('connect', (req, clientSocket: Socket, head: Buffer) => {
      this.authorizations.push(req.headers['proxy-authorization']);
      if (this.requireAuth && req.headers['proxy-authorization'] !== this.requireAuth) {
        clientSocket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
        return;
      }
      this.tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        this.outboundPorts.add(upstream.localPort ?? 0);
        clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(clientSocket);
        clientSocket.pipe(upstream);
      });
      this.sockets.add(upstream).add(clientSocket);
      const end = () => {
        upstream.destroy();
        clientSocket.destroy();
      };
      upstream.on('error', end).on('close', end);
      clientSocket.on('error', end).on('close', end);
    });
    this.server.on('connection', (s: Socket) => this.sockets.add(s));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
