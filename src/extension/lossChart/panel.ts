import * as vscode from 'vscode';
import { guarded } from '../ui/commands';
import { chartPageHtml, newNonce } from '../../core/lossChart/webviewHtml';
import {
  DEFAULT_VIEW,
  LOSS_CHART_VIEW_TYPE,
  dispatch,
  parseFromWebview,
  toWire,
  type ChartModel,
  type FromWebviewMessage,
  type MessageHandlers,
  type ToWebviewMessage,
  type UserActionMessage,
  type ViewSettings,
} from '../../core/lossChart/protocol';
import { toColumns } from '../../core/lossChart/columns';
import { toCsv } from '../../core/lossChart/csv';
import { errorText, type ChartDataSource, type ModelUpdate } from './dataSource';

export type Exchange =
  | { direction: 'toWebview'; message: ToWebviewMessage }
  | { direction: 'fromWebview'; message: FromWebviewMessage };

export interface LossChartPanelOptions {
  source: ChartDataSource;
  mediaRoot: vscode.Uri;
  log: vscode.LogOutputChannel;
  /** asks the user for more models to add; returns their names */
  pickModels: (exclude: readonly string[]) => Promise<string[]>;
  /** asks where to save an export */
  saveFile: (options: vscode.SaveDialogOptions) => Promise<vscode.Uri | undefined>;
  /** true only when the extension runs its tests: the page then reports what it draws */
  reportForTests: boolean;
}

const ACTION_FAILURES: Record<UserActionMessage['action'], string> = {
  exportCsv: 'Could not export the loss values',
  exportPng: 'Could not export the chart',
  addModel: 'Could not add the model to the chart',
};

const PNG_TIMEOUT_MS = 15_000;
const PNG_PREFIX = 'data:image/png;base64,';

/**
 * One loss chart editor tab. It owns its webview, follows its models while they train and
 * answers the webview's requests. Data goes to the webview only after it says `ready`.
 */
export class LossChartPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly watchers = new Map<string, vscode.Disposable>();
  private readonly models = new Map<string, ChartModel>();
  private names: string[];
  private ready = false;
  private disposed = false;
  private view: ViewSettings;
  private nextPngRequest = 1;
  private readonly pngWaiters = new Map<number, (result: { dataUrl?: string; error?: string }) => void>();
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  private readonly exchangeEmitter = new vscode.EventEmitter<Exchange>();

  readonly onDidDispose = this.disposeEmitter.event;
  /** Every message in either direction, after it was checked (incoming) or before it is posted. */
  readonly onDidExchange = this.exchangeEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    names: readonly string[],
    private readonly options: LossChartPanelOptions,
    view: ViewSettings = DEFAULT_VIEW,
  ) {
    this.names = [...new Set(names)];
    this.view = view;
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [options.mediaRoot] };
    const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(options.mediaRoot, file)).toString();
    webview.html = chartPageHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: media('chart.js'),
      styleUris: [media('uPlot.min.css'), media('chart.css')],
    });
    panel.iconPath = new vscode.ThemeIcon('graph-line');
    this.updateTitle();
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidDispose(() => this.dispose()),
      this.disposeEmitter,
      this.exchangeEmitter,
    );
  }

  get modelNames(): readonly string[] {
    return this.names;
  }

  get primaryModel(): string | undefined {
    return this.names[0];
  }

  get viewSettings(): ViewSettings {
    return this.view;
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  async addModels(names: readonly string[]): Promise<void> {
    const added = names.filter((n) => !this.names.includes(n));
    if (added.length === 0) return;
    this.names.push(...added);
    this.updateTitle();
    if (this.ready) await Promise.all(added.map((n) => this.loadAndPost(n)));
  }

  removeModel(name: string): void {
    if (!this.names.includes(name) || this.names.length === 1) return;
    this.names = this.names.filter((n) => n !== name);
    this.models.delete(name);
    this.watchers.get(name)?.dispose();
    this.watchers.delete(name);
    this.updateTitle();
    this.post({ type: 'removeModel', name });
  }

  async exportCsv(): Promise<void> {
    const models = this.names.map((n) => this.models.get(n)).filter((m): m is ChartModel => m !== undefined);
    if (models.every((m) => m.points.length === 0 && (m.evalPoints?.length ?? 0) === 0)) {
      void vscode.window.showInformationMessage('There are no loss values to export yet.');
      return;
    }
    const target = await this.options.saveFile({
      defaultUri: this.defaultExportUri('csv'),
      filters: { 'CSV files': ['csv'] },
      saveLabel: 'Export Loss CSV',
      title: 'Export the loss values as CSV',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(toCsv(models)));
    this.options.log.info(`[chart] exported ${models.length} model(s) as CSV to ${target.toString(true)}`);
  }

  async exportPng(): Promise<void> {
    const image = await this.capturePng();
    const target = await this.options.saveFile({
      defaultUri: this.defaultExportUri('png'),
      filters: { 'PNG images': ['png'] },
      saveLabel: 'Export Chart PNG',
      title: 'Export the loss chart as a PNG image',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, image);
    this.options.log.info(`[chart] exported the chart as PNG to ${target.toString(true)}`);
  }

  /** Asks the webview for its canvas as PNG bytes. */
  capturePng(): Promise<Uint8Array> {
    const requestId = this.nextPngRequest++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pngWaiters.delete(requestId);
        reject(new Error('The chart did not answer with an image (is the panel visible?).'));
      }, PNG_TIMEOUT_MS);
      this.pngWaiters.set(requestId, ({ dataUrl, error }) => {
        clearTimeout(timer);
        this.pngWaiters.delete(requestId);
        if (error !== undefined || dataUrl === undefined) {
          reject(new Error(`The chart could not be exported: ${error ?? 'no image'}.`));
        } else if (!dataUrl.startsWith(PNG_PREFIX)) {
          reject(new Error('The chart sent something that is not a PNG image.'));
        } else {
          resolve(new Uint8Array(Buffer.from(dataUrl.slice(PNG_PREFIX.length), 'base64')));
        }
      });
      this.post({ type: 'requestPng', requestId });
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.watchers.values()) w.dispose();
    this.watchers.clear();
    for (const waiter of this.pngWaiters.values()) waiter({ error: 'the panel was closed' });
    this.disposeEmitter.fire();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    this.panel.dispose();
  }

  private readonly handlers: MessageHandlers<FromWebviewMessage> = {
    ready: () => void this.onReady(),
    // Test reports: the page posts them only when told it runs under test; the test hooks read them from `onDidExchange`.
    rendered: () => undefined,
    theme: () => undefined,
    png: ({ requestId, dataUrl }) => this.pngWaiters.get(requestId)?.({ dataUrl }),
    pngFailed: ({ requestId, message }) => this.pngWaiters.get(requestId)?.({ error: message }),
    action: ({ action }) => {
      const run = {
        exportCsv: () => this.exportCsv(),
        exportPng: () => this.exportPng(),
        addModel: async () => this.addModels(await this.options.pickModels(this.names)),
      }[action];
      void guarded(ACTION_FAILURES[action], run, this.options.log)();
    },
    removeModelRequest: ({ name }) => this.removeModel(name),
    viewChanged: ({ view }) => {
      this.view = view;
    },
  };

  private receive(raw: unknown): void {
    const message = parseFromWebview(raw);
    if (!message) {
      this.options.log.warn('[chart] ignored a malformed message from the webview');
      return;
    }
    this.exchangeEmitter.fire({ direction: 'fromWebview', message });
    dispatch(this.handlers, message);
  }

  private post(message: ToWebviewMessage): void {
    if (this.disposed || !this.ready) return;
    this.exchangeEmitter.fire({ direction: 'toWebview', message });
    void this.panel.webview.postMessage(message);
  }

  private async onReady(): Promise<void> {
    // A reload of the webview (it was hidden and shown again) sends ready again: start over.
    this.ready = true;
    this.post({ type: 'init', reportForTests: this.options.reportForTests });
    for (const w of this.watchers.values()) w.dispose();
    this.watchers.clear();
    const loaded = await Promise.all(
      this.names.map(async (name) => {
        try {
          return await this.options.source.load(name);
        } catch (error) {
          this.options.log.error(`[chart] could not load ${name}: ${errorText(error)}`);
          return { name, error };
        }
      }),
    );
    if (this.disposed) return;
    const models: ChartModel[] = [];
    const failures: { name: string; error: unknown }[] = [];
    for (const item of loaded) {
      if ('header' in item) models.push(item);
      else failures.push(item);
    }
    for (const m of models) this.models.set(m.header.name, m);
    this.updateTitle();
    this.post({ type: 'setModels', models: [...models, ...failures.map((f) => placeholder(f.name))].map(toWire) });
    for (const f of failures) this.post({ type: 'loadError', name: f.name, message: `Could not load this model: ${errorText(f.error)}` });
    for (const m of models) this.follow(m);
  }

  private async loadAndPost(name: string): Promise<void> {
    try {
      const model = await this.options.source.load(name);
      if (this.disposed || !this.names.includes(name)) return;
      this.models.set(name, model);
      this.updateTitle();
      this.post({ type: 'upsertModel', model: toWire(model) });
      this.follow(model);
    } catch (error) {
      this.post({ type: 'upsertModel', model: toWire(placeholder(name)) });
      this.post({ type: 'loadError', name, message: `Could not load this model: ${errorText(error)}` });
    }
  }

  private follow(model: ChartModel): void {
    const name = model.header.name;
    this.watchers.get(name)?.dispose();
    this.watchers.set(
      name,
      this.options.source.watch(name, model, (update) => this.onModelUpdate(name, update)),
    );
  }

  private onModelUpdate(name: string, update: ModelUpdate): void {
    const known = this.models.get(name);
    if (!known) return;
    if (update.kind === 'append') {
      const evalPoints = [...(known.evalPoints ?? []), ...(update.evalPoints ?? [])];
      this.models.set(name, { header: update.header, points: [...known.points, ...update.points], ...(evalPoints.length > 0 ? { evalPoints } : {}) });
      this.post({ type: 'appendPoints', name, header: update.header, points: toColumns(update.points), ...(update.evalPoints?.length ? { evalPoints: toColumns(update.evalPoints) } : {}) });
    } else if (update.kind === 'replace') {
      this.models.set(name, update.model);
      this.post({ type: 'upsertModel', model: toWire(update.model) });
    } else {
      this.post({ type: 'loadError', name, message: `Could not refresh this model: ${update.message}` });
    }
  }

  private updateTitle(): void {
    const labels = this.names.map((n) => this.models.get(n)?.header.displayName ?? this.options.source.displayNameOf(n) ?? n.replace(/^tunedModels\//, ''));
    this.panel.title = labels.length > 1 ? `Loss: ${labels[0]} + ${labels.length - 1} more` : `Loss: ${labels[0] ?? ''}`;
  }

  private defaultExportUri(extension: string): vscode.Uri | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const base = (this.names[0] ?? 'loss').replace(/^tunedModels\//, '').replace(/[^\w.-]+/g, '-');
    const file = `${base}${this.names.length > 1 ? '-compare' : ''}-loss.${extension}`;
    return folder ? vscode.Uri.joinPath(folder, file) : undefined;
  }
}

function placeholder(name: string): ChartModel {
  return {
    header: { name, displayName: name.replace(/^tunedModels\//, ''), state: 'STATE_UNSPECIFIED' },
    points: [],
  };
}

export function createLossChartWebviewPanel(title: string, mediaRoot: vscode.Uri): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(
    LOSS_CHART_VIEW_TYPE,
    title,
    { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
    { enableScripts: true, localResourceRoots: [mediaRoot] },
  );
}
