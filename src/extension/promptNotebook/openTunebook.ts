import * as vscode from 'vscode';
import { type Tunebook, TUNEBOOK_NOTEBOOK_TYPE } from '../../core/promptNotebook/tunebookFormat';
import { type PromptControllers, selectController } from './controllers';
import { toNotebookData } from './serializer';

export interface OpenTunebookDeps {
  readonly controllers: PromptControllers;
  readonly extensionId: string;
}

export interface OpenedTunebook {
  notebook: vscode.NotebookDocument;
  editor: vscode.NotebookEditor;
  controller: vscode.NotebookController;
}

/** Opens `book` as an untitled notebook, shows it and selects the controller of its model. */
export async function openTunebook(deps: OpenTunebookDeps, book: Tunebook): Promise<OpenedTunebook> {
  const model = book.metadata.model;
  if (!model) throw new Error('A prompt notebook opened by a command must name its model.');
  deps.controllers.ensure(model);
  const notebook = await vscode.workspace.openNotebookDocument(TUNEBOOK_NOTEBOOK_TYPE, toNotebookData(book));
  const editor = await vscode.window.showNotebookDocument(notebook);
  const controller = deps.controllers.ensure(model);
  await selectController(editor, controller, deps.extensionId);
  return { notebook, editor, controller };
}
