import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { LOCK_FILE } from '../../../src/core/backend/folderServer';
import type { LocalServerState } from '../../../src/core/backend/localServerProcess';
import { holdServer } from '../../../src/core/backend/serverHold';
import { waitFor } from '../../harness/waitFor';

const SERVER_SCRIPT = path.resolve('dist', 'server.js');
const WINDOW_SCRIPT = path.resolve('out', 'test', 'harness', 'serverWindow.js');

interface Window {
  name: string;
  proc: ChildProcess;
  states: LocalServerState[];
  exited: Promise<void>;
}

/** A window: a separate process running the extension's server-launching code on `dataDir`. */
function openWindow(dataDir: string, name: string): Window {
  const proc = spawn(process.execPath, [WINDOW_SCRIPT, SERVER_SCRIPT, dataDir, name], { stdio: ['pipe', 'pipe', 'inherit'] });
  const states: LocalServerState[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => states.push(JSON.parse(line) as LocalServerState));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return { name, proc, states, exited };
}

function running(w: Window): Promise<{ url: string; pid: number }> {
  return waitFor(
    () => {
      const last = w.states.at(-1);
      return last?.kind === 'running' ? { url: last.url, pid: last.pid as number } : undefined;
    },
    () => `${w.name} to have its server running (states: ${JSON.stringify(w.states)})`,
    { timeoutMs: 30_000, intervalMs: 20 },
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** How many clients hold the server, counting the probe that asks. */
async function holders(url: string): Promise<number> {
  const res = await fetch(`${url}/_clients?client=probe`);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const { value } = await reader.read();
  await reader.cancel();
  return (JSON.parse(new TextDecoder().decode(value).split('\n')[0]) as { clients: number }).clients;
}

describe('one local server shared by the windows of a data folder (two window processes)', function () {
  this.timeout(90_000);
  let dataDir: string;
  const windows: Window[] = [];
  before(function () {
    if (!fs.existsSync(SERVER_SCRIPT) || !fs.existsSync(WINDOW_SCRIPT)) this.skip();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-shared-server-'));
  });
  after(async () => {
    for (const w of windows) w.proc.kill('SIGKILL');
    const lock = path.join(dataDir, LOCK_FILE);
    const pid = fs.existsSync(lock) ? (JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid: number }).pid : undefined;
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('outlives the window that started it while another uses it, and stops when the last one goes', async () => {
    const first = openWindow(dataDir, 'window one');
    windows.push(first);
    const own = await running(first);
    const second = openWindow(dataDir, 'window two');
    windows.push(second);
    assert.deepEqual(await running(second), own, 'the second window uses the first window\'s server');
    await waitFor(async () => (await holders(own.url)) === 3, 'both windows to hold the server', { timeoutMs: 10_000 });

    // The window that started the server closes, the way a window does.
    first.proc.stdin!.write('close\n');
    await first.exited;
    await waitFor(async () => (await holders(own.url)) === 2, 'the server to see the first window go', { timeoutMs: 10_000 });
    assert.ok(isAlive(own.pid), 'the server is still running');
    const models = await fetch(`${own.url}/v1beta/models`);
    assert.equal(models.status, 200);
    assert.deepEqual(second.states.at(-1), { kind: 'running', ...own }, 'the second window goes on with the same server');

    // The last window goes without a word (a crash, or a kill): its connection closes all the same.
    second.proc.kill('SIGKILL');
    await second.exited;
    await waitFor(() => !isAlive(own.pid), `the server (pid ${own.pid}) to stop once no window holds it`, { timeoutMs: 15_000 });
    assert.ok(!fs.existsSync(path.join(dataDir, LOCK_FILE)), 'it stopped cleanly, removing its lock');
  });

  it('a window opened later starts the folder\'s server afresh, and a hold keeps it as long as it lasts', async () => {
    const third = openWindow(dataDir, 'window three');
    windows.push(third);
    const own = await running(third);
    const hold = await holdServer(own.url, 'a script');
    third.proc.kill('SIGKILL');
    await third.exited;
    await waitFor(async () => (await holders(own.url)) === 2, 'the server to see the window go', { timeoutMs: 10_000 });
    hold.release();
    await hold.ended;
    await waitFor(() => !isAlive(own.pid), `the server (pid ${own.pid}) to stop once the script let go`, { timeoutMs: 15_000 });
  });
});
