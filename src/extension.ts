import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Gemini Tuning', { log: true });
  context.subscriptions.push(log);
  log.info(`activated in VS Code ${vscode.version}`);
}

export function deactivate(): void {}
