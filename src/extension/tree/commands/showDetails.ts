import * as vscode from 'vscode';
import { modelDetailsUri } from '../details';
import { type ModelArgument, type ResolveModel } from './modelResolver';

export interface ShowDetailsDeps {
  readonly resolveModel: ResolveModel;
}

/** Opens the model's JSON, as the backend returns it, in a read-only editor. */
export async function showModelDetails(deps: ShowDetailsDeps, arg?: ModelArgument): Promise<vscode.Uri | undefined> {
  const model = await deps.resolveModel(arg, 'Show Model Details');
  if (!model) return undefined;
  const document = await vscode.workspace.openTextDocument(modelDetailsUri(model.name));
  // A summary in comments makes it JSON with comments.
  const language = document.getText().startsWith('//') ? 'jsonc' : 'json';
  if (document.languageId !== language) await vscode.languages.setTextDocumentLanguage(document, language);
  await vscode.window.showTextDocument(document, { preview: true });
  return document.uri;
}
