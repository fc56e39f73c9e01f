import * as vscode from 'vscode';
import { GENERATION_CONFIG_KEYS, type PromptGenerationConfig, type PromptSettings, type TunebookMetadata } from '../../core/promptNotebook/tunebookFormat';
import { cellAnswer, cellSettings, isPromptCell, notebookSettings } from './execution';
import { type AnswerOutputMetadata, type ComparisonOutputMetadata } from '../../core/promptNotebook/outputMetadata';
import { describeStats } from '../../core/promptNotebook/outcome';
import { describeSettings, effectiveSettings, parseSettingInput } from '../../core/promptNotebook/generateRequest';
import { escapeForInputBox, unescapeFromInputBox } from '../../core/promptNotebook/promote';
import { NOTEBOOK_COMMANDS } from './commandIds';


const SETTING_HELP: Record<keyof PromptGenerationConfig | 'systemInstruction', string> = {
  systemInstruction: 'Instruction sent as systemInstruction (newlines as \\n)',
  temperature: 'Randomness, 0 to 2 (0 = always the most likely answer)',
  topP: 'Nucleus sampling, 0 to 1',
  topK: 'Sample from the K most likely tokens',
  maxOutputTokens: 'Longest answer, in tokens',
  stopSequences: 'Up to 5 JSON strings, e.g. "\\n\\n", "END"',
  candidateCount: 'Number of answers to generate (each becomes an output)',
  seed: 'Fixed seed for repeatable sampling',
};

function formatValue(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => JSON.stringify(v)).join(', ');
  if (typeof value === 'string') return escapeForInputBox(value);
  return String(value);
}

type Scope = { kind: 'notebook'; notebook: vscode.NotebookDocument } | { kind: 'cell'; cell: vscode.NotebookCell };

/** Quick pick of the generation settings for a notebook or one cell, then an input box for the chosen one. */
export async function editPromptSettings(scope: Scope): Promise<boolean> {
  const notebook = scope.kind === 'cell' ? scope.cell.notebook : scope.notebook;
  const book = notebookSettings(notebook);
  const own: PromptSettings = scope.kind === 'cell' ? cellSettings(scope.cell) : book;
  const effective = effectiveSettings(book, scope.kind === 'cell' ? own : undefined);
  type Item = vscode.QuickPickItem & { key: keyof PromptGenerationConfig | 'systemInstruction' | 'chat' };
  const keys = ['systemInstruction', ...GENERATION_CONFIG_KEYS] as const;
  const items: Item[] = keys.map((key) => {
    const ownValue = key === 'systemInstruction' ? own.systemInstruction : own.generationConfig?.[key];
    const effectiveValue = key === 'systemInstruction' ? effective.systemInstruction : effective.generationConfig?.[key];
    const source = ownValue !== undefined ? (scope.kind === 'cell' ? 'this cell' : 'notebook') : effectiveValue !== undefined ? 'notebook' : 'model default';
    return { key, label: key, description: `${formatValue(effectiveValue) || '—'} · ${source}`, detail: SETTING_HELP[key] };
  });
  if (scope.kind === 'notebook') {
    items.unshift({ key: 'chat', label: 'chat', description: book.chat ? 'on' : 'off', detail: 'Send earlier prompts and their answers as history' });
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: scope.kind === 'cell' ? `Settings for cell ${scope.cell.index + 1} (override the notebook)` : 'Notebook settings (cells may override them)',
    placeHolder: 'Pick a setting to change',
  });
  if (!picked) return false;
  if (picked.key === 'chat') {
    await updateNotebookMetadata(notebook, { ...book, chat: !book.chat });
    return true;
  }
  const key = picked.key;
  const current = key === 'systemInstruction' ? own.systemInstruction : own.generationConfig?.[key];
  const input = await vscode.window.showInputBox({
    title: `${key} for ${scope.kind === 'cell' ? `cell ${scope.cell.index + 1}` : 'the notebook'}`,
    prompt: `${SETTING_HELP[key]}. Leave empty to ${scope.kind === 'cell' ? 'use the notebook value' : 'use the model default'}.`,
    value: formatValue(current),
    validateInput: (text) => (key === 'systemInstruction' ? undefined : 'error' in parseSettingInput(key, text) ? (parseSettingInput(key, text) as { error: string }).error : undefined),
  });
  if (input === undefined) return false;
  const next: PromptSettings = { ...own, generationConfig: { ...own.generationConfig } };
  if (key === 'systemInstruction') {
    if (input.trim() === '') delete next.systemInstruction;
    else next.systemInstruction = unescapeFromInputBox(input);
  } else {
    const parsed = parseSettingInput(key, input);
    if ('error' in parsed) return false;
    if (parsed.value === undefined) delete next.generationConfig![key];
    else (next.generationConfig as Record<string, unknown>)[key] = parsed.value;
  }
  if (next.generationConfig && Object.keys(next.generationConfig).length === 0) delete next.generationConfig;
  if (scope.kind === 'cell') {
    const metadata = { ...scope.cell.metadata, ...next };
    if (!next.generationConfig) delete metadata.generationConfig;
    if (next.systemInstruction === undefined) delete metadata.systemInstruction;
    const edit = new vscode.WorkspaceEdit();
    edit.set(notebook.uri, [vscode.NotebookEdit.updateCellMetadata(scope.cell.index, metadata)]);
    return vscode.workspace.applyEdit(edit);
  }
  const metadata: TunebookMetadata = { ...book, ...next };
  if (!next.generationConfig) delete metadata.generationConfig;
  if (next.systemInstruction === undefined) delete metadata.systemInstruction;
  await updateNotebookMetadata(notebook, metadata);
  return true;
}

export async function updateNotebookMetadata(notebook: vscode.NotebookDocument, metadata: TunebookMetadata): Promise<boolean> {
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [vscode.NotebookEdit.updateNotebookMetadata(metadata)]);
  return vscode.workspace.applyEdit(edit);
}

/** Per prompt cell: the effective settings (click to edit) and the last run's tokens and timings. */
export class PromptCellStatusBar implements vscode.NotebookCellStatusBarItemProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCellStatusBarItems = this.changed.event;
  private readonly subscription = vscode.workspace.onDidChangeNotebookDocument((e) => {
    if (e.metadata) this.changed.fire();
  });

  provideCellStatusBarItems(cell: vscode.NotebookCell): vscode.NotebookCellStatusBarItem[] {
    if (!isPromptCell(cell)) return [];
    const book = notebookSettings(cell.notebook);
    const own = cellSettings(cell);
    const effective = effectiveSettings(book, own);
    const overridden = own.systemInstruction !== undefined || Object.keys(own.generationConfig ?? {}).length > 0;
    const settings = new vscode.NotebookCellStatusBarItem(
      `$(settings-gear) ${describeSettings(effective, book.chat === true)}${overridden ? ' (cell)' : ''}`,
      vscode.NotebookCellStatusBarAlignment.Left,
    );
    settings.command = { command: NOTEBOOK_COMMANDS.editCellSettings, title: 'Edit Prompt Settings', arguments: [cell] };
    settings.tooltip = `Model: ${book.model ?? 'none chosen'}\nEffective settings: ${JSON.stringify({ ...effective, chat: book.chat === true })}\nClick to change them for this cell.`;
    const items = [settings];

    const answer = cell.outputs.map((o) => o.metadata as Partial<AnswerOutputMetadata> | undefined).find((m) => m?.role === 'answer' && m.candidateIndex === 0);
    if (answer?.stats) {
      const stats = new vscode.NotebookCellStatusBarItem(`$(pulse) ${describeStats(answer.stats)}`, vscode.NotebookCellStatusBarAlignment.Right);
      stats.tooltip = `Tokens (prompt → answer) from usage metadata, time to first token, total time; ${answer.stats.updates} output updates.`;
      items.push(stats);
    }
    const comparison = cell.outputs.map((o) => o.metadata as Partial<ComparisonOutputMetadata> | undefined).find((m) => m?.role === 'comparison');
    for (const [side, stats] of [['tuned', comparison?.tunedStats], ['base', comparison?.baseStats]] as const) {
      if (!stats) continue;
      const item = new vscode.NotebookCellStatusBarItem(`$(pulse) ${side} ${describeStats(stats)}`, vscode.NotebookCellStatusBarAlignment.Right);
      item.tooltip = `The ${side} model's answer: tokens (prompt → answer) from usage metadata, time to first token, total time; ${stats.updates} output updates.`;
      items.push(item);
    }
    if (answer?.cancelled) {
      items.push(new vscode.NotebookCellStatusBarItem('$(debug-stop) cancelled', vscode.NotebookCellStatusBarAlignment.Right));
    } else if (answer?.finishReason && answer.finishReason !== 'STOP') {
      items.push(new vscode.NotebookCellStatusBarItem(`$(warning) ${answer.finishReason}`, vscode.NotebookCellStatusBarAlignment.Right));
    } else if (answer?.interrupted) {
      items.push(new vscode.NotebookCellStatusBarItem('$(error) interrupted', vscode.NotebookCellStatusBarAlignment.Right));
    }
    if (book.chat && cellAnswer(cell) === undefined && cell.executionSummary?.success === undefined) {
      const hint = new vscode.NotebookCellStatusBarItem('$(comment-discussion) not in history until run', vscode.NotebookCellStatusBarAlignment.Right);
      hint.tooltip = 'In chat mode, only prompts with a completed answer are sent as history to later cells.';
      items.push(hint);
    }
    return items;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
