import * as vscode from 'vscode';
import { type BackendConnection } from '../backend/connection';
import { type Notifier, type Prompts } from '../ui/prompts';
import { type Settings } from '../backend/settings';
import { Emitter } from '../../core/util/event';
import { taggedLog } from '../../core/util/log';
import { registerTreeCommands } from './treeCommands';
import { MODEL_DETAILS_SCHEME, ModelDetailsProvider } from './details';
import { registerStateNotifications } from './notifications';
import { type TunedModelsNode, TunedModelsTreeProvider } from './provider';
import { type WindowFocus } from '../../core/tunedModels/poller';
import { TunedModelsStore } from '../tunedModelsStore';

export const TUNED_MODELS_VIEW = 'geminiTuning.tunedModels';

export interface TunedModelsTreeDeps {
  readonly connection: BackendConnection;
  readonly settings: Settings;
  readonly store: TunedModelsStore;
  readonly prompts: Prompts & Notifier;
  readonly logChannel: vscode.LogOutputChannel;
}

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

export function createTunedModelsStore(connection: BackendConnection, settings: Settings, logChannel: vscode.LogOutputChannel): TunedModelsStore {
  const store = new EditorTunedModelsStore(connection, settings, logChannel);
  void store.refresh();
  return store;
}

export interface TunedModelsTree extends vscode.Disposable {
  readonly provider: TunedModelsTreeProvider;
  readonly treeView: vscode.TreeView<TunedModelsNode>;
}

/** The "Tuned Models" view: tree, welcome states, item commands and job notifications. */
export function registerTunedModelsTree(deps: TunedModelsTreeDeps): TunedModelsTree {
  const { store, connection } = deps;
  const provider = new TunedModelsTreeProvider(store);
  const treeView = vscode.window.createTreeView<TunedModelsNode>(TUNED_MODELS_VIEW, {
    treeDataProvider: provider,
    canSelectMany: true,
    showCollapseAll: true,
  });
  const details = new ModelDetailsProvider(connection, store);

  const updateView = () => {
    const filter = store.filter;
    // The title names the filter. A message would also hide the welcome that says nothing matches.
    treeView.description = filter ? `Filter: ${filter}` : undefined;
    treeView.message = filter && store.models.length > 0 ? `Filter: ${filter}` : undefined;
    const creating = store.models.filter((m) => m.state === 'CREATING').length;
    treeView.badge = creating ? { value: creating, tooltip: `${creating} tuning job${creating === 1 ? '' : 's'} running` } : undefined;
    void vscode.commands.executeCommand('setContext', 'geminiTuning.modelsLoaded', store.loaded);
    void vscode.commands.executeCommand('setContext', 'geminiTuning.modelCount', store.models.length);
    void vscode.commands.executeCommand('setContext', 'geminiTuning.filterActive', Boolean(filter));
    void vscode.commands.executeCommand('setContext', 'geminiTuning.listError', store.status.kind === 'error' && store.models.length === 0);
  };
  updateView();

  /** Brings models into view, expanding their groups, and selects the first. */
  const revealModels = async (names: readonly string[]): Promise<void> => {
    const nodes = names.map((name) => provider.nodeFor(name)).filter((node) => node !== undefined);
    for (const node of nodes.slice(1).reverse()) await treeView.reveal(node, { select: false, focus: false, expand: true });
    if (nodes[0]) await treeView.reveal(nodes[0], { select: true, focus: true, expand: true });
  };

  // A view opened after a failed load tries again.
  const loadWhenVisible = () => {
    if (treeView.visible && !store.loaded && store.status.kind === 'error') void store.refresh();
  };

  const disposable = vscode.Disposable.from(
    provider,
    treeView,
    details,
    vscode.workspace.registerTextDocumentContentProvider(MODEL_DETAILS_SCHEME, details),
    store.onDidChange(updateView),
    treeView.onDidChangeVisibility(loadWhenVisible),
    registerStateNotifications(store, deps.prompts, revealModels),
    registerTreeCommands({
      connection,
      store,
      provider,
      treeView,
      prompts: deps.prompts,
      log: taggedLog(deps.logChannel, 'tree'),
      logChannel: deps.logChannel,
    }),
  );
  return { provider, treeView, dispose: () => disposable.dispose() };
}
