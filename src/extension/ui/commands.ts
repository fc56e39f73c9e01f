import * as vscode from 'vscode';
import { type ErrorLog, showError } from './notify';

/**
 * Registers a command whose failures reach the user one way: a short message with "Show Log",
 * and the details in the log. `what` names what failed ("Could not delete the model"), from the
 * command's arguments when it needs them. The command resolves `undefined` after a failure.
 */
export function registerGuarded<A extends unknown[], R>(
  id: string,
  what: string | ((...args: A) => string),
  body: (...args: A) => R | Promise<R>,
  log: ErrorLog,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, guarded(what, body, log));
}

/** The same guard for a handler that is not a command of its own (a button, a quick pick action). */
export function guarded<A extends unknown[], R>(
  what: string | ((...args: A) => string),
  body: (...args: A) => R | Promise<R>,
  log: ErrorLog,
): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await body(...args);
    } catch (error) {
      showError(log, typeof what === 'string' ? what : what(...args), error);
      return undefined;
    }
  };
}
