import * as vscode from 'vscode';
import type { GenerateContentRequest } from '../core/api/types';
import type { RenderedMessage, ThemeColors } from '../core/lossChart/protocol';
import type { Exchange as LossChartExchange } from './lossChart/panel';
import { type JobsStatusBarView } from './tree/jobsStatusBar';
import { type TunedModelsNode, type TunedModelsTreeProvider } from './tree/provider';

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

  walkthrough: WalkthroughTestHooks | undefined;
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


/** The open loss charts and what passed between each one and its page. */
export interface LossChartTestHooks {
  /** The open charts, oldest first. */
  panels(): readonly LossChartPanelTestHooks[];
  /** The newest open chart that shows `model`; throws when none does. */
  showing(model: string): LossChartPanelTestHooks;
  /** What the serializer does with a panel restored after a reload: the models it shows, or undefined when it closed the tab. */
  restore(panel: vscode.WebviewPanel, state: unknown): readonly string[] | undefined;
}

/** One loss chart as it was when asked for. */
export interface LossChartPanelTestHooks {
  readonly models: readonly string[];
  readonly visible: boolean;
  /** Every message in either direction since the panel opened (it keeps growing). */
  readonly exchanges: readonly LossChartExchange[];
  /** The page's canvas as PNG bytes, by the round trip Export PNG uses. */
  capturePng(): Promise<Uint8Array>;
  /** The latest draw report if `until` accepts it, else the first later one it accepts. */
  waitForRendered(until: (rendered: RenderedMessage) => boolean, timeoutMs?: number): Promise<RenderedMessage>;
  /** The same for the theme colours the page resolved. */
  waitForTheme(until: (colors: ThemeColors) => boolean, timeoutMs?: number): Promise<ThemeColors>;
}


/** The view as the tests read it: the provider's items and the tree view's selection, title and message. */
export interface TunedModelsTreeTestHooks {
  readonly provider: TunedModelsTreeProvider;
  readonly treeView: vscode.TreeView<TunedModelsNode>;
  /** The running jobs' status bar item as shown. */
  readonly jobsStatusBar: JobsStatusBarView;
}

/** The Create notification of a spec, as a person would see and press it. */
export interface TuningSpecEditorTestHooks {
  /** Every message the Create notifications reported, oldest first. */
  readonly createProgress: readonly string[];
  /** Presses Cancel on the Create notification at its first message that `when` accepts, as it shows. */
  cancelCreateWhen(when: (message: string) => boolean): void;
}

export interface BackendTestHooks {
  /** The backend status bar item as shown: text, tooltip, background colour, command. */
  readonly statusBar: Readonly<Pick<vscode.StatusBarItem, 'text' | 'tooltip' | 'backgroundColor' | 'command' | 'accessibilityInformation'>>;
}

export interface WalkthroughTestHooks {
  /** Every walkthrough milestone reached in this window, in order, repeats included: each set its step's context key. */
  reached(): readonly string[];
}
