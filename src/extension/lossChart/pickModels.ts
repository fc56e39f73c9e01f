import * as vscode from 'vscode';
import { summarizeModel } from '../../core/lossChart/modelHeader';
import type { ChartDataSource } from './dataSource';

/** Asks for tuned models, leaving out `exclude`; resolves with their names (none when cancelled). */
export type ModelPicker = (exclude: readonly string[], options?: { one?: boolean }) => Promise<string[]>;

export function modelPicker(source: Pick<ChartDataSource, 'listModels'>): ModelPicker {
  return async (exclude, { one = false } = {}) => {
    const items = (await source.listModels())
      .filter((m) => m.name !== undefined && !exclude.includes(m.name))
      .map((m) => {
        const header = summarizeModel(m);
        return { label: header.displayName, description: header.state, detail: header.name, name: header.name };
      });
    if (items.length === 0) {
      void vscode.window.showInformationMessage('There are no other tuned models to add.');
      return [];
    }
    if (one) {
      const picked = await vscode.window.showQuickPick(items, { title: 'Open Loss Chart', placeHolder: 'Choose a tuned model', matchOnDetail: true });
      return picked ? [picked.name] : [];
    }
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: 'Loss Chart: Choose Models',
      placeHolder: 'Choose the models to compare',
      matchOnDetail: true,
    });
    return (picked ?? []).map((p) => p.name);
  };
}
