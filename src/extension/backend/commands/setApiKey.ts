import * as vscode from 'vscode';
import { type BackendHealth } from '../../../core/backend/health';
import { inertNotificationText } from '../../../core/util/inertText';
import { type Log } from '../../../core/util/log';
import { type Prompts } from '../../ui/prompts';
import { BackendCommands } from '../commandIds';
import { type BackendConnection } from '../connection';
import { API_KEY, type Secrets } from '../secrets';

export interface SetApiKeyDeps {
  readonly connection: Pick<BackendConnection, 'kind' | 'health' | 'refreshCredentials'>;
  readonly secrets: Pick<Secrets, 'store'>;
  readonly prompts: Prompts;
  readonly log: Log;
}

/** "Set API Key": asks for the key, keeps it in SecretStorage and, on the Gemini API, checks it at once. */
export function setApiKey(deps: SetApiKeyDeps): () => Promise<BackendHealth['kind'] | undefined> {
  const { connection, secrets, prompts, log } = deps;
  return async () => {
    const key = await prompts.input({
      title: 'Gemini Tuning: Set API Key',
      prompt: 'Your Gemini API key. It is kept in VS Code SecretStorage and sent only in the x-goog-api-key header.',
      placeHolder: 'AIza…',
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() ? undefined : 'Enter a key, or press Escape to cancel.'),
    });
    const trimmed = key?.trim();
    if (!trimmed) return undefined;
    await secrets.store(API_KEY, trimmed);
    log.info('API key stored in SecretStorage');
    if (connection.kind !== 'gemini') {
      void vscode.window
        .showInformationMessage('The API key is stored. It is used with the Gemini API backend.', 'Switch to Gemini API')
        .then((choice) => (choice ? vscode.commands.executeCommand(BackendCommands.switchBackend, 'gemini') : undefined));
      return connection.health.kind;
    }
    const health = await connection.refreshCredentials();
    if (health.kind === 'badKey') {
      // Not an error with details in the log: the way out is another key, so that is the button.
      void vscode.window.showErrorMessage(inertNotificationText(`The Gemini API rejected this key. ${health.message}`), 'Set API Key').then((choice) => {
        if (choice) void vscode.commands.executeCommand(BackendCommands.setApiKey);
      });
    }
    return health.kind;
  };
}
