import * as vscode from 'vscode';
import type { GenerateContentRequest } from '../core/api/types';

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

export interface PromptNotebookTestHooks {
  /** The request a prompt cell sent on its last run. */
  lastRequest(cell: vscode.NotebookCell): GenerateContentRequest | undefined;
  /** How many runs of a prompt cell have finished: outputs written, execution ended. */
  finishedRuns(cell: vscode.NotebookCell): number;
  /** Resolves with the count once the cell has finished at least `count` runs; rejects after `timeoutMs` (60 s). */
  waitForRuns(cell: vscode.NotebookCell, count: number, timeoutMs?: number): Promise<number>;
  /** The controllers offered now, one per model. */
  controllers(): { model: string; kind: 'tuned' | 'base' | 'unlisted'; id: string; label: string }[];
  /** The model whose controller is selected in a prompt notebook, when one of the extension's is. */
  selectedModel(notebook: vscode.NotebookDocument): string | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LossChartTestHooks {}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TunedModelsTreeTestHooks {}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TuningSpecEditorTestHooks {}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BackendTestHooks {}
