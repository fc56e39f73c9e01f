import type * as vscode from 'vscode';
import { type TunedModelsStore } from '../../tunedModelsStore';
import { type TunedModelsNode, type TunedModelsTreeProvider } from '../provider';

export interface RevealDeps {
  readonly store: TunedModelsStore;
  readonly provider: TunedModelsTreeProvider;
  readonly treeView: vscode.TreeView<TunedModelsNode>;
}

/** Selects a model in the view, loading the list first when the model is new to it. */
export async function revealModel(deps: RevealDeps, name: unknown): Promise<boolean> {
  if (typeof name !== 'string') return false;
  if (!deps.store.get(name)) await deps.store.refresh();
  const node = deps.provider.nodeFor(name);
  if (!node) return false;
  await deps.treeView.reveal(node, { select: true, focus: false, expand: true });
  return true;
}

/** Brings models into view, expanding their groups, and selects the first. */
export async function revealModels(deps: Pick<RevealDeps, 'provider' | 'treeView'>, names: readonly string[]): Promise<void> {
  const nodes = names.map((name) => deps.provider.nodeFor(name)).filter((node) => node !== undefined);
  for (const node of nodes.slice(1).reverse()) await deps.treeView.reveal(node, { select: false, focus: false, expand: true });
  if (nodes[0]) await deps.treeView.reveal(nodes[0], { select: true, focus: true, expand: true });
}
