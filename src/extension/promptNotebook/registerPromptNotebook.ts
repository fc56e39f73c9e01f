import * as vscode from 'vscode';
import { TUNEBOOK_NOTEBOOK_TYPE } from '../../core/promptNotebook/tunebookFormat';
import { type TestHooks } from '../testHooks';
import { registerGuarded } from '../ui/commands';
import { NOTEBOOK_COMMANDS } from './commandIds';
import { addAsTrainingExample, type AddExampleOptions } from './commands/addAsTrainingExample';
import { editCellSettings } from './commands/editCellSettings';
import { editSettings } from './commands/editSettings';
import { evaluateTunedModel } from './commands/evaluateTunedModel';
import { openInNotebook } from './commands/openInNotebook';
import { runAgainstBaseModel } from './commands/runAgainstBaseModel';
import { toggleChatMode } from './commands/toggleChatMode';
import { type NotebookModelSource, PromptControllers } from './controllers';
import type { BackendConnection } from '../backend/connection';
import { VERTEX_BASE_MODELS_SETTING } from '../backend/vertexBaseModels';
import { notebookBackend } from './notebookBackend';
import { PromptRunner } from './execution';
import { PromptRunRecorder } from './runRecorder';
import { TunebookSerializer } from './serializer';
import { PromptCellStatusBar } from './settingsUi';

export interface PromptNotebookDeps {
  readonly context: Pick<vscode.ExtensionContext, 'extension'>;
  readonly log: vscode.LogOutputChannel;
  readonly connection: Pick<BackendConnection, 'onDidChange' | 'getClient' | 'getVertexBackend' | 'kind'>;
  readonly store: NotebookModelSource & { readonly loaded?: boolean };
  /** Present only when the extension runs its tests: the notebook fills its section. */
  readonly testHooks?: TestHooks;
}

export function registerPromptNotebook({ context, log, connection, store, testHooks }: PromptNotebookDeps): vscode.Disposable {
  const extensionId = context.extension.id;
  const recorder = testHooks ? new PromptRunRecorder() : undefined;
  const backend = notebookBackend(connection, store);
  const runner = new PromptRunner(() => backend.getClient(), log, recorder);
  const controllers = new PromptControllers(backend, store, runner, log, extensionId);
  const statusBar = new PromptCellStatusBar();
  if (testHooks && recorder) testHooks.promptNotebook = recorder.hooks(controllers);

  const models = { controllers, store, extensionId };
  return vscode.Disposable.from(
    vscode.workspace.registerNotebookSerializer(TUNEBOOK_NOTEBOOK_TYPE, new TunebookSerializer(), {
      transientOutputs: false,
      transientCellMetadata: { inputCollapsed: true, outputCollapsed: true },
    }),
    controllers,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (connection.kind === 'vertex' && e.affectsConfiguration(VERTEX_BASE_MODELS_SETTING)) void controllers.reloadBaseModels();
    }),
    statusBar,
    vscode.notebooks.registerNotebookCellStatusBarItemProvider(TUNEBOOK_NOTEBOOK_TYPE, statusBar),
    registerGuarded(NOTEBOOK_COMMANDS.openInNotebook, 'Open in Prompt Notebook failed', (arg?: unknown) => openInNotebook(models, arg), log),
    registerGuarded(NOTEBOOK_COMMANDS.runAgainstBaseModel, 'Run Against Base Model Too failed', (arg?: unknown) => runAgainstBaseModel({ controllers, store, runner }, arg), log),
    registerGuarded(
      NOTEBOOK_COMMANDS.evaluateTunedModel,
      'Evaluate Tuned Model failed',
      (spec?: unknown, model?: unknown) => evaluateTunedModel({ ...models, runner, log }, spec, model),
      log,
    ),
    registerGuarded(
      NOTEBOOK_COMMANDS.addAsTrainingExample,
      'Add as Training Example failed',
      (cell?: unknown, options?: AddExampleOptions) => addAsTrainingExample({ log }, cell, options),
      log,
    ),
    registerGuarded(NOTEBOOK_COMMANDS.toggleChatMode, 'Toggle Chat Mode failed', toggleChatMode, log),
    registerGuarded(NOTEBOOK_COMMANDS.editSettings, 'Prompt Notebook Settings failed', editSettings, log),
    registerGuarded(NOTEBOOK_COMMANDS.editCellSettings, 'Prompt Settings failed', editCellSettings, log),
    ...(recorder ? [recorder] : []),
  );
}
