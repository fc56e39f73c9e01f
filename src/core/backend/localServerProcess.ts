import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Emitter, type Event } from '../util/event';
import { DATA_DIR_IN_USE_EXIT_CODE, findFolderServer } from './folderServer';
import { type ServerHold, holdServer } from './serverHold';
import { type Disposable } from '../util/lifecycle';
import { type Log } from '../util/log';

export type LocalServerState =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'starting'; readonly attempt: number }
  | { readonly kind: 'running'; readonly url: string; readonly pid: number | undefined }
  | { readonly kind: 'restarting'; readonly reason: string; readonly delayMs: number; readonly attempt: number }
  | { readonly kind: 'failed'; readonly reason: string };

export interface LocalServerOptions {
  /** Path of the built server entry (`dist/server.js`). */
  readonly serverScript: string;
  readonly dataDir: string;
  /** The Node binary; in the extension host this is `process.execPath`. */
  readonly nodePath?: string;
  readonly extraArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Receives every line the server prints, stdout and stderr. */
  readonly output: (line: string) => void;
  readonly log: Log;
  /** Delay before the n-th consecutive restart; the last value repeats. */
  readonly restartDelaysMs?: readonly number[];
  /** Consecutive failed starts after which the supervisor gives up until `restart()`. */
  readonly maxConsecutiveFailures?: number;
  /** A server that stays up this long counts as healthy and resets the backoff. */
  readonly healthyAfterMs?: number;
  /** How long to wait for the `listening on` line. */
  readonly startTimeoutMs?: number;
  /** While another process's server serves the data folder, how often to check that it still does. */
  readonly folderServerCheckMs?: number;
  /** How this process names itself to the server it holds open (its log says who came and went). */
  readonly clientName?: string;
}

const LISTENING = /^listening on (https?:\/\/\S+)\s*$/;

/** How to run a Node script from here: inside Electron the binary must be told to act as Node. */
export function nodeCommand(nodePath = process.execPath): { command: string; env: NodeJS.ProcessEnv } {
  return process.versions.electron ? { command: nodePath, env: { ELECTRON_RUN_AS_NODE: '1' } } : { command: nodePath, env: {} };
}

/**
 * Runs the local tuning server as a child process and keeps it running: it restarts the server
 * when it dies, with a growing delay, and gives up after repeated failed starts.
 *
 * One data folder has one server, shared by every window that uses the folder: the first window
 * starts it, later ones find it through its lock file. Each window holds the server open (see
 * ./serverHold) while it uses it; the server outlives the window that started it while others
 * hold it, and stops by itself when the last hold ends, however the window went away.
 */
export class LocalServerProcess implements Disposable {
  private readonly stateEmitter = new Emitter<LocalServerState>();
  readonly onDidChangeState: Event<LocalServerState> = this.stateEmitter.event;

  private _state: LocalServerState = { kind: 'stopped' };
  private child: ChildProcess | undefined;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private healthyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set while this supervisor uses the server another process runs on the same data folder. */
  private folderServerWatch: ReturnType<typeof setInterval> | undefined;
  /** This window's hold on the server it uses, its own or another window's. */
  private hold: ServerHold | undefined;
  private consecutiveFailures = 0;
  private lastOutput: string[] = [];
  private disposed = false;

  constructor(private readonly options: LocalServerOptions) {}

  get state(): LocalServerState {
    return this._state;
  }

  get url(): string | undefined {
    return this._state.kind === 'running' ? this._state.url : undefined;
  }

  /** Starts the server if it is not running or starting already. */
  start(): void {
    if (this.disposed || this.child || this.folderServerWatch) return;
    this.clearTimers();
    this.spawnServer();
  }

  /** Stops the current process (if any) and starts afresh with a reset backoff. */
  async restart(): Promise<void> {
    this.consecutiveFailures = 0;
    await this.stop();
    this.start();
  }

  /**
   * Resolves with the URL once the server listens. Rejects when the supervisor has given up, or
   * when `timeoutMs` passes first.
   */
  whenReady(timeoutMs = 60_000): Promise<string> {
    const current = this._state;
    if (current.kind === 'running') return Promise.resolve(current.url);
    if (current.kind === 'failed') return Promise.reject(new Error(current.reason));
    if (current.kind === 'stopped' && this.disposed) return Promise.reject(new Error('The local tuning server has been shut down.'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.dispose();
        reject(new Error(`The local tuning server did not start within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      const subscription = this.onDidChangeState((state) => {
        if (state.kind === 'running') {
          clearTimeout(timer);
          subscription.dispose();
          resolve(state.url);
        } else if (state.kind === 'failed' || (state.kind === 'stopped' && this.disposed)) {
          clearTimeout(timer);
          subscription.dispose();
          reject(new Error(state.kind === 'failed' ? state.reason : 'The local tuning server has been shut down.'));
        }
      });
    });
  }

  /** Stops the server and waits until it has exited; it is not restarted. */
  async stop(): Promise<void> {
    this.clearTimers();
    this.releaseHold();
    const child = this.child;
    this.child = undefined;
    if (child) {
      await terminate(child);
    }
    this.setState({ kind: 'stopped' });
  }

  /**
   * Lets go of the server. A server this window started and that listens is left to stop by
   * itself, which it does at once unless other windows still hold it; one still starting is stopped.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearTimers();
    const held = this.hold !== undefined;
    this.releaseHold();
    const child = this.child;
    this.child = undefined;
    if (child && held) {
      // Its output has nowhere to go once this window is gone; the server ignores the broken pipes.
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.unref();
    } else if (child) {
      void terminate(child);
    }
    this.setState({ kind: 'stopped' });
    this.stateEmitter.dispose();
  }

  private spawnServer(): void {
    const { options } = this;
    const attempt = this.consecutiveFailures + 1;
    this.setState({ kind: 'starting', attempt });
    try {
      mkdirSync(options.dataDir, { recursive: true });
    } catch (err) {
      this.handleExit(undefined, `cannot create the data folder ${options.dataDir}: ${(err as Error).message}`);
      return;
    }
    const node = nodeCommand(options.nodePath);
    // No --parent-pid: the server is the data folder's, not this window's, and stops when no window holds it.
    const args = [options.serverScript, '--host', '127.0.0.1', '--port', '0', '--data-dir', options.dataDir, '--exit-when-unused', ...(options.extraArgs ?? [])];
    options.log.info(`starting local server (attempt ${attempt}): ${node.command} ${args.join(' ')}`);
    this.lastOutput = [];
    let child: ChildProcess;
    try {
      child = spawn(node.command, args, {
        env: { ...process.env, ...options.env, ...node.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
        // Its own process group: closing this window must not take the other windows' server with it.
        detached: true,
      });
    } catch (err) {
      this.handleExit(undefined, (err as Error).message);
      return;
    }
    this.child = child;

    const onLine = (line: string) => {
      options.output(line);
      this.lastOutput.push(line);
      if (this.lastOutput.length > 20) this.lastOutput.shift();
      const match = LISTENING.exec(line);
      if (match && this.child === child && this._state.kind === 'starting') {
        this.onListening(child, match[1]);
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);

    child.on('error', (err) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.handleExit(child, err.message);
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (code === DATA_DIR_IN_USE_EXIT_CODE) void this.useFolderServerOr(child, why);
      else this.handleExit(child, why);
    });

    const startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.startTimer = setTimeout(() => {
      if (this.child === child && this._state.kind === 'starting') {
        options.log.warn(`local server printed no "listening on" line within ${startTimeoutMs} ms; stopping it`);
        this.child = undefined;
        void terminate(child);
        this.handleExit(child, `did not start within ${Math.round(startTimeoutMs / 1000)} s`);
      }
    }, startTimeoutMs);
  }

  private onListening(child: ChildProcess, url: string): void {
    clearTimeout(this.startTimer);
    this.options.log.info(`local server listening on ${url} (pid ${child.pid})`);
    void this.holdOwn(child, url);
  }

  private get clientName(): string {
    return this.options.clientName ?? `window process ${process.pid}`;
  }

  /** Holds the server this window started, then reports it running (a failed hold is logged: the server still serves). */
  private async holdOwn(child: ChildProcess, url: string): Promise<void> {
    try {
      const hold = await holdServer(url, this.clientName);
      if (this.child !== child || this.disposed) {
        hold.release();
        return;
      }
      this.hold = hold;
      void hold.ended.then(() => {
        if (this.hold === hold) this.hold = undefined;
      });
    } catch (e) {
      if (this.child !== child || this.disposed) return;
      this.options.log.warn(`${(e as Error).message}; it will stop by itself soon after start-up`);
    }
    if (this._state.kind !== 'starting') return;
    this.setState({ kind: 'running', url, pid: child.pid });
    this.healthyTimer = setTimeout(() => {
      this.consecutiveFailures = 0;
    }, this.options.healthyAfterMs ?? 10_000);
  }

  /**
   * The server refused to start because another process's server (another window's) serves the
   * data folder: one folder has one server, so this supervisor uses that one, and starts its own
   * once that one has gone.
   */
  private async useFolderServerOr(child: ChildProcess, why: string): Promise<void> {
    const holder = await findFolderServer(this.options.dataDir);
    if (this.disposed || this.child || this._state.kind !== 'starting') return;
    if (!holder) return this.handleExit(child, why);
    let hold: ServerHold;
    try {
      hold = await holdServer(holder.url, this.clientName);
    } catch (e) {
      // It stopped between the lock and the hold: start again, which finds the folder free.
      return this.handleExit(child, `${why}, and ${(e as Error).message}`);
    }
    if (this.disposed || this.child || this._state.kind !== 'starting') {
      hold.release();
      return;
    }
    this.hold = hold;
    this.clearTimers();
    this.consecutiveFailures = 0;
    this.options.log.info(`the data folder ${this.options.dataDir} is served by process ${holder.pid} at ${holder.url}; using that server`);
    this.setState({ kind: 'running', url: holder.url, pid: holder.pid });
    const token = holder.token;
    let checking = false;
    const check = (): void => {
      if (checking) return;
      checking = true;
      void findFolderServer(this.options.dataDir).then((current) => {
        checking = false;
        if (current?.token === token || this.disposed || !this.folderServerWatch) return;
        this.options.log.info(`the server of process ${holder.pid} no longer serves the data folder; starting this window's own`);
        this.clearTimers();
        this.releaseHold();
        this.start();
      });
    };
    this.folderServerWatch = setInterval(check, this.options.folderServerCheckMs ?? 2_000);
    // The hold ends when that server stops: look at once rather than at the next check.
    void hold.ended.then(() => {
      if (this.hold !== hold) return;
      this.hold = undefined;
      check();
    });
  }

  private releaseHold(): void {
    const hold = this.hold;
    this.hold = undefined;
    hold?.release();
  }

  private handleExit(child: ChildProcess | undefined, why: string): void {
    this.clearTimers();
    this.releaseHold();
    if (this.disposed) return;
    const wasRunning = this._state.kind === 'running';
    this.consecutiveFailures++;
    const tail = this.lastOutput.filter((l) => l.trim()).slice(-1)[0];
    const reason = `The local tuning server ${why}${tail && !wasRunning ? ` (${tail.trim()})` : ''}.`;
    this.options.log.warn(`local server${child?.pid ? ` (pid ${child.pid})` : ''} ${why}`);
    const maxFailures = this.options.maxConsecutiveFailures ?? 5;
    if (this.consecutiveFailures >= maxFailures) {
      this.options.log.error(`local server failed ${this.consecutiveFailures} times in a row; giving up until restarted`);
      this.setState({ kind: 'failed', reason });
      return;
    }
    const delays = this.options.restartDelaysMs ?? [500, 1_000, 2_000, 5_000, 10_000];
    const delayMs = delays[Math.min(this.consecutiveFailures - 1, delays.length - 1)];
    this.setState({ kind: 'restarting', reason, delayMs, attempt: this.consecutiveFailures + 1 });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, delayMs);
  }

  private setState(state: LocalServerState): void {
    this._state = state;
    this.stateEmitter.fire(state);
  }

  private clearTimers(): void {
    clearTimeout(this.restartTimer);
    clearTimeout(this.startTimer);
    clearTimeout(this.healthyTimer);
    clearInterval(this.folderServerWatch);
    this.restartTimer = this.startTimer = this.healthyTimer = this.folderServerWatch = undefined;
  }
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
function terminate(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killTimer = setTimeout(() => {
      child.kill('SIGKILL');
    }, graceMs);
    killTimer.unref?.();
    child.once('exit', () => {
      clearTimeout(killTimer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
