import * as vscode from 'vscode';
import { taggedLog } from '../../core/util/log';
import { type BackendConnection } from '../backend/connection';
import { tuningBackendSource } from '../backend/tuningBackend';
import { type TestHooks } from '../testHooks';
import { type TunedModelsStore } from '../tunedModelsStore';
import { registerGuarded } from '../ui/commands';
import { type ErrorLog } from '../ui/notify';
import { type Notifier, type Prompts } from '../ui/prompts';
import { cancelTuningJob } from './commands/cancelTuningJob';
import { clearFilter } from './commands/clearFilter';
import { copyModelAsCurl } from './commands/copyCurl';
import { copyModelName } from './commands/copyName';
import { copyModelAsTypeScript } from './commands/copyTypeScript';
import { deleteModel } from './commands/delete';
import { editModel } from './commands/edit';
import { filterModels } from './commands/filter';
import { createModelResolver, type ModelArgument, type ModelCommandDeps } from './commands/modelResolver';
import { refreshModels } from './commands/refresh';
import { renameModel } from './commands/rename';
import { revealModel, revealModels } from './commands/reveal';
import { shareModel } from './commands/share';
import { showModelDetails } from './commands/showDetails';
import { TreeCommands } from './commands/treeCommandIds';
import { tuneAgain } from './commands/tuneAgain';
import { MODEL_DETAILS_SCHEME, ModelDetailsProvider } from './details';
import { registerJobsStatusBar, RunningJobs } from './jobsStatusBar';
import { registerStateNotifications } from './notifications';
import { type TunedModelsNode, TunedModelsTreeProvider } from './provider';
import { TunedModelsViewState } from './viewState';

export const TUNED_MODELS_VIEW = 'geminiTuning.tunedModels';

export interface TunedModelsTreeDeps {
  readonly connection: BackendConnection;
  readonly store: TunedModelsStore;
  readonly prompts: Prompts & Notifier;
  readonly logChannel: vscode.LogOutputChannel;
  readonly testHooks?: TestHooks;
}

/** The "Tuned Models" view: tree, welcome states, item commands and job notifications. */
export function registerTunedModelsTree(deps: TunedModelsTreeDeps): vscode.Disposable {
  const { store, connection, prompts } = deps;
  const log = taggedLog(deps.logChannel, 'tree');
  const errorLog: ErrorLog = { ...log, show: (preserveFocus) => deps.logChannel.show(preserveFocus) };
  const runningJobs = new RunningJobs(store);
  const provider = new TunedModelsTreeProvider(store, Date.now, (name) => runningJobs.estimate(name));
  const jobsStatusBar = registerJobsStatusBar(runningJobs, TUNED_MODELS_VIEW);
  const treeView = vscode.window.createTreeView<TunedModelsNode>(TUNED_MODELS_VIEW, {
    treeDataProvider: provider,
    canSelectMany: true,
    showCollapseAll: true,
  });
  const backend = tuningBackendSource(connection, (name) => store.followedOperation(name));
  const details = new ModelDetailsProvider(backend, store);
  const resolveModel = createModelResolver({ backend, store, treeView, prompts, errorLog });
  const model: ModelCommandDeps = { resolveModel, connection, backend, store, prompts, log };
  if (deps.testHooks) deps.testHooks.tunedModelsTree = { provider, treeView, jobsStatusBar: jobsStatusBar.view };

  return vscode.Disposable.from(
    jobsStatusBar,
    runningJobs,
    provider,
    treeView,
    details,
    vscode.workspace.registerTextDocumentContentProvider(MODEL_DETAILS_SCHEME, details),
    new TunedModelsViewState(store, treeView),
    registerStateNotifications(store, prompts, (names) => revealModels({ provider, treeView }, names)),
    registerGuarded(TreeCommands.refresh, 'Could not refresh the tuned models', () => refreshModels({ store }), errorLog),
    registerGuarded(TreeCommands.filter, 'The filter was not applied', (value?: unknown) => filterModels({ store, prompts }, value), errorLog),
    registerGuarded(TreeCommands.clearFilter, 'The filter was not applied', () => clearFilter({ store, prompts }), errorLog),
    registerGuarded(TreeCommands.reveal, 'Could not show the model', (name: unknown) => revealModel({ store, provider, treeView }, name), errorLog),
    registerGuarded(TreeCommands.copyName, 'Could not copy the name', (arg?: ModelArgument, selection?: unknown) => copyModelName(model, arg, selection), errorLog),
    registerGuarded(TreeCommands.copyCurl, 'Could not copy the curl command', (arg?: ModelArgument) => copyModelAsCurl(model, arg), errorLog),
    registerGuarded(TreeCommands.copyTypeScript, 'Could not copy the TypeScript snippet', (arg?: ModelArgument) => copyModelAsTypeScript(model, arg), errorLog),
    registerGuarded(TreeCommands.rename, 'Could not rename the model', (arg?: ModelArgument) => renameModel(model, arg), errorLog),
    registerGuarded(TreeCommands.edit, 'Could not edit the model', (arg?: ModelArgument) => editModel(model, arg), errorLog),
    registerGuarded(TreeCommands.delete, 'Could not delete the model', (arg?: ModelArgument, selection?: unknown) => deleteModel(model, arg, selection), errorLog),
    registerGuarded(TreeCommands.share, 'Could not change sharing', (arg?: ModelArgument) => shareModel(model, arg), errorLog),
    registerGuarded(TreeCommands.details, 'Could not show the model details', (arg?: ModelArgument) => showModelDetails(model, arg), errorLog),
    registerGuarded(TreeCommands.tuneAgain, 'Could not create the spec', (arg?: ModelArgument) => tuneAgain(model, arg), errorLog),
    registerGuarded(TreeCommands.cancelTuningJob, 'Could not cancel the tuning job', (arg?: ModelArgument) => cancelTuningJob(model, arg), errorLog),
  );
}
