import * as vscode from 'vscode';
import { type GroupId, groupModels, type ModelGroup } from '../../core/tunedModels/grouping';
import { modelContextValue, modelDescription, modelIcon, modelLabel, modelTooltipMarkdown } from '../../core/tunedModels/presentation';
import { type JobEstimate } from '../../core/tunedModels/eta';
import { type TunedModelInfo } from '../../core/tuning/model';
import { type TunedModelsStore } from '../tunedModelsStore';

export class GroupNode {
  readonly kind = 'group';
  constructor(
    readonly id: GroupId,
    readonly label: string,
    readonly count: number,
  ) {}
}

/** A tuned model in the tree. Commands receive it as their argument; `name` is the model's resource name. */
export class ModelNode {
  readonly kind = 'model';
  constructor(
    readonly name: string,
    private readonly store: TunedModelsStore,
  ) {}

  get model(): TunedModelInfo | undefined {
    return this.store.get(this.name);
  }
}

export type TunedModelsNode = GroupNode | ModelNode;

/**
 * Maps the store to tree items. It holds no data of its own beyond the grouping it derives,
 * recomputed once per store change, and does no I/O.
 */
export class TunedModelsTreeProvider implements vscode.TreeDataProvider<TunedModelsNode>, vscode.Disposable {
  private readonly _onDidChangeTreeData = new vscode.EventEmitter<TunedModelsNode | undefined>();
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  private groups: ModelGroup[] = [];
  private groupsVersion = -1;
  private readonly groupNodes = new Map<GroupId, GroupNode>();
  private readonly modelNodes = new Map<string, ModelNode>();
  private readonly parents = new Map<string, GroupId>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly store: TunedModelsStore,
    private readonly now: () => number = Date.now,
    private readonly estimate: (name: string) => JobEstimate | undefined = () => undefined,
  ) {
    this.subscription = store.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this._onDidChangeTreeData.fire(undefined);
  }

  getChildren(element?: TunedModelsNode): TunedModelsNode[] {
    this.ensureGroups();
    if (!element) {
      return this.groups.map((g) => this.groupNodes.get(g.id)!);
    }
    if (element.kind === 'group') {
      const group = this.groups.find((g) => g.id === element.id);
      return group ? group.models.map((m) => this.modelNode(m.name!)) : [];
    }
    return [];
  }

  getParent(element: TunedModelsNode): TunedModelsNode | undefined {
    if (element.kind === 'group') return undefined;
    this.ensureGroups();
    const groupId = this.parents.get(element.name);
    return groupId ? this.groupNodes.get(groupId) : undefined;
  }

  getTreeItem(element: TunedModelsNode): vscode.TreeItem {
    if (element.kind === 'group') {
      const item = new vscode.TreeItem(element.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${element.id}`;
      item.description = String(element.count);
      item.contextValue = `tunedModelGroup.${element.id}`;
      item.accessibilityInformation = { label: `${element.label}, ${element.count} ${element.count === 1 ? 'model' : 'models'}` };
      return item;
    }
    const model = element.model;
    if (!model) return new vscode.TreeItem(element.name);
    const item = new vscode.TreeItem(modelLabel(model), vscode.TreeItemCollapsibleState.None);
    item.id = `model:${element.name}`;
    item.description = modelDescription(model, this.now());
    const icon = modelIcon(model);
    item.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    item.contextValue = modelContextValue(model);
    return item;
  }

  /** The tooltip is built only when a person hovers, so that long lists stay cheap. */
  resolveTreeItem(item: vscode.TreeItem, element: TunedModelsNode): vscode.TreeItem {
    if (element.kind === 'model') {
      const model = element.model;
      if (model) {
        const tooltip = new vscode.MarkdownString(modelTooltipMarkdown(model, this.now(), this.estimate(model.name)));
        tooltip.isTrusted = false;
        tooltip.supportHtml = false;
        item.tooltip = tooltip;
      }
    }
    return item;
  }

  /** The node of a model, for `TreeView.reveal`. */
  nodeFor(name: string): ModelNode | undefined {
    this.ensureGroups();
    return this.parents.has(name) ? this.modelNode(name) : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this._onDidChangeTreeData.dispose();
  }

  private ensureGroups(): void {
    if (this.groupsVersion === this.store.version) return;
    this.groupsVersion = this.store.version;
    this.groups = groupModels(this.store.models.filter((m) => m.name));
    this.parents.clear();
    const live = new Set<string>();
    for (const group of this.groups) {
      this.groupNodes.set(group.id, new GroupNode(group.id, group.label, group.models.length));
      for (const model of group.models) {
        this.parents.set(model.name!, group.id);
        live.add(model.name!);
      }
    }
    for (const name of this.modelNodes.keys()) if (!live.has(name)) this.modelNodes.delete(name);
  }

  private modelNode(name: string): ModelNode {
    let node = this.modelNodes.get(name);
    if (!node) {
      node = new ModelNode(name, this.store);
      this.modelNodes.set(name, node);
    }
    return node;
  }
}
