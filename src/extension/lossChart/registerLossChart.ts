import * as vscode from 'vscode';
import { LOSS_CHART_VIEW_TYPE } from '../../core/lossChart/protocol';
import { registerGuarded } from '../ui/commands';
import type { Prompts } from '../ui/prompts';
import type { TestHooks } from '../testHooks';
import { LossChartPanels } from './chartPanels';
import { createLossChartTestHooks } from './chartTestHooks';
import { addModelToChart } from './commands/addModelToChart';
import { compareLoss } from './commands/compareLoss';
import { exportLossCsv } from './commands/exportLossCsv';
import { exportLossPng } from './commands/exportLossPng';
import { openLossChart } from './commands/openLossChart';
import { type BackendConnection } from '../backend/connection';
import { tuningBackendSource } from '../backend/tuningBackend';
import { ChartDataSource, type ChartModelsStore } from './dataSource';
import { modelPicker } from './pickModels';

const CHART_COMMANDS = {
  open: 'geminiTuning.openLossChart',
  add: 'geminiTuning.addModelToChart',
  compare: 'geminiTuning.compareLoss',
  exportCsv: 'geminiTuning.exportLossCsv',
  exportPng: 'geminiTuning.exportLossPng',
} as const;

export interface LossChartDeps {
  context: Pick<vscode.ExtensionContext, 'extensionUri'>;
  log: vscode.LogOutputChannel;
  store: ChartModelsStore;
  connection: Pick<BackendConnection, 'onDidChange' | 'getClient' | 'getVertexBackend' | 'kind'>;
  /** asks where to save exports, so that integration tests can answer in place of a person */
  prompts: Required<Pick<Prompts, 'saveFile'>>;
  /** present only when the extension runs its tests */
  testHooks?: TestHooks;
}

/** The loss chart: its commands, the panel serializer, and its test hooks when there are hooks. */
export function registerLossChart({ context, log, store, connection, prompts, testHooks }: LossChartDeps): vscode.Disposable {
  const source = new ChartDataSource(store, { onDidChange: connection.onDidChange, tuningBackend: tuningBackendSource(connection) });
  const pickModels = modelPicker(source);
  const panels = new LossChartPanels(vscode.Uri.joinPath(context.extensionUri, 'dist', 'media'), {
    source,
    log,
    pickModels: (exclude) => pickModels(exclude),
    saveFile: (options) => prompts.saveFile(options),
    reportForTests: testHooks !== undefined,
  });
  const disposables: vscode.Disposable[] = [];
  if (testHooks) {
    // Before any panel opens, so that each one is recorded from its first message.
    const { hooks, subscription } = createLossChartTestHooks(panels);
    testHooks.lossChart = hooks;
    disposables.push(subscription);
  }
  disposables.push(
    registerGuarded(CHART_COMMANDS.open, 'Could not open the loss chart', openLossChart({ panels, pickModels }), log),
    registerGuarded(CHART_COMMANDS.add, 'Could not add the model to the chart', addModelToChart({ panels, pickModels }), log),
    registerGuarded(CHART_COMMANDS.compare, 'Could not compare the models', compareLoss({ panels, pickModels }), log),
    registerGuarded(CHART_COMMANDS.exportCsv, 'Could not export the loss values', exportLossCsv({ panels }), log),
    registerGuarded(CHART_COMMANDS.exportPng, 'Could not export the chart', exportLossPng({ panels }), log),
    vscode.window.registerWebviewPanelSerializer(LOSS_CHART_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel, state) => void panels.restore(webviewPanel, state),
    }),
    panels,
  );
  return vscode.Disposable.from(...disposables);
}
