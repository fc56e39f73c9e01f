import * as vscode from 'vscode';
import { type BackendConnection } from './connection';
import { type Settings } from './settings';

/** Mirrors the backend and its health into context keys for `when` clauses (welcome views, menus). */
export function registerBackendContextKeys(connection: BackendConnection, settings: Pick<Settings, 'vertexProject'>): vscode.Disposable {
  const update = () => {
    void vscode.commands.executeCommand('setContext', 'geminiTuning.backend', connection.kind);
    void vscode.commands.executeCommand('setContext', 'geminiTuning.health', connection.health.kind);
    // The connection is rebuilt when the project setting changes, so this follows it.
    void vscode.commands.executeCommand('setContext', 'geminiTuning.vertexProjectMissing', connection.kind === 'vertex' && !settings.vertexProject);
  };
  update();
  return vscode.Disposable.from(connection.onDidChange(update), connection.onDidChangeHealth(update));
}
