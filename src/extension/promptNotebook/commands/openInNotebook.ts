import type * as vscode from 'vscode';
import { modelNameOf } from '../../../core/promptNotebook/modelChoice';
import { promptBookFor } from '../../../core/promptNotebook/promptBook';
import { type ModelPickerDeps, pickModel } from '../modelPicker';
import { openTunebook, type OpenTunebookDeps } from '../openTunebook';

export type OpenInNotebookDeps = ModelPickerDeps & OpenTunebookDeps;

/** Opens a new prompt notebook bound to the model it was invoked on, or to one the user picks. */
export async function openInNotebook(deps: OpenInNotebookDeps, arg?: unknown): Promise<vscode.Uri | undefined> {
  const model = modelNameOf(arg) ?? (await pickModel(deps, 'Model to send the prompts to', false));
  if (!model) return undefined;
  if (!deps.store.get(model) && model.startsWith('tunedModels/')) await deps.store.refresh?.();
  const title = deps.store.get(model)?.displayName || model;
  const { notebook } = await openTunebook(deps, promptBookFor(model, title));
  return notebook.uri;
}
