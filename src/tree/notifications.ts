import * as vscode from 'vscode';
import { modelLabel } from './presentation';
import { type StateChange, type TunedModelsStore } from './store';

/** Commands offered from the notification; the chart and notebook features register them. */
export const OPEN_LOSS_CHART_COMMAND = 'geminiTuning.openLossChart';
export const OPEN_IN_NOTEBOOK_COMMAND = 'geminiTuning.openInNotebook';

/** Tells people when a tuning job ends, with the next step one click away. */
export function registerStateNotifications(store: TunedModelsStore): vscode.Disposable {
  return store.onDidChangeState((change) => void notify(change));
}

async function notify({ model, previous }: StateChange): Promise<void> {
  if (previous !== 'CREATING' || !model.name) return;
  const label = modelLabel(model);
  if (model.state === 'ACTIVE') {
    const choice = await vscode.window.showInformationMessage(`Tuned model "${label}" is ready.`, 'Open Loss Chart', 'Try in Notebook');
    if (choice === 'Open Loss Chart') await vscode.commands.executeCommand(OPEN_LOSS_CHART_COMMAND, model.name);
    if (choice === 'Try in Notebook') await vscode.commands.executeCommand(OPEN_IN_NOTEBOOK_COMMAND, model.name);
  } else if (model.state === 'FAILED') {
    const choice = await vscode.window.showWarningMessage(`Tuning "${label}" failed.`, 'Open Loss Chart', 'Show Details');
    if (choice === 'Open Loss Chart') await vscode.commands.executeCommand(OPEN_LOSS_CHART_COMMAND, model.name);
    if (choice === 'Show Details') await vscode.commands.executeCommand('geminiTuning.showModelDetails', model.name);
  }
}
