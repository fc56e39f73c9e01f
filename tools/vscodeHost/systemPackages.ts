// The Debian packages the offline VS Code host needs. When some are missing they are installed
// here (as root, or with passwordless sudo, never with a prompt); otherwise the error names the
// one command to run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { reportProgress } from './progress';
import { formatDuration, run, tail } from './exec';

/** Where Chromium is expected; overridable so its absence can be simulated without removing it. */
export const CHROMIUM_PATH_ENV = 'GEMINI_TUNING_CHROMIUM';
/** `off` stops the launcher from installing Debian packages itself; it then only says what to run. */
export const APT_ENV = 'GEMINI_TUNING_APT';
const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export interface SystemPackage {
  /** The Debian package name. */
  name: string;
  why: string;
}

export type InstallRoute = { kind: 'root' } | { kind: 'sudo' } | { kind: 'none'; reason: string };

export interface Machine {
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
  hasAptGet: boolean;
  /** `sudo -n true` succeeds: sudo works without a password. */
  hasPasswordlessSudo(): boolean;
}

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env[CHROMIUM_PATH_ENV] || DEFAULT_CHROMIUM;
}

/**
 * What is missing. Chromium shows the workbench; the compilers are needed only while code-server's
 * native modules are built, so a machine with a complete install never needs them.
 */
export function missingSystemPackages(env: NodeJS.ProcessEnv, needsBuild: boolean): SystemPackage[] {
  const missing: SystemPackage[] = [];
  if (!isExecutable(chromiumPath(env))) missing.push({ name: 'chromium', why: 'to show the VS Code workbench headless' });
  if (needsBuild) {
    const build = "to build code-server's native modules, once";
    if (!onPath('make', env)) missing.push({ name: 'make', why: build });
    if (!onPath('g++', env)) missing.push({ name: 'g++', why: build });
    if (!onPath('python3', env)) missing.push({ name: 'python3', why: build });
  }
  return missing;
}

export function installRoute(machine: Machine): InstallRoute {
  if (machine.env[APT_ENV] === 'off') return { kind: 'none', reason: `${APT_ENV}=off is set` };
  if (!machine.hasAptGet) return { kind: 'none', reason: 'this machine has no apt-get' };
  if (machine.isRoot) return { kind: 'root' };
  if (machine.hasPasswordlessSudo()) return { kind: 'sudo' };
  return { kind: 'none', reason: 'this user is not root and sudo asks for a password' };
}

/** The one command a person runs to install `packages`. */
export function installCommand(packages: readonly SystemPackage[], asRoot: boolean): string {
  const sudo = asRoot ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${packages.map((p) => p.name).join(' ')}`;
}

export class MissingSystemPackagesError extends Error {
  constructor(
    readonly packages: readonly SystemPackage[],
    reason: string,
    asRoot: boolean,
  ) {
    super(
      `The offline VS Code host needs the Debian package(s) ${describe(packages)}.\n` +
        `They were not installed automatically because ${reason}. Install them with:\n` +
        `  ${installCommand(packages, asRoot)}\n` +
        'then run the same command again. (With a desktop VS Code, set VSCODE_EXECUTABLE instead.)',
    );
    this.name = 'MissingSystemPackagesError';
  }
}

export interface EnsureOptions {
  needsBuild: boolean;
  log: (line: string) => void;
  /** apt-get output goes here. */
  logFile: string;
  machine?: Machine;
  /** Runs one command to completion; the real one spawns it. */
  runCommand?: (command: string, args: string[], env: NodeJS.ProcessEnv) => Promise<void>;
}

/** Installs what is missing when this machine allows it; throws MissingSystemPackagesError when not. */
export async function ensureSystemPackages(opts: EnsureOptions): Promise<void> {
  const machine = opts.machine ?? thisMachine();
  const missing = missingSystemPackages(machine.env, opts.needsBuild);
  if (missing.length === 0) return;
  const route = installRoute(machine);
  if (route.kind === 'none') throw new MissingSystemPackagesError(missing, route.reason, machine.isRoot);

  const names = missing.map((p) => p.name);
  const how = route.kind === 'root' ? 'apt-get as root' : 'sudo apt-get (passwordless)';
  opts.log(`[host] installing Debian package(s) ${names.join(' ')} with ${how}: ${describe(missing)}; apt-get output: ${opts.logFile}`);
  const runCommand =
    opts.runCommand ?? ((command: string, args: string[], env: NodeJS.ProcessEnv) => run(command, args, { cwd: '/', env, logFile: opts.logFile }));
  const sudo = route.kind === 'sudo' ? ['sudo', '-n'] : [];
  const aptEnv: NodeJS.ProcessEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]): Promise<void> => {
    const [command, ...rest] = [...sudo, ...(sudo.length > 0 ? ['env', 'DEBIAN_FRONTEND=noninteractive'] : []), 'apt-get', ...args];
    return runCommand(command, rest, aptEnv);
  };
  const started = Date.now();
  const stopProgress = reportProgress(opts.log, (elapsed) => `[host]   apt-get: ${lastAptLine(opts.logFile)} (${formatDuration(elapsed)})`);
  try {
    await apt(['-o', 'DPkg::Lock::Timeout=600', 'update']);
    await apt(['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', ...names]);
  } catch (err) {
    throw new Error(
      `installing ${names.join(' ')} with apt-get failed: ${(err as Error).message}\n` +
        `--- last lines of ${opts.logFile} ---\n${tail(opts.logFile, 20)}\n` +
        `Install them by hand with:  ${installCommand(missing, machine.isRoot)}`,
    );
  } finally {
    stopProgress();
  }
  const stillMissing = missingSystemPackages(machine.env, opts.needsBuild);
  if (stillMissing.length > 0) {
    const where = stillMissing.some((p) => p.name === 'chromium') ? ` (Chromium is looked for at ${chromiumPath(machine.env)})` : '';
    throw new Error(`apt-get installed ${names.join(' ')}, yet ${stillMissing.map((p) => p.name).join(' ')} is still not found${where}; see ${opts.logFile}`);
  }
  opts.log(`[host] installed ${names.join(' ')} in ${formatDuration(Date.now() - started)}`);
}

export function thisMachine(env: NodeJS.ProcessEnv = process.env): Machine {
  return {
    env,
    isRoot: process.getuid?.() === 0,
    hasAptGet: onPath('apt-get', env),
    hasPasswordlessSudo: () => onPath('sudo', env) && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0,
  };
}

/** `chromium (to show …), make, g++ and python3 (to build …)`: names grouped by why they are needed. */
function describe(packages: readonly SystemPackage[]): string {
  const byWhy = new Map<string, string[]>();
  for (const p of packages) byWhy.set(p.why, [...(byWhy.get(p.why) ?? []), p.name]);
  return [...byWhy].map(([why, names]) => `${listed(names)} (${why})`).join(', ');
}

function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

function lastAptLine(logFile: string): string {
  const lines = tail(logFile, 30)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(Get:|Hit:|Fetched|Unpacking|Setting up|Selecting|Preparing|Reading)/.test(l));
  return lines.at(-1)?.slice(0, 100) ?? 'starting';
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && isExecutable(path.join(dir, command)));
}
