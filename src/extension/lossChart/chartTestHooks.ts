import type * as vscode from 'vscode';
import type { FromWebviewMessage } from '../../core/lossChart/protocol';
import type { LossChartPanelTestHooks, LossChartTestHooks } from '../testHooks';
import type { LossChartPanels } from './chartPanels';
import type { Exchange, LossChartPanel } from './panel';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The loss chart's test hooks: every panel's messages, recorded from the moment it opens, and
 * waits on the reports its page posts under test. Created only when the extension runs its tests.
 */
export function createLossChartTestHooks(panels: LossChartPanels): { hooks: LossChartTestHooks; subscription: vscode.Disposable } {
  const recorded = new Map<LossChartPanel, Exchange[]>();
  const subscription = panels.onDidAdopt((panel) => {
    const exchanges: Exchange[] = [];
    recorded.set(panel, exchanges);
    panel.onDidExchange((e) => exchanges.push(e));
    panel.onDidDispose(() => recorded.delete(panel));
  });
  const hooksOf = (panel: LossChartPanel): LossChartPanelTestHooks => {
    const exchanges = recorded.get(panel) ?? [];
    return {
      models: [...panel.modelNames],
      visible: panel.panel.visible,
      exchanges,
      capturePng: () => panel.capturePng(),
      waitForRendered: (until, timeoutMs = DEFAULT_TIMEOUT_MS) => waitForReport(panel, exchanges, 'rendered', (m) => (until(m) ? m : undefined), timeoutMs),
      waitForTheme: (until, timeoutMs = DEFAULT_TIMEOUT_MS) => waitForReport(panel, exchanges, 'theme', (m) => (until(m.colors) ? m.colors : undefined), timeoutMs),
    };
  };
  const hooks: LossChartTestHooks = {
    panels: () => panels.all.map(hooksOf),
    showing: (model) => {
      const panel = [...panels.all].reverse().find((p) => p.modelNames.includes(model));
      if (!panel) throw new Error(`no open loss chart shows ${model}`);
      return hooksOf(panel);
    },
    restore: (webviewPanel, state) => {
      const panel = panels.restore(webviewPanel, state);
      return panel ? [...panel.modelNames] : undefined;
    },
  };
  return { hooks, subscription };
}

type Report = Extract<FromWebviewMessage, { type: 'rendered' | 'theme' }>;

/** The latest report of this type if `accept` takes it, else the first later one it takes. */
function waitForReport<K extends Report['type'], T>(
  panel: LossChartPanel,
  exchanges: readonly Exchange[],
  type: K,
  accept: (report: Extract<Report, { type: K }>) => T | undefined,
  timeoutMs: number,
): Promise<T> {
  const reportIn = (e: Exchange): Extract<Report, { type: K }> | undefined =>
    e.direction === 'fromWebview' && e.message.type === type ? (e.message as Extract<Report, { type: K }>) : undefined;
  const latest = exchanges.map(reportIn).filter((r) => r !== undefined).at(-1);
  const now = latest && accept(latest);
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      const last = exchanges.map(reportIn).filter((r) => r !== undefined).at(-1);
      reject(new Error(`the chart sent no ${type} report as expected within ${timeoutMs} ms; its last one: ${JSON.stringify(last)}`));
    }, timeoutMs);
    const subscription = panel.onDidExchange((e) => {
      const report = reportIn(e);
      const accepted = report && accept(report);
      if (accepted === undefined) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(accepted);
    });
  });
}
