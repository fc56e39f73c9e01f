import * as vscode from 'vscode';

/**
 * What the integration tests read and drive inside the extension host, in one place. It exists
 * only when the extension runs its tests (`ExtensionMode.Test`), and is reachable only through the
 * API that `activate` returns then. Features fill their own section when they are given hooks;
 * production code never reads them.
 */
export class TestHooks {
  promptNotebook: PromptNotebookTestHooks | undefined;

  lossChart: LossChartTestHooks | undefined;

  tunedModelsTree: TunedModelsTreeTestHooks | undefined;

  tuningSpecEditor: TuningSpecEditorTestHooks | undefined;

  backend: BackendTestHooks | undefined;
}

/** Hooks exist only in test mode. */
export function createTestHooks(context: Pick<vscode.ExtensionContext, 'extensionMode'>): TestHooks | undefined {
  return context.extensionMode === vscode.ExtensionMode.Test ? new TestHooks() : undefined;
}

// Each feature declares what it exposes below, in its own block.

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PromptNotebookTestHooks {}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LossChartTestHooks {}

import { type TunedModelsNode, type TunedModelsTreeProvider } from './tree/provider';

/** The view as the tests read it: the provider's items and the tree view's selection, title and message. */
export interface TunedModelsTreeTestHooks {
  readonly provider: TunedModelsTreeProvider;
  readonly treeView: vscode.TreeView<TunedModelsNode>;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TuningSpecEditorTestHooks {}

export interface BackendTestHooks {
  /** The backend status bar item as shown: text, tooltip, background colour, command. */
  readonly statusBar: Readonly<Pick<vscode.StatusBarItem, 'text' | 'tooltip' | 'backgroundColor' | 'command' | 'accessibilityInformation'>>;
}
