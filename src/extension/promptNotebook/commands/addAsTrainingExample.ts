import * as path from 'node:path';
import * as vscode from 'vscode';
import { inertNotificationText } from '../../../core/util/inertText';
import { minimalReplacement } from '../../../core/promptNotebook/minimalEdit';
import { appendExampleToSpec, escapeForInputBox, jsonlAppendText, PromoteError, type TrainingExample, unescapeFromInputBox } from '../../../core/promptNotebook/promote';
import { answerChoices, answerPreview, defaultAnswer } from '../../../core/promptNotebook/trainingAnswers';
import { type ErrorLog, showError } from '../../ui/notify';
import { promptCellFromArgument } from '../commandArguments';
import { outputText } from '../serializer';

const SPEC_GLOB = '**/*.tuning.{yaml,yml}';

export interface AddAsTrainingExampleDeps {
  readonly log: ErrorLog;
}

/** Options the command accepts from scripts and tests instead of asking. */
export interface AddExampleOptions {
  target?: vscode.Uri;
  output?: string;
  candidateIndex?: number;
}

/**
 * Adds a prompt cell and one of its answers (edited first, if the user wants) as a training example
 * to a spec's inline examples or to a JSONL file. Saves the file unless it had unsaved changes.
 */
export async function addAsTrainingExample(deps: AddAsTrainingExampleDeps, arg?: unknown, options: AddExampleOptions = {}): Promise<vscode.Uri | undefined> {
  const cell = promptCellFromArgument(arg);
  if (!cell) {
    void vscode.window.showInformationMessage('Select a prompt cell with an answer first.');
    return undefined;
  }
  const output = options.output ?? (await chooseOutput(cell, options.candidateIndex));
  if (output === undefined) return undefined;
  const target = options.target ?? (await chooseTarget());
  if (!target) return undefined;

  const example: TrainingExample = { textInput: cell.document.getText(), output };
  const document = await vscode.workspace.openTextDocument(target);
  const wasDirty = document.isDirty;
  const edit = exampleEdit(document, example);
  if (edit instanceof PromoteError) {
    showError(deps.log, `Could not add the example to ${path.basename(target.fsPath)}`, edit);
    return undefined;
  }
  if (!(await vscode.workspace.applyEdit(edit))) {
    showError(deps.log, 'Could not add the example', new Error(`VS Code did not apply the edit to ${path.basename(target.fsPath)}.`));
    return undefined;
  }
  if (!wasDirty) await document.save();
  const shown = path.basename(target.fsPath);
  void vscode.window
    .showInformationMessage(inertNotificationText(`Added the example to ${shown}${wasDirty ? ' (the file had unsaved changes, so it was not saved)' : ''}.`), 'Open')
    .then((choice) => {
      if (choice === 'Open') void vscode.window.showTextDocument(document);
    });
  return target;
}

/** Which answer becomes the training output (asked when there are several), edited in an input box. */
async function chooseOutput(cell: vscode.NotebookCell, candidateIndex: number | undefined): Promise<string | undefined> {
  const answers = answerChoices(cell.outputs.map((o) => ({ metadata: o.metadata, text: outputText(o) })));
  let chosen = defaultAnswer(answers, candidateIndex);
  if (answers.length > 1 && candidateIndex === undefined) {
    const picked = await vscode.window.showQuickPick(
      answers.map((a) => ({ ...a, description: answerPreview(a.text) })),
      { placeHolder: 'Which answer becomes the training output?' },
    );
    if (!picked) return undefined;
    chosen = picked;
  }
  if (!chosen) {
    void vscode.window.showInformationMessage('This cell has no answer yet: run it first.');
    return undefined;
  }
  const edited = await vscode.window.showInputBox({
    title: 'Training output (edit before adding)',
    prompt: 'The expected answer for this prompt. Newlines are shown as \\n.',
    value: escapeForInputBox(chosen.text),
    validateInput: (text) => (text.trim() === '' ? 'A training output cannot be empty' : undefined),
  });
  return edited === undefined ? undefined : unescapeFromInputBox(edited);
}

async function chooseTarget(): Promise<vscode.Uri | undefined> {
  const files = [
    ...(await vscode.workspace.findFiles(SPEC_GLOB, '**/node_modules/**', 200)),
    ...(await vscode.workspace.findFiles('**/*.jsonl', '**/node_modules/**', 200)),
  ];
  const browse = { label: '$(folder-opened) Choose a file…', uri: undefined as vscode.Uri | undefined };
  const picked = await vscode.window.showQuickPick(
    [...files.map((uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri), uri })), browse],
    { placeHolder: 'Add the example to which spec (inline examples) or JSONL file?' },
  );
  if (!picked) return undefined;
  return picked.uri ?? (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Specs and JSONL': ['yaml', 'yml', 'jsonl'] } }))?.[0];
}

/** Appends to a JSONL file; in a spec, replaces only the span that changed, so the editor keeps the rest (and its undo history). */
function exampleEdit(document: vscode.TextDocument, example: TrainingExample): vscode.WorkspaceEdit | PromoteError {
  const before = document.getText();
  const edit = new vscode.WorkspaceEdit();
  if (/\.jsonl$/i.test(document.uri.path)) {
    edit.insert(document.uri, document.positionAt(before.length), jsonlAppendText(before, example));
    return edit;
  }
  let after: string;
  try {
    after = appendExampleToSpec(before, example);
  } catch (e) {
    if (e instanceof PromoteError) return e;
    throw e;
  }
  const change = minimalReplacement(before, after);
  edit.replace(document.uri, new vscode.Range(document.positionAt(change.start), document.positionAt(change.end)), change.text);
  return edit;
}
