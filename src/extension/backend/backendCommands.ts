import * as vscode from 'vscode';
import { inertNotificationText } from '../../core/util/inertText';
import { type Log } from '../../core/util/log';
import { type BackendConnection } from './connection';
import { type BackendHealth } from '../../core/backend/health';
import { type Prompts } from '../ui/prompts';
import { API_KEY, type Secrets } from './secrets';
import { type BackendKind, type Settings } from './settings';
import { SHOW_BACKEND_MENU_COMMAND } from './statusBar';

export interface BackendCommandDeps {
  readonly connection: BackendConnection;
  readonly settings: Settings;
  readonly secrets: Secrets;
  readonly prompts: Prompts;
  readonly log: Log;
  readonly logChannel: vscode.LogOutputChannel;
  readonly serverLogChannel: vscode.LogOutputChannel;
}

export const BackendCommands = {
  setApiKey: 'geminiTuning.setApiKey',
  clearApiKey: 'geminiTuning.clearApiKey',
  switchBackend: 'geminiTuning.switchBackend',
  showBackendMenu: SHOW_BACKEND_MENU_COMMAND,
  showLog: 'geminiTuning.showLog',
  showServerLog: 'geminiTuning.showServerLog',
  retryConnection: 'geminiTuning.retryConnection',
  restartLocalServer: 'geminiTuning.restartLocalServer',
} as const;

/** Commands that manage the backend: choose it, set or clear the key, retry, show logs. */
export function registerBackendCommands(deps: BackendCommandDeps): vscode.Disposable {
  const { connection, settings, secrets, prompts, log } = deps;

  const switchBackend = async (target?: unknown): Promise<BackendKind | undefined> => {
    let kind: BackendKind | undefined = target === 'local' || target === 'gemini' ? target : undefined;
    if (!kind) {
      const picked = await prompts.pick(
        [
          { label: '$(server-process) Local tuning server', description: 'trains a small local model', backend: 'local' as const },
          { label: '$(cloud) Gemini API', description: 'needs an API key', backend: 'gemini' as const },
        ].map((item) => ({ ...item, picked: item.backend === connection.kind, detail: item.backend === connection.kind ? 'current' : undefined })),
        { title: 'Gemini Tuning: Backend', placeHolder: 'Where tuned models are created and listed' },
      );
      kind = picked?.backend;
    }
    if (!kind) return undefined;
    if (kind !== settings.backend) {
      await settings.setBackend(kind);
      log.info(`backend switched to ${kind}`);
    }
    return kind;
  };

  const setApiKey = async (): Promise<BackendHealth['kind'] | undefined> => {
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
        .then((choice) => (choice ? switchBackend('gemini') : undefined));
      return connection.health.kind;
    }
    const health = await connection.refreshCredentials();
    if (health.kind === 'badKey') {
      void vscode.window.showErrorMessage(inertNotificationText(`The Gemini API rejected this key. ${health.message}`), 'Set API Key').then((c) => {
        if (c) void vscode.commands.executeCommand(BackendCommands.setApiKey);
      });
    }
    return health.kind;
  };

  const clearApiKey = async (): Promise<BackendHealth['kind']> => {
    await secrets.delete(API_KEY);
    log.info('API key removed from SecretStorage');
    const health = await connection.refreshCredentials();
    if (connection.kind === 'gemini' && connection.apiKeySource.kind === 'environment') {
      void vscode.window.showInformationMessage(
        `The stored key is removed. The key from $${connection.apiKeySource.variable} is still used.`,
      );
    }
    return health.kind;
  };

  const showBackendMenu = async (): Promise<void> => {
    type Action = vscode.QuickPickItem & { run: () => unknown };
    const other: BackendKind = connection.kind === 'local' ? 'gemini' : 'local';
    const hasStoredKey = Boolean(await secrets.get(API_KEY));
    const items: Action[] = [
      {
        label: other === 'gemini' ? '$(cloud) Switch to the Gemini API' : '$(server-process) Switch to the local server',
        run: () => switchBackend(other),
      },
      { label: '$(key) Set API Key…', run: setApiKey },
      ...(hasStoredKey ? [{ label: '$(trash) Clear API Key', run: clearApiKey }] : []),
      { label: '$(refresh) Retry Connection', run: () => connection.retry() },
      ...(connection.runsLocalServer ? [{ label: '$(debug-restart) Restart Local Server', run: () => connection.restartLocalServer() }] : []),
      { label: '$(output) Show Log', run: () => deps.logChannel.show() },
      ...(connection.runsLocalServer ? [{ label: '$(output) Show Local Server Log', run: () => deps.serverLogChannel.show() }] : []),
    ];
    const picked = await prompts.pick(items, { title: `Gemini Tuning: ${connection.kind === 'local' ? 'local server' : 'Gemini API'}` });
    await picked?.run();
  };

  return vscode.Disposable.from(
    vscode.commands.registerCommand(BackendCommands.switchBackend, switchBackend),
    vscode.commands.registerCommand(BackendCommands.setApiKey, setApiKey),
    vscode.commands.registerCommand(BackendCommands.clearApiKey, clearApiKey),
    vscode.commands.registerCommand(BackendCommands.showBackendMenu, showBackendMenu),
    vscode.commands.registerCommand(BackendCommands.showLog, () => deps.logChannel.show()),
    vscode.commands.registerCommand(BackendCommands.showServerLog, () => deps.serverLogChannel.show()),
    vscode.commands.registerCommand(BackendCommands.retryConnection, async () => (await connection.retry()).kind),
    vscode.commands.registerCommand(BackendCommands.restartLocalServer, () => connection.restartLocalServer()),
  );
}

/** Mirrors the backend and its health into context keys for `when` clauses (welcome views, menus). */
export function registerBackendContextKeys(connection: BackendConnection): vscode.Disposable {
  const update = () => {
    void vscode.commands.executeCommand('setContext', 'geminiTuning.backend', connection.kind);
    void vscode.commands.executeCommand('setContext', 'geminiTuning.health', connection.health.kind);
  };
  update();
  return vscode.Disposable.from(connection.onDidChange(update), connection.onDidChangeHealth(update));
}
