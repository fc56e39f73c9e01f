import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DATA_DIR_IN_USE_EXIT_CODE, DataDirInUseError } from './dataDirLock';
import { DEFAULT_STEP_DELAY_MS, type LocalServer, type LocalServerOptions, startLocalServer } from './localServer';

const USAGE = `usage: node server.js [--host 127.0.0.1] [--port N] [--data-dir DIR] [--api-key KEY] [--vertex-token TOKEN]
                      [--allowed-origin ORIGIN]... [--allowed-host NAME]...
                      [--enable-fault-injection] [--step-delay-ms N] [--parent-pid PID] [--exit-when-unused] [--quiet]`;
const PARENT_CHECK_INTERVAL_MS = 2000;

function exitWithUsageError(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** The server's options from the command line; exits with status 2 on a mistake. */
function readCommandLine(): { options: Omit<LocalServerOptions, 'log'>; parentPid?: number; exitWhenUnused: boolean; quiet: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '0' },
        'data-dir': { type: 'string' },
        'api-key': { type: 'string' },
        'vertex-token': { type: 'string' },
        'allowed-origin': { type: 'string', multiple: true, default: [] },
        'allowed-host': { type: 'string', multiple: true, default: [] },
        'enable-fault-injection': { type: 'boolean', default: false },
        'step-delay-ms': { type: 'string', default: String(DEFAULT_STEP_DELAY_MS) },
        'parent-pid': { type: 'string' },
        'exit-when-unused': { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    exitWithUsageError(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const port = Number(values.port);
  const stepDelayMs = Number(values['step-delay-ms']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) exitWithUsageError(`--port must be an integer between 0 and 65535; got ${values.port}`);
  if (!Number.isInteger(stepDelayMs) || stepDelayMs < 0) exitWithUsageError(`--step-delay-ms must be a non-negative integer; got ${values['step-delay-ms']}`);
  const parentPid = values['parent-pid'] === undefined ? undefined : Number(values['parent-pid']);
  if (parentPid !== undefined && (!Number.isInteger(parentPid) || parentPid <= 0)) exitWithUsageError(`--parent-pid must be a positive integer; got ${values['parent-pid']}`);
  return {
    options: {
      host: values.host,
      port,
      dataDir: values['data-dir'] ?? path.join(os.homedir(), '.gemini-tuning', 'server'),
      apiKey: values['api-key'],
      vertexToken: values['vertex-token'],
      allowedOrigins: values['allowed-origin'],
      allowedHosts: values['allowed-host'],
      faultInjection: values['enable-fault-injection'],
      stepDelayMs,
    },
    parentPid,
    exitWhenUnused: values['exit-when-unused'],
    quiet: values.quiet,
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let stopping = false;

/** Stops the server and exits: 0 once it has stopped cleanly. */
function stopAndExit(server: LocalServer, reason: string, log: (line: string) => void): void {
  if (stopping) return;
  stopping = true;
  log(`[http] ${reason}: stopping`);
  server.close().then(
    () => process.exit(0),
    (e: unknown) => {
      log(`[http] error while stopping: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}

/** Stops the server cleanly on SIGTERM, SIGINT, or when the parent process is gone. */
function stopWhenAsked(server: LocalServer, parentPid: number | undefined, log: (line: string) => void): void {
  const stop = (reason: string): void => stopAndExit(server, reason, log);
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (parentPid !== undefined) {
    // A parent killed with SIGKILL cannot stop its children, so the server watches for it.
    const watchParent = setInterval(() => {
      if (!isAlive(parentPid)) {
        clearInterval(watchParent);
        stop(`parent process ${parentPid} is gone`);
      }
    }, PARENT_CHECK_INTERVAL_MS);
    watchParent.unref();
  }
}

async function main(): Promise<void> {
  const { options, parentPid, exitWhenUnused, quiet } = readCommandLine();
  // A server shared by editor windows outlives the one that started it, and with it the pipes it
  // printed to: its output then goes nowhere rather than stopping it.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const log = (line: string): void => {
    if (!quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  };
  // The last client may go before start-up has returned the server.
  const started: { server?: LocalServer; unused?: boolean } = {};
  const onUnused = exitWhenUnused
    ? (): void => {
        if (started.server) stopAndExit(started.server, 'no client holds the server any more', log);
        else started.unused = true;
      }
    : undefined;
  const server = await startLocalServer({ ...options, onUnused, log });
  started.server = server;
  process.stdout.write(`listening on ${server.url}\n`);
  if (started.unused) stopAndExit(server, 'no client holds the server any more', log);
  stopWhenAsked(server, parentPid, log);
}

main().catch((e: unknown) => {
  if (e instanceof DataDirInUseError) {
    process.stderr.write(`the local tuning server did not start: ${e.message}\n`);
    process.exit(DATA_DIR_IN_USE_EXIT_CODE);
  }
  process.stderr.write(`the local tuning server could not start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
