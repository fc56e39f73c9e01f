import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DataDirInUseError, LOCK_FILE, findFolderServer } from '../../../src/server/dataDirLock';
import { SERVER_SCRIPT, call, startServer, tempDir } from './harness';

/** Runs `node server.js` on `dataDir`; resolves with its url once it listens, or with its exit status and stderr. */
function runServer(dataDir: string): Promise<{ proc: ChildProcess; url?: string; code?: number | null; stderr: string }> {
  const proc = spawn(process.execPath, [SERVER_SCRIPT, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => {
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^listening on (http:\/\/\S+)$/m.exec(out);
      if (m) resolve({ proc, url: m[1], stderr });
    });
    proc.once('exit', (code) => resolve({ proc, code, stderr }));
  });
}

function stop(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

describe('local server: one server per data folder', function () {
  it('a second server started on the same folder in another process refuses clearly, naming the first', async () => {
    const dataDir = tempDir();
    const first = await runServer(dataDir);
    assert.ok(first.url, `the first server listens: ${first.stderr}`);
    try {
      const lock = JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE), 'utf8'));
      assert.equal(lock.pid, first.proc.pid);
      assert.equal(lock.url, first.url);
      if (process.platform !== 'win32') assert.equal(statSync(path.join(dataDir, LOCK_FILE)).mode & 0o077, 0, 'the lock is readable by its owner only');
      assert.equal((await findFolderServer(dataDir))?.url, first.url, 'a client finds the folder\'s server through the lock');

      const second = await runServer(dataDir);
      assert.equal(second.url, undefined, 'the second server does not listen');
      assert.equal(second.code, 3);
      assert.match(second.stderr, new RegExp(`already served by another local tuning server \\(process ${first.proc.pid}, at ${first.url.replace(/\./g, '\\.')}\\)`));
      assert.match(second.stderr, /Connect to that server instead, stop it first, or start this one with another --data-dir/);
      assert.equal((await call(first.url, 'GET', '/v1beta/models')).status, 200, 'the first server is untouched');
    } finally {
      await stop(first.proc, 'SIGTERM');
    }
    assert.equal(existsSync(path.join(dataDir, LOCK_FILE)), false, 'a clean stop removes the lock');
    assert.equal(await findFolderServer(dataDir), undefined);
  });

  it('a lock left by a killed server is taken over', async () => {
    const dataDir = tempDir();
    const killed = await runServer(dataDir);
    assert.ok(killed.url, killed.stderr);
    await stop(killed.proc, 'SIGKILL');
    assert.ok(existsSync(path.join(dataDir, LOCK_FILE)), 'kill -9 leaves the lock behind');
    assert.equal(await findFolderServer(dataDir), undefined, 'nothing serves the folder');
    const logs: string[] = [];
    const next = await startServer({ dataDir, log: (l) => logs.push(l) });
    try {
      assert.ok(logs.some((l) => l.includes(`was left by process ${killed.proc.pid}, which is gone; taking the folder over`)), logs.join('\n'));
      assert.equal(JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE), 'utf8')).url, next.url);
    } finally {
      await next.close();
    }
  });

  it('two servers in one process: the second is refused while the first runs, and starts once it closed', async () => {
    const dataDir = tempDir();
    const first = await startServer({ dataDir });
    try {
      await assert.rejects(startServer({ dataDir }), (e: unknown) => e instanceof DataDirInUseError && e.holder.url === first.url);
    } finally {
      await first.close();
    }
    const second = await startServer({ dataDir });
    await second.close();
  });

  it('an unreadable lock (a server killed while writing it) is taken over', async () => {
    const dataDir = tempDir();
    writeFileSync(path.join(dataDir, LOCK_FILE), '{"pid":');
    const h = await startServer({ dataDir });
    await h.close();
  });
});
