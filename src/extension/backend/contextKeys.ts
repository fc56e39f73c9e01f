import * as vscode from 'vscode';
import { type BackendConnection } from './connection';

/** Mirrors the backend and its health into context keys for `when` clauses (welcome views, menus). */
export function registerBackendContextKeys(connection: BackendConnection): vscode.Disposable {
  const update = () => {
    void vscode.commands.executeCommand('setContext', 'geminiTuning.backend', connection.kind);
    void vscode.commands.executeCommand('setContext', 'geminiTuning.health', connection.health.kind);
  };
  update();
  return vscode.Disposable.from(connection.onDidChange(update), connection.onDidChangeHealth(update));
}
