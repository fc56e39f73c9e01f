import { spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Output is appended here instead of the terminal, so long installs stay readable. */
  logFile?: string;
}

/** Runs a command to completion; rejects with the command line and exit status on failure. */
export function run(command: string, args: readonly string[], opts: RunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const logFd = opts.logFile === undefined ? undefined : fs.openSync(opts.logFile, 'a');
    if (logFd !== undefined) fs.writeSync(logFd, `\n$ (cd ${opts.cwd} && ${command} ${args.join(' ')})\n`);
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', logFd ?? 'inherit', logFd ?? 'inherit'],
    });
    child.on('error', (err) => {
      if (logFd !== undefined) fs.closeSync(logFd);
      reject(new Error(`${command} could not start: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      if (logFd !== undefined) fs.closeSync(logFd);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} (in ${opts.cwd}) exited with ${signal ?? code}`));
    });
  });
}

/** Runs a command and returns its stdout; undefined when it cannot run or fails. */
export function capture(command: string, args: readonly string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<string | undefined> {
  return new Promise((resolve) => {
    let out = '';
    let child;
    try {
      child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      resolve(undefined);
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? out : undefined);
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops a process started with `detached: true` together with everything it spawned (its process
 * group): SIGTERM first, SIGKILL for whatever is still there after the grace period.
 */
export async function killProcessGroup(pid: number | undefined, graceMs = 5_000): Promise<void> {
  if (pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals): boolean => {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      try {
        process.kill(pid, signal);
        return true;
      } catch {
        return false;
      }
    }
  };
  if (!signalGroup('SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pid)) return;
    await delay(100);
  }
  signalGroup('SIGKILL');
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The last `lines` lines of a text file, or '' when it does not exist. */
export function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
