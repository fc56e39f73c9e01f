// `npm start`: the local tuning server plus VS Code with this extension in development mode on
// a fresh copy of the demo workspace (outside the repository, whose copy the tests use). A desktop
// `code` when there is one, otherwise code-server in the browser. Ctrl-C stops everything started here.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { cacheRoot, ensureHostTools, type HostTools } from './vscodeHost/cache';
import { startCodeServer, type CodeServer } from './vscodeHost/codeServer';
import { codeCommand } from './vscodeHost/desktop';
import { freePort, killProcessGroup } from './vscodeHost/exec';
import { demoWorkspace, newLogFile, repoRoot } from './vscodeHost/paths';

/** The extension uses this server instead of starting its own. */
export const LOCAL_SERVER_URL_ENV = 'GEMINI_TUNING_LOCAL_SERVER_URL';
const SERVER_READY_TIMEOUT_MS = 30_000;
const PREFERRED_PORT = Number(process.env.GEMINI_TUNING_START_PORT) || 8765;

const stoppers: Array<() => Promise<void>> = [];
let stopping = false;

async function main(): Promise<void> {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  const code = process.env.GEMINI_TUNING_START_HOST === 'code-server' ? undefined : await codeCommand();
  // The first run installs the host (minutes) before anything else starts, so nothing idles meanwhile.
  const host: { desktop: string } | { tools: HostTools } = code ? { desktop: code } : { tools: await ensureHostTools() };
  const workspace = freshDemoWorkspace();
  const env: Record<string, string> = {};
  const serverUrl = await startLocalServer();
  if (serverUrl) env[LOCAL_SERVER_URL_ENV] = serverUrl;

  if ('desktop' in host) {
    await openDesktop(host.desktop, workspace, env);
  } else {
    await openCodeServer(host.tools, workspace, env);
  }
  console.log('Press Ctrl-C to stop.');
}

async function startLocalServer(): Promise<string | undefined> {
  const script = path.join(repoRoot, 'dist', 'server.js');
  if (!fs.existsSync(script)) {
    console.log(`[start] ${path.relative(repoRoot, script)} is not built (src/server/main.ts is missing), so no local tuning server runs;`);
    console.log('[start] the extension opens without one.');
    return undefined;
  }
  const dataDir = path.join(cacheRoot(), 'demo-server');
  fs.mkdirSync(dataDir, { recursive: true });
  const child = spawn(process.execPath, [script, '--port', '0', '--data-dir', dataDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  stoppers.push(() => killProcessGroup(child.pid));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local server printed no "listening on" line within ${SERVER_READY_TIMEOUT_MS / 1000} s`)), SERVER_READY_TIMEOUT_MS);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      console.log(`[server] ${line}`);
      const match = /^listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    readline.createInterface({ input: child.stderr! }).on('line', (line) => console.log(`[server] ${line}`));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the local server exited (${signal ?? code}) before it was ready`));
      if (!stopping) console.log(`[server] exited (${signal ?? code})`);
    });
  });
  console.log(`[start] local tuning server ${url} (data in ${dataDir})`);
  return url;
}

/**
 * A new copy of test/fixtures/demo for this run, outside the repository: code-server saves as you
 * type, and the tests copy the repository's demo. Earlier copies are kept, with the edits made in them.
 */
function freshDemoWorkspace(): string {
  const parent = path.join(cacheRoot(), 'demo-workspaces');
  fs.mkdirSync(parent, { recursive: true });
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
  let workspace = path.join(parent, `demo-${stamp}`);
  for (let n = 2; fs.existsSync(workspace); n++) workspace = path.join(parent, `demo-${stamp}-${n}`);
  fs.cpSync(demoWorkspace, workspace, { recursive: true });
  console.log(`[start] workspace: ${workspace}`);
  console.log(`[start]   (a fresh copy of ${path.relative(repoRoot, demoWorkspace)}; edits stay there, earlier copies are kept beside it)`);
  return workspace;
}

async function openDesktop(code: string, workspace: string, env: Record<string, string>): Promise<void> {
  console.log(`[start] opening VS Code (${code}) on ${workspace}`);
  // A VS Code that is already running receives the request and opens a new development window.
  const child: ChildProcess = spawn(code, ['--new-window', `--extensionDevelopmentPath=${repoRoot}`, workspace], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
}

async function openCodeServer(tools: HostTools, workspace: string, env: Record<string, string>): Promise<void> {
  const logFile = newLogFile('start');
  const dir = path.join(cacheRoot(), 'start');
  const port = (await isFree(PREFERRED_PORT)) ? PREFERRED_PORT : await freePort();
  const server: CodeServer = await startCodeServer({
    tools,
    port,
    userDataDir: path.join(dir, 'user-data'),
    extensionsDir: path.join(dir, 'extensions'),
    logFile,
    env,
  });
  stoppers.push(() => server.stop());
  void server.exited.then((code) => {
    if (stopping) return;
    console.log(`[start] code-server exited (${code}); its log: ${logFile}`);
    void shutdown(1);
  });
  const url = server.workbenchUrl(workspace, { extensionDevelopmentPath: repoRoot, extensionEnvironment: env });
  console.log(`[start] code-server log: ${path.relative(repoRoot, logFile)}`);
  console.log('');
  console.log(`▶ Open Gemini Tuning: ${url}`);
  console.log('');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping…');
  await Promise.allSettled(stoppers.reverse().map((stop) => stop()));
  process.exit(code);
}

main().catch(async (err: Error) => {
  console.error(`[start] ${err.message}`);
  await shutdown(1);
});
