import * as vscode from 'vscode';
import { type WindowFocus } from '../core/tunedModels/poller';
import { Emitter } from '../core/util/event';
import { taggedLog } from '../core/util/log';
import { type BackendConnection } from './backend/connection';
import { type Settings } from './backend/settings';
import { TunedModelsStore } from './tunedModelsStore';

/** The window's focus, as the store's poller needs it. */
class WindowFocusTracker implements WindowFocus, vscode.Disposable {
  private readonly emitter = new Emitter<boolean>();
  readonly onDidChangeFocus = this.emitter.event;
  private readonly subscription = vscode.window.onDidChangeWindowState((state) => this.emitter.fire(state.focused));

  get focused(): boolean {
    return vscode.window.state.focused;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

/** The store of tuned models of the current backend, polling per the `geminiTuning.polling` settings. */
class EditorTunedModelsStore extends TunedModelsStore {
  constructor(connection: BackendConnection, settings: Settings, logChannel: vscode.LogOutputChannel, focus = new WindowFocusTracker()) {
    super(connection, { focus, polling: () => settings.polling, log: taggedLog(logChannel, 'tree') });
    this._register(focus);
    this._register(settings.onDidChangePollingSettings(() => void this.refresh()));
  }
}

/** The app-wide store of tuned models, loading from the start. */
export function createTunedModelsStore(connection: BackendConnection, settings: Settings, logChannel: vscode.LogOutputChannel): TunedModelsStore {
  const store = new EditorTunedModelsStore(connection, settings, logChannel);
  void store.refresh();
  return store;
}
