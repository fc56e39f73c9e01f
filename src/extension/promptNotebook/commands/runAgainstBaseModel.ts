import * as vscode from 'vscode';
import { baseModelOf, noBaseModelMessage, owningModelName } from '../../../core/promptNotebook/modelChoice';
import { type NotebookModelSource, type PromptControllers } from '../controllers';
import { type CellRunResult, notebookSettings, type PromptRunner } from '../execution';
import { promptCellFromArgument } from '../commandArguments';

/** VS Code asks for trust before it runs a notebook cell; a command that sends a prompt itself asks the same. */
export const RESTRICTED_MODE_NO_RUN =
  'Restricted Mode: prompts are not sent from an untrusted workspace. Trust the workspace to run prompt cells.';

export interface RunAgainstBaseModelDeps {
  readonly controllers: PromptControllers;
  readonly store: NotebookModelSource;
  readonly runner: PromptRunner;
}

/** Runs a prompt cell on the notebook's tuned model and on its base model, side by side. */
export async function runAgainstBaseModel(deps: RunAgainstBaseModelDeps, arg?: unknown): Promise<CellRunResult | undefined> {
  const cell = promptCellFromArgument(arg);
  if (!cell) {
    void vscode.window.showInformationMessage('Select a prompt cell of a prompt notebook first.');
    return undefined;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage(RESTRICTED_MODE_NO_RUN);
    return undefined;
  }
  const model = notebookSettings(cell.notebook).model;
  if (!model) {
    void vscode.window.showInformationMessage("Choose the notebook's model first (the kernel picker at the top right).");
    return undefined;
  }
  const base = baseModelOf(deps.store.get(owningModelName(model)));
  if (!base) {
    void vscode.window.showInformationMessage(noBaseModelMessage(model));
    return undefined;
  }
  return deps.runner.compareCell(deps.controllers.ensure(model), cell, model, base);
}
