import * as vscode from 'vscode';
import { type TunedModelsStore } from '../tunedModelsStore';

/**
 * What the view shows around the tree: the filter in its title, the badge of running jobs, and
 * the context keys its welcome states and menus use. A view opened after a failed load tries again.
 */
export class TunedModelsViewState implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly store: TunedModelsStore,
    private readonly treeView: vscode.TreeView<unknown>,
  ) {
    this.subscriptions = [store.onDidChange(() => this.update()), treeView.onDidChangeVisibility(() => this.loadWhenVisible())];
    this.update();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private update(): void {
    const { store, treeView } = this;
    const filter = store.filter;
    // The title names the filter. A message would also hide the welcome that says nothing matches.
    treeView.description = filter ? `Filter: ${filter}` : undefined;
    treeView.message = filter && store.models.length > 0 ? `Filter: ${filter}` : undefined;
    const creating = store.models.filter((m) => m.state === 'creating').length;
    treeView.badge = creating ? { value: creating, tooltip: `${creating} tuning job${creating === 1 ? '' : 's'} running` } : undefined;
    void vscode.commands.executeCommand('setContext', 'geminiTuning.modelsLoaded', store.loaded);
    void vscode.commands.executeCommand('setContext', 'geminiTuning.modelCount', store.models.length);
    void vscode.commands.executeCommand('setContext', 'geminiTuning.filterActive', Boolean(filter));
    void vscode.commands.executeCommand('setContext', 'geminiTuning.listError', store.status.kind === 'error' && store.models.length === 0);
  }

  private loadWhenVisible(): void {
    if (this.treeView.visible && !this.store.loaded && this.store.status.kind === 'error') void this.store.refresh();
  }
}
