// A real VS Code workbench (code-server) with this extension in development mode, shown in
// headless Chromium and driven by Playwright. Built from the integration host's modules: the
// cached Node 24 + code-server, its start-up and the browser launcher.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { launchBrowser, type HeadlessBrowser } from '../../../tools/vscodeHost/browser';
import { ensureHostTools } from '../../../tools/vscodeHost/cache';
import { startCodeServer, type CodeServer } from '../../../tools/vscodeHost/codeServer';
import { demoWorkspace, newLogFile, repoRoot } from '../../../tools/vscodeHost/paths';

export interface Workbench {
  page: Page;
  logFile: string;
  workspace: string;
  /** Runs a command from the Command Palette by its title, as a person would. */
  runCommand(title: string): Promise<void>;
  /** The document inside the visible webview editor. */
  activeWebview(): FrameLocator;
  close(): Promise<void>;
}

export interface WorkbenchOptions {
  /** Environment of code-server and so of the extension host, e.g. the local server's URL. */
  env?: Record<string, string>;
}

export async function openWorkbench(options: WorkbenchOptions = {}): Promise<Workbench> {
  const tools = await ensureHostTools(() => undefined);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-ui-'));
  const workspace = path.join(tmp, 'demo');
  if (fs.existsSync(demoWorkspace)) fs.cpSync(demoWorkspace, workspace, { recursive: true });
  else fs.mkdirSync(workspace);
  const logFile = newLogFile('ui');
  let server: CodeServer | undefined;
  let browser: HeadlessBrowser | undefined;
  const close = async (): Promise<void> => {
    await browser?.stop();
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    server = await startCodeServer({
      tools,
      userDataDir: path.join(tmp, 'user-data'),
      extensionsDir: path.join(tmp, 'extensions'),
      logFile,
      env: options.env,
    });
    browser = await launchBrowser(tools.chromium, logFile);
    const page = browser.page;
    await page.goto(server.workbenchUrl(workspace, { extensionDevelopmentPath: repoRoot }), { waitUntil: 'domcontentloaded', timeout: 240_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 240_000 });
    await page.locator('.statusbar').waitFor({ timeout: 60_000 });
    // The extension is loaded once its view container shows in the activity bar.
    await page.locator('.activitybar [aria-label^="Gemini Tuning"]').first().waitFor({ timeout: 240_000 });

    const runCommand = (title: string): Promise<void> => runPaletteCommand(page, title);

    // Each webview is an outer iframe hosting the page in an inner `#active-frame`; only the
    // visible editor's outer frame is shown.
    const activeWebview = (): FrameLocator => page.frameLocator('iframe.webview.ready:visible').frameLocator('#active-frame');

    return { page, logFile, workspace, runCommand, activeWebview, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs a command from the Command Palette by its title, as a person would. */
export async function runPaletteCommand(page: Page, title: string): Promise<void> {
  await page.locator('.monaco-workbench').click({ position: { x: 600, y: 300 } }).catch(() => undefined);
  // A click on an open webview leaves focus inside its iframe, where F1 never reaches the workbench.
  await page.evaluate(() => {
    const active = document.activeElement;
    if (active instanceof HTMLIFrameElement) active.blur();
  });
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 20_000 });
  await input.fill(`>${title}`);
  // The first row is the best match once the command is listed.
  const row = page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).first();
  await row.waitFor({ timeout: 60_000 });
  await input.press('Enter');
  await page.locator('.quick-input-widget', { hasText: title }).waitFor({ state: 'hidden', timeout: 30_000 }).catch(() => undefined);
}
