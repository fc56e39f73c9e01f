import * as vscode from 'vscode';
import { TUNEBOOK_NOTEBOOK_TYPE } from '../../core/promptNotebook/tunebookFormat';
import { isPromptCell } from './execution';

/** The cell a cell command was invoked on (cell title menu), else the selected cell of the active prompt notebook. */
export function cellFromArgument(arg: unknown): vscode.NotebookCell | undefined {
  if (arg && typeof arg === 'object' && 'notebook' in arg && 'document' in arg) return arg as vscode.NotebookCell;
  const editor = vscode.window.activeNotebookEditor;
  if (!editor || editor.notebook.notebookType !== TUNEBOOK_NOTEBOOK_TYPE) return undefined;
  const index = editor.selections[0]?.start;
  return index === undefined ? undefined : editor.notebook.cellAt(index);
}

export function promptCellFromArgument(arg: unknown): vscode.NotebookCell | undefined {
  const cell = cellFromArgument(arg);
  return cell && isPromptCell(cell) ? cell : undefined;
}

/** The prompt notebook a notebook toolbar command was invoked on, else the active one. */
export function tunebookFromArgument(arg: unknown): vscode.NotebookDocument | undefined {
  const notebook = (arg as { notebookEditor?: vscode.NotebookEditor } | undefined)?.notebookEditor?.notebook ?? vscode.window.activeNotebookEditor?.notebook;
  return notebook?.notebookType === TUNEBOOK_NOTEBOOK_TYPE ? notebook : undefined;
}
