import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TunedModel } from '../../core/api/types';
import { escapeMarkdownText, inertNotificationText, markdownCodeSpan } from '../../core/util/inertText';
import { nodeFileSystem } from '../../core/tuningSpec/nodeFileSystem';
import { validateSpec } from '../../core/tuningSpec/validateSpec';
import { type NotebookBackend, type NotebookModelSource, PromptControllers, selectController } from './controllers';
import { evaluationBook, type HeldOutExample, resultsMarkdown } from '../../core/promptNotebook/evaluation';
import { type CellRunResult, isPromptCell, notebookSettings, PromptRunner } from './execution';
import { PROMPT_LANGUAGE, type Tunebook, TUNEBOOK_NOTEBOOK_TYPE } from '../../core/promptNotebook/tunebookFormat';
import { type AnswerOutputMetadata, type ComparisonOutputMetadata } from '../../core/promptNotebook/outputMetadata';
import { appendExampleToSpec, escapeForInputBox, jsonlAppendText, PromoteError, unescapeFromInputBox } from '../../core/promptNotebook/promote';
import { overallScore, type OverallScore, type ExampleScore } from '../../core/promptNotebook/scoring';
import { outputText, toNotebookData, TunebookSerializer } from './serializer';
import { EDIT_CELL_SETTINGS_COMMAND, editSettings, PromptCellStatusBar, updateNotebookMetadata } from './settingsUi';

export const NOTEBOOK_COMMANDS = {
  openInNotebook: 'geminiTuning.openInNotebook',
  compareWithBase: 'geminiTuning.notebook.runAgainstBaseModel',
  evaluate: 'geminiTuning.evaluateTunedModel',
  addAsTrainingExample: 'geminiTuning.notebook.addAsTrainingExample',
  toggleChat: 'geminiTuning.notebook.toggleChatMode',
  editNotebookSettings: 'geminiTuning.notebook.editSettings',
  editCellSettings: EDIT_CELL_SETTINGS_COMMAND,
} as const;

/** Registered only when the extension runs its tests; not a geminiTuning.* command, so never contributed. */
export const NOTEBOOK_TEST_PROBE_COMMAND = '_geminiTuning.notebook.testProbe';

export type NotebookTestProbeRequest =
  | { op: 'lastRequest'; cell: string }
  | { op: 'controllers' }
  /** Number of finished runs of a cell. */
  | { op: 'finishedRuns'; cell: string }
  /** Resolves with the count once a cell has finished at least `count` runs. */
  | { op: 'waitForRuns'; cell: string; count: number; timeoutMs?: number };

export interface PromptNotebookDeps {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly connection: NotebookBackend;
  readonly store: NotebookModelSource;
}

export interface EvaluationResult {
  notebook: vscode.Uri;
  model: string;
  perCell: { input: string; expected: string; answer: string; score: ExampleScore | undefined }[];
  overall: OverallScore;
}

/** Options the add-example command accepts from scripts and tests instead of asking. */
export interface AddExampleOptions {
  target?: vscode.Uri;
  output?: string;
  candidateIndex?: number;
}

const SPEC_GLOB = '**/*.tuning.{yaml,yml}';

/** VS Code asks for trust before it runs a notebook cell; the commands that send prompts themselves ask the same. */
export const RESTRICTED_MODE_NO_RUN =
  'Restricted Mode: prompts are not sent from an untrusted workspace. Trust the workspace to run prompt cells.';
export const RESTRICTED_MODE_NO_EVALUATION =
  'Restricted Mode: a spec in an untrusted workspace is not evaluated, because it decides which files are read and sent to the model. Trust the workspace to evaluate tuned models on it.';

/** Where a held-out example came from, e.g. `validation.examples[2]` or `line 3 of held-out.jsonl`. */
function describeOrigin(example: unknown): string {
  const e = example as { origin?: { describe?(at: number): string }; at?: number; where?: unknown };
  if (typeof e.where === 'string') return e.where;
  if (typeof e.origin?.describe === 'function' && typeof e.at === 'number') return e.origin.describe(e.at);
  return 'validation';
}

function modelNameOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (!arg || typeof arg !== 'object') return undefined;
  const record = arg as Record<string, unknown>;
  const nested = record.model;
  if (nested && typeof nested === 'object' && typeof (nested as TunedModel).name === 'string') return (nested as TunedModel).name;
  for (const key of ['name', 'modelName', 'id']) {
    const value = record[key];
    if (typeof value === 'string' && /^(tunedModels|models)\//.test(value)) return value;
  }
  return undefined;
}

function activeCell(arg: unknown): vscode.NotebookCell | undefined {
  if (arg && typeof arg === 'object' && 'notebook' in arg && 'document' in arg) return arg as vscode.NotebookCell;
  const editor = vscode.window.activeNotebookEditor;
  if (!editor || editor.notebook.notebookType !== TUNEBOOK_NOTEBOOK_TYPE) return undefined;
  const index = editor.selections[0]?.start;
  return index === undefined ? undefined : editor.notebook.cellAt(index);
}

export function registerPromptNotebook(deps: PromptNotebookDeps): vscode.Disposable {
  const { context, log, connection, store } = deps;
  const extensionId = context.extension.id;
  const runner = new PromptRunner(() => connection.getClient(), log);
  const controllers = new PromptControllers(connection, store, runner, log);
  const statusBar = new PromptCellStatusBar();

  const showError = async (message: string): Promise<void> => {
    // Messages carry server errors and file names, which must not turn into links.
    const choice = await vscode.window.showErrorMessage(inertNotificationText(message), 'Show Log');
    if (choice === 'Show Log') log.show();
  };

  const pickModel = async (placeHolder: string, onlyTuned: boolean): Promise<string | undefined> => {
    await controllers.loadBaseModels();
    const tuned = store.models.filter((m) => m.state === 'ACTIVE' && m.name);
    const items: (vscode.QuickPickItem & { model: string })[] = tuned.map((m) => ({
      model: m.name!,
      label: m.displayName || m.name!,
      description: m.name,
      detail: `tuned from ${m.baseModel ?? m.tunedModelSource?.baseModel ?? 'another model'}`,
    }));
    if (!onlyTuned) {
      for (const name of controllers.modelNames) {
        if (controllers.kindOf(name) === 'base') items.push({ model: name, label: name, description: 'base model' });
      }
    }
    if (items.length === 0) {
      void vscode.window.showInformationMessage(onlyTuned ? 'There is no ACTIVE tuned model on this backend yet.' : 'This backend lists no models yet.');
      return undefined;
    }
    return (await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true }))?.model;
  };

  /** Opens an untitled notebook, shows it and selects the controller of its model. */
  const openBook = async (book: Tunebook): Promise<{ notebook: vscode.NotebookDocument; editor: vscode.NotebookEditor; controller: vscode.NotebookController }> => {
    const model = book.metadata.model!;
    controllers.ensure(model);
    const notebook = await vscode.workspace.openNotebookDocument(TUNEBOOK_NOTEBOOK_TYPE, toNotebookData(book));
    const editor = await vscode.window.showNotebookDocument(notebook);
    const controller = controllers.ensure(model);
    await selectController(editor, controller, extensionId);
    return { notebook, editor, controller };
  };

  const openInNotebook = async (arg?: unknown): Promise<vscode.Uri | undefined> => {
    const model = modelNameOf(arg) ?? (await pickModel('Model to send the prompts to', false));
    if (!model) return undefined;
    if (!store.get(model) && model.startsWith('tunedModels/')) await store.refresh?.();
    const tuned = store.get(model);
    const title = tuned?.displayName || model;
    const { notebook } = await openBook({
      metadata: { model, chat: false },
      cells: [
        { kind: 'markdown', source: `# Prompts for ${escapeMarkdownText(title)}\n\nEach code cell is a prompt; run it to stream the answer of ${markdownCodeSpan(model)}.` },
        { kind: 'prompt', source: '' },
      ],
    });
    return notebook.uri;
  };

  const compareWithBase = async (arg?: unknown): Promise<CellRunResult | undefined> => {
    const cell = activeCell(arg);
    if (!cell || !isPromptCell(cell)) {
      void vscode.window.showInformationMessage('Select a prompt cell of a prompt notebook first.');
      return undefined;
    }
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage(RESTRICTED_MODE_NO_RUN);
      return undefined;
    }
    const model = notebookSettings(cell.notebook).model;
    if (!model) {
      void vscode.window.showInformationMessage('Choose the notebook\'s model first (the kernel picker at the top right).');
      return undefined;
    }
    const tuned = store.get(model);
    const base = tuned?.baseModel ?? tuned?.tunedModelSource?.baseModel;
    if (!base) {
      void vscode.window.showInformationMessage(
        model.startsWith('models/') ? `${model} is a base model already: choose a tuned model to compare.` : `The base model of ${model} is not known on this backend.`,
      );
      return undefined;
    }
    const controller = controllers.ensure(model);
    return runner.compareCell(controller, cell, model, base);
  };

  const readHeldOut = async (spec: vscode.Uri): Promise<HeldOutExample[]> => {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === spec.toString());
    const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(spec));
    const validation = await validateSpec(text, spec.fsPath, { fs: nodeFileSystem });
    return validation.validation.map((e) => ({ textInput: e.textInput, output: e.output, where: describeOrigin(e) }));
  };

  const evaluate = async (specArg?: unknown, modelArg?: unknown): Promise<EvaluationResult | undefined> => {
    let spec = specArg instanceof vscode.Uri ? specArg : undefined;
    if (!spec) {
      const active = vscode.window.activeTextEditor?.document.uri;
      if (active && /\.tuning\.ya?ml$/.test(active.path)) spec = active;
    }
    if (!spec) {
      const found = await vscode.workspace.findFiles(SPEC_GLOB, '**/node_modules/**', 200);
      const picked = await vscode.window.showQuickPick(
        found.map((uri) => ({ uri, label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri) })),
        { placeHolder: 'Spec whose validation: examples to evaluate on' },
      );
      spec = picked?.uri;
    }
    if (!spec) return undefined;
    if (!vscode.workspace.isTrusted && (vscode.workspace.getWorkspaceFolder(spec) !== undefined || spec.scheme !== 'file')) {
      log.warn(`[notebook] refused to evaluate on ${spec.toString(true)}: workspace not trusted`);
      void vscode.window.showErrorMessage(RESTRICTED_MODE_NO_EVALUATION);
      return undefined;
    }
    const examples = await readHeldOut(spec);
    if (examples.length === 0) {
      await showError(`${path.basename(spec.fsPath)} has no validation: examples to evaluate on. Add held-out examples under validation: (examples or examplesFile).`);
      return undefined;
    }
    const model = modelNameOf(modelArg) ?? (await pickModel(`Tuned model to evaluate on ${examples.length} held-out examples`, true));
    if (!model) return undefined;

    const { notebook, controller } = await openBook(evaluationBook(model, vscode.workspace.asRelativePath(spec), examples));
    const cells = notebook.getCells().filter(isPromptCell);
    const results = await runner.runCells(controller, cells, model, { stopOnFailure: false });
    const perCell = cells.map((cell, i) => ({
      input: cell.document.getText(),
      expected: examples[i].output,
      answer: results[i]?.text ?? '',
      score: results[i]?.score && results[i].ok ? results[i].score : undefined,
    }));
    const overall = overallScore(perCell.map((r) => r.score));
    const last = notebook.cellCount - 1;
    const edit = new vscode.WorkspaceEdit();
    edit.set(notebook.uri, [
      vscode.NotebookEdit.replaceCells(new vscode.NotebookRange(last, last + 1), [
        new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, resultsMarkdown(perCell, overall), 'markdown'),
      ]),
    ]);
    await vscode.workspace.applyEdit(edit);
    log.info(`[notebook] evaluated ${model} on ${overall.count} examples: exact ${overall.exactMatches}/${overall.count}, mean F1 ${overall.meanF1.toFixed(3)}`);
    return { notebook: notebook.uri, model, perCell, overall };
  };

  const addAsTrainingExample = async (arg?: unknown, options: AddExampleOptions = {}): Promise<vscode.Uri | undefined> => {
    const cell = activeCell(arg);
    if (!cell || !isPromptCell(cell)) {
      void vscode.window.showInformationMessage('Select a prompt cell with an answer first.');
      return undefined;
    }
    const answers: { label: string; text: string; index: number }[] = [];
    for (const output of cell.outputs) {
      const role = (output.metadata as { role?: string } | undefined)?.role;
      if (role === 'answer') {
        const meta = output.metadata as AnswerOutputMetadata;
        answers.push({ label: `Candidate ${meta.candidateIndex + 1}`, text: outputText(output), index: meta.candidateIndex });
      }
      if (role === 'comparison') {
        const meta = output.metadata as ComparisonOutputMetadata;
        answers.push({ label: `Tuned answer (${meta.tunedModel})`, text: meta.tunedText, index: 0 });
        answers.push({ label: `Base answer (${meta.baseModel})`, text: meta.baseText, index: 1 });
      }
    }
    let output = options.output;
    if (output === undefined) {
      let chosen = answers.find((a) => a.index === (options.candidateIndex ?? 0)) ?? answers[0];
      if (answers.length > 1 && options.candidateIndex === undefined) {
        const picked = await vscode.window.showQuickPick(
          answers.map((a) => ({ ...a, description: a.text.replace(/\s+/g, ' ').slice(0, 80) })),
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
      if (edited === undefined) return undefined;
      output = unescapeFromInputBox(edited);
    }
    let target = options.target;
    if (!target) {
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
      target = picked.uri ?? (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Specs and JSONL': ['yaml', 'yml', 'jsonl'] } }))?.[0];
      if (!target) return undefined;
    }
    const example = { textInput: cell.document.getText(), output };
    const document = await vscode.workspace.openTextDocument(target);
    const wasDirty = document.isDirty;
    const before = document.getText();
    const edit = new vscode.WorkspaceEdit();
    if (/\.jsonl$/i.test(target.path)) {
      edit.insert(target, document.positionAt(before.length), jsonlAppendText(before, example));
    } else {
      let after: string;
      try {
        after = appendExampleToSpec(before, example);
      } catch (e) {
        if (e instanceof PromoteError) {
          await showError(`${path.basename(target.fsPath)}: ${e.message}`);
          return undefined;
        }
        throw e;
      }
      let start = 0;
      while (start < before.length && start < after.length && before[start] === after[start]) start++;
      let endBefore = before.length;
      let endAfter = after.length;
      while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
        endBefore--;
        endAfter--;
      }
      edit.replace(target, new vscode.Range(document.positionAt(start), document.positionAt(endBefore)), after.slice(start, endAfter));
    }
    if (!(await vscode.workspace.applyEdit(edit))) {
      await showError(`Could not edit ${path.basename(target.fsPath)}.`);
      return undefined;
    }
    if (!wasDirty) await document.save();
    const shown = path.basename(target.fsPath);
    void vscode.window.showInformationMessage(inertNotificationText(`Added the example to ${shown}${wasDirty ? ' (the file had unsaved changes, so it was not saved)' : ''}.`), 'Open').then((choice) => {
      if (choice === 'Open') void vscode.window.showTextDocument(document);
    });
    return target;
  };

  const toggleChat = async (arg?: unknown): Promise<boolean | undefined> => {
    const notebook = (arg as { notebookEditor?: vscode.NotebookEditor } | undefined)?.notebookEditor?.notebook ?? vscode.window.activeNotebookEditor?.notebook;
    if (!notebook || notebook.notebookType !== TUNEBOOK_NOTEBOOK_TYPE) return undefined;
    const chat = !notebookSettings(notebook).chat;
    await updateNotebookMetadata(notebook, { ...notebookSettings(notebook), chat });
    void vscode.window.setStatusBarMessage(chat ? 'Chat mode on: earlier prompts and answers are sent as history' : 'Chat mode off: each prompt is sent alone', 4000);
    return chat;
  };

  const run = <T>(what: string, fn: (...args: unknown[]) => Promise<T>) =>
    async (...args: unknown[]): Promise<T | undefined> => {
      try {
        return await fn(...args);
      } catch (e) {
        log.error(`[notebook] ${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        await showError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
    };

  const testing = context.extensionMode === vscode.ExtensionMode.Test;
  const testProbe = testing
    ? vscode.commands.registerCommand(NOTEBOOK_TEST_PROBE_COMMAND, (request: NotebookTestProbeRequest) => {
        switch (request.op) {
          case 'lastRequest':
            return runner.lastRequests.get(request.cell);
          case 'finishedRuns':
            return runner.finishedRuns.get(request.cell) ?? 0;
          case 'waitForRuns':
            return new Promise<number>((resolve, reject) => {
              const check = (): boolean => {
                const n = runner.finishedRuns.get(request.cell) ?? 0;
                if (n < request.count) return false;
                clearTimeout(timer);
                listener.dispose();
                resolve(n);
                return true;
              };
              const timer = setTimeout(() => {
                listener.dispose();
                reject(new Error(`cell ${request.cell} did not finish run ${request.count} in time`));
              }, request.timeoutMs ?? 60_000);
              const listener = runner.onDidFinishRun(() => void check());
              check();
            });
          case 'controllers':
            return controllers.modelNames.map((model) => ({ model, kind: controllers.kindOf(model), id: controllers.controllerFor(model)?.id, label: controllers.controllerFor(model)?.label }));
        }
      })
    : new vscode.Disposable(() => undefined);

  return vscode.Disposable.from(
    testProbe,
    vscode.workspace.registerNotebookSerializer(TUNEBOOK_NOTEBOOK_TYPE, new TunebookSerializer(), {
      transientOutputs: false,
      transientCellMetadata: { inputCollapsed: true, outputCollapsed: true },
    }),
    controllers,
    statusBar,
    vscode.notebooks.registerNotebookCellStatusBarItemProvider(TUNEBOOK_NOTEBOOK_TYPE, statusBar),
    vscode.commands.registerCommand(NOTEBOOK_COMMANDS.openInNotebook, run('Open in Prompt Notebook', openInNotebook)),
    vscode.commands.registerCommand(NOTEBOOK_COMMANDS.compareWithBase, run('Run Against Base Model Too', compareWithBase)),
    vscode.commands.registerCommand(NOTEBOOK_COMMANDS.evaluate, run('Evaluate Tuned Model', evaluate)),
    vscode.commands.registerCommand(NOTEBOOK_COMMANDS.addAsTrainingExample, run('Add as Training Example', (cell, options) => addAsTrainingExample(cell, options as AddExampleOptions))),
    vscode.commands.registerCommand(NOTEBOOK_COMMANDS.toggleChat, run('Toggle Chat Mode', toggleChat)),
    vscode.commands.registerCommand(
      NOTEBOOK_COMMANDS.editNotebookSettings,
      run('Prompt Notebook Settings', async (arg) => {
        const notebook = (arg as { notebookEditor?: vscode.NotebookEditor } | undefined)?.notebookEditor?.notebook ?? vscode.window.activeNotebookEditor?.notebook;
        return notebook && notebook.notebookType === TUNEBOOK_NOTEBOOK_TYPE ? editSettings({ kind: 'notebook', notebook }) : undefined;
      }),
    ),
    vscode.commands.registerCommand(
      NOTEBOOK_COMMANDS.editCellSettings,
      run('Prompt Settings', async (arg) => {
        const cell = activeCell(arg);
        return cell && isPromptCell(cell) ? editSettings({ kind: 'cell', cell }) : undefined;
      }),
    ),
  );
}

export { PROMPT_LANGUAGE };
