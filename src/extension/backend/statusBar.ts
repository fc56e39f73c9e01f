import * as vscode from 'vscode';
import { type BackendConnection } from './connection';
import { type BackendHealth } from '../../core/backend/health';
import { BackendCommands } from './commandIds';

/** What the status bar item shows, for anything that mirrors it. */
export type BackendStatusBarView = Readonly<Pick<vscode.StatusBarItem, 'text' | 'tooltip' | 'backgroundColor' | 'command' | 'accessibilityInformation'>>;

/** The status bar item showing the backend and its health; clicking it opens the backend menu. */
export function registerBackendStatusBar(connection: BackendConnection): vscode.Disposable & { readonly view: BackendStatusBarView } {
  const item = vscode.window.createStatusBarItem('geminiTuning.backend', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Gemini Tuning Backend';
  item.command = BackendCommands.showBackendMenu;
  const update = () => render(item, connection);
  update();
  item.show();
  const disposable = vscode.Disposable.from(item, connection.onDidChangeHealth(update), connection.onDidChange(update));
  return { view: item, dispose: () => disposable.dispose() };
}

function render(item: vscode.StatusBarItem, connection: BackendConnection): void {
  const health = connection.health;
  const backendLabel = connection.kind === 'local' ? 'Local' : connection.kind === 'vertex' ? 'Vertex AI' : 'Gemini API';
  const icon = connection.kind === 'local' ? '$(server-process)' : '$(cloud)';
  const { suffix, background, healthText } = describeHealth(health, connection.kind === 'vertex');
  item.text = `${icon} ${backendLabel}${suffix}`;
  item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
  item.accessibilityInformation = { label: `Gemini Tuning backend: ${backendLabel}, ${healthText}` };

  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`**Gemini Tuning** · ${backendLabel}\n\n`);
  tooltip.appendMarkdown(`Status: ${healthText}\n\n`);
  if ('message' in health) tooltip.appendText(`${health.message}\n\n`);
  const baseUrl = connection.baseUrl;
  if (baseUrl) tooltip.appendMarkdown(`Endpoint: \`${baseUrl.replace(/`/g, '')}\`\n\n`);
  if (connection.kind === 'gemini') {
    const source = connection.apiKeySource;
    tooltip.appendMarkdown(
      `API key: ${source.kind === 'secretStorage' ? 'stored in SecretStorage' : source.kind === 'environment' ? `from $${source.variable}` : 'none'}\n\n`,
    );
  }
  tooltip.appendMarkdown('Click to switch backend, set a key or show the log.');
  item.tooltip = tooltip;
}

function describeHealth(health: BackendHealth, vertex: boolean): { suffix: string; background?: string; healthText: string } {
  switch (health.kind) {
    case 'connected':
      return { suffix: '', healthText: 'connected' };
    case 'starting':
      return { suffix: ' $(loading~spin)', healthText: 'starting' };
    case 'unknown':
      return { suffix: ' $(loading~spin)', healthText: 'connecting' };
    case 'unreachable':
      return { suffix: ' $(debug-disconnect) unreachable', background: 'statusBarItem.warningBackground', healthText: 'unreachable' };
    case 'badKey':
      return { suffix: ' $(key) bad key', background: 'statusBarItem.errorBackground', healthText: 'the API key was rejected' };
    case 'noKey':
      return { suffix: ' $(key) no key', background: 'statusBarItem.warningBackground', healthText: vertex ? 'no Google Cloud credentials' : 'no API key' };
  }
}
