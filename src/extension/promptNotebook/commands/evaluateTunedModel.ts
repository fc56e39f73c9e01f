import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeEvaluation, evaluatedExamples, type EvaluatedExample, evaluationBook, type HeldOutExample, heldOutExamples, noHeldOutMessage, resultsMarkdown } from '../../../core/promptNotebook/evaluation';
import { modelNameOf } from '../../../core/promptNotebook/modelChoice';
import { overallScore, type OverallScore } from '../../../core/promptNotebook/scoring';
import { nodeFileSystem } from '../../../core/tuningSpec/nodeFileSystem';
import { validateSpec } from '../../../core/tuningSpec/validateSpec';
import { type ErrorLog, showError } from '../../ui/notify';
import { isPromptCell, type PromptRunner } from '../execution';
import { type ModelPickerDeps, pickModel } from '../modelPicker';
import { openTunebook, type OpenTunebookDeps } from '../openTunebook';

export const RESTRICTED_MODE_NO_EVALUATION =
  'Restricted Mode: a spec in an untrusted workspace is not evaluated, because it decides which files are read and sent to the model. Trust the workspace to evaluate tuned models on it.';

const SPEC_GLOB = '**/*.tuning.{yaml,yml}';

export type EvaluateTunedModelDeps = ModelPickerDeps &
  OpenTunebookDeps & {
    readonly runner: PromptRunner;
    readonly log: ErrorLog;
  };

export interface EvaluationResult {
  notebook: vscode.Uri;
  model: string;
  perCell: EvaluatedExample[];
  overall: OverallScore;
}

/**
 * Runs a tuned model on a spec's held-out (`validation:`) examples in a new notebook, scores each
 * answer and writes the results table into the notebook.
 */
export async function evaluateTunedModel(deps: EvaluateTunedModelDeps, specArg?: unknown, modelArg?: unknown): Promise<EvaluationResult | undefined> {
  const spec = specArg instanceof vscode.Uri ? specArg : (activeSpec() ?? (await pickSpec()));
  if (!spec) return undefined;
  if (!vscode.workspace.isTrusted && (vscode.workspace.getWorkspaceFolder(spec) !== undefined || spec.scheme !== 'file')) {
    deps.log.warn(`[notebook] refused to evaluate on ${spec.toString(true)}: workspace not trusted`);
    void vscode.window.showErrorMessage(RESTRICTED_MODE_NO_EVALUATION);
    return undefined;
  }
  const examples = await readHeldOut(spec);
  if (examples.length === 0) {
    showError(deps.log, 'Nothing to evaluate', new Error(noHeldOutMessage(path.basename(spec.fsPath))));
    return undefined;
  }
  const model = modelNameOf(modelArg) ?? (await pickModel(deps, `Tuned model to evaluate on ${examples.length} held-out examples`, true));
  if (!model) return undefined;

  const { notebook, controller } = await openTunebook(deps, evaluationBook(model, vscode.workspace.asRelativePath(spec), examples));
  const cells = notebook.getCells().filter(isPromptCell);
  const results = await deps.runner.runCells(controller, cells, model, { stopOnFailure: false });
  const perCell = evaluatedExamples(
    cells.map((cell) => cell.document.getText()),
    examples,
    results,
  );
  const overall = overallScore(perCell.map((r) => r.score));
  const last = notebook.cellCount - 1;
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [
    vscode.NotebookEdit.replaceCells(new vscode.NotebookRange(last, last + 1), [
      new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, resultsMarkdown(perCell, overall), 'markdown'),
    ]),
  ]);
  await vscode.workspace.applyEdit(edit);
  deps.log.info(`[notebook] ${describeEvaluation(model, overall)}`);
  return { notebook: notebook.uri, model, perCell, overall };
}

function activeSpec(): vscode.Uri | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  return active && /\.tuning\.ya?ml$/.test(active.path) ? active : undefined;
}

async function pickSpec(): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles(SPEC_GLOB, '**/node_modules/**', 200);
  const picked = await vscode.window.showQuickPick(
    found.map((uri) => ({ uri, label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri) })),
    { placeHolder: 'Spec whose validation: examples to evaluate on' },
  );
  return picked?.uri;
}

/** The spec's held-out examples, from the editor when the spec is open there (unsaved edits count). */
async function readHeldOut(spec: vscode.Uri): Promise<HeldOutExample[]> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === spec.toString());
  const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(spec));
  const validation = await validateSpec(text, spec.fsPath, { fs: nodeFileSystem });
  return heldOutExamples(validation.validation);
}
