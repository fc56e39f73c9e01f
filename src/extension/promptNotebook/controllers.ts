import * as vscode from 'vscode';
import type { Model } from '../../core/api/types';
import type { TunedModelInfo } from '../../core/tuning/model';
import { checkpointLabel, promptableCheckpoints, vertexBaseModels } from '../../core/promptNotebook/modelChoice';
import { PROMPT_LANGUAGE, TUNEBOOK_NOTEBOOK_TYPE, type TunebookMetadata } from '../../core/promptNotebook/tunebookFormat';
import { type NotebookClient, notebookSettings, type PromptRunner } from './execution';

/** Where the notebook gets its client; `BackendConnection` is one. */
export interface NotebookBackend {
  readonly onDidChange: vscode.Event<void>;
  getClient(): Promise<NotebookClient>;
  readonly kind?: 'local' | 'gemini' | 'vertex';
}

/** The tuned models of the current backend; `TunedModelsStore` is one. */
export interface NotebookModelSource {
  readonly onDidChange: vscode.Event<void>;
  readonly models: readonly TunedModelInfo[];
  get(name: string): TunedModelInfo | undefined;
  refresh?(): Promise<void>;
}

export type ModelKind = 'tuned' | 'base' | 'unlisted';

interface ControllerEntry {
  readonly model: string;
  readonly kind: ModelKind;
  readonly controller: vscode.NotebookController;
  readonly selection: vscode.Disposable;
  /** What was last sent to the workbench, so that a sync sends only what changed. */
  readonly affinities: WeakMap<vscode.NotebookDocument, vscode.NotebookControllerAffinity>;
  labels?: string;
}

export const CONTROLLER_ID_PREFIX = 'gemini-tuning:';

export function controllerIdFor(model: string): string {
  return `${CONTROLLER_ID_PREFIX}${model}`;
}

function shortId(name: string): string {
  return name.replace(/^(tunedModels|models)\//, '');
}

function tunedLabels(model: TunedModelInfo, backend: string): { label: string; description: string; detail: string } {
  const base = model.baseModel;
  return {
    label: `${model.displayName || shortId(model.name)} — tuned`,
    description: model.name,
    detail: [base ? `tuned from ${shortId(base)}` : undefined, backend].filter(Boolean).join(' · '),
  };
}

function baseLabels(model: Model, backend: string): { label: string; description: string; detail: string } {
  return {
    label: `${model.displayName || shortId(model.name)} — base model`,
    description: model.name,
    detail: [model.description, backend].filter(Boolean).join(' · '),
  };
}

/**
 * One NotebookController per ACTIVE tuned model and per base model of the current backend, kept in
 * step with the store and the backend. A notebook bound to a model this backend does not list gets
 * an extra controller for that model, so running it shows the API's own answer (for example 404).
 */
export class PromptControllers implements vscode.Disposable {
  private readonly entries = new Map<string, ControllerEntry>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The model whose controller is selected in each open prompt notebook, when one of ours is. */
  private readonly selectedModels = new Map<vscode.NotebookDocument, string>();
  private readonly selecting = new Set<vscode.NotebookDocument>();
  private baseModels: Model[] = [];
  private baseModelsLoad: Promise<void> | undefined;
  private backendGeneration = 0;
  private vertexBaseModelsKey: string | undefined;

  constructor(
    private readonly backend: NotebookBackend,
    private readonly store: NotebookModelSource,
    private readonly runner: PromptRunner,
    private readonly log: vscode.LogOutputChannel,
    private readonly extensionId: string,
  ) {
    this.disposables.push(
      store.onDidChange(() => {
        this.followVertexBaseModels();
        this.sync();
      }),
      backend.onDidChange(() => {
        this.backendGeneration++;
        for (const entry of this.entries.values()) this.disposeEntry(entry);
        this.entries.clear();
        this.baseModels = [];
        this.baseModelsLoad = undefined;
        this.vertexBaseModelsKey = undefined;
        this.sync();
        void this.loadBaseModels();
      }),
      vscode.workspace.onDidOpenNotebookDocument(() => this.sync()),
      vscode.workspace.onDidCloseNotebookDocument((notebook) => {
        this.selectedModels.delete(notebook);
        this.sync();
      }),
      vscode.window.onDidChangeVisibleNotebookEditors(() => this.selectRememberedModels()),
      vscode.workspace.onDidChangeNotebookDocument((e) => {
        if (e.metadata && e.notebook.notebookType === TUNEBOOK_NOTEBOOK_TYPE) this.sync();
      }),
    );
    this.sync();
    void this.loadBaseModels();
  }

  /** Loads the base models once per backend; resolves when they are known (or failed to load). */
  loadBaseModels(): Promise<void> {
    this.baseModelsLoad ??= (async () => {
      const generation = this.backendGeneration;
      try {
        const client = await this.backend.getClient();
        const models: Model[] = [];
        for await (const model of client.models.listAll()) {
          const methods = model.supportedGenerationMethods;
          if (!methods || methods.includes('generateContent') || methods.includes('streamGenerateContent')) models.push(model);
        }
        if (generation !== this.backendGeneration) return;
        this.baseModels = models;
        this.sync();
      } catch (e) {
        this.log.warn(`[notebook] could not list base models: ${e instanceof Error ? e.message : String(e)}`);
        if (generation === this.backendGeneration) this.baseModelsLoad = undefined;
      }
    })();
    return this.baseModelsLoad;
  }

  /** Lists the base models again, e.g. when the configured Vertex AI base models change. */
  reloadBaseModels(): Promise<void> {
    this.baseModelsLoad = undefined;
    return this.loadBaseModels();
  }

  /**
   * On Vertex AI the base models offered include those the listed jobs were tuned from, so they
   * are listed again when that set changes (a job from a new base model appears).
   */
  private followVertexBaseModels(): void {
    if (this.backend.kind !== 'vertex') return;
    const key = vertexBaseModels(this.store.models).join('\n');
    if (key === this.vertexBaseModelsKey) return;
    this.vertexBaseModelsKey = key;
    this.baseModelsLoad = undefined;
    void this.loadBaseModels();
  }

  private backendLabel(): string {
    return this.backend.kind === 'gemini' ? 'Gemini API' : this.backend.kind === 'vertex' ? 'Vertex AI' : 'local tuning server';
  }

  private sync(): void {
    const desired = new Map<string, { kind: ModelKind; label: string; description: string; detail: string }>();
    const backend = this.backendLabel();
    for (const model of this.store.models) {
      if (model.state !== 'active' || !model.name) continue;
      desired.set(model.name, { kind: 'tuned', ...tunedLabels(model, backend) });
      for (const { model: name, checkpoint } of promptableCheckpoints(model)) {
        desired.set(name, {
          kind: 'tuned',
          label: `${model.displayName || shortId(model.name)} — ${checkpointLabel(checkpoint)}`,
          description: name,
          detail: [`a checkpoint of ${model.displayName || model.name}`, backend].join(' · '),
        });
      }
    }
    for (const model of this.baseModels) {
      if (!desired.has(model.name)) desired.set(model.name, { kind: 'base', ...baseLabels(model, backend) });
    }
    for (const notebook of vscode.workspace.notebookDocuments) {
      if (notebook.notebookType !== TUNEBOOK_NOTEBOOK_TYPE) continue;
      const model = notebookSettings(notebook).model;
      if (model && !desired.has(model)) {
        const creating = this.store.get(model)?.state === 'creating';
        desired.set(model, {
          kind: 'unlisted',
          label: `${shortId(model)} — ${creating ? 'still tuning' : 'not listed'}`,
          description: model,
          detail: creating ? 'This model is still being tuned.' : `Not listed by the ${backend}; running shows what the API answers.`,
        });
      }
    }

    for (const [model, entry] of this.entries) {
      const want = desired.get(model);
      if (!want || want.kind !== entry.kind) {
        this.disposeEntry(entry);
        this.entries.delete(model);
      }
    }
    for (const [model, want] of desired) {
      let entry = this.entries.get(model);
      if (!entry) {
        entry = this.createEntry(model, want.kind);
        this.entries.set(model, entry);
      }
      // Every property set and affinity update is a message to the workbench, which then re-ranks
      // all controllers: with thousands of models, unchanged values must not be sent again.
      const labels = `${want.label}\n${want.description}\n${want.detail}`;
      if (entry.labels !== labels) {
        entry.labels = labels;
        entry.controller.label = want.label;
        entry.controller.description = want.description;
        entry.controller.detail = want.detail;
      }
    }
    for (const notebook of vscode.workspace.notebookDocuments) {
      if (notebook.notebookType === TUNEBOOK_NOTEBOOK_TYPE) this.applyAffinity(notebook);
    }
    this.selectRememberedModels();
  }

  private createEntry(model: string, kind: ModelKind): ControllerEntry {
    const controller = this.createController(model);
    const selection = controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
      if (selected) {
        this.selectedModels.set(notebook, model);
      } else if (this.selectedModels.get(notebook) === model) {
        this.selectedModels.delete(notebook);
      }
    });
    return { model, kind, controller, selection, affinities: new WeakMap() };
  }

  private disposeEntry(entry: ControllerEntry): void {
    entry.selection.dispose();
    entry.controller.dispose();
    for (const [notebook, model] of this.selectedModels) {
      if (model === entry.model) this.selectedModels.delete(notebook);
    }
  }

  /**
   * The workbench shows "Select Kernel" unless a controller is selected: a Preferred affinity
   * does not count when there are several controllers, and it remembers a selection only for a
   * notebook that had one in this workspace. So a visible prompt notebook with none of ours
   * selected (restored after a reload, reopened, or whose controller was just replaced) gets the
   * controller of the model its metadata names.
   */
  private selectRememberedModels(): void {
    for (const editor of vscode.window.visibleNotebookEditors) void this.selectRememberedModel(editor);
  }

  private async selectRememberedModel(editor: vscode.NotebookEditor): Promise<void> {
    const notebook = editor.notebook;
    if (notebook.notebookType !== TUNEBOOK_NOTEBOOK_TYPE || this.selectedModels.has(notebook) || this.selecting.has(notebook)) return;
    const model = notebookSettings(notebook).model;
    const entry = model === undefined ? undefined : this.entries.get(model);
    if (!entry) return;
    this.selecting.add(notebook);
    try {
      await vscode.commands.executeCommand('notebook.selectKernel', { id: entry.controller.id, extension: this.extensionId, notebookEditor: editor });
    } catch (e) {
      this.log.warn(`[notebook] could not select the controller of ${entry.model}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.selecting.delete(notebook);
    }
  }

  private createController(model: string): vscode.NotebookController {
    const controller = vscode.notebooks.createNotebookController(controllerIdFor(model), TUNEBOOK_NOTEBOOK_TYPE, shortId(model));
    controller.supportedLanguages = [PROMPT_LANGUAGE];
    controller.supportsExecutionOrder = true;
    // The notebook's model changes when its cells run on another controller, not on selection:
    // VS Code may select a recently used controller by itself when a notebook opens.
    controller.executeHandler = async (cells, notebook, self) => {
      if (notebookSettings(notebook).model !== model) await rememberModel(notebook, model);
      await this.runner.runCells(self, cells, model, { stopOnFailure: true });
    };
    return controller;
  }

  private applyAffinity(notebook: vscode.NotebookDocument): void {
    const chosen = notebookSettings(notebook).model;
    for (const entry of this.entries.values()) {
      const affinity = entry.model === chosen ? vscode.NotebookControllerAffinity.Preferred : vscode.NotebookControllerAffinity.Default;
      // The workbench ranks a controller it was told nothing about as Default.
      if ((entry.affinities.get(notebook) ?? vscode.NotebookControllerAffinity.Default) === affinity) continue;
      entry.affinities.set(notebook, affinity);
      entry.controller.updateNotebookAffinity(notebook, affinity);
    }
  }

  controllerFor(model: string): vscode.NotebookController | undefined {
    return this.entries.get(model)?.controller;
  }

  kindOf(model: string): ModelKind | undefined {
    return this.entries.get(model)?.kind;
  }

  /** Makes sure a controller exists for a model a notebook was just bound to. */
  ensure(model: string): vscode.NotebookController {
    this.sync();
    let entry = this.entries.get(model);
    if (!entry) {
      entry = this.createEntry(model, 'unlisted');
      entry.controller.label = `${shortId(model)} — not listed`;
      entry.controller.description = model;
      this.entries.set(model, entry);
    }
    return entry.controller;
  }

  get modelNames(): string[] {
    return [...this.entries.keys()];
  }

  /** The model whose controller is selected in `notebook`, when one of ours is. */
  selectedModel(notebook: vscode.NotebookDocument): string | undefined {
    return this.selectedModels.get(notebook);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const entry of this.entries.values()) this.disposeEntry(entry);
    this.entries.clear();
  }
}

/** Stores the chosen model in the notebook's metadata (it is saved with the file). */
export async function rememberModel(notebook: vscode.NotebookDocument, model: string): Promise<void> {
  const metadata: TunebookMetadata = { ...notebookSettings(notebook), model };
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [vscode.NotebookEdit.updateNotebookMetadata(metadata)]);
  await vscode.workspace.applyEdit(edit);
}

/** Selects the model's controller in the notebook editor, which must be the active one. */
export async function selectController(editor: vscode.NotebookEditor, controller: vscode.NotebookController, extensionId: string): Promise<void> {
  if (vscode.window.activeNotebookEditor !== editor) await vscode.window.showNotebookDocument(editor.notebook, { viewColumn: editor.viewColumn });
  await vscode.commands.executeCommand('notebook.selectKernel', { id: controller.id, extension: extensionId });
}
