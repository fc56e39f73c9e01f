import * as vscode from 'vscode';
import { type Notifier } from '../backend/prompts';
import { inertNotificationText } from '../common/inertText';
import { modelLabel } from './presentation';
import { type StateChange, type TunedModelsStore } from './store';

/** Commands offered from the notification; the chart and notebook features register them. */
export const OPEN_LOSS_CHART_COMMAND = 'geminiTuning.openLossChart';
export const OPEN_IN_NOTEBOOK_COMMAND = 'geminiTuning.openInNotebook';

/** Tells people when a tuning job ends, with the next step one click away. */
export function registerStateNotifications(store: TunedModelsStore, notifier: Notifier): vscode.Disposable {
  return store.onDidChangeState((change) => void notify(change, store, notifier));
}

async function notify({ model, previous }: StateChange, store: TunedModelsStore, notifier: Notifier): Promise<void> {
  if (previous !== 'CREATING' || !model.name) return;
  // A display name such as `[Open](command:…)` would otherwise become a link in the message.
  const label = inertNotificationText(modelLabel(model));
  if (model.state === 'ACTIVE') {
    const choice = await notifier.notify(`Tuned model "${label}" is ready.`, { severity: 'info', actions: ['Open Loss Chart', 'Try in Notebook'] });
    if (choice === 'Open Loss Chart') await vscode.commands.executeCommand(OPEN_LOSS_CHART_COMMAND, model.name);
    if (choice === 'Try in Notebook') await vscode.commands.executeCommand(OPEN_IN_NOTEBOOK_COMMAND, model.name);
  } else if (model.state === 'FAILED') {
    const reason = store.operation(model.name)?.error?.message;
    const message = `Tuning "${label}" failed${reason ? `: ${inertNotificationText(reason)}` : '.'}`;
    const choice = await notifier.notify(message, { severity: 'warning', actions: ['Open Loss Chart', 'Show Details'] });
    if (choice === 'Open Loss Chart') await vscode.commands.executeCommand(OPEN_LOSS_CHART_COMMAND, model.name);
    if (choice === 'Show Details') await vscode.commands.executeCommand('geminiTuning.showModelDetails', model.name);
  }
}
