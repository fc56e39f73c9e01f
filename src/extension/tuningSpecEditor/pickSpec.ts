import * as path from 'node:path';
import * as vscode from 'vscode';
import { type Prompts } from '../ui/prompts';
import { isSpecUri, SPEC_GLOB } from './workspaceFileSystem';

/**
 * The spec a command works on: the one it was given, else the active editor's, else the only one
 * in the workspace, else the one the person picks.
 */
export async function pickSpec(prompts: Prompts, arg: unknown, title: string): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && isSpecUri(active)) return active;
  const found = await vscode.workspace.findFiles(SPEC_GLOB, '**/node_modules/**', 200);
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    void vscode.window.showInformationMessage('No tuning spec (*.tuning.yaml) found. "Gemini Tuning: New Tuning Spec" creates one.');
    return undefined;
  }
  const picked = await prompts.pick(
    found.map((uri) => ({ label: path.basename(uri.path), description: vscode.workspace.asRelativePath(uri, false), uri })),
    { title, placeHolder: 'Choose a tuning spec' },
  );
  return picked?.uri;
}

