import * as vscode from 'vscode';
import { DEFAULT_VIEW, isPersistedChartState } from '../../core/lossChart/protocol';
import { LossChartPanel, createLossChartWebviewPanel, type LossChartPanelOptions } from './panel';

/** What a chart command reports: the models the chart it opened or changed shows. */
export interface OpenedChart {
  models: readonly string[];
}

/**
 * The open loss charts: which one is active, which one a model leads, and the context key that
 * shows the chart commands. New and restored panels both come through here.
 */
export class LossChartPanels implements vscode.Disposable {
  private readonly panels = new Set<LossChartPanel>();
  private active: LossChartPanel | undefined;
  private readonly adoptEmitter = new vscode.EventEmitter<LossChartPanel>();

  /** Fires for every panel, new or restored, before its webview says ready. */
  readonly onDidAdopt = this.adoptEmitter.event;

  constructor(
    private readonly mediaRoot: vscode.Uri,
    private readonly panelOptions: Omit<LossChartPanelOptions, 'mediaRoot'>,
  ) {}

  /** Oldest first. */
  get all(): readonly LossChartPanel[] {
    return [...this.panels];
  }

  /** The chart led by `model` (the one its Open Loss Chart reveals). */
  ledBy(model: string): LossChartPanel | undefined {
    return this.all.find((p) => p.primaryModel === model);
  }

  /** The chart the Add and Export commands act on: the active one, else the newest; says so when there is none. */
  target(): LossChartPanel | undefined {
    const panel = this.active ?? this.all.at(-1);
    if (!panel) void vscode.window.showInformationMessage('Open a loss chart first.');
    return panel;
  }

  open(models: readonly string[]): LossChartPanel {
    const webviewPanel = createLossChartWebviewPanel('Loss', this.mediaRoot);
    return this.adopt(new LossChartPanel(webviewPanel, models, this.options()));
  }

  /** A panel VS Code brings back after a reload, with the state its page saved; closed when it has no models. */
  restore(webviewPanel: vscode.WebviewPanel, state: unknown): LossChartPanel | undefined {
    const { log } = this.panelOptions;
    if (!isPersistedChartState(state) || state.models.length === 0) {
      // Nothing to show: a blank tab after a reload helps nobody.
      log.warn('[chart] a loss chart came back after a reload without its models; closing it');
      webviewPanel.dispose();
      return undefined;
    }
    log.info(`[chart] restoring the loss chart of ${state.models.join(', ')}`);
    return this.adopt(new LossChartPanel(webviewPanel, state.models, this.options(), state.view ?? DEFAULT_VIEW));
  }

  dispose(): void {
    for (const p of this.all) p.dispose();
    this.adoptEmitter.dispose();
  }

  private options(): LossChartPanelOptions {
    return { ...this.panelOptions, mediaRoot: this.mediaRoot };
  }

  private adopt(panel: LossChartPanel): LossChartPanel {
    this.panels.add(panel);
    this.active = panel;
    this.updateContext();
    panel.panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.active = panel;
    });
    panel.onDidDispose(() => {
      this.panels.delete(panel);
      if (this.active === panel) this.active = undefined;
      this.updateContext();
    });
    this.adoptEmitter.fire(panel);
    return panel;
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', 'geminiTuning.lossChartOpen', this.panels.size > 0);
  }
}
