// Runs the integration suites inside a real VS Code extension host: a desktop VS Code through
// @vscode/test-electron when one is available, otherwise code-server shown in headless Chromium.
// Results come back through RESULTS_FILE; silence, a timeout or zero tests is a failure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchBrowser } from '../../tools/vscodeHost/browser';
import { ensureHostTools } from '../../tools/vscodeHost/cache';
import { startCodeServer } from '../../tools/vscodeHost/codeServer';
import { desktopVSCode } from '../../tools/vscodeHost/desktop';
import { formatDuration, tail } from '../../tools/vscodeHost/exec';
import { demoWorkspace, integrationEntry, newLogFile, repoRoot } from '../../tools/vscodeHost/paths';
import { startedMarker, type IntegrationResults } from './results';
import { pinTrainingSeed } from './seed';
import { waitFor } from './waitFor';
import { failureLine } from './failureLine';

export interface IntegrationOutcome {
  ok: boolean;
  passed: number;
  failed: number;
  pending: number;
  /** Each failed test: its full title and the first line of its error. */
  failures?: string[];
  results?: IntegrationResults;
  logFile?: string;
}

export interface IntegrationOptions {
  /** Total time allowed for the suites once the host is up (INTEGRATION_TIMEOUT_MS, default 15 min). */
  timeoutMs?: number;
  /** Time allowed for the extension host to call run() (INTEGRATION_STARTUP_TIMEOUT_MS, default 5 min). */
  startupTimeoutMs?: number;
  grep?: string;
  /** Leave workspace trust on, so the copied demo workspace opens untrusted (Restricted Mode). */
  workspaceTrust?: boolean;
  log?: (line: string) => void;
}

/**
 * Each integration host is a fresh VS Code. The sweep kills servers and floods them with faults,
 * so it does not share a host with the notebooks and panels of the other suites; the Restricted
 * Mode suites need a workspace that is really untrusted.
 */
const integrationHosts: IntegrationOptions[] = [
  { grep: '^(?!sweep|restricted)' },
  { grep: '^sweep' },
  { grep: '^restricted', workspaceTrust: true },
];

/**
 * Every suite, host after host; or, with INTEGRATION_GREP, the matching suites in one host
 * (untrusted when INTEGRATION_WORKSPACE_TRUST=1).
 */
export async function runIntegrationHosts(): Promise<IntegrationOutcome> {
  const hosts = process.env.INTEGRATION_GREP ? [{ workspaceTrust: process.env.INTEGRATION_WORKSPACE_TRUST === '1' }] : integrationHosts;
  const total: IntegrationOutcome = { ok: true, passed: 0, failed: 0, pending: 0, failures: [] };
  for (const host of hosts) {
    const outcome = await runIntegration(host);
    total.ok &&= outcome.ok;
    total.passed += outcome.passed;
    total.failed += outcome.failed;
    total.pending += outcome.pending;
    total.failures?.push(...(outcome.failures ?? (outcome.ok ? [] : [`host ${host.grep ?? process.env.INTEGRATION_GREP ?? ''}: no results (see its log above)`])));
  }
  return total;
}

export async function runIntegration(options: IntegrationOptions = {}): Promise<IntegrationOutcome> {
  const log = options.log ?? console.log;
  const timeoutMs = options.timeoutMs ?? (Number(process.env.INTEGRATION_TIMEOUT_MS) || 15 * 60_000);
  const startupTimeoutMs = options.startupTimeoutMs ?? (Number(process.env.INTEGRATION_STARTUP_TIMEOUT_MS) || 5 * 60_000);
  const grep = options.grep ?? process.env.INTEGRATION_GREP;

  if (!fs.existsSync(integrationEntry)) {
    log(`[integration] ${path.relative(repoRoot, integrationEntry)} is missing: run \`node esbuild.mjs --tests\` first`);
    return { ok: false, passed: 0, failed: 0, pending: 0 };
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-it-'));
  const workspace = path.join(tmp, 'demo');
  if (fs.existsSync(demoWorkspace)) fs.cpSync(demoWorkspace, workspace, { recursive: true });
  else fs.mkdirSync(workspace);
  const resultsFile = path.join(tmp, 'results.json');
  // The suites drive the local server's fault injection (stream cuts, error statuses).
  pinTrainingSeed(process.env, log);
  const extensionEnvironment: Record<string, string> = { RESULTS_FILE: resultsFile, GEMINI_TUNING_FAULTS: '1' };
  if (grep) extensionEnvironment.INTEGRATION_GREP = grep;
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('GEMINI_TUNING_') && value !== undefined) extensionEnvironment[key] = value;
  }

  const started = Date.now();
  try {
    const desktop = process.env.INTEGRATION_HOST === 'code-server' ? undefined : await desktopVSCode();
    const outcome = desktop
      ? await viaTestElectron(desktop, workspace, tmp, extensionEnvironment, resultsFile, { timeoutMs, workspaceTrust: options.workspaceTrust === true }, log)
      : await viaCodeServer(workspace, tmp, extensionEnvironment, resultsFile, { timeoutMs, startupTimeoutMs, workspaceTrust: options.workspaceTrust === true }, log);
    log(`[integration] finished in ${formatDuration(Date.now() - started)}`);
    if (!outcome.ok && outcome.logFile) {
      log(`--- last lines of ${outcome.logFile} ---\n${tail(outcome.logFile, 60)}\n--- end of log ---`);
    }
    return outcome;
  } catch (err) {
    log(`[integration] FAILED: ${(err as Error).message}`);
    return { ok: false, passed: 0, failed: 0, pending: 0 };
  } finally {
    if (!process.env.INTEGRATION_KEEP_TEMP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function viaCodeServer(
  workspace: string,
  tmp: string,
  extensionEnvironment: Record<string, string>,
  resultsFile: string,
  limits: { timeoutMs: number; startupTimeoutMs: number; workspaceTrust: boolean },
  log: (line: string) => void,
): Promise<IntegrationOutcome> {
  const tools = await ensureHostTools(log);
  const logFile = newLogFile('integration');
  log(`[integration] code-server + headless Chromium; host log: ${path.relative(repoRoot, logFile)}`);
  const server = await startCodeServer({
    tools,
    userDataDir: path.join(tmp, 'user-data'),
    extensionsDir: path.join(tmp, 'extensions'),
    logFile,
    workspaceTrust: limits.workspaceTrust,
  });
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  try {
    browser = await launchBrowser(tools.chromium, logFile);
    let hostGone: string | undefined;
    void server.exited.then((code) => (hostGone ??= `code-server exited (code ${code})`));
    browser.browser.on('disconnected', () => (hostGone ??= 'Chromium disconnected'));
    browser.page.on('crash', () => (hostGone ??= 'the workbench page crashed'));
    const hostExit = watchLog(logFile, /Extension Host Process exited with code: (\S+)/);

    const url = server.workbenchUrl(workspace, {
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: integrationEntry,
      extensionEnvironment,
    });
    fs.appendFileSync(logFile, `[integration] opening ${url}\n`);
    // Only the navigation itself is awaited: a slow workbench load is covered by the startup limit.
    await browser.page.goto(url, { waitUntil: 'commit', timeout: limits.startupTimeoutMs });

    const marker = startedMarker(resultsFile);
    const hostStarted = await waitFor(() => fs.existsSync(marker) || fs.existsSync(resultsFile), 'the extension host to start the tests', {
      timeoutMs: limits.startupTimeoutMs,
      intervalMs: 250,
      abandon: () => hostGone,
    }).then(
      () => true,
      () => false,
    );
    if (!hostStarted) {
      log(`[integration] FAILED: the extension host did not start the tests within ${formatDuration(limits.startupTimeoutMs)}${hostGone ? ` (${hostGone})` : ''}`);
      return { ok: false, passed: 0, failed: 0, pending: 0, logFile };
    }
    log(`[integration] extension host started (VS Code ${readVersion(marker)}); running the suites`);
    const finished = await waitFor(() => fs.existsSync(resultsFile), 'the results', {
      timeoutMs: limits.timeoutMs,
      intervalMs: 250,
      abandon: () => {
        const exit = hostExit();
        if (exit) hostGone ??= `the extension host exited (code ${exit[1]}) before writing results`;
        return hostGone;
      },
    }).then(
      () => true,
      () => false,
    );
    if (!finished) {
      log(`[integration] FAILED: no results within ${formatDuration(limits.timeoutMs)}${hostGone ? ` (${hostGone})` : ''}`);
      return { ok: false, passed: 0, failed: 0, pending: 0, logFile };
    }
    return report(readResults(resultsFile), log, logFile);
  } catch (err) {
    log(`[integration] FAILED: ${(err as Error).message}`);
    return { ok: false, passed: 0, failed: 0, pending: 0, logFile };
  } finally {
    await browser?.stop();
    await server.stop();
  }
}

async function viaTestElectron(
  vscodeExecutablePath: string,
  workspace: string,
  tmp: string,
  extensionEnvironment: Record<string, string>,
  resultsFile: string,
  { timeoutMs, workspaceTrust }: { timeoutMs: number; workspaceTrust: boolean },
  log: (line: string) => void,
): Promise<IntegrationOutcome> {
  const { runTests } = await import('@vscode/test-electron');
  log(`[integration] desktop VS Code: ${vscodeExecutablePath}`);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const exit = runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: integrationEntry,
    extensionTestsEnv: extensionEnvironment,
    launchArgs: [
      workspace,
      '--disable-extensions',
      ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--skip-welcome',
      '--skip-release-notes',
      `--user-data-dir=${path.join(tmp, 'user-data')}`,
      `--extensions-dir=${path.join(tmp, 'extensions')}`,
    ],
  }).then(
    (code) => code,
    (err: unknown) => (typeof err === 'string' || err instanceof Error ? String(err) : 'failed'),
  );
  const outcome = await Promise.race([exit, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout' || !fs.existsSync(resultsFile)) {
    log(`[integration] FAILED: no results from the desktop VS Code (${outcome === 'timeout' ? `timeout after ${formatDuration(timeoutMs)}` : `it ended with ${outcome}`})`);
    return { ok: false, passed: 0, failed: 0, pending: 0 };
  }
  return report(readResults(resultsFile), log);
}

/** Prints the results as mocha would and decides: any failure, or no passing test, fails the run. */
function report(results: IntegrationResults, log: (line: string) => void, logFile?: string): IntegrationOutcome {
  log('');
  for (const t of results.tests) {
    const mark = t.state === 'passed' ? '✔' : t.state === 'failed' ? '✘' : '-';
    log(`  ${mark} ${t.fullTitle}${t.state === 'passed' ? ` (${t.durationMs} ms)` : ''}`);
  }
  log('');
  log(`  ${results.passed} passing (${formatDuration(results.durationMs)})`);
  if (results.pending) log(`  ${results.pending} pending`);
  if (results.failed) log(`  ${results.failed} failing`);
  results.failures.forEach((f, i) => {
    log('');
    log(`  ${i + 1}) ${f.fullTitle}:`);
    log(`     ${(f.stack || f.message).split('\n').join('\n     ')}`);
  });
  log('');
  log(`[integration] vscode.version ${results.vscodeVersion} (extension host Node ${results.nodeVersion})`);
  const ok = results.failed === 0 && results.passed > 0;
  if (results.passed + results.failed === 0) log('[integration] FAILED: no test ran');
  const failures = results.failures.map((f) => failureLine(f.fullTitle, f));
  return { ok, passed: results.passed, failed: results.failed, pending: results.pending, failures, results, ...(logFile ? { logFile } : {}) };
}

function readResults(file: string): IntegrationResults {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as IntegrationResults;
}

function readVersion(marker: string): string {
  try {
    return (JSON.parse(fs.readFileSync(marker, 'utf8')) as { vscodeVersion: string }).vscodeVersion;
  } catch {
    return 'unknown';
  }
}

/** Returns a poll function that reports the first match of `pattern` in what is appended to `file`. */
function watchLog(file: string, pattern: RegExp): () => RegExpExecArray | undefined {
  let offset = fs.existsSync(file) ? fs.statSync(file).size : 0;
  let carry = '';
  let found: RegExpExecArray | undefined;
  return () => {
    if (found) return found;
    const size = fs.statSync(file).size;
    if (size <= offset) return undefined;
    const fd = fs.openSync(file, 'r');
    const chunk = Buffer.alloc(size - offset);
    fs.readSync(fd, chunk, 0, chunk.length, offset);
    fs.closeSync(fd);
    offset = size;
    const text = carry + chunk.toString('utf8');
    carry = text.slice(-200);
    found = pattern.exec(text) ?? undefined;
    return found;
  };
}

