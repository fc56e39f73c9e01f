// The secrets and webview sweep in a real workbench (code-server in headless Chromium): a person
// types an API key into the "Set API Key" box (a wrong one first), a model whose display name is
// hostile HTML and a link finishes training, and the notification, the tree and its
// tooltip show the name as text. The key must never show on screen, in a URL the server saw or in
// a file the window wrote.
//   node esbuild.mjs --tests && npx mocha --timeout 1800000 out/test/ui/sweep/sweep.ui.test.js
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page, Request } from 'playwright-core';
import { GeminiClient } from '../../../src/core/api/client';
import { startLocalServer, type LocalServer } from '../../../src/server/localServer';
import { launchBrowser, type HeadlessBrowser } from '../../../tools/vscodeHost/browser';
import { ensureHostTools } from '../../../tools/vscodeHost/cache';
import { QUIET_WORKBENCH, startCodeServer, type CodeServer } from '../../../tools/vscodeHost/codeServer';
import { demoWorkspace, newLogFile, repoRoot, testResultsDir } from '../../../tools/vscodeHost/paths';
import { recordSweepCase } from '../../harness/sweepTable';
import { runPaletteCommand } from '../lossChart/workbench';
import { apiKeyOf, startRecordingProxy } from '../../harness/recordingProxy';
import { waitFor } from '../../harness/waitFor';

const KEY = `ui-secret-${randomBytes(10).toString('hex')}`;
const WRONG_KEY = `ui-wrong-${randomBytes(10).toString('hex')}`;
/** HTML and a link that a notification would make clickable (display names are at most 40 characters). */
const HOSTILE_NAME = '<img src=x onerror=alert(1)>[a](file:x)';
const LONG = 180_000;

function filesContaining(root: string, needle: string): string[] {
  if (!fs.existsSync(root)) return [];
  const bytes = [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')];
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(root, f))
    .filter((f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile())
    .filter((f) => {
      const content = fs.readFileSync(f);
      return bytes.some((b) => content.includes(b));
    });
}

describe('sweep UI: a typed API key stays secret, a hostile model name stays text', function () {
  this.timeout(20 * 60_000);
  let tmp: string;
  let server: LocalServer;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let codeServer: CodeServer | undefined;
  let browser: HeadlessBrowser | undefined;
  let page: Page;
  let userData: string;
  let workspace: string;
  const dialogs: string[] = [];
  const imageRequests: string[] = [];
  /** Everything the workbench showed as text, snapshot after each step. */
  const screens: { step: string; text: string }[] = [];

  async function snapshot(step: string): Promise<void> {
    screens.push({ step, text: await page.evaluate(() => document.body.innerText) });
  }

  const runCommand = (title: string): Promise<void> => runPaletteCommand(page, title);

  /** Types `key` into the Set API Key box, as a person would, and checks that the box hides it. */
  async function typeKey(key: string): Promise<void> {
    await runCommand('Gemini Tuning: Set API Key');
    // The palette closes and the same widget comes back as the extension's input box, with its title.
    const title = page.locator('.quick-input-widget .quick-input-title', { hasText: 'Gemini Tuning: Set API Key' });
    await title.waitFor({ timeout: 60_000 });
    const input = page.locator('.quick-input-widget .quick-input-box input').first();
    assert.equal(await input.getAttribute('type'), 'password', 'the key is typed into a password box');
    await input.click();
    await page.keyboard.type(key);
    assert.ok(!(await page.evaluate(() => document.body.innerText)).includes(key), 'the typed key is not shown');
    await page.keyboard.press('Enter');
    await title.waitFor({ state: 'hidden', timeout: 30_000 });
  }

  /**
   * The notification whose message matches `text`: its toast, or, since a headless window may
   * keep toasts hidden, its entry in the notification center (opened from the Command Palette).
   */
  async function notification(text: RegExp, timeoutMs: number): Promise<Locator> {
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: text }).first();
    const listed = page.locator('.notifications-center .notification-list-item', { hasText: text }).first();
    return waitFor(
      async () => {
        if (await toast.isVisible()) return toast;
        if (await listed.isVisible()) return listed;
        if (!(await page.locator('.notifications-center.visible').isVisible())) await runCommand('Notifications: Show Notifications');
        return undefined;
      },
      `a notification matching ${text}`,
      { timeoutMs, intervalMs: 250 },
    );
  }

  const sidebar = (): Locator => page.locator('.part.sidebar');

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-sweep-ui-'));
    // Training runs at full speed by default; paced here so that the tree sees the job CREATING before it ends.
    server = await startLocalServer({ dataDir: path.join(tmp, 'server'), apiKey: KEY, workerScript: path.join(repoRoot, 'dist', 'trainer-worker.js'), faultInjection: true, stepDelayMs: 150 });
    proxy = await startRecordingProxy(server.url);
    workspace = path.join(tmp, 'demo');
    fs.cpSync(demoWorkspace, workspace, { recursive: true });
    userData = path.join(tmp, 'user-data');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    // The Gemini backend at the proxy, set as a person would in their user settings; no key yet.
    fs.writeFileSync(
      path.join(userData, 'User', 'settings.json'),
      JSON.stringify(
        {
          ...QUIET_WORKBENCH,
          'geminiTuning.backend': 'gemini',
          'geminiTuning.polling.initialDelayMs': 500,
          'geminiTuning.polling.maxDelayMs': 1000,
        },
        null,
        2,
      ),
    );
    // geminiTuning.baseUrl is machine-overridable: in a remote window (code-server is one) it is read from the
    // remote machine's settings, not from the user's.
    fs.mkdirSync(path.join(userData, 'Machine'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'Machine', 'settings.json'), JSON.stringify({ 'geminiTuning.baseUrl': proxy.url }, null, 2));
    const tools = await ensureHostTools(() => undefined);
    const logFile = newLogFile('ui-sweep');
    codeServer = await startCodeServer({
      tools,
      userDataDir: userData,
      extensionsDir: path.join(tmp, 'extensions'),
      logFile,
      env: { GEMINI_API_KEY: '', GOOGLE_API_KEY: '' },
    });
    browser = await launchBrowser(tools.chromium, logFile);
    page = browser.page;
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('request', (request: Request) => {
      const url = new URL(request.url());
      if (/\/x$/.test(url.pathname)) imageRequests.push(request.url());
    });
    await page.goto(codeServer.workbenchUrl(workspace, { extensionDevelopmentPath: repoRoot }), { waitUntil: 'domcontentloaded', timeout: LONG });
    await page.locator('.monaco-workbench').waitFor({ timeout: LONG });
    await page.locator('.activitybar [aria-label^="Gemini Tuning"]').first().waitFor({ timeout: LONG });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      fs.mkdirSync(testResultsDir, { recursive: true });
      await page.screenshot({ path: path.join(testResultsDir, `sweep-ui-failed-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
    }
  });

  after(async () => {
    await browser?.stop();
    await codeServer?.stop();
    await proxy?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('takes a wrong key, then the right one, typed into the Set API Key box', async () => {
    await page.locator('.activitybar .action-item', { has: page.locator('[aria-label^="Gemini Tuning"]') }).first().click();
    await sidebar().getByText('No Gemini API key is set', { exact: false }).first().waitFor({ timeout: LONG });
    await snapshot('no key');

    await typeKey(WRONG_KEY);
    await notification(/rejected this key/, 90_000);
    await page.keyboard.press('Escape');
    await snapshot('wrong key');
    const wrongSent = proxy.requests.filter((r) => apiKeyOf(r) === WRONG_KEY).length;

    // A model starts training now, so that the tree sees it CREATING and then ACTIVE.
    const client = new GeminiClient({ baseUrl: server.url, apiKey: KEY });
    await client.tunedModels.create({
      displayName: HOSTILE_NAME,
      description: '<script>alert(2)</script> [js](javascript:alert(1))',
      baseModel: 'models/gemini-1.5-flash-001-tuning',
      tuningTask: {
        hyperparameters: { epochCount: 15, batchSize: 2 },
        trainingData: { examples: { examples: Array.from({ length: 40 }, (_, i) => ({ textInput: `${i}`, output: `${i + 1}` })) } },
      },
    });
    await typeKey(KEY);
    await sidebar().locator('.monaco-list-row', { hasText: 'Creating' }).first().waitFor({ timeout: LONG });
    await snapshot('right key, training');
    const rightSent = proxy.requests.filter((r) => apiKeyOf(r) === KEY).length;
    recordSweepCase({
      area: 'secrets',
      tried: 'UI: a wrong key, then the right key, typed into the Set API Key password box',
      outcome: `wrong key rejected with a notification; right key lists the tree; sent in the header ${wrongSent} and ${rightSent} times`,
      ok: wrongSent > 0 && rightSent > 0,
    });
    assert.ok(wrongSent > 0 && rightSent > 0, 'both keys were sent, in the header');
  });

  it('shows the hostile name as text in the state-change notification, the tree and its tooltip', async () => {
    const ready = await notification(/is ready/, 5 * 60_000);
    const message = ready.locator('.notification-list-item-message');
    const messageText = ((await message.textContent()) ?? '').replace(/\u200b/g, '');
    const links = await message.locator('a').count();
    await snapshot('ready notification');
    fs.mkdirSync(testResultsDir, { recursive: true });
    await page.screenshot({ path: path.join(testResultsDir, 'sweep-ui-notification.png') });

    const row = sidebar().locator('.monaco-list-row', { hasText: '<img src=x' }).first();
    await row.waitFor({ timeout: LONG });
    const label = ((await row.locator('.label-name').first().textContent()) ?? '').trim();
    await row.hover();
    const hover = page.locator('.monaco-hover, .workbench-hover', { hasText: 'tunedModels/' }).first();
    await hover.waitFor({ timeout: 30_000 });
    const hoverText = (await hover.textContent()) ?? '';
    const hoverImages = await hover.locator('img').count();
    const hoverLinks = await hover.locator('a[href^="command:"], a[href^="javascript:"]').count();
    await snapshot('tooltip');
    await page.screenshot({ path: path.join(testResultsDir, 'sweep-ui-tooltip.png') });

    const ok =
      messageText.includes(HOSTILE_NAME) && links === 0 && label === HOSTILE_NAME && hoverText.includes(HOSTILE_NAME) && hoverImages === 0 && hoverLinks === 0 && dialogs.length === 0 && imageRequests.length === 0;
    recordSweepCase({
      area: 'webview',
      tried: `UI: model "${HOSTILE_NAME}" goes CREATING → ACTIVE; its notification, tree row and tooltip`,
      outcome: `notification links ${links}, text literal ${messageText.includes(HOSTILE_NAME)}; row label literal ${label === HOSTILE_NAME}; tooltip imgs ${hoverImages}, links ${hoverLinks}; dialogs ${dialogs.length}; requests to x ${imageRequests.length}`,
      ok,
    });
    assert.ok(messageText.includes(HOSTILE_NAME), `the notification shows the name literally: ${messageText}`);
    assert.equal(links, 0, 'no link in the notification message');
    assert.equal(label, HOSTILE_NAME);
    assert.ok(hoverText.includes(HOSTILE_NAME), `the tooltip shows the name literally: ${hoverText}`);
    assert.equal(hoverImages, 0);
    assert.equal(hoverLinks, 0);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(imageRequests, []);
  });

  it('keeps the key off the screen (errors, log view), out of URLs and out of every file the window wrote', async () => {
    // A 403 and a 500 on the next refreshes, then the log.
    const faults = await fetch(`${server.url}/_faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ match: 'GET /v1beta/tunedModels', action: 'status', status: 403, count: 1 }, { match: 'GET /v1beta/tunedModels', action: 'status', status: 500, count: 1 }] }),
    });
    assert.equal(faults.status, 200);
    await runCommand('Gemini Tuning: Refresh Tuned Models');
    await runCommand('Gemini Tuning: Refresh Tuned Models');
    await snapshot('after a 403 and a 500');
    await runCommand('Gemini Tuning: Show Log');
    await page.locator('.part.panel .monaco-editor .view-lines').first().waitFor({ timeout: 60_000 });
    await snapshot('log view');
    await page.screenshot({ path: path.join(testResultsDir, 'sweep-ui-log.png') });

    const onScreen = screens.filter((s) => s.text.includes(KEY) || s.text.includes(WRONG_KEY)).map((s) => s.step);
    const nameOnScreen = screens.filter((s) => s.text.includes('<img src=x')).length;
    const inUrls = proxy.requests.filter((r) => r.url.includes(KEY) || r.url.includes(WRONG_KEY) || /[?&]key=/.test(r.url));
    const inFiles = [...filesContaining(userData, KEY), ...filesContaining(userData, WRONG_KEY), ...filesContaining(workspace, KEY)];
    const controlInFiles = filesContaining(path.join(userData, 'logs'), proxy.url.replace('http://', '')).length;
    recordSweepCase({
      area: 'secrets',
      tried: `UI: ${screens.length} screens (rejection, tree, 403/500, log view), ${proxy.requests.length} URLs, the user data folder and workspace`,
      outcome:
        onScreen.length + inUrls.length + inFiles.length === 0
          ? `no key anywhere; controls: hostile name on ${nameOnScreen} screens, proxy address in ${controlInFiles} log files`
          : `key on screens ${onScreen.join(', ')}; in URLs ${inUrls.length}; in files ${inFiles.join(', ')}`,
      ok: onScreen.length + inUrls.length + inFiles.length === 0 && nameOnScreen > 0 && controlInFiles > 0,
    });
    assert.deepEqual(onScreen, []);
    assert.deepEqual(inUrls, []);
    assert.deepEqual(inFiles, []);
    assert.ok(nameOnScreen > 0, 'control: the screen text search finds what is shown');
    assert.ok(controlInFiles > 0, 'control: the file search finds the backend address in the logs');
  });
});
