import * as vscode from 'vscode';
import { modelId } from '../../../core/tunedModels/presentation';
import { tuneAgainSpec } from '../../../core/tunedModels/snippets';
import { type ModelArgument, type ResolveModel } from './modelResolver';

export interface TuneAgainDeps {
  readonly resolveModel: ResolveModel;
}

/** Opens an unsaved spec with the model's base model and settings, ready for new data. */
export async function tuneAgain(deps: TuneAgainDeps, arg?: ModelArgument): Promise<vscode.Uri | undefined> {
  const model = await deps.resolveModel(arg, 'Tune Again from This Model');
  if (!model) return undefined;
  const uri = await untitledSpecUri(`${modelId(model.name)}-again`);
  const document = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(document);
  await editor.edit((builder) => builder.insert(new vscode.Position(0, 0), tuneAgainSpec(model)));
  return document.uri;
}

/** An untitled `*.tuning.yaml` next to the workspace's files, with a name not taken yet. */
async function untitledSpecUri(baseName: string): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const taken = new Set(vscode.workspace.textDocuments.map((d) => d.uri.path));
  for (let i = 1; ; i++) {
    const fileName = `${baseName}${i === 1 ? '' : `-${i}`}.tuning.yaml`;
    if (!folder) {
      const uri = vscode.Uri.from({ scheme: 'untitled', path: fileName });
      if (!taken.has(uri.path)) return uri;
      continue;
    }
    const fileUri = vscode.Uri.joinPath(folder, fileName);
    if (taken.has(fileUri.path)) continue;
    try {
      await vscode.workspace.fs.stat(fileUri);
      continue;
    } catch {
      return fileUri.with({ scheme: 'untitled' });
    }
  }
}
