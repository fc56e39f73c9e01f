import * as vscode from 'vscode';
import { configuredVertexBaseModels, VERTEX_BASE_MODELS_SETTING } from '../backend/vertexBaseModels';
import { type Log } from '../../core/util/log';
import { CancelledError } from '../../core/tuningSpec/specFileSystem';
import { type SpecDiagnostic, type Severity } from '../../core/tuningSpec/diagnostics';
import { DataFileCache, validateSpec, type SpecValidation } from '../../core/tuningSpec/validateSpec';
import { toRange } from './ranges';
import { fileSystemFor, isSpecUri, specPathOf, uriOfPath } from './workspaceFileSystem';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

/** The `source` of every diagnostic of the spec; quick fixes answer only these. */
export const DIAGNOSTIC_SOURCE = 'Gemini Tuning';

export function toVscodeDiagnostic(d: SpecDiagnostic, specUri: vscode.Uri): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity]);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = d.code;
  if (d.related) {
    diagnostic.relatedInformation = d.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uriOfPath(r.file, specUri), toRange(r.range)), r.message));
  }
  return diagnostic;
}

/** Small specs validate quickly after typing stops; huge ones less often, so typing stays smooth. */
export function debounceFor(textLength: number): number | undefined {
  if (textLength > 8 * 1024 * 1024) return undefined;
  if (textLength > 512 * 1024) return 1500;
  return 250;
}

interface Entry {
  version: number;
  result: SpecValidation | undefined;
  pending: Promise<SpecValidation | undefined> | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  cancel: vscode.CancellationTokenSource | undefined;
}

/**
 * Validates open specs on open and on change (debounced, the previous run cancelled) and puts the
 * problems in one DiagnosticCollection: spec problems on the spec, data-file problems on the
 * data file. Closing a spec removes what it contributed.
 */
export class SpecValidationService implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('geminiTuning.spec');
  private readonly entries = new Map<string, Entry>();
  /** spec URI → (file URI → diagnostics it contributed). */
  private readonly contributions = new Map<string, Map<string, vscode.Diagnostic[]>>();
  // Entries are trusted for 10 s without a stat; the file watcher below invalidates changed files at once.
  private readonly cache = new DataFileCache(32, 10_000);
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** A spec finished validating; its CodeLens summary may have changed. */
  readonly onDidValidate = this.changeEmitter.event;

  constructor(private readonly log: Log) {
    this.subscriptions.push(
      this.collection,
      this.changeEmitter,
      vscode.workspace.onDidOpenTextDocument((doc) => this.schedule(doc, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.schedule(e.document, debounceFor(e.document.getText().length));
      }),
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (isSpecUri(doc.uri)) this.schedule(doc, 0);
        else this.dataFileChanged(doc.uri);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(VERTEX_BASE_MODELS_SETTING)) return;
        for (const doc of vscode.workspace.textDocuments) if (this.lastResult(doc.uri)?.platform === 'vertex') this.schedule(doc, 0);
      }),
    );
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{jsonl,ndjson,csv,tsv,json}');
    this.subscriptions.push(watcher, watcher.onDidChange((uri) => this.dataFileChanged(uri)), watcher.onDidCreate((uri) => this.dataFileChanged(uri)), watcher.onDidDelete((uri) => this.dataFileChanged(uri)));
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
  }

  /** The latest result for the document's current text, validating now if needed. */
  async validate(doc: vscode.TextDocument): Promise<SpecValidation | undefined> {
    const entry = this.entries.get(doc.uri.toString());
    if (entry && entry.version === doc.version) {
      if (entry.pending) return entry.pending;
      if (entry.result) return entry.result;
    }
    return this.run(doc);
  }

  /** The result of the last validation, whatever the version. */
  lastResult(uri: vscode.Uri): SpecValidation | undefined {
    return this.entries.get(uri.toString())?.result;
  }

  /** Publishes a result computed elsewhere (the create command validates with progress). */
  publish(specUri: vscode.Uri, result: SpecValidation): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    byFile.set(specUri.toString(), []);
    for (const d of result.diagnostics) {
      const uri = uriOfPath(d.file, specUri).toString();
      let list = byFile.get(uri);
      if (!list) byFile.set(uri, (list = []));
      list.push(toVscodeDiagnostic(d, specUri));
    }
    // Data files named by the spec get an empty entry so that fixed problems disappear.
    for (const file of result.dataFiles) {
      const uri = uriOfPath(file, specUri).toString();
      if (!byFile.has(uri)) byFile.set(uri, []);
    }
    const previous = this.contributions.get(specUri.toString());
    this.contributions.set(specUri.toString(), byFile);
    const touched = new Set([...byFile.keys(), ...(previous?.keys() ?? [])]);
    for (const file of touched) this.refreshFile(file);
  }

  private refreshFile(file: string): void {
    const all: vscode.Diagnostic[] = [];
    for (const byFile of this.contributions.values()) all.push(...(byFile.get(file) ?? []));
    const uri = vscode.Uri.parse(file);
    if (all.length === 0) this.collection.delete(uri);
    else this.collection.set(uri, all);
  }

  private schedule(doc: vscode.TextDocument, delay: number | undefined): void {
    if (!isSpecUri(doc.uri) || doc.uri.scheme === 'git' || doc.uri.scheme === 'output') return;
    const key = doc.uri.toString();
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = { version: -1, result: undefined, pending: undefined, timer: undefined, cancel: undefined }));
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (delay === undefined) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.run(doc);
    }, delay);
  }

  private run(doc: vscode.TextDocument): Promise<SpecValidation | undefined> {
    const key = doc.uri.toString();
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = { version: -1, result: undefined, pending: undefined, timer: undefined, cancel: undefined }));
    entry.cancel?.cancel();
    entry.cancel?.dispose();
    const cancel = new vscode.CancellationTokenSource();
    entry.cancel = cancel;
    const controller = new AbortController();
    cancel.token.onCancellationRequested(() => controller.abort());
    const version = doc.version;
    entry.version = version;
    const current = entry;
    const pending = validateSpec(doc.getText(), specPathOf(doc.uri), { fs: fileSystemFor(doc.uri), signal: controller.signal, cache: this.cache, vertexBaseModels: configuredVertexBaseModels() }).then(
      (result) => {
        if (cancel.token.isCancellationRequested || this.entries.get(key) !== current) return undefined;
        current.result = result;
        current.pending = undefined;
        this.publish(doc.uri, result);
        this.changeEmitter.fire(doc.uri);
        return result;
      },
      (error: unknown) => {
        if (current.pending === pending) current.pending = undefined;
        if (error instanceof CancelledError) return undefined;
        this.log.error(`validating ${doc.uri.toString(true)} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return undefined;
      },
    );
    entry.pending = pending;
    return pending;
  }

  private dataFileChanged(uri: vscode.Uri): void {
    this.cache.invalidate(specPathOf(uri));
    const changed = uri.toString();
    for (const doc of vscode.workspace.textDocuments) {
      const result = this.lastResult(doc.uri);
      if (result?.dataFiles.some((f) => uriOfPath(f, doc.uri).toString() === changed)) this.schedule(doc, 0);
    }
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    const entry = this.entries.get(key);
    if (entry) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.cancel?.cancel();
      entry.cancel?.dispose();
      this.entries.delete(key);
    }
    const contributed = this.contributions.get(key);
    this.contributions.delete(key);
    this.collection.delete(uri);
    for (const file of contributed?.keys() ?? []) this.refreshFile(file);
  }

  dispose(): void {
    for (const uri of [...this.entries.keys()]) this.forget(vscode.Uri.parse(uri));
    for (const s of this.subscriptions.splice(0).reverse()) s.dispose();
  }
}
