import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Operation, TunedModel } from '../../core/api/types';
import { WindowPrompts, type Prompts } from '../ui/prompts';
import { inertNotificationText } from '../../core/util/inertText';
import { type Log } from '../../core/util/log';
import { creationRefusal, previousCreation, rememberCreation, type SpecCreations } from '../../core/tuningSpec/creationPolicy';
import { CancelledError } from '../../core/tuningSpec/specFileSystem';
import { buildCreateRequest, type CreateRequest } from '../../core/tuningSpec/createRequest';
import { sampleExamplesJsonl, specTemplate } from '../../core/tuningSpec/template';
import { validateSpec, type SpecValidation } from '../../core/tuningSpec/validateSpec';
import { REVEAL_MODEL_COMMAND, SPEC_CREATIONS_STATE_KEY, SpecCommands } from './commandIds';
import { fileSystemFor, isSpecUri, SPEC_GLOB, specPathOf } from './workspaceFileSystem';
import { type SpecValidationService } from './diagnosticsService';

/** The part of the API client the spec commands use; `GeminiClient` provides it. */
export interface SpecClient {
  readonly tunedModels: { create(model: TunedModel, opts?: { tunedModelId?: string; signal?: AbortSignal }): Promise<Operation> };
  waitForOperation(op: Operation, opts?: { onProgress?: (op: Operation) => void; signal?: AbortSignal; initialDelayMs?: number; maxDelayMs?: number }): Promise<Operation>;
}

/** Where the client comes from; `BackendConnection` is one. */
export interface SpecBackend {
  readonly kind: 'local' | 'gemini';
  getClient(): Promise<SpecClient>;
}

/** Follows a newly created model in the tree; `TunedModelsStore` is one. */
export interface ModelTracker {
  track(op: Operation): void;
}

export interface SpecCommandDeps {
  readonly workspaceState: vscode.Memento;
  readonly log: Log;
  readonly validation: SpecValidationService;
  readonly backend: SpecBackend | undefined;
  readonly models: ModelTracker | undefined;
  /** How questions are asked; tests answer through it. */
  readonly prompts?: Prompts;
  /** Workspace trust, read at call time; the editor's `vscode.workspace.isTrusted` by default. */
  readonly isTrusted?: () => boolean;
}

/** What "Create Tuned Model from Spec" did; returned to callers of `executeCommand`. */
export type CreateOutcome =
  | { status: 'refused'; reason: string }
  | { status: 'invalid'; problems: string[] }
  | { status: 'cancelled' }
  | { status: 'failed'; model?: string; message: string }
  | { status: 'watching'; model: string }
  | { status: 'created'; model: string; state: string };

export interface ValidateOutcome {
  errors: number;
  warnings: number;
  summary: string | undefined;
}

async function pickSpec(prompts: Prompts, arg: unknown, title: string): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && isSpecUri(active)) return active;
  const found = await vscode.workspace.findFiles(SPEC_GLOB, '**/node_modules/**', 200);
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    void vscode.window.showInformationMessage('No tuning spec (*.tuning.yaml) found. "Gemini Tuning: New Tuning Spec" creates one.');
    return undefined;
  }
  const picked = await prompts.pick(
    found.map((uri) => ({ label: path.basename(uri.path), description: vscode.workspace.asRelativePath(uri, false), uri })),
    { title, placeHolder: 'Choose a tuning spec' },
  );
  return picked?.uri;
}

/**
 * The spec as the editor reads it (its encoding, BOM and line endings), so that the problems
 * published land on the lines the person sees, whether or not the spec was open.
 */
async function specText(uri: vscode.Uri): Promise<string> {
  try {
    return (await vscode.workspace.openTextDocument(uri)).getText();
  } catch {
    // The editor refuses binary files; validating the bytes as UTF-8 still says what is wrong.
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  }
}

function problemList(result: SpecValidation): string[] {
  return result.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => `${path.basename(d.file)}:${d.range.start.line + 1}: ${d.message}`);
}

function modelNameOf(op: Operation): string | undefined {
  return op.metadata?.tunedModel ?? (op.response as TunedModel | undefined)?.name ?? op.name?.split('/operations/')[0];
}

export interface SpecCommandHandlers {
  create(arg?: unknown): Promise<CreateOutcome>;
  validate(arg?: unknown): Promise<ValidateOutcome | undefined>;
  newSpec(arg?: unknown, options?: { name?: string }): Promise<vscode.Uri | undefined>;
}

export function registerSpecCommands(deps: SpecCommandDeps): vscode.Disposable {
  const handlers = specCommandHandlers(deps);
  return vscode.Disposable.from(
    vscode.commands.registerCommand(SpecCommands.create, handlers.create),
    vscode.commands.registerCommand(SpecCommands.validate, handlers.validate),
    vscode.commands.registerCommand(SpecCommands.newSpec, handlers.newSpec),
  );
}

/** The commands' behaviour, separate from their registration so that it can be driven with other dependencies. */
export function specCommandHandlers(deps: SpecCommandDeps): SpecCommandHandlers {
  const { log, validation } = deps;
  const isTrusted = deps.isTrusted ?? (() => vscode.workspace.isTrusted);
  const prompts = deps.prompts ?? new WindowPrompts();

  const showProblems = async (title: string, problems: string[]) => {
    const shown = problems.slice(0, 5).join('\n');
    const more = problems.length > 5 ? `\n… and ${problems.length - 5} more` : '';
    const choice = await vscode.window.showErrorMessage(title, { modal: false, detail: shown + more }, 'Show Problems');
    if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
  };

  const validateCommand = async (arg?: unknown): Promise<ValidateOutcome | undefined> => {
    const uri = await pickSpec(prompts, arg, 'Validate Tuning Spec');
    if (!uri) return undefined;
    const doc = await vscode.workspace.openTextDocument(uri);
    const result = await validation.validate(doc);
    if (!result) return undefined;
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = result.diagnostics.length - errors;
    const outcome = { errors, warnings, summary: result.summary?.text };
    if (errors === 0 && warnings === 0) {
      void vscode.window.showInformationMessage(inertNotificationText(`${path.basename(uri.path)}: no problems. ${result.summary?.text ?? ''}`.trim()));
    } else {
      const text = `${path.basename(uri.path)}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`;
      void vscode.window.showWarningMessage(inertNotificationText(text), 'Show Problems').then((c) => c && vscode.commands.executeCommand('workbench.actions.view.problems'));
    }
    return outcome;
  };

  const createCommand = async (arg?: unknown): Promise<CreateOutcome> => {
    const uri = await pickSpec(prompts, arg, 'Create Tuned Model from Spec');
    if (!uri) return { status: 'cancelled' };
    // Checked here, not only in `when` clauses: executeCommand bypasses menus.
    const refusal = creationRefusal({ workspaceTrusted: isTrusted(), specInWorkspace: vscode.workspace.getWorkspaceFolder(uri) !== undefined || uri.scheme !== 'file' });
    if (refusal) {
      log.warn(`refused to create from ${uri.toString(true)}: workspace not trusted`);
      void vscode.window.showErrorMessage(refusal);
      return { status: 'refused', reason: refusal };
    }
    const name = path.basename(uri.path);
    let request: CreateRequest;
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Creating a tuned model from ${name}`, cancellable: true },
        async (progress, token) => {
          progress.report({ message: 'reading data…' });
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          return validateSpec(await specText(uri), specPathOf(uri), {
            fs: fileSystemFor(uri),
            signal: controller.signal,
            onProgress: ({ file, bytesRead, totalBytes }) => {
              const percent = totalBytes > 0 ? Math.floor((bytesRead / totalBytes) * 100) : 100;
              if (percent >= reported + 5 || percent === 100) {
                progress.report({ message: `reading ${path.basename(file)} (${percent}%)…` });
                reported = percent;
              }
            },
          });
        },
      );
      validation.publish(uri, result);
      if (result.hasErrors || !result.summary) {
        const problems = problemList(result);
        if (problems.length === 0) problems.push('The spec has no training examples');
        void showProblems(`${name} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}; no tuned model was created.`, problems);
        return { status: 'invalid', problems };
      }
      request = buildCreateRequest(result);
    } catch (error) {
      if (error instanceof CancelledError) return { status: 'cancelled' };
      throw error;
    }

    const records = deps.workspaceState.get<SpecCreations>(SPEC_CREATIONS_STATE_KEY);
    const earlier = previousCreation(records, uri.toString(), request.fingerprint);
    if (earlier) {
      const again = await prompts.confirm(`This spec, unchanged, already created ${earlier.model}. Create another tuned model from it?`, {
        detail: `Created on ${new Date(earlier.createdAt).toLocaleString()}. Nothing in the spec or its data files changed since.`,
        confirmLabel: 'Create Another',
      });
      if (!again) return { status: 'cancelled' };
    }

    if (!deps.backend) {
      const message = 'No backend connection is available to create the tuned model.';
      void vscode.window.showErrorMessage(message);
      return { status: 'failed', message };
    }
    const backend = deps.backend;
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Tuning ${request.model.displayName ?? name}`, cancellable: true },
      async (progress, token): Promise<CreateOutcome> => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        let op: Operation | undefined;
        try {
          progress.report({ message: `uploading ${request.summary.text}…` });
          const client = await backend.getClient();
          const created = await client.tunedModels.create(request.model, { tunedModelId: request.tunedModelId, signal: controller.signal });
          op = created;
          const model = modelNameOf(created);
          if (!model) throw new Error('The backend answered without naming the new model.');
          await deps.workspaceState.update(
            SPEC_CREATIONS_STATE_KEY,
            rememberCreation(deps.workspaceState.get<SpecCreations>(SPEC_CREATIONS_STATE_KEY), uri.toString(), { fingerprint: request.fingerprint, model, createdAt: new Date().toISOString() }),
          );
          log.info(`created ${model} from ${uri.toString(true)} (${request.summary.text})`);
          deps.models?.track(created);
          void vscode.commands.executeCommand(REVEAL_MODEL_COMMAND, model).then(undefined, () => undefined);
          progress.report({ message: 'training 0%' });
          let shown = 0;
          const local = backend.kind === 'local';
          const done = await client.waitForOperation(created, {
            signal: controller.signal,
            initialDelayMs: local ? 500 : 5000,
            maxDelayMs: local ? 2000 : 45_000,
            onProgress: (o) => {
              const percent = Math.floor(o.metadata?.completedPercent ?? 0);
              if (percent > shown) {
                progress.report({ message: `training ${percent}%`, increment: percent - shown });
                shown = percent;
              }
            },
          });
          deps.models?.track(done);
          if (done.error) {
            const message = `Tuning ${model} failed: ${done.error.message ?? 'no reason given'}`;
            void vscode.window.showErrorMessage(inertNotificationText(message));
            return { status: 'failed', model, message };
          }
          void vscode.commands.executeCommand(REVEAL_MODEL_COMMAND, model).then(undefined, () => undefined);
          // The Tuned Models view announces the model, with its next steps, when the store sees it ACTIVE.
          return { status: 'created', model, state: (done.response as TunedModel | undefined)?.state ?? 'ACTIVE' };
        } catch (error) {
          const model = op ? modelNameOf(op) : undefined;
          if (controller.signal.aborted) {
            if (model) {
              void vscode.window.showInformationMessage(inertNotificationText(`Stopped watching ${model}; it keeps training. The Tuned Models view follows it.`));
              return { status: 'watching', model };
            }
            return { status: 'cancelled' };
          }
          const message = error instanceof Error ? error.message : String(error);
          log.error(`creating a tuned model from ${uri.toString(true)} failed: ${message}`);
          void vscode.window.showErrorMessage(inertNotificationText(`Could not create the tuned model: ${message}`), 'Show Log').then((c) => c && vscode.commands.executeCommand('geminiTuning.showLog'));
          return { status: 'failed', model, message };
        }
      },
    );
  };

  const newSpecCommand = async (arg?: unknown, options?: { name?: string }): Promise<vscode.Uri | undefined> => {
    let folder = arg instanceof vscode.Uri ? arg : undefined;
    if (folder) {
      const stat = await vscode.workspace.fs.stat(folder).then(undefined, () => undefined);
      if (stat && (stat.type & vscode.FileType.Directory) === 0) folder = vscode.Uri.joinPath(folder, '..');
    }
    folder ??= vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!folder) {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Create Spec Here' });
      folder = picked?.[0];
      if (!folder) return undefined;
    }
    const name =
      options?.name ??
      (await prompts.input({
        title: 'New Tuning Spec',
        prompt: 'File name for the spec (the sample data file gets the same name)',
        value: 'emoji-namer',
        validateInput: (v) => (/^[\w.-]+$/.test(v.trim()) ? undefined : 'Use letters, digits, dots, dashes and underscores'),
      }));
    if (!name) return undefined;
    const base = name.trim().replace(/\.tuning\.ya?ml$/i, '');
    const exists = async (uri: vscode.Uri) => vscode.workspace.fs.stat(uri).then(() => true, () => false);
    // Never overwrite: find a name for which neither file exists yet.
    let stem = base;
    for (let n = 2; (await exists(vscode.Uri.joinPath(folder, `${stem}.tuning.yaml`))) || (await exists(vscode.Uri.joinPath(folder, `${stem}.examples.jsonl`))); n++) stem = `${base}-${n}`;
    const specUri = vscode.Uri.joinPath(folder, `${stem}.tuning.yaml`);
    const dataUri = vscode.Uri.joinPath(folder, `${stem}.examples.jsonl`);
    const encoder = new TextEncoder();
    const displayName = stem.replace(/[-_.]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
    await vscode.workspace.fs.writeFile(dataUri, encoder.encode(sampleExamplesJsonl()));
    await vscode.workspace.fs.writeFile(specUri, encoder.encode(specTemplate({ displayName, examplesFile: `${stem}.examples.jsonl` })));
    await vscode.window.showTextDocument(specUri);
    return specUri;
  };

  return { create: createCommand, validate: validateCommand, newSpec: newSpecCommand };
}
