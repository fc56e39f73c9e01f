import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nextEvent } from '../../../src/core/util/event';
import { silentLog } from '../../../src/core/util/log';
import { LocalServerProcess, type LocalServerState } from '../../../src/core/backend/localServerProcess';

/** A stand-in server: listens, prints the line, and exits when told to through its data dir. */
const FAKE_SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const dataDir = process.argv[process.argv.indexOf('--data-dir') + 1];
const mode = fs.existsSync(path.join(dataDir, 'mode')) ? fs.readFileSync(path.join(dataDir, 'mode'), 'utf8').trim() : 'ok';
if (mode === 'broken') { console.error('cannot open the data dir: it is broken'); process.exit(3); }
const server = http.createServer((req, res) => { res.end(String(process.pid)); });
server.listen(0, '127.0.0.1', () => {
  console.log('warming up');
  console.log('listening on http://127.0.0.1:' + server.address().port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

describe('LocalServerProcess', function () {
  this.timeout(20_000);
  let tmp: string;
  let script: string;
  let dataDir: string;
  let server: LocalServerProcess | undefined;
  let output: string[];

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-local-server-'));
    script = path.join(tmp, 'server.js');
    dataDir = path.join(tmp, 'data');
    fs.writeFileSync(script, FAKE_SERVER);
    output = [];
  });

  afterEach(async () => {
    await server?.stop();
    server?.dispose();
    server = undefined;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function create(options: Partial<ConstructorParameters<typeof LocalServerProcess>[0]> = {}): LocalServerProcess {
    server = new LocalServerProcess({
      serverScript: script,
      dataDir,
      output: (line) => output.push(line),
      log: silentLog,
      restartDelaysMs: [50, 100],
      maxConsecutiveFailures: 3,
      ...options,
    });
    return server;
  }

  it('starts the server, reads its URL from the "listening on" line and passes its output on', async () => {
    const s = create();
    s.start();
    const url = await s.whenReady(10_000);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(s.url, url);
    const pid = await (await fetch(url)).text();
    assert.equal(s.state.kind === 'running' && String(s.state.pid), pid);
    assert.deepEqual(output.slice(0, 2), ['warming up', `listening on ${url}`]);
    assert.ok(fs.existsSync(dataDir), 'the data dir is created');
  });

  it('restarts the server when it dies', async () => {
    const s = create();
    s.start();
    await s.whenReady(10_000);
    const firstPid = s.state.kind === 'running' ? s.state.pid : undefined;
    const states: LocalServerState['kind'][] = [];
    s.onDidChangeState((st) => states.push(st.kind));
    const running = nextEvent(s.onDidChangeState, (st) => st.kind === 'running');
    process.kill(firstPid!, 'SIGKILL');
    const next = await running;
    assert.equal(next.kind, 'running');
    assert.notEqual(next.kind === 'running' && next.pid, firstPid);
    assert.deepEqual(states, ['restarting', 'starting', 'running']);
  });

  it('gives up after repeated failed starts, says why, and starts again on restart()', async () => {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'mode'), 'broken');
    const s = create();
    s.start();
    await assert.rejects(s.whenReady(10_000), /exited with code 3 \(cannot open the data dir: it is broken\)/);
    assert.equal(s.state.kind, 'failed');

    fs.writeFileSync(path.join(dataDir, 'mode'), 'ok');
    await s.restart();
    assert.match(await s.whenReady(10_000), /^http:/);
  });

  it('stops the server and does not restart it', async () => {
    const s = create();
    s.start();
    await s.whenReady(10_000);
    const pid = s.state.kind === 'running' ? s.state.pid! : -1;
    await s.stop();
    assert.equal(s.state.kind, 'stopped');
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(s.state.kind, 'stopped');
  });

  it('runs the real local tuning server from dist/', async function () {
    const real = path.resolve('dist', 'server.js');
    if (!fs.existsSync(real)) this.skip();
    const s = create({ serverScript: real, extraArgs: ['--quiet'] });
    s.start();
    const url = await s.whenReady(15_000);
    const response = await fetch(`${url}/v1beta/models`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { models: { name: string }[] };
    assert.ok(body.models.some((m) => m.name === 'models/gemini-1.5-flash-001-tuning'));
  });

  it('uses the server another window runs on the same data folder, and starts its own once that one stops', async function () {
    const real = path.resolve('dist', 'server.js');
    if (!fs.existsSync(real)) this.skip();
    const first = new LocalServerProcess({ serverScript: real, dataDir, output: () => undefined, log: silentLog, extraArgs: ['--quiet'] });
    try {
      first.start();
      const firstUrl = await first.whenReady(15_000);
      const firstPid = first.state.kind === 'running' ? first.state.pid : undefined;
      const second = create({ serverScript: real, extraArgs: ['--quiet'], folderServerCheckMs: 50 });
      second.start();
      assert.equal(await second.whenReady(15_000), firstUrl, 'the second window uses the first window\'s server');
      assert.deepEqual(second.state, { kind: 'running', url: firstUrl, pid: firstPid });
      assert.ok(output.some((l) => /already served by another local tuning server/.test(l)), output.join('\n'));

      const ownStart = new Promise<string>((resolve) => {
        const subscription = second.onDidChangeState((state) => {
          if (state.kind === 'running' && state.url !== firstUrl) {
            subscription.dispose();
            resolve(state.url);
          }
        });
      });
      await first.stop();
      const ownUrl = await ownStart;
      const response = await fetch(`${ownUrl}/v1beta/models`);
      assert.equal(response.status, 200, 'once the first window\'s server stopped, the second runs its own on the folder');
    } finally {
      first.dispose();
    }
  });
});
