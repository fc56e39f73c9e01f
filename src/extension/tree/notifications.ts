import * as vscode from 'vscode';
import { type Notifier } from '../ui/prompts';
import { inertNotificationText } from '../../core/util/inertText';
import { type JobNotice, planJobNotices } from '../../core/tunedModels/jobNotices';
import { type TunedModelsStore } from '../tunedModelsStore';
import { TreeCommands } from './commands/treeCommandIds';

/** Commands offered from the notification; the chart and notebook features register them. */
export const OPEN_LOSS_CHART_COMMAND = 'geminiTuning.openLossChart';
export const OPEN_IN_NOTEBOOK_COMMAND = 'geminiTuning.openInNotebook';

/** Shows the models a summary stands for in the Tuned Models view. */
export type RevealModels = (names: readonly string[]) => Promise<void>;

/**
 * Tells people when tuning jobs end, with the next step one click away. Many jobs ending in the
 * same reload get a few notifications and one summary, not one each.
 */
export function registerStateNotifications(store: TunedModelsStore, notifier: Notifier, reveal: RevealModels): vscode.Disposable {
  return store.onDidChangeStates((changes) => {
    const notices = planJobNotices(changes, (name) => store.get(name)?.stateDetail);
    for (const notice of notices) void show(notice, notifier, reveal);
  });
}

async function show(notice: JobNotice, notifier: Notifier, reveal: RevealModels): Promise<void> {
  switch (notice.kind) {
    case 'ready': {
      // A display name such as `[Open](command:…)` would otherwise become a link in the message.
      const choice = await notifier.notify(`Tuned model "${inertNotificationText(notice.label)}" is ready.`, {
        severity: 'info',
        actions: ['Open Loss Chart', 'Try in Notebook'],
      });
      if (choice === 'Open Loss Chart') await vscode.commands.executeCommand(OPEN_LOSS_CHART_COMMAND, notice.name);
      if (choice === 'Try in Notebook') await vscode.commands.executeCommand(OPEN_IN_NOTEBOOK_COMMAND, notice.name);
      return;
    }
    case 'failed': {
      const label = inertNotificationText(notice.label);
      const message = `Tuning "${label}" failed${notice.reason ? `: ${inertNotificationText(notice.reason)}` : '.'}`;
      const choice = await notifier.notify(message, { severity: 'warning', actions: ['Open Loss Chart', 'Show Details'] });
      if (choice === 'Open Loss Chart') await vscode.commands.executeCommand(OPEN_LOSS_CHART_COMMAND, notice.name);
      if (choice === 'Show Details') await vscode.commands.executeCommand(TreeCommands.details, notice.name);
      return;
    }
    case 'summary': {
      const choice = await notifier.notify(notice.message, { severity: notice.failed ? 'warning' : 'info', actions: ['Show in Tree'] });
      if (choice === 'Show in Tree') await reveal(notice.names);
      return;
    }
  }
}
