import * as vscode from 'vscode';
import { type Prompts } from '../ui/prompts';
import { type Log, taggedLog } from '../../core/util/log';
import { SpecCodeLensProvider } from './codeLens';
import { registerSpecCommands, type ModelTracker, type SpecBackend } from './specCommands';
import { SPEC_GLOB } from './workspaceFileSystem';
import { SpecValidationService } from './diagnosticsService';

export interface SpecFeatureDeps {
  readonly context: Pick<vscode.ExtensionContext, 'workspaceState'>;
  readonly log: Log;
  /** The backend connection; without it, specs are still validated but cannot be submitted. */
  readonly backend?: SpecBackend;
  /** The tuned models store, so that a new model shows up (and is followed) in the tree. */
  readonly models?: ModelTracker;
  /** How questions are asked; tests answer through it. */
  readonly prompts?: Prompts;
}

/** Tuning specs: diagnostics, CodeLens and the New / Validate / Create commands. */
export function registerSpecFeatures(deps: SpecFeatureDeps): vscode.Disposable {
  const log = taggedLog(deps.log, 'spec');
  const validation = new SpecValidationService(log);
  const codeLens = new SpecCodeLensProvider(validation);
  return vscode.Disposable.from(
    validation,
    codeLens,
    vscode.languages.registerCodeLensProvider({ pattern: SPEC_GLOB }, codeLens),
    registerSpecCommands({ workspaceState: deps.context.workspaceState, log, validation, backend: deps.backend, models: deps.models, prompts: deps.prompts }),
  );
}
