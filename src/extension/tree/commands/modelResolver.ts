import type * as vscode from 'vscode';
import { modelLabel } from '../../../core/tunedModels/presentation';
import { type TunedModelInfo } from '../../../core/tuning/model';
import { type Log } from '../../../core/util/log';
import { type TuningBackendSource } from '../../backend/tuningBackend';
import { type BackendConnection } from '../../backend/connection';
import { type TunedModelsStore } from '../../tunedModelsStore';
import { type ErrorLog, showError } from '../../ui/notify';
import { type Prompts } from '../../ui/prompts';
import { type ModelNode } from '../provider';

/** What tree commands accept: a tree node, a model, a model's resource name, or nothing (the selection). */
export type ModelArgument = ModelNode | Pick<TunedModelInfo, 'name'> | string | undefined;

export type NamedModel = TunedModelInfo;

export interface ResolveOptions {
  /** The models offered when one has to be picked; all of them by default. */
  readonly offer?: (model: TunedModelInfo) => boolean;
  /** Why there is nothing to pick when `offer` accepts no model; said instead of an empty list. */
  readonly noneOffered?: string;
}

/** Finds the model a command acts on; asks for one when called from the palette with nothing selected. */
export type ResolveModel = (arg: ModelArgument, title: string, options?: ResolveOptions) => Promise<NamedModel | undefined>;

/** What most commands on one model need: the model, the backend, the store to update, questions and a log. */
export interface ModelCommandDeps {
  readonly resolveModel: ResolveModel;
  readonly connection: BackendConnection;
  readonly backend: TuningBackendSource;
  readonly store: TunedModelsStore;
  readonly prompts: Prompts;
  readonly log: Log;
}

export interface ModelResolverDeps {
  readonly backend: TuningBackendSource;
  readonly store: TunedModelsStore;
  readonly treeView: Pick<vscode.TreeView<unknown>, 'selection'>;
  readonly prompts: Prompts;
  readonly errorLog: ErrorLog;
}

export function createModelResolver(deps: ModelResolverDeps): ResolveModel {
  const { store, prompts } = deps;
  return async (arg, title, options = {}) => {
    let name = nameOf(arg);
    if (!name) {
      const selected = deps.treeView.selection[0] as ModelNode | undefined;
      // A selected model the command does not apply to is passed over for the list of those it does.
      const known = (n: ModelNode) => store.get(n.name);
      const applies = (n: ModelNode) => !options.offer || (known(n) !== undefined && options.offer(known(n)!));
      if (selected && (selected as { kind?: string }).kind === 'model' && applies(selected)) name = selected.name;
    }
    if (!name) {
      if (!store.loaded) await store.refresh();
      const offered = store.models.filter((m) => Boolean(m.name) && (options.offer?.(m) ?? true));
      if (offered.length === 0 && options.noneOffered) throw new Error(options.noneOffered);
      const picked = await prompts.pick(
        offered.map((m) => ({ label: modelLabel(m), description: m.name, name: m.name })),
        { title, placeHolder: 'Choose a tuned model', matchOnDescription: true },
      );
      name = picked?.name;
    }
    if (!name) return undefined;
    const known = store.get(name);
    if (known) return known;
    try {
      return await (await deps.backend()).getModel(name);
    } catch (error) {
      showError(deps.errorLog, `Could not find ${name}`, error);
      return undefined;
    }
  };
}

/**
 * The models a context-menu command acts on when several items are selected: VS Code passes the
 * clicked item and the whole selection. One model, or a click outside the selection, is not several.
 */
export function selectedModels(arg: ModelArgument, selection: unknown): string[] {
  if (!Array.isArray(selection) || selection.length < 2) return [];
  const names = selection.filter((n): n is ModelNode => typeof n === 'object' && n !== null && (n as { kind?: unknown }).kind === 'model').map((n) => n.name);
  const clicked = nameOf(arg);
  return clicked && names.includes(clicked) ? names : [];
}

function nameOf(arg: ModelArgument): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'name' in arg && typeof arg.name === 'string') return arg.name;
  return undefined;
}
