import * as vscode from 'vscode';
import { showError } from '../ui/notify';
import { LossChartPanel, createLossChartWebviewPanel, type Exchange } from './panel';
import { DEFAULT_VIEW, LOSS_CHART_VIEW_TYPE, isPersistedChartState, type RenderedMessage, type ThemeColors } from '../../core/lossChart/protocol';
import { summarizeModel } from '../../core/lossChart/series';
import type { Prompts } from '../ui/prompts';
import { ChartDataSource, type ChartConnection, type ChartModelsStore } from './dataSource';

export const CHART_COMMANDS = {
  open: 'geminiTuning.openLossChart',
  add: 'geminiTuning.addModelToChart',
  compare: 'geminiTuning.compareLoss',
  exportCsv: 'geminiTuning.exportLossCsv',
  exportPng: 'geminiTuning.exportLossPng',
  /**
   * Registered only when the extension host runs its integration tests (ExtensionMode.Test), so
   * no other extension can reach the panels or the client through it; not a product command.
   */
  testProbe: 'geminiTuningTests.lossChartProbe',
} as const;

export interface LossChartDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  store: ChartModelsStore;
  connection: ChartConnection;
  /** asks where to save exports, so that integration tests can answer in place of a person */
  prompts?: Pick<Prompts, 'saveFile'>;
}

/**
 * A model name from what a command receives: the name itself, or a tree item that carries a
 * model (`item.model.name`), or anything with a `tunedModels/…` name.
 */
export function modelNameFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string') {
    const trimmed = arg.trim();
    if (trimmed === '') return undefined;
    return trimmed.startsWith('tunedModels/') ? trimmed : `tunedModels/${trimmed}`;
  }
  if (typeof arg !== 'object' || arg === null) return undefined;
  const record = arg as Record<string, unknown>;
  for (const key of ['model', 'tunedModel']) {
    const inner = record[key];
    if (typeof inner === 'object' && inner !== null && typeof (inner as { name?: unknown }).name === 'string') {
      return (inner as { name: string }).name;
    }
  }
  for (const key of ['name', 'modelName', 'id']) {
    const value = record[key];
    if (typeof value === 'string' && value.startsWith('tunedModels/')) return value;
  }
  return undefined;
}

/** What the integration tests read and do through the test probe command. */
export type ChartTestProbeRequest =
  | { op: 'panels' }
  | { op: 'exchanges'; model: string }
  | { op: 'capturePng'; model: string }
  | { op: 'deserialize'; panel: vscode.WebviewPanel; state: unknown }
  /** resolves with the first `rendered` report (the latest one included) that `until` accepts */
  | { op: 'waitForRendered'; model: string; until: (rendered: RenderedMessage) => boolean; timeoutMs?: number }
  /** resolves with the first theme colours (the latest ones included) the webview reports that `until` accepts */
  | { op: 'waitForTheme'; model: string; until: (colors: ThemeColors) => boolean; timeoutMs?: number };

export interface ChartPanelSnapshot {
  models: readonly string[];
  rendered: RenderedMessage | undefined;
  visible: boolean;
}

export function registerLossChart(deps: LossChartDeps): vscode.Disposable {
  const { context, log } = deps;
  const mediaRoot = vscode.Uri.joinPath(context.extensionUri, 'dist', 'media');
  const source = new ChartDataSource(deps.store, deps.connection);
  const panels = new Set<LossChartPanel>();
  const exchanges = new Map<LossChartPanel, Exchange[]>();
  let active: LossChartPanel | undefined;
  const testing = context.extensionMode === vscode.ExtensionMode.Test;
  const saveFile = async (options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined> =>
    deps.prompts?.saveFile ? deps.prompts.saveFile(options) : vscode.window.showSaveDialog(options);

  const pickModels = async (exclude: readonly string[], canPickMany = true): Promise<string[]> => {
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
    if (!canPickMany) {
      const one = await vscode.window.showQuickPick(items, { title: 'Open Loss Chart', placeHolder: 'Choose a tuned model', matchOnDetail: true });
      return one ? [one.name] : [];
    }
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: 'Loss Chart: Choose Models',
      placeHolder: 'Choose the models to compare',
      matchOnDetail: true,
    });
    return (picked ?? []).map((p) => p.name);
  };

  const updateContext = (): void => {
    void vscode.commands.executeCommand('setContext', 'geminiTuning.lossChartOpen', panels.size > 0);
  };

  const adopt = (panel: LossChartPanel): LossChartPanel => {
    panels.add(panel);
    active = panel;
    updateContext();
    if (testing) {
      const list: Exchange[] = [];
      exchanges.set(panel, list);
      panel.onDidExchange((e) => list.push(e));
    }
    panel.panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) active = panel;
    });
    panel.onDidDispose(() => {
      panels.delete(panel);
      exchanges.delete(panel);
      if (active === panel) active = undefined;
      updateContext();
    });
    return panel;
  };

  const newPanel = (names: string[]): LossChartPanel => {
    const webviewPanel = createLossChartWebviewPanel('Loss', mediaRoot);
    return adopt(new LossChartPanel(webviewPanel, names, { source, mediaRoot, log, pickModels, saveFile }));
  };

  const panelFor = (name: string): LossChartPanel | undefined => [...panels].find((p) => p.primaryModel === name);

  const open = async (arg: unknown): Promise<LossChartPanel | undefined> => {
    const name = modelNameFrom(arg) ?? (arg === undefined ? (await pickModels([], false))[0] : undefined);
    if (!name) {
      if (arg !== undefined) void vscode.window.showErrorMessage('Open Loss Chart needs a tuned model or its name.');
      return undefined;
    }
    const existing = panelFor(name);
    if (existing) {
      existing.reveal();
      return existing;
    }
    return newPanel([name]);
  };

  const targetPanel = (): LossChartPanel | undefined => {
    const panel = active ?? [...panels].at(-1);
    if (!panel) void vscode.window.showInformationMessage('Open a loss chart first.');
    return panel;
  };

  const guarded =
    <A extends unknown[]>(what: string, fn: (...args: A) => unknown) =>
    async (...args: A): Promise<unknown> => {
      try {
        return await fn(...args);
      } catch (error) {
        showError(log, what, error);
        return undefined;
      }
    };

  const snapshot = (p: LossChartPanel): ChartPanelSnapshot => ({ models: [...p.modelNames], rendered: p.rendered, visible: p.panel.visible });

  const disposables: vscode.Disposable[] = [
    vscode.commands.registerCommand(CHART_COMMANDS.open, guarded('Could not open the loss chart', async (arg: unknown) => {
      const panel = await open(arg);
      return panel ? snapshot(panel) : undefined;
    })),
    vscode.commands.registerCommand(CHART_COMMANDS.add, guarded('Could not add the model to the chart', async (arg?: unknown) => {
      const panel = targetPanel();
      if (!panel) return undefined;
      const given = modelNameFrom(arg);
      const names = given ? [given] : await pickModels(panel.modelNames);
      await panel.addModels(names);
      panel.reveal();
      return snapshot(panel);
    })),
    vscode.commands.registerCommand(CHART_COMMANDS.compare, guarded('Could not compare the models', async (item?: unknown, selected?: unknown) => {
      const chosen = Array.isArray(selected) && selected.length > 0 ? selected : item === undefined ? [] : [item];
      let names = [...new Set(chosen.map(modelNameFrom).filter((n): n is string => n !== undefined))];
      if (names.length === 0 && item === undefined) names = await pickModels([]);
      if (names.length === 0) {
        if (item !== undefined) void vscode.window.showErrorMessage('Compare Loss needs tuned models: select them in the Tuned Models view.');
        return undefined;
      }
      return snapshot(newPanel(names));
    })),
    vscode.commands.registerCommand(CHART_COMMANDS.exportCsv, guarded('Could not export the loss values', async () => {
      await targetPanel()?.exportCsv();
    })),
    vscode.commands.registerCommand(CHART_COMMANDS.exportPng, guarded('Could not export the chart', async () => {
      await targetPanel()?.exportPng();
    })),
    vscode.window.registerWebviewPanelSerializer(LOSS_CHART_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel: vscode.WebviewPanel, state: unknown) => {
        restore(webviewPanel, state);
      },
    }),
  ];

  const restore = (webviewPanel: vscode.WebviewPanel, state: unknown): LossChartPanel | undefined => {
    if (!isPersistedChartState(state) || state.models.length === 0) {
      // Nothing to show: a blank tab after a reload helps nobody.
      log.warn('[chart] a loss chart came back after a reload without its models; closing it');
      webviewPanel.dispose();
      return undefined;
    }
    log.info(`[chart] restoring the loss chart of ${state.models.join(', ')}`);
    return adopt(new LossChartPanel(webviewPanel, state.models, { source, mediaRoot, log, pickModels, saveFile }, state.view ?? DEFAULT_VIEW));
  };

  if (testing) {
    disposables.push(
      vscode.commands.registerCommand(CHART_COMMANDS.testProbe, async (request: ChartTestProbeRequest) => {
        // The newest panel showing the model.
        const find = (model: string) => [...panels].reverse().find((p) => p.modelNames.includes(model));
        switch (request.op) {
          case 'panels':
            return [...panels].map(snapshot);
          case 'exchanges': {
            const panel = find(request.model);
            return panel ? exchanges.get(panel) ?? [] : undefined;
          }
          case 'capturePng': {
            const panel = find(request.model);
            return panel ? panel.capturePng() : undefined;
          }
          case 'waitForRendered': {
            const panel = find(request.model);
            if (!panel) throw new Error(`no loss chart shows ${request.model}`);
            return waitForRendered(panel, request.until, request.timeoutMs ?? 30_000);
          }
          case 'waitForTheme': {
            const panel = find(request.model);
            if (!panel) throw new Error(`no loss chart shows ${request.model}`);
            return waitForTheme(panel, request.until, request.timeoutMs ?? 30_000);
          }
          case 'deserialize': {
            const panel = restore(request.panel, request.state);
            return panel ? snapshot(panel) : undefined;
          }
        }
      }),
    );
  }

  return vscode.Disposable.from(...disposables, {
    dispose: () => {
      for (const p of [...panels]) p.dispose();
    },
  });
}

function waitForRendered(panel: LossChartPanel, until: (r: RenderedMessage) => boolean, timeoutMs: number): Promise<RenderedMessage> {
  if (panel.rendered && until(panel.rendered)) return Promise.resolve(panel.rendered);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`the chart did not render as expected within ${timeoutMs} ms; last report: ${JSON.stringify(panel.rendered)}`));
    }, timeoutMs);
    const subscription = panel.onDidExchange((e) => {
      if (e.direction === 'fromWebview' && e.message.type === 'rendered' && until(e.message)) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(e.message);
      }
    });
  });
}

function waitForTheme(panel: LossChartPanel, until: (colors: ThemeColors) => boolean, timeoutMs: number): Promise<ThemeColors> {
  if (panel.themeColors && until(panel.themeColors)) return Promise.resolve(panel.themeColors);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`the chart did not report the expected theme within ${timeoutMs} ms; last report: ${JSON.stringify(panel.themeColors)}`));
    }, timeoutMs);
    const subscription = panel.onDidExchange((e) => {
      if (e.direction === 'fromWebview' && e.message.type === 'theme' && until(e.message.colors)) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(e.message.colors);
      }
    });
  });
}
