import * as vscode from 'vscode';
import { modelChoices, noModelsMessage } from '../../core/promptNotebook/modelChoice';
import { type NotebookModelSource, type PromptControllers } from './controllers';

export interface ModelPickerDeps {
  readonly controllers: PromptControllers;
  readonly store: NotebookModelSource;
}

/** Asks for a model: the ACTIVE tuned models and, unless `onlyTuned`, the backend's base models. */
export async function pickModel(deps: ModelPickerDeps, placeHolder: string, onlyTuned: boolean): Promise<string | undefined> {
  await deps.controllers.loadBaseModels();
  const baseModels = deps.controllers.modelNames.filter((name) => deps.controllers.kindOf(name) === 'base');
  const choices = modelChoices(deps.store.models, baseModels, onlyTuned);
  if (choices.length === 0) {
    void vscode.window.showInformationMessage(noModelsMessage(onlyTuned));
    return undefined;
  }
  return (await vscode.window.showQuickPick(choices, { placeHolder, matchOnDescription: true }))?.model;
}
