import * as vscode from 'vscode';
import { ApiError, GeminiClientError } from '../../core/api/errors';
import { inertNotificationText } from '../../core/util/inertText';
import { describeError, type Log } from '../../core/util/log';

/** Where an error's details go: the extension's log channel, which can also be shown. */
export type ErrorLog = Log & { show?(preserveFocus?: boolean): void };

/**
 * The one way the extension shows an error: a short message with a "Show Log" action, and the
 * full details in the log. `what` says what failed, e.g. `Could not delete "my model"`.
 */
export function showError(log: ErrorLog, what: string, error: unknown): void {
  log.error(`${what}: ${describeError(error)}`);
  // Both parts may carry text from the network (a model name, a server message) that must not become a link.
  void vscode.window.showErrorMessage(inertNotificationText(`${what}: ${shortMessage(error)}`), 'Show Log').then((choice) => {
    if (choice === 'Show Log') log.show?.(true);
  });
}

/** One sentence about an error, for a notification. */
export function shortMessage(error: unknown): string {
  if (error instanceof ApiError) return error.status ? `${error.message} (${error.status})` : error.message;
  if (error instanceof GeminiClientError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
