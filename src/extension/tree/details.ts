import * as vscode from 'vscode';
import { modelDetailsText } from '../../core/tunedModels/details';
import { type TuningBackendSource } from '../backend/tuningBackend';
import { type TunedModelsStore } from '../tunedModelsStore';

export const MODEL_DETAILS_SCHEME = 'gemini-tuning-model';

/** `gemini-tuning-model:/tunedModels/<id>.json`: a read-only JSON view of one model. */
export function modelDetailsUri(name: string): vscode.Uri {
  return vscode.Uri.from({ scheme: MODEL_DETAILS_SCHEME, path: `/${name}.json` });
}

function modelNameOf(uri: vscode.Uri): string {
  return uri.path.replace(/^\//, '').replace(/\.json$/, '');
}

/**
 * Serves the model's JSON as the backend returns it (a Vertex AI job's after a summary, as comments). Documents of this scheme are read-only;
 * they update when the store sees the model change.
 */
export class ModelDetailsProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly open = new Map<string, string>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly backend: TuningBackendSource,
    private readonly store: TunedModelsStore,
  ) {
    this.subscriptions.push(
      store.onDidChange(() => {
        for (const [name, json] of this.open) {
          const model = store.get(name);
          if (model && modelDetailsText(model) !== json) this.emitter.fire(modelDetailsUri(name));
        }
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme === MODEL_DETAILS_SCHEME) this.open.delete(modelNameOf(doc.uri));
      }),
    );
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const name = modelNameOf(uri);
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    try {
      const model = await (await this.backend()).getModel(name, { signal: controller.signal });
      const text = modelDetailsText(model);
      this.open.set(name, text);
      return text;
    } catch (error) {
      const known = this.store.get(name);
      if (known) {
        const text = modelDetailsText(known);
        this.open.set(name, text);
        return text;
      }
      throw error;
    } finally {
      cancel.dispose();
    }
  }

  dispose(): void {
    this.emitter.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
