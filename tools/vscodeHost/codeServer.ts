// Starts code-server (the real VS Code workbench and Node extension host, from npm) and builds
// the workbench URL whose payload loads this extension in development mode.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type HostTools } from './cache';
import { delay, freePort, killProcessGroup, tail } from './exec';

export interface CodeServer {
  port: number;
  pid: number;
  /** Resolves with the exit code when code-server exits (it should only on stop()). */
  exited: Promise<number | null>;
  /** The workbench URL for `folder`, with `payload` pairs (values are stringified as VS Code expects). */
  workbenchUrl(folder: string, payload: DevelopmentPayload): string;
  stop(): Promise<void>;
}

export interface DevelopmentPayload {
  extensionDevelopmentPath: string;
  extensionTestsPath?: string;
  extensionEnvironment?: Record<string, string>;
}

export interface CodeServerOptions {
  tools: HostTools;
  userDataDir: string;
  extensionsDir: string;
  /** code-server's stdout and stderr are appended here. */
  logFile: string;
  port?: number;
  /** Extra environment for code-server and, through it, the extension host. */
  env?: Record<string, string>;
  workspaceTrust?: boolean;
  readyTimeoutMs?: number;
}

/** Settings for a fresh user-data folder: no welcome page, no chat panel, nothing fetched. */
export const QUIET_WORKBENCH = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
};

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const port = opts.port ?? (await freePort());
  fs.mkdirSync(opts.userDataDir, { recursive: true });
  fs.mkdirSync(opts.extensionsDir, { recursive: true });
  const settings = path.join(opts.userDataDir, 'User', 'settings.json');
  if (!fs.existsSync(settings)) {
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    fs.writeFileSync(settings, JSON.stringify(QUIET_WORKBENCH, null, 2));
  }
  const args = [
    opts.tools.codeServerEntry,
    '--config', path.join(opts.userDataDir, 'config.yaml'),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--user-data-dir', opts.userDataDir,
    '--extensions-dir', opts.extensionsDir,
    '--vscode-option', 'enable-smoke-test-driver',
  ];
  const logFd = fs.openSync(opts.logFile, 'a');
  fs.writeSync(logFd, `[code-server] ${opts.tools.node} ${args.join(' ')}\n`);
  const child = spawn(opts.tools.node, args, {
    cwd: opts.userDataDir,
    env: { ...hostEnvironment(), ...opts.env },
    stdio: ['ignore', logFd, logFd],
    detached: true,
  });
  fs.closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`code-server did not start (${opts.tools.node})`);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const stop = (): Promise<void> => killProcessGroup(pid);
  try {
    await waitForHealth(port, opts.readyTimeoutMs ?? 60_000, () => hasExited);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- last lines of ${opts.logFile} ---\n${tail(opts.logFile, 30)}`);
  }

  return {
    port,
    pid,
    exited,
    stop,
    workbenchUrl(folder, payload) {
      const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${p}`;
      const pairs: Array<[string, string]> = [['extensionDevelopmentPath', remote(payload.extensionDevelopmentPath)]];
      if (payload.extensionTestsPath) pairs.push(['extensionTestsPath', remote(payload.extensionTestsPath)]);
      if (payload.extensionEnvironment) pairs.push(['extensionEnvironment', JSON.stringify(payload.extensionEnvironment)]);
      return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(pairs))}`;
    },
  };
}

/** Our environment without what an enclosing VS Code sets, which would confuse code-server. */
function hostEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') continue;
    env[key] = value;
  }
  return env;
}

async function waitForHealth(port: number, timeoutMs: number, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('code-server exited during startup');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await delay(250);
  }
  throw new Error(`code-server did not answer on port ${port} within ${timeoutMs / 1000} s`);
}
