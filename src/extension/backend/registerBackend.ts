import * as vscode from 'vscode';
import { DisposableStore } from '../../core/util/lifecycle';
import { taggedLog } from '../../core/util/log';
import { registerBackendCommands, registerBackendContextKeys } from './backendCommands';
import { BackendConnection } from './connection';
import { type Prompts } from '../ui/prompts';
import { Secrets } from './secrets';
import { Settings } from './settings';
import { type BackendStatusBarView, registerBackendStatusBar } from './statusBar';

export interface Backend {
  readonly connection: BackendConnection;
  readonly settings: Settings;
  /** The status bar item, read only. */
  readonly statusBar: BackendStatusBarView;
  readonly disposable: vscode.Disposable;
}

/** Creates the backend connection with its status bar item, context keys and commands. */
export function createBackend(context: vscode.ExtensionContext, logChannel: vscode.LogOutputChannel, prompts: Prompts): Backend {
  const store = new DisposableStore();
  const serverLogChannel = store.add(vscode.window.createOutputChannel('Gemini Tuning: Local Server', { log: true }));
  const settings = new Settings();
  const secrets = new Secrets(context.secrets);
  const log = taggedLog(logChannel, 'backend');
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
  store.add(registerBackendContextKeys(connection));
  store.add(registerBackendCommands({ connection, settings, secrets, prompts, log, logChannel, serverLogChannel }));
  return { connection, settings, statusBar: statusBar.view, disposable: store };
}
