import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TuningJobSubmitter } from '../../../core/tuning/backend';
import { stateLabel, type TunedModelInfo } from '../../../core/tuning/model';
import { buildCreateRequest, type CreateRequest } from '../../../core/tuningSpec/createRequest';
import { creationRefusal, previousCreation, rememberCreation, type SpecCreations } from '../../../core/tuningSpec/creationPolicy';
import { CancelledError } from '../../../core/tuningSpec/specFileSystem';
import { validateSpec, type SpecValidation } from '../../../core/tuningSpec/validateSpec';
import { buildVertexJobRequest, type VertexCreateRequest } from '../../../core/tuningSpec/vertexRequest';
import type { VertexBackend } from '../../../core/tuning/vertexBackend';
import { explainVertexError } from '../../../core/vertex/errors';
import { configuredVertexBaseModels } from '../../backend/vertexBaseModels';
import { inertNotificationText } from '../../../core/util/inertText';
import { type ErrorLog, showError } from '../../ui/notify';
import { type Prompts } from '../../ui/prompts';
import { REVEAL_MODEL_COMMAND, SHOW_PROBLEMS_COMMAND, SPEC_CREATIONS_STATE_KEY } from '../commandIds';
import { type SpecValidationService } from '../diagnosticsService';
import { pickSpec } from '../pickSpec';
import { fileSystemFor, specPathOf } from '../workspaceFileSystem';

/**
 * Where jobs are submitted, with the request `buildCreateRequest` makes; the submitter also lets
 * the Tuned Models view follow the new model at once.
 */
export interface SpecBackend {
  readonly kind: 'local' | 'gemini' | 'vertex';
  submitter(): Promise<TuningJobSubmitter<CreateRequest['model']>>;
  /** Vertex AI's backend, which uploads a spec's data and creates the tuning job. */
  vertexSubmitter?(): Promise<Pick<VertexBackend, 'submitJob'>>;
  /** Shows a job just created in the Tuned Models view at once. */
  announce?(model: TunedModelInfo): void;
}

export interface CreateTunedModelDeps {
  /** Where earlier creations are remembered, so that an unchanged spec is not submitted twice by accident. */
  readonly workspaceState: vscode.Memento;
  readonly log: ErrorLog;
  readonly validation: Pick<SpecValidationService, 'publish'>;
  /** Without a backend, the spec is still checked but nothing can be created. */
  readonly backend: SpecBackend | undefined;
  readonly prompts: Prompts;
  /** Workspace trust, read at call time. */
  readonly isTrusted: () => boolean;
  /** Test mode: sees what the notification reports, and may press its Cancel. */
  readonly progressProbe?: { reported(message: string): boolean };
}

/** What "Create Tuned Model from Spec" did; returned to callers of `executeCommand`. */
export type CreateOutcome =
  | { status: 'refused'; reason: string }
  | { status: 'invalid'; problems: string[] }
  | { status: 'cancelled' }
  | { status: 'failed'; model?: string; message: string }
  | { status: 'watching'; model: string }
  /** A Vertex AI tuning job was created; the Tuned Models view follows it. */
  | { status: 'submitted'; model: string }
  | { status: 'created'; model: string; state: string };

/**
 * "Create Tuned Model from Spec": validates the spec and its data files, refuses with the problems
 * listed if there are any, asks before submitting an unchanged spec a second time, then creates the
 * tuned model and follows its training with a cancellable progress notification.
 */
export function createTunedModelFromSpec(deps: CreateTunedModelDeps): (arg?: unknown) => Promise<CreateOutcome> {
  return async (arg) => {
    const uri = await pickSpec(deps.prompts, arg, 'Create Tuned Model from Spec');
    if (!uri) return { status: 'cancelled' };
    // Checked here, not only in `when` clauses: executeCommand bypasses menus.
    const refusal = creationRefusal({ workspaceTrusted: deps.isTrusted(), specInWorkspace: vscode.workspace.getWorkspaceFolder(uri) !== undefined || uri.scheme !== 'file' });
    if (refusal) {
      deps.log.warn(`refused to create from ${uri.toString(true)}: workspace not trusted`);
      void vscode.window.showErrorMessage(refusal);
      return { status: 'refused', reason: refusal };
    }
    const checked = await checkSpec(deps, uri);
    if ('outcome' in checked) return checked.outcome;
    const { result } = checked;
    const name = path.basename(uri.path);
    const mismatch = deps.backend ? platformMismatch(result.platform, deps.backend.kind) : undefined;
    if (mismatch) {
      showError(deps.log, `Could not create a tuned model from ${name}`, new Error(mismatch));
      return { status: 'refused', reason: mismatch };
    }
    const request = result.platform === 'vertex' ? buildVertexJobRequest(result) : buildCreateRequest(result);
    if (!(await confirmIfUnchanged(deps, uri, request))) return { status: 'cancelled' };
    if (!deps.backend) {
      const message = 'No backend connection is available to create the tuned model.';
      showError(deps.log, `Could not create a tuned model from ${name}`, new Error(message));
      return { status: 'failed', message };
    }
    return 'request' in request ? createOnVertex(deps, deps.backend, uri, request) : createAndFollow(deps, deps.backend, uri, request);
  };
}

/** Validates the spec as it is now, with progress while its data files are read; the request to send, or why there is none. */
async function checkSpec(deps: CreateTunedModelDeps, uri: vscode.Uri): Promise<{ result: SpecValidation } | { outcome: CreateOutcome }> {
  const name = path.basename(uri.path);
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
          vertexBaseModels: configuredVertexBaseModels(),
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
    deps.validation.publish(uri, result);
    if (result.hasErrors || !result.summary) {
      const problems = problemList(result);
      if (problems.length === 0) problems.push('The spec has no training examples');
      void showProblems(`${name} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}; no tuned model was created.`, problems);
      return { outcome: { status: 'invalid', problems } };
    }
    return { result };
  } catch (error) {
    if (error instanceof CancelledError) return { outcome: { status: 'cancelled' } };
    throw error;
  }
}

/** True unless this spec, unchanged, already created a model and the person does not want another. */
async function confirmIfUnchanged(deps: CreateTunedModelDeps, uri: vscode.Uri, request: { fingerprint: string }): Promise<boolean> {
  const earlier = previousCreation(deps.workspaceState.get<SpecCreations>(SPEC_CREATIONS_STATE_KEY), uri.toString(), request.fingerprint);
  if (!earlier) return true;
  return deps.prompts.confirm(`This spec, unchanged, already created ${earlier.model}. Create another tuned model from it?`, {
    detail: `Created on ${new Date(earlier.createdAt).toLocaleString()}. Nothing in the spec or its data files changed since.`,
    confirmLabel: 'Create Another',
  });
}

/** Sends the request, reveals the new model in the tree and follows its training until it ends or the person stops watching. */
function createAndFollow(deps: CreateTunedModelDeps, backend: SpecBackend, uri: vscode.Uri, request: CreateRequest): Thenable<CreateOutcome> {
  const { log } = deps;
  const name = path.basename(uri.path);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Tuning ${request.model.displayName ?? name}`, cancellable: true },
    async (progress, token): Promise<CreateOutcome> => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      let created: TunedModelInfo | undefined;
      try {
        progress.report({ message: `uploading ${request.summary.text}…` });
        const submitter = await backend.submitter();
        const job = await submitter.submitJob(request.model, { tunedModelId: request.tunedModelId, signal: controller.signal });
        created = job.model;
        const model = created.name;
        if (!model) throw new Error('The backend answered without naming the new model.');
        await deps.workspaceState.update(
          SPEC_CREATIONS_STATE_KEY,
          rememberCreation(deps.workspaceState.get<SpecCreations>(SPEC_CREATIONS_STATE_KEY), uri.toString(), { fingerprint: request.fingerprint, model, createdAt: new Date().toISOString() }),
        );
        log.info(`created ${model} from ${uri.toString(true)} (${request.summary.text})`);
        revealModel(model);
        progress.report({ message: 'training 0%' });
        let shown = 0;
        const local = backend.kind === 'local';
        const done = await job.whenDone({
          signal: controller.signal,
          initialDelayMs: local ? 500 : 5000,
          maxDelayMs: local ? 2000 : 45_000,
          onProgress: (m) => {
            const percent = Math.floor(m.progress?.percent ?? 0);
            if (percent > shown) {
              progress.report({ message: `training ${percent}%`, increment: percent - shown });
              shown = percent;
            }
          },
        });
        if (done.state === 'failed' || done.state === 'cancelled') {
          const reason = done.stateDetail ?? 'no reason given';
          showError(log, `Tuning ${model} failed`, new Error(reason));
          return { status: 'failed', model, message: `Tuning ${model} failed: ${reason}` };
        }
        revealModel(model);
        // The Tuned Models view announces the model, with its next steps, when the store sees it ACTIVE.
        return { status: 'created', model, state: stateLabel(done.state) };
      } catch (error) {
        const model = created?.name || undefined;
        if (controller.signal.aborted) {
          if (model) {
            void vscode.window.showInformationMessage(inertNotificationText(`Stopped watching ${model}; it keeps training. The Tuned Models view follows it.`));
            return { status: 'watching', model };
          }
          return { status: 'cancelled' };
        }
        showError(log, `Could not create a tuned model from ${name}`, error);
        return { status: 'failed', model, message: error instanceof Error ? error.message : String(error) };
      }
    },
  );
}

/** Why a spec cannot be created on the current backend: a Vertex AI spec elsewhere, or a Gemini API spec on Vertex AI. */
function platformMismatch(platform: SpecValidation['platform'], backend: SpecBackend['kind']): string | undefined {
  if (platform === 'vertex' && backend !== 'vertex') {
    const current = backend === 'local' ? 'the local tuning server' : 'the Gemini API';
    return `This spec is for Vertex AI (platform: vertex) and the current backend is ${current}. Run "Gemini Tuning: Switch Backend" and pick Vertex AI, or remove "platform: vertex" and name a models/… base model to tune on ${current}.`;
  }
  if (platform !== 'vertex' && backend === 'vertex') {
    return 'This spec is for the Gemini API and the current backend is Vertex AI. Add "platform: vertex" and name a Vertex AI base model (e.g. gemini-2.5-flash) to tune on Vertex AI, or run "Gemini Tuning: Switch Backend" to use the local tuning server or the Gemini API.';
  }
  return undefined;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MB`;
}

/**
 * Uploads the spec's data to Cloud Storage and creates the Vertex AI tuning job, with the upload's
 * progress in a notification whose Cancel aborts the upload: then no job is created. The new job
 * shows in the Tuned Models view at once, which follows it from there (tuning takes hours).
 */
function createOnVertex(deps: CreateTunedModelDeps, backend: SpecBackend, uri: vscode.Uri, vertex: VertexCreateRequest): Thenable<CreateOutcome> {
  const { log } = deps;
  const name = path.basename(uri.path);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Vertex AI tuning job from ${name}`, cancellable: true },
    async (progress, token): Promise<CreateOutcome> => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      let shown = 0;
      const report = (message: string, percent?: number) => {
        const increment = percent !== undefined && percent > shown ? percent - shown : undefined;
        if (increment !== undefined) shown = percent!;
        progress.report({ message, ...(increment !== undefined ? { increment } : {}) });
        if (deps.progressProbe?.reported(message)) controller.abort();
      };
      const hasValidation = vertex.request.validation !== undefined;
      try {
        if (!backend.vertexSubmitter) throw new Error('This editor build cannot create Vertex AI tuning jobs.');
        report(`connecting to Vertex AI… (${vertex.summary.text})`);
        const submitter = await backend.vertexSubmitter();
        const job = await submitter.submitJob(vertex.request, {
          signal: controller.signal,
          onUploadProgress: (which, p) => {
            const percent = p.totalBytes > 0 ? Math.floor((p.sentBytes / p.totalBytes) * 100) : 100;
            // The notification's bar covers the training upload, and the validation upload after it.
            const overall = hasValidation ? (which === 'training' ? percent * 0.8 : 80 + percent * 0.2) : percent;
            report(`uploading ${which} data: ${percent}% of ${megabytes(p.totalBytes)}`, Math.floor(overall));
            if (percent === 100 && (which === 'validation' || !hasValidation)) report('creating the tuning job…');
          },
        });
        const model = job.model.name;
        if (!model) throw new Error('Vertex AI answered without naming the new tuning job.');
        await deps.workspaceState.update(
          SPEC_CREATIONS_STATE_KEY,
          rememberCreation(deps.workspaceState.get<SpecCreations>(SPEC_CREATIONS_STATE_KEY), uri.toString(), { fingerprint: vertex.fingerprint, model, createdAt: new Date().toISOString() }),
        );
        log.info(`created ${model} from ${uri.toString(true)} (${vertex.summary.text})`);
        backend.announce?.(job.model);
        revealModel(model);
        report('created');
        void vscode.window.showInformationMessage(inertNotificationText(`Created the Vertex AI tuning job ${model}. The Tuned Models view follows it; tuning on Vertex AI takes from minutes to hours.`));
        return { status: 'submitted', model };
      } catch (error) {
        if (controller.signal.aborted) {
          log.info(`creating a Vertex AI tuning job from ${uri.toString(true)} was cancelled during the upload; no job was created`);
          return { status: 'cancelled' };
        }
        showError(log, `Could not create a Vertex AI tuning job from ${name}`, new Error(explainVertexError(error)));
        return { status: 'failed', message: explainVertexError(error) };
      }
    },
  );
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
  return result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${path.basename(d.file)}:${d.range.start.line + 1}: ${d.message}`);
}

async function showProblems(title: string, problems: string[]): Promise<void> {
  const shown = problems.slice(0, 5).join('\n');
  const more = problems.length > 5 ? `\n… and ${problems.length - 5} more` : '';
  const choice = await vscode.window.showErrorMessage(title, { modal: false, detail: shown + more }, 'Show Problems');
  if (choice === 'Show Problems') await vscode.commands.executeCommand(SHOW_PROBLEMS_COMMAND);
}

function revealModel(model: string): void {
  void vscode.commands.executeCommand(REVEAL_MODEL_COMMAND, model).then(undefined, () => undefined);
}
