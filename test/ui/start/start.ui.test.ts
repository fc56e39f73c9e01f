// `npm start` as a new user meets it: an empty cache directory, so Node 24 and code-server are
// installed (npm's own package cache is shared, so tarballs are not downloaded again), then the
// printed URL is opened as a person would, and Ctrl-C stops everything.
//   node esbuild.mjs --tests && npx mocha --timeout 1800000 --exit out/test/ui/start/start.ui.test.js
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Page } from 'playwright-core';
import { launchBrowser, type HeadlessBrowser } from '../../../tools/vscodeHost/browser';
import { CACHE_DIR_ENV } from '../../../tools/vscodeHost/cache';
import { delay, formatDuration, freePort } from '../../../tools/vscodeHost/exec';
import { demoWorkspace, repoRoot, testResultsDir } from '../../../tools/vscodeHost/paths';
import { chromiumPath } from '../../../tools/vscodeHost/systemPackages';

/** A first run installs code-server: minutes on a shared 2-core machine. */
const INSTALL_LIMIT_MS = 25 * 60_000;
const LONG = 240_000;

describe('npm start on a fresh machine: installs, opens the demo workspace, stops on Ctrl-C', function () {
  this.timeout(INSTALL_LIMIT_MS + 5 * 60_000);
  let tmp: string;
  let cacheDir: string;
  let start: ChildProcess | undefined;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  const output: string[] = [];
  let url: string;
  let browser: HeadlessBrowser | undefined;
  let page: Page;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-start-'));
    cacheDir = path.join(tmp, 'cache');
    const port = await freePort();
    const started = Date.now();
    // Its own process group, as a terminal's foreground job: Ctrl-C signals every process in it.
    start = spawn('npm', ['start'], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, [CACHE_DIR_ENV]: cacheDir, GEMINI_TUNING_START_HOST: 'code-server', GEMINI_TUNING_START_PORT: String(port) },
    });
    exited = new Promise((resolve) => start!.on('exit', (code, signal) => resolve({ code, signal })));
    const printed = new Promise<string>((resolve, reject) => {
      const onLine = (line: string): void => {
        output.push(line);
        if (line.startsWith('[host]')) console.log(`      ${line}`);
        const match = /^▶ Open Gemini Tuning: (\S+)$/.exec(line);
        if (match) resolve(match[1]);
      };
      readline.createInterface({ input: start!.stdout! }).on('line', onLine);
      readline.createInterface({ input: start!.stderr! }).on('line', onLine);
      void exited.then(({ code, signal }) => reject(new Error(`npm start exited (${signal ?? code}) before printing a URL:\n${output.join('\n')}`)));
      setTimeout(() => reject(new Error(`npm start printed no URL within ${INSTALL_LIMIT_MS / 60_000} min:\n${output.join('\n')}`)), INSTALL_LIMIT_MS).unref();
    });
    url = await printed;
    console.log(`      npm start from an empty cache printed its URL after ${formatDuration(Date.now() - started)}`);
  });

  after(async () => {
    await browser?.stop();
    if (start?.pid !== undefined && groupAlive(start.pid)) process.kill(-start.pid, 'SIGKILL');
    for (const pid of processesMentioning(cacheDir)) process.kill(pid, 'SIGKILL');
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      console.log(`--- npm start printed ---\n${output.join('\n')}\n---`);
      if (page) {
        fs.mkdirSync(testResultsDir, { recursive: true });
        await page.screenshot({ path: path.join(testResultsDir, `start-ui-failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
      }
    }
  });

  it('installs into the redirected cache, saying what it fetches and compiles and how far along it is', () => {
    const complete = fs.readdirSync(cacheDir).filter((name) => fs.existsSync(path.join(cacheDir, name, '.complete')));
    assert.deepEqual(complete.map((n) => n.replace(/-[\d.]+/g, '')).sort(), ['code-server-node', 'node']);
    for (const heading of ['code-server 1/4: fetching', 'code-server 3/4: compiling']) {
      assert.ok(output.some((l) => l.includes(heading)), `no "${heading}" line`);
    }
    assert.ok(output.some((l) => /… \d+ of \d+ done; now \S+/.test(l)), 'no progress line while native modules compile');
    assert.ok(output.some((l) => /… \d+ MB of about \d+ MB unpacked/.test(l)), 'no progress line while code-server is unpacked');
  });

  it('opens a fresh copy of the demo workspace outside the repository, and says where', () => {
    const said = output.map((l) => /^\[start\] workspace: (.+)$/.exec(l)?.[1]).find(Boolean);
    assert.ok(said, 'no "[start] workspace:" line');
    assert.ok(path.isAbsolute(said));
    const relative = path.relative(repoRoot, said);
    assert.ok(relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative), `${said} is inside the repository`);
    assert.equal(new URL(url).searchParams.get('folder'), said);
    const filesOf = (dir: string) => (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
    assert.deepEqual(filesOf(said), filesOf(demoWorkspace));
    for (const file of filesOf(demoWorkspace)) {
      assert.equal(fs.readFileSync(path.join(said, file), 'utf8'), fs.readFileSync(path.join(demoWorkspace, file), 'utf8'), file);
    }
  });

  it('the printed URL answers 200 with the VS Code workbench', async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /vscode-workbench-web-configuration/);
    assert.match(html, /workbench\.js|workbench\.web\.main/);
  });

  it('the first window shows the demo workspace with the extension loaded', async () => {
    browser = await launchBrowser(chromiumPath(), path.join(tmp, 'browser.log'));
    page = browser.page;
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: LONG });
    const folderName = path.basename(new URL(url).searchParams.get('folder')!);
    await page.locator('.part.sidebar .pane-header', { hasText: new RegExp(folderName, 'i') }).first().waitFor({ timeout: LONG });
    for (const file of fs.readdirSync(demoWorkspace)) {
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).first().waitFor({ timeout: LONG });
    }
    await page.locator('.activitybar [aria-label^="Gemini Tuning"]').first().waitFor({ timeout: LONG });
  });

  it('Ctrl-C stops npm start and everything it started', async () => {
    await browser?.stop();
    browser = undefined;
    const port = Number(new URL(url).port);
    assert.ok(await answers(port), 'control: code-server answers before Ctrl-C');
    assert.ok(processesMentioning(cacheDir).length >= 2, 'control: code-server and the local tuning server run from the cache');
    process.kill(-start!.pid!, 'SIGINT');
    const exit = await Promise.race([exited, delay(60_000).then(() => 'still running after 60 s')]);
    // npm itself does not catch SIGINT: like a shell, it ends by the signal.
    assert.ok(typeof exit === 'object' && (exit.code === 0 || exit.signal === 'SIGINT'), `npm start: ${JSON.stringify(exit)}`);
    // npm may return before its child has finished stopping the servers; that child ends on its own.
    const deadline = Date.now() + 30_000;
    while ((groupAlive(start!.pid!) || processesMentioning(cacheDir).length > 0) && Date.now() < deadline) await delay(200);
    assert.equal(groupAlive(start!.pid!), false, 'a process of npm start is still running');
    assert.deepEqual(processesMentioning(cacheDir), [], 'processes started from the cache are still running');
    assert.equal(await answers(port), false, `port ${port} still answers`);
    assert.ok(output.some((l) => l.includes('[start] stopping')));
  });
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose command line names `dir`: code-server runs the cached Node, the server keeps its data there. */
function processesMentioning(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
