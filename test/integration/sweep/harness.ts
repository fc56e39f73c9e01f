// What the fault and fuzz sweeps share inside the extension host: the local server's fault
// injection, a watch on unhandled rejections, waiting for a condition, prompts answered by
// nobody, and running prompt cells.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ConfirmOptions, Prompts } from '../../../src/extension/ui/prompts';
import type { GeminiTuningApi } from '../../../src/extension/extension';
import type { PromptNotebookTestHooks } from '../../../src/extension/testHooks';
import { PROMPT_LANGUAGE } from '../../../src/core/promptNotebook/tunebookFormat';
import type { AnswerOutputMetadata } from '../../../src/core/promptNotebook/outputMetadata';
import type { FaultAction, FaultRule } from '../../../src/server/faults';
import { waitFor } from '../../harness/waitFor';

export type FaultRuleInput = FaultAction & { match: string; count?: number };

function faultsUrl(api: GeminiTuningApi): string {
  const base = api.backend.baseUrl;
  assert.ok(base, 'the local server has a URL');
  return `${base}/_faults`;
}

/** Replaces the local server's fault rules (the server of this window, wherever it runs now). */
export async function setFaults(api: GeminiTuningApi, rules: readonly FaultRuleInput[]): Promise<void> {
  await clearFaults(api);
  if (rules.length === 0) return;
  const res = await fetch(faultsUrl(api), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules }) });
  assert.equal(res.status, 200, `fault injection is off on the local server (HTTP ${res.status}): the host must run with GEMINI_TUNING_FAULTS=1`);
}

export async function clearFaults(api: GeminiTuningApi): Promise<void> {
  await fetch(faultsUrl(api), { method: 'DELETE' });
}

/** The rules not used up yet. */
export async function pendingFaults(api: GeminiTuningApi): Promise<FaultRule[]> {
  const res = await fetch(faultsUrl(api));
  return ((await res.json()) as { rules: FaultRule[] }).rules;
}

/** Collects unhandled promise rejections and uncaught exceptions in this extension host until disposed. */
export function watchUnhandledRejections(): { readonly seen: string[]; dispose(): void } {
  const seen: string[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  };
  const onException = (error: Error): void => {
    seen.push(`uncaught exception: ${error.stack ?? error.message}`);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtExceptionMonitor', onException);
  return {
    seen,
    dispose: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtExceptionMonitor', onException);
    },
  };
}

/** Rejections are reported after the microtasks of the turn that dropped them: let that turn pass. */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Answers every question with "no": the paths under test must not ask anything. */
export class DecliningPrompts implements Prompts {
  readonly asked: string[] = [];

  async confirm(message: string, _options: ConfirmOptions): Promise<boolean> {
    this.asked.push(`confirm: ${message}`);
    return false;
  }

  async input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    this.asked.push(`input: ${options.title ?? options.prompt ?? ''}`);
    return undefined;
  }

  async pick<T extends vscode.QuickPickItem>(_items: readonly T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
    this.asked.push(`pick: ${options.title ?? options.placeHolder ?? ''}`);
    return undefined;
  }
}

// ---------------------------------------------------------------- prompt notebooks

/** The prompt notebook's test hooks, from the API the extension returns when it runs its tests. */
export async function notebookHooks(): Promise<PromptNotebookTestHooks> {
  const api = await vscode.extensions.getExtension<GeminiTuningApi>('gemini-tuning.gemini-tuning')?.activate();
  const hooks = api?.testHooks?.promptNotebook;
  assert.ok(hooks, 'the prompt notebook fills its test hooks when the extension runs its tests');
  return hooks;
}

export async function openNotebookFor(model: string): Promise<vscode.NotebookDocument> {
  const uri = await vscode.commands.executeCommand<vscode.Uri>('geminiTuning.openInNotebook', model);
  assert.ok(uri, 'Open in Prompt Notebook returned the new notebook');
  const notebook = vscode.workspace.notebookDocuments.find((n) => !n.isClosed && n.uri.toString() === uri.toString());
  assert.ok(notebook, 'the notebook is open');
  return notebook;
}

/** Replaces the cells after the heading with prompt cells, and merges `metadata` into the notebook's. */
export async function setPrompts(notebook: vscode.NotebookDocument, prompts: readonly string[], metadata: Record<string, unknown> = {}): Promise<vscode.NotebookCell[]> {
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [
    vscode.NotebookEdit.replaceCells(
      new vscode.NotebookRange(1, notebook.cellCount),
      prompts.map((p) => new vscode.NotebookCellData(vscode.NotebookCellKind.Code, p, PROMPT_LANGUAGE)),
    ),
    vscode.NotebookEdit.updateNotebookMetadata({ ...notebook.metadata, ...metadata }),
  ]);
  assert.ok(await vscode.workspace.applyEdit(edit));
  return notebook.getCells().slice(1);
}

/** Runs one cell and resolves once the extension has finished the run and its final outputs are in the cell. */
export async function runCell(cell: vscode.NotebookCell, timeoutMs = 120_000): Promise<void> {
  const hooks = await notebookHooks();
  const runs = hooks.finishedRuns(cell);
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: cell.index, end: cell.index + 1 }], document: cell.notebook.uri });
  await hooks.waitForRuns(cell, runs + 1, timeoutMs);
  // The outputs and the execution summary reach this side of the host after the run.
  await waitFor(
    () => {
      const summary = cell.executionSummary;
      if (summary?.success === undefined || summary.timing?.endTime === undefined) return false;
      const answer = cell.outputs.find((o) => o.metadata?.role === 'answer' && o.metadata?.candidateIndex === 0);
      return answer ? answer.metadata?.stats !== undefined : cell.outputs.some((o) => o.metadata?.role === 'notice');
    },
    `the final outputs of cell ${cell.index}`,
    { events: [vscode.workspace.onDidChangeNotebookDocument], timeoutMs: 60_000 },
  );
}

const decode = (item: vscode.NotebookCellOutputItem): string => new TextDecoder().decode(item.data);

export function answerOf(cell: vscode.NotebookCell): { text: string; meta: AnswerOutputMetadata } | undefined {
  const output = cell.outputs.find((o) => o.metadata?.role === 'answer' && o.metadata?.candidateIndex === 0);
  return output && { text: output.items.map(decode).join(''), meta: output.metadata as AnswerOutputMetadata };
}

export function errorsOf(cell: vscode.NotebookCell): { name: string; message: string }[] {
  return cell.outputs.flatMap((o) => o.items.filter((i) => i.mime === 'application/vnd.code.notebook.error').map((i) => JSON.parse(decode(i)) as { name: string; message: string }));
}

export function describeOutputs(cell: vscode.NotebookCell): string {
  return JSON.stringify(cell.outputs.map((o) => ({ metadata: o.metadata, items: o.items.map((i) => `${i.mime}: ${decode(i).slice(0, 100)}`) })));
}
