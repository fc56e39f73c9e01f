import * as vscode from 'vscode';
import { DisposableStore } from '../../core/util/lifecycle';
import { taggedLog } from '../../core/util/log';
import { registerGuarded } from '../ui/commands';
import { type ErrorLog } from '../ui/notify';
import { type Prompts } from '../ui/prompts';
import { type TestHooks } from '../testHooks';
import { BackendCommands } from './commandIds';
import { clearApiKey } from './commands/clearApiKey';
import { restartLocalServer } from './commands/restartLocalServer';
import { retryConnection } from './commands/retryConnection';
import { setApiKey } from './commands/setApiKey';
import { setVertexProject } from './commands/setVertexProject';
import { showBackendMenu } from './commands/showBackendMenu';
import { showLog } from './commands/showLog';
import { switchBackend } from './commands/switchBackend';
import { BackendConnection } from './connection';
import { registerBackendContextKeys } from './contextKeys';
import { Secrets } from './secrets';
import { Settings } from './settings';
import { registerBackendStatusBar } from './statusBar';

export interface Backend {
  readonly connection: BackendConnection;
  readonly settings: Settings;
  readonly disposable: vscode.Disposable;
}

/** Creates the backend connection with its status bar item, context keys and commands. */
export function createBackend(context: vscode.ExtensionContext, logChannel: vscode.LogOutputChannel, prompts: Prompts, testHooks?: TestHooks): Backend {
  const store = new DisposableStore();
  const serverLogChannel = store.add(vscode.window.createOutputChannel('Gemini Tuning: Local Server', { log: true }));
  const settings = new Settings();
  const secrets = new Secrets(context.secrets);
  const log: ErrorLog = { ...taggedLog(logChannel, 'backend'), show: (preserveFocus) => logChannel.show(preserveFocus) };
  const connection = store.add(
    new BackendConnection({
      globalStoragePath: context.globalStorageUri.fsPath,
      extensionPath: context.extensionPath,
      settings,
      secrets,
      log,
      serverOutput: (line) => serverLogChannel.info(line),
    }),
  );
  const statusBar = store.add(registerBackendStatusBar(connection));
  if (testHooks) testHooks.backend = { statusBar: statusBar.view };
  store.add(registerBackendContextKeys(connection, settings));

  store.add(
    vscode.Disposable.from(
      registerGuarded(BackendCommands.switchBackend, 'Could not switch the backend', switchBackend({ connection, settings, prompts, log }), log),
      registerGuarded(BackendCommands.setVertexProject, 'Could not set the Vertex AI project', setVertexProject({ settings, prompts, log }), log),
      registerGuarded(BackendCommands.setApiKey, 'Could not set the API key', setApiKey({ connection, secrets, prompts, log }), log),
      registerGuarded(BackendCommands.clearApiKey, 'Could not clear the API key', clearApiKey({ connection, secrets, log }), log),
      registerGuarded(BackendCommands.showBackendMenu, 'Could not run the backend action', showBackendMenu({ connection, secrets, prompts }), log),
      registerGuarded(BackendCommands.showLog, 'Could not show the log', showLog({ channel: logChannel }), log),
      registerGuarded(BackendCommands.showServerLog, 'Could not show the local server log', showLog({ channel: serverLogChannel }), log),
      registerGuarded(BackendCommands.retryConnection, 'Could not reconnect to the backend', retryConnection({ connection }), log),
      registerGuarded(BackendCommands.restartLocalServer, 'Could not restart the local server', restartLocalServer({ connection }), log),
    ),
  );
  return { connection, settings, disposable: store };
}
