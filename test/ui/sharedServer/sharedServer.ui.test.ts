// Two real VS Code windows (two extension hosts of one code-server, so one user-data folder and
// one global storage) share the local tuning server of their data folder: the server outlives the
// window that started it while the other uses it, and stops when the last one closes. Everything is
// observed from outside the windows: the folder's lock file and the server's `/_clients` count.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, type HeadlessBrowser } from '../../../tools/vscodeHost/browser';
import { ensureHostTools } from '../../../tools/vscodeHost/cache';
import { startCodeServer, type CodeServer } from '../../../tools/vscodeHost/codeServer';
import { demoWorkspace, newLogFile, repoRoot } from '../../../tools/vscodeHost/paths';
import { waitFor } from '../../harness/waitFor';

interface Lock {
  pid: number;
  url?: string;
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

describe('shared local server: two real windows on one data folder', function () {
  this.timeout(900_000);
  let tmp: string;
  let server: CodeServer | undefined;
  let browser: HeadlessBrowser | undefined;
  let serverPid: number | undefined;

  after(async () => {
    await browser?.stop();
    await server?.stop();
    if (serverPid !== undefined && isAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the server outlives the window that started it while the other uses it, and stops when the last closes', async () => {
    const tools = await ensureHostTools(() => undefined);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-ui-shared-'));
    const userDataDir = path.join(tmp, 'user-data');
    const logFile = newLogFile('ui-shared-server');
    console.log(`      host log: ${logFile}`);
    // A closed tab's extension host lives on for code-server's reconnection grace (3 hours by default)
    // when the page could not say goodbye; 5 s lets a window that is gone really go within the test.
    server = await startCodeServer({ tools, userDataDir, extensionsDir: path.join(tmp, 'extensions'), logFile, env: { CODE_SERVER_RECONNECTION_GRACE_TIME: '5' } });
    browser = await launchBrowser(tools.chromium, logFile);
    const open = async (page: Page, name: string): Promise<void> => {
      const workspace = path.join(tmp, name);
      fs.cpSync(demoWorkspace, workspace, { recursive: true });
      await page.goto(server!.workbenchUrl(workspace, { extensionDevelopmentPath: repoRoot }), { waitUntil: 'domcontentloaded', timeout: 240_000 });
      await page.locator('.monaco-workbench').waitFor({ timeout: 240_000 });
      await page.locator('.activitybar [aria-label^="Gemini Tuning"]').first().waitFor({ timeout: 240_000 });
    };
    const lockFile = path.join(userDataDir, 'User', 'globalStorage', 'gemini-tuning.gemini-tuning', 'server', 'server.lock');
    const readLock = (): Lock | undefined => {
      try {
        return JSON.parse(fs.readFileSync(lockFile, 'utf8')) as Lock;
      } catch {
        return undefined;
      }
    };

    const first = browser.page;
    await open(first, 'first');
    const lock = await waitFor(() => (readLock()?.url ? readLock() : undefined), `the first window's server to publish ${lockFile}`, { timeoutMs: 240_000, intervalMs: 250 });
    serverPid = lock.pid;
    const url = lock.url as string;

    const second = await browser.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await open(second, 'second');
    await waitFor(async () => (await holders(url)) === 3, 'both windows to hold the server', { timeoutMs: 240_000, intervalMs: 250 });
    assert.equal(readLock()?.pid, lock.pid, 'the second window uses the first window\'s server rather than starting one');

    await first.close({ runBeforeUnload: true });
    await waitFor(async () => (await holders(url)) === 2, 'the server to see the first window go', { timeoutMs: 240_000, intervalMs: 250 });
    assert.ok(isAlive(lock.pid), 'the server is still running for the second window');
    assert.equal((await fetch(`${url}/v1beta/models`)).status, 200);

    await second.close({ runBeforeUnload: true });
    await waitFor(() => !isAlive(lock.pid), `the server (pid ${lock.pid}) to stop once no window is left`, { timeoutMs: 240_000, intervalMs: 250 });
    assert.equal(readLock(), undefined, 'it removed its lock');
  });
});
