import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_STEP_DELAY_MS, startLocalServer } from './localServer';

const USAGE = `usage: node server.js [--host 127.0.0.1] [--port N] [--data-dir DIR] [--api-key KEY]
                      [--allowed-origin ORIGIN]... [--allowed-host NAME]...
                      [--enable-fault-injection] [--step-delay-ms N] [--parent-pid PID] [--quiet]`;
const PARENT_CHECK_INTERVAL_MS = 2000;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '0' },
        'data-dir': { type: 'string' },
        'api-key': { type: 'string' },
        'allowed-origin': { type: 'string', multiple: true, default: [] },
        'allowed-host': { type: 'string', multiple: true, default: [] },
        'enable-fault-injection': { type: 'boolean', default: false },
        'step-delay-ms': { type: 'string', default: String(DEFAULT_STEP_DELAY_MS) },
        'parent-pid': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  const stepDelayMs = Number(values['step-delay-ms']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be an integer between 0 and 65535; got ${values.port}\n`);
    process.exit(2);
  }
  if (!Number.isInteger(stepDelayMs) || stepDelayMs < 0) {
    process.stderr.write(`--step-delay-ms must be a non-negative integer; got ${values['step-delay-ms']}\n`);
    process.exit(2);
  }
  const parentPid = values['parent-pid'] === undefined ? undefined : Number(values['parent-pid']);
  if (parentPid !== undefined && (!Number.isInteger(parentPid) || parentPid <= 0)) {
    process.stderr.write(`--parent-pid must be a positive integer; got ${values['parent-pid']}\n`);
    process.exit(2);
  }
  const quiet = values.quiet;
  const log = (line: string): void => {
    if (!quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  };
  const server = await startLocalServer({
    host: values.host,
    port,
    dataDir: values['data-dir'] ?? path.join(os.homedir(), '.gemini-tuning', 'server'),
    apiKey: values['api-key'],
    allowedOrigins: values['allowed-origin'],
    allowedHosts: values['allowed-host'],
    faultInjection: values['enable-fault-injection'],
    stepDelayMs,
    log,
  });
  process.stdout.write(`listening on ${server.url}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`[http] ${signal}: stopping`);
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log(`[http] error while stopping: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`the local tuning server could not start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
