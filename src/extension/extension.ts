import * as vscode from 'vscode';
import { type BackendConnection } from './backend/connection';
import { SwappablePrompts } from './ui/prompts';
import { createBackend } from './backend/registerBackend';
import { tuningJobSubmitter } from './backend/tuningBackend';
import { registerLossChart } from './lossChart/registerLossChart';
import { registerPromptNotebook } from './promptNotebook/registerPromptNotebook';
import { registerSpecFeatures } from './tuningSpecEditor/registerTuningSpecEditor';
import { createTunedModelsStore } from './editorTunedModelsStore';
import { registerTunedModelsTree } from './tree/registerTunedModelsTree';
import { createTestHooks, type TestHooks } from './testHooks';
import { type TunedModelsStore } from './tunedModelsStore';
import { registerWalkthrough, WalkthroughProgress } from './walkthrough/registerWalkthrough';

/** What `activate` returns: the services, so that integration tests can drive and observe them. */
export interface GeminiTuningApi {
  readonly backend: BackendConnection;
  readonly store: TunedModelsStore;
  /** Tests answer dialogs with `prompts.use(...)`. */
  readonly prompts: SwappablePrompts;
  /** Where the extension writes: its log files, global and workspace storage (tests check what lands there). */
  readonly locations: Pick<vscode.ExtensionContext, 'logUri' | 'globalStorageUri' | 'storageUri'>;
  /** Present only when the extension runs its tests. */
  readonly testHooks: TestHooks | undefined;
}

export function activate(context: vscode.ExtensionContext): GeminiTuningApi {
  const log = vscode.window.createOutputChannel('Gemini Tuning', { log: true });
  context.subscriptions.push(log);
  try {
    const testHooks = createTestHooks(context);
    const prompts = new SwappablePrompts();
    const backend = createBackend(context, log, prompts, testHooks);
    context.subscriptions.push(backend.disposable);
    const connection = backend.connection;
    const store = createTunedModelsStore(connection, backend.settings, log);
    context.subscriptions.push(store);

    context.subscriptions.push(registerTunedModelsTree({ connection, store, prompts, logChannel: log, testHooks }));

    const walkthrough = new WalkthroughProgress();
    context.subscriptions.push(registerWalkthrough({ context, log, progress: walkthrough, testHooks }));

    context.subscriptions.push(
      registerSpecFeatures({ context, log, backend: tuningJobSubmitter(connection, (op) => store.track(op), (model) => store.upsert(model)), prompts, testHooks, onSpecCreated: () => walkthrough.reach('specCreated') }),
    );

    context.subscriptions.push(registerPromptNotebook({ context, log, connection, store, testHooks }));

    context.subscriptions.push(registerLossChart({ context, log, store, connection, prompts, testHooks }));

    log.info(`activated in VS Code ${vscode.version}`);
    const { logUri, globalStorageUri, storageUri } = context;
    return { backend: connection, store, prompts, locations: { logUri, globalStorageUri, storageUri }, testHooks };
  } catch (error) {
    log.error('activation failed', error);
    void vscode.window.showErrorMessage(`Gemini Tuning could not start: ${error instanceof Error ? error.message : String(error)}`, 'Show Log').then((c) => {
      if (c) log.show();
    });
    throw error;
  }
}

export function deactivate(): void {}
