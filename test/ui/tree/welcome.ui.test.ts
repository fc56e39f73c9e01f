// The Tuned Models view's welcome messages in a real workbench (code-server in headless Chromium):
// each state is reached as a person would reach it (switching backend, typing a key, stopping the
// server, setting a filter), and each button is clicked. One workbench and one local tuning server
// (which asks for an API key, so that the Gemini backend can be pointed at it) serve every case.
//   node esbuild.mjs --tests && npx mocha --timeout 1800000 --exit out/test/ui/tree/welcome.ui.test.js
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startLocalServer, type LocalServer } from '../../../src/server/localServer';
import type { ModelRecord } from '../../../src/server/records';
import { launchBrowser, type HeadlessBrowser } from '../../../tools/vscodeHost/browser';
import { ensureHostTools } from '../../../tools/vscodeHost/cache';
import { QUIET_WORKBENCH, startCodeServer, type CodeServer } from '../../../tools/vscodeHost/codeServer';
import { demoWorkspace, newLogFile, repoRoot, testResultsDir } from '../../../tools/vscodeHost/paths';
import { runPaletteCommand } from '../lossChart/workbench';

const KEY = `welcome-key-${randomBytes(8).toString('hex')}`;
const WRONG_KEY = `welcome-wrong-${randomBytes(8).toString('hex')}`;
const SEEDED = 'Welcome seeded model';
/** Generous limits: the machine may be shared and slow. */
const LONG = 120_000;

/** What the welcome area of the view shows: its paragraphs and its buttons, in order. */
interface WelcomeContent {
  paragraphs: string[];
  buttons: string[];
}

const WELCOME = {
  noKey: {
    paragraphs: ['No Gemini API key is set. The key is kept in VS Code SecretStorage; GEMINI_API_KEY or GOOGLE_API_KEY from the environment also work.'],
    buttons: ['Set API Key', 'Use the Local Server'],
  },
  badKey: { paragraphs: ['The Gemini API rejected the API key.'], buttons: ['Set API Key', 'Use the Local Server'] },
  localAsksForKey: {
    paragraphs: [
      'The server at geminiTuning.baseUrl asks for an API key; the local backend sends none. A server that needs a key is used through the Gemini backend, with the key set there.',
    ],
    buttons: ['Use the Gemini Backend'],
  },
  unreachable: { paragraphs: ['The backend cannot be reached.'], buttons: ['Retry', 'Show Log'] },
  connecting: { paragraphs: ['Connecting to the backend…'], buttons: [] },
  noModels: {
    paragraphs: ['No tuned models yet. A tuning spec describes the model you want and its training examples.'],
    buttons: ['New Tuning Spec'],
  },
  noMatch: { paragraphs: ['No tuned models match the filter.'], buttons: ['Clear Filter'] },
  vertexNoProject: {
    paragraphs: [
      'Vertex AI needs a Google Cloud project: the one whose tuning jobs are listed and created, set as geminiTuning.vertex.project (a project ID such as my-project, or its number). The command gcloud config get-value project prints the one gcloud uses.',
    ],
    buttons: ['Set Project', 'Switch Backend', 'Use the Local Server'],
  },
  vertexNoCredentials: {
    paragraphs: [
      'No Google Cloud credentials were found for Vertex AI. Run gcloud auth application-default login in a terminal, or set GOOGLE_APPLICATION_CREDENTIALS to a key file, then retry. The extension looked at GOOGLE_APPLICATION_CREDENTIALS, the gcloud credentials file (~/.config/gcloud/application_default_credentials.json, or %APPDATA%\\gcloud on Windows) and the Compute Engine metadata server; the log lists the exact places.',
    ],
    buttons: ['Retry', 'Show Log', 'Use the Local Server'],
  },
} satisfies Record<string, WelcomeContent>;

/** A finished model as the local server stores it, written while the server is stopped. */
function seededRecord(): ModelRecord {
  const time = new Date(Date.UTC(2026, 0, 1)).toISOString();
  return {
    v: 1,
    id: 'welcome-seeded',
    displayName: SEEDED,
    description: 'seeded while the server was stopped',
    baseModel: 'models/gemini-1.5-flash-001-tuning',
    temperature: 1,
    topP: 0.95,
    topK: 64,
    state: 'ACTIVE',
    createTime: time,
    updateTime: time,
    startTime: time,
    completeTime: time,
    hyperparameters: { epochCount: 1, batchSize: 1, learningRate: 0.001 },
    learningRate: 0.001,
    snapshots: [{ step: 1, epoch: 1, meanLoss: 1.5, computeTime: time }],
    operationId: 'op1',
    totalSteps: 1,
    exampleCount: 1,
    seed: 1,
    permissions: [{ id: 'owner', granteeType: 'USER', emailAddress: 'local-user@localhost', role: 'OWNER' }],
    resumeCount: 0,
  };
}

describe('tree UI: the Tuned Models view welcomes each state with buttons that work', function () {
  this.timeout(10 * 60_000);
  let tmp: string;
  let dataDir: string;
  let server: LocalServer | undefined;
  let codeServer: CodeServer | undefined;
  let browser: HeadlessBrowser | undefined;
  let page: Page;
  let userData: string;
  let missingCredentials: string;

  const startServer = async (port?: number): Promise<LocalServer> =>
    startLocalServer({ dataDir, port, apiKey: KEY, faultInjection: true, workerScript: path.join(repoRoot, 'dist', 'trainer-worker.js') });

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-welcome-ui-'));
    dataDir = path.join(tmp, 'server');
    server = await startServer();
    const workspace = path.join(tmp, 'demo');
    fs.cpSync(demoWorkspace, workspace, { recursive: true });
    userData = path.join(tmp, 'user-data');
    // Vertex AI's credentials are looked for here only: a key file that does not exist, no gcloud, no metadata server.
    missingCredentials = path.join(tmp, 'no-such-credentials.json');
    fs.mkdirSync(path.join(tmp, 'gcloud'));
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(
      path.join(userData, 'User', 'settings.json'),
      JSON.stringify({
        ...QUIET_WORKBENCH,
        'geminiTuning.backend': 'gemini',
      }),
    );
    // geminiTuning.baseUrl is machine-overridable: code-server (a remote window) reads it from the machine settings.
    fs.mkdirSync(path.join(userData, 'Machine'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'Machine', 'settings.json'), JSON.stringify({ 'geminiTuning.baseUrl': server.url }));
    const tools = await ensureHostTools(() => undefined);
    const logFile = newLogFile('ui-welcome');
    codeServer = await startCodeServer({
      tools,
      userDataDir: userData,
      extensionsDir: path.join(tmp, 'extensions'),
      logFile,
      env: {
        GEMINI_API_KEY: '',
        GOOGLE_API_KEY: '',
        GEMINI_TUNING_LOCAL_SERVER_URL: '',
        GOOGLE_APPLICATION_CREDENTIALS: missingCredentials,
        CLOUDSDK_CONFIG: path.join(tmp, 'gcloud'),
        GOOGLE_CLOUD_PROJECT: '',
        METADATA_SERVER_DETECTION: 'none',
      },
    });
    browser = await launchBrowser(tools.chromium, logFile);
    page = browser.page;
    await page.goto(codeServer.workbenchUrl(workspace, { extensionDevelopmentPath: repoRoot }), { waitUntil: 'domcontentloaded', timeout: LONG });
    await page.locator('.monaco-workbench').waitFor({ timeout: LONG });
    await page.locator('.activitybar [aria-label^="Gemini Tuning"]').first().waitFor({ timeout: LONG });
    const item = page.locator('.activitybar .action-item', { has: page.locator('[aria-label^="Gemini Tuning"]') }).first();
    if (!(await sidebar().locator('.composite.title', { hasText: /Gemini Tuning/i }).first().isVisible())) await item.click();
    await sidebar().locator('.composite.title', { hasText: /Gemini Tuning/i }).first().waitFor({ timeout: LONG });
  });

  after(async () => {
    await browser?.stop();
    await codeServer?.stop();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      fs.mkdirSync(testResultsDir, { recursive: true });
      await page.screenshot({ path: path.join(testResultsDir, `welcome-ui-failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
    }
  });

  const sidebar = (): Locator => page.locator('.part.sidebar');

  /** Runs a command from the Command Palette by its title, as a person would. */
  async function runCommand(title: string): Promise<void> {
    await page.keyboard.press('Escape');
    await runPaletteCommand(page, title);
  }

  /**
   * Waits until the view's welcome area shows exactly `expected` (every message whose `when`
   * clause holds is shown, so two overlapping states would show two texts and fail here).
   */
  async function expectWelcome(expected: WelcomeContent): Promise<Locator> {
    const read = (): Promise<WelcomeContent | undefined> =>
      page.evaluate(() => {
        const content = [...document.querySelectorAll<HTMLElement>('.part.sidebar .welcome-view-content')].find((e) => e.checkVisibility());
        if (!content) return undefined;
        return {
          paragraphs: [...content.querySelectorAll('p')].map((p) => (p.textContent ?? '').trim()).filter(Boolean),
          buttons: [...content.querySelectorAll('.monaco-button')].map((b) => (b.textContent ?? '').trim()),
        };
      });
    try {
      await page.waitForFunction(
        (want) => {
          const content = [...document.querySelectorAll<HTMLElement>('.part.sidebar .welcome-view-content')].find((e) => e.checkVisibility());
          if (!content) return false;
          const paragraphs = [...content.querySelectorAll('p')].map((p) => (p.textContent ?? '').trim()).filter(Boolean);
          const buttons = [...content.querySelectorAll('.monaco-button')].map((b) => (b.textContent ?? '').trim());
          return JSON.stringify({ paragraphs, buttons }) === JSON.stringify(want);
        },
        expected,
        { timeout: LONG },
      );
    } catch {
      assert.deepEqual(await read(), expected, 'the welcome message');
    }
    return sidebar().locator('.welcome-view-content');
  }

  async function clickWelcomeButton(label: string): Promise<void> {
    await sidebar().locator('.welcome-view-content .monaco-button', { hasText: label }).first().click();
  }

  /** Types a key into the Set API Key box that the command just opened. */
  async function typeKey(key: string): Promise<void> {
    const title = page.locator('.quick-input-widget .quick-input-title', { hasText: 'Gemini Tuning: Set API Key' });
    await title.waitFor({ timeout: 60_000 });
    await page.locator('.quick-input-widget .quick-input-box input').first().fill(key);
    await page.keyboard.press('Enter');
    await title.waitFor({ state: 'hidden', timeout: 30_000 });
  }

  const statusItem = (backend: 'Local' | 'Gemini API'): Locator => page.locator(`.statusbar [aria-label^="Gemini Tuning backend: ${backend},"]`).first();
  const modelRow = (label: string): Locator => sidebar().locator('.monaco-list-row', { hasText: label }).first();

  it('Gemini backend without a key: Set API Key and Use the Local Server; the local backend at a server that wants a key says so', async () => {
    await expectWelcome(WELCOME.noKey);
    await statusItem('Gemini API').waitFor({ timeout: LONG });

    await clickWelcomeButton('Use the Local Server');
    await statusItem('Local').waitFor({ timeout: LONG });
    // The server behind geminiTuning.baseUrl wants a key, which the local backend never sends.
    await expectWelcome(WELCOME.localAsksForKey);

    await clickWelcomeButton('Use the Gemini Backend');
    await statusItem('Gemini API').waitFor({ timeout: LONG });
    await expectWelcome(WELCOME.noKey);
  });

  it('a rejected key, then the right one, both typed through the welcome button', async () => {
    await clickWelcomeButton('Set API Key');
    await typeKey(WRONG_KEY);
    await expectWelcome(WELCOME.badKey);

    await clickWelcomeButton('Set API Key');
    await typeKey(KEY);
    await expectWelcome(WELCOME.noModels);
    await clickWelcomeButton('New Tuning Spec');
    const asked = page.locator('.quick-input-widget', { hasText: 'New Tuning Spec' });
    await asked.waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    await asked.waitFor({ state: 'hidden', timeout: 30_000 });
  });

  it('connecting while the list is slow to come', async () => {
    const response = await fetch(`${server!.url}/_faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ match: 'GET /v1beta/tunedModels', action: 'delayHeaders', ms: 6_000, count: 1 }] }),
    });
    assert.equal(response.status, 200);
    await runCommand('Gemini Tuning: Retry Connection');
    await expectWelcome(WELCOME.connecting);
    await expectWelcome(WELCOME.noModels);
  });

  it('unreachable once the server stops: Show Log shows why, Retry brings the models once it is back', async () => {
    const port = server!.port;
    await server!.close();
    server = undefined;
    await runCommand('Gemini Tuning: Refresh Tuned Models');
    await expectWelcome(WELCOME.unreachable);
    await statusItem('Gemini API').filter({ hasText: 'unreachable' }).waitFor({ timeout: LONG });

    await clickWelcomeButton('Show Log');
    // The Output panel shows the extension's log, which ends with the reason.
    await page.locator('.part.panel .view-lines', { hasText: /backend\shealth:\sunreachable.*connection\srefused/ }).first().waitFor({ timeout: LONG });

    // A model appears while the server is down; Retry, once it is back, shows it.
    const record = seededRecord();
    fs.mkdirSync(path.join(dataDir, 'tunedModels', record.id), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'tunedModels', record.id, 'model.json'), JSON.stringify(record));
    server = await startServer(port);
    assert.equal(await modelRow(SEEDED).isVisible(), false, 'nothing is shown before Retry');
    await clickWelcomeButton('Retry');
    await modelRow(SEEDED).waitFor({ timeout: LONG });
    await sidebar().locator('.welcome-view-content').first().waitFor({ state: 'hidden', timeout: LONG });
  });

  it('a filter that matches nothing, and Clear Filter', async () => {
    await runCommand('Gemini Tuning: Filter Tuned Models');
    const input = page.locator('.quick-input-widget .quick-input-box input').first();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Filter Tuned Models' }).waitFor({ timeout: 60_000 });
    await input.fill('no-such-model');
    await input.press('Enter');
    await expectWelcome(WELCOME.noMatch);
    await modelRow(SEEDED).waitFor({ state: 'hidden', timeout: LONG });

    await clickWelcomeButton('Clear Filter');
    await modelRow(SEEDED).waitFor({ timeout: LONG });
    await sidebar().locator('.welcome-view-content').first().waitFor({ state: 'hidden', timeout: LONG });
  });

  it('Vertex AI without a project, then without Google credentials: each says what to do, and its buttons work', async () => {
    // No base URL from here on, so the Vertex AI backend talks to Vertex AI itself.
    fs.writeFileSync(path.join(userData, 'Machine', 'settings.json'), JSON.stringify({}));
    // The backend picked in the Settings editor, where no project is asked for.
    await runCommand('Preferences: Open Settings (UI)');
    await page.locator('.settings-editor').waitFor({ timeout: LONG });
    await page.keyboard.type('geminiTuning.backend');
    const backendSetting = page.locator('.settings-editor .setting-item-contents', { has: page.locator('.setting-item-label', { hasText: /^Backend$/ }) }).first();
    await backendSetting.locator('select').click();
    await page.locator('.monaco-select-box-dropdown-container .monaco-list-row', { hasText: /^vertex/ }).first().click();
    await expectWelcome(WELCOME.vertexNoProject);
    await page.locator('.statusbar [aria-label^="Gemini Tuning backend: Vertex AI"]').first().waitFor({ timeout: LONG });

    await clickWelcomeButton('Switch Backend');
    const picker = page.locator('.quick-input-widget', { hasText: 'Vertex AI, offline' });
    await picker.waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    await picker.waitFor({ state: 'hidden', timeout: 30_000 });

    await clickWelcomeButton('Set Project');
    const projectBox = page.locator('.quick-input-widget .quick-input-title', { hasText: 'Vertex AI project' });
    await projectBox.waitFor({ timeout: 60_000 });
    await page.locator('.quick-input-widget .quick-input-box input').first().fill('welcome-project');
    await page.keyboard.press('Enter');
    await projectBox.waitFor({ state: 'hidden', timeout: 30_000 });
    await expectWelcome(WELCOME.vertexNoCredentials);
    const saved = ['User', 'Machine'].map((scope) => fs.readFileSync(path.join(userData, scope, 'settings.json'), 'utf8'));
    assert.ok(saved.some((text) => (JSON.parse(text) as Record<string, unknown>)['geminiTuning.vertex.project'] === 'welcome-project'), `the project is saved in the settings: ${saved.join(' | ')}`);

    await clickWelcomeButton('Show Log');
    // The log names the exact places looked at, starting with the key file the environment gives.
    await page.locator('.part.panel .view-lines', { hasText: path.basename(missingCredentials) }).first().waitFor({ timeout: LONG });

    await clickWelcomeButton('Use the Local Server');
    await statusItem('Local').waitFor({ timeout: LONG });
  });
});
