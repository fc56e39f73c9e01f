import assert from 'node:assert/strict';
import * as http from 'node:http';
import { startServer } from './harness';

/** Opens a hold on the server; resolves with the count it reports and a promise of its end. */
function hold(url: string): Promise<{ clients: number; closed: Promise<void>; release(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/_clients?client=test`, { agent: false }, (res) => {
      assert.equal(res.statusCode, 200);
      const closed = new Promise<void>((r) => res.once('close', () => r()));
      res.once('data', (d: Buffer) => resolve({ clients: (JSON.parse(d.toString().split('\n')[0]) as { clients: number }).clients, closed, release: () => req.destroy() }));
    });
    req.once('error', reject);
  });
}

describe('local server: clients holding it open', function () {
  this.timeout(30_000);

  it('calls onUnused when the last hold ends, not while one is left', async () => {
    let unused = 0;
    const h = await startServer({ onUnused: () => unused++ });
    try {
      const a = await hold(h.url);
      const b = await hold(h.url);
      assert.deepEqual([a.clients, b.clients], [1, 2]);
      a.release();
      const c = await hold(h.url);
      assert.equal(c.clients, 2, 'the server saw the first hold end');
      assert.equal(unused, 0, 'two holds are left');
      b.release();
      c.release();
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (unused > 0) {
            clearInterval(timer);
            resolve();
          }
        }, 10);
      });
      assert.equal(unused, 1);
    } finally {
      await h.close();
    }
  });

  it('takes a hold without the API key of a server that requires one: the hold serves no data', async () => {
    let unused = 0;
    const h = await startServer({ apiKey: 'hold-key', onUnused: () => unused++, firstClientGraceMs: 60_000 });
    try {
      const a = await hold(h.url);
      assert.equal(a.clients, 1);
      const api = await fetch(`${h.url}/v1beta/tunedModels`);
      assert.equal(api.status, 403, 'the API itself still needs the key');
      a.release();
      await a.closed;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (unused > 0) {
            clearInterval(timer);
            resolve();
          }
        }, 10);
      });
      assert.equal(unused, 1, 'the keyless hold counted as a client');
    } finally {
      await h.close();
    }
  });

  it('calls onUnused when no client comes within the first-client grace', async () => {
    let resolveUnused: () => void = () => undefined;
    const unused = new Promise<void>((r) => (resolveUnused = r));
    const started = Date.now();
    const h = await startServer({ onUnused: () => resolveUnused(), firstClientGraceMs: 300 });
    try {
      await unused;
      assert.ok(Date.now() - started >= 300);
    } finally {
      await h.close();
    }
  });

  it('keeps a silent hold open past the idle timeout that closes other silent connections', async () => {
    const h = await startServer({ connectionLimits: { idleTimeoutMs: 300 } });
    try {
      const held = await hold(h.url);
      let holdEnded = false;
      void held.closed.then(() => (holdEnded = true));
      // An idle keep-alive connection, closed by the idle timeout.
      const agent = new http.Agent({ keepAlive: true });
      const idleSocketClosed = await new Promise<Promise<void>>((resolve, reject) => {
        http
          .get(`${h.url}/v1beta/models`, { agent }, (res) => {
            const socket = res.socket;
            const closed = new Promise<void>((r) => socket.once('close', () => r()));
            res.resume();
            res.once('end', () => resolve(closed));
          })
          .once('error', reject);
      });
      await idleSocketClosed;
      agent.destroy();
      assert.equal(holdEnded, false, 'the hold, opened before that connection, is still open after the idle timeout closed it');
      const again = await hold(h.url);
      assert.equal(again.clients, 2);
      again.release();
      held.release();
    } finally {
      await h.close();
    }
  });
});
