/**
 * The logging surface the extension writes to. `vscode.LogOutputChannel` satisfies it, and so does
 * a plain console adapter, so code that logs stays usable outside the editor.
 */
export interface Log {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(error: string | Error, ...args: unknown[]): void;
}

/** Prefixes every line with `[component]` so one channel can carry every part of the extension. */
export function taggedLog(log: Log, component: string): Log {
  const tag = `[${component}]`;
  return {
    trace: (message, ...args) => log.trace(`${tag} ${message}`, ...args),
    debug: (message, ...args) => log.debug(`${tag} ${message}`, ...args),
    info: (message, ...args) => log.info(`${tag} ${message}`, ...args),
    warn: (message, ...args) => log.warn(`${tag} ${message}`, ...args),
    error: (error, ...args) =>
      typeof error === 'string' ? log.error(`${tag} ${error}`, ...args) : log.error(`${tag} ${describeError(error)}`, ...args),
  };
}

/** The message and, when there is one, the stack: what a log needs to diagnose a failure. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.stack && error.stack.includes(error.message) ? error.stack : `${error.name}: ${error.message}\n${error.stack ?? ''}`.trim();
  }
  return String(error);
}

export const silentLog: Log = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
