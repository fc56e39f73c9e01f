import * as vscode from 'vscode';
import { taggedLog } from '../../core/util/log';
import { registerGuarded } from '../ui/commands';
import { type ErrorLog } from '../ui/notify';
import { type Prompts } from '../ui/prompts';
import { SpecCodeLensProvider } from './codeLens';
import { SpecCommands } from './commandIds';
import { SpecCompletionProvider } from './completionProvider';
import { SpecHoverProvider } from './hoverProvider';
import { SpecQuickFixProvider } from './quickFixProvider';
import { createTunedModelFromSpec, type SpecBackend } from './commands/createTunedModelFromSpec';
import { newTuningSpec } from './commands/newTuningSpec';
import { validateTuningSpec } from './commands/validateTuningSpec';
import { SpecValidationService } from './diagnosticsService';
import { SPEC_GLOB } from './workspaceFileSystem';
import { CreateProgressProbe } from './createProgressProbe';
import { type TestHooks } from '../testHooks';

export interface SpecFeatureDeps {
  readonly context: Pick<vscode.ExtensionContext, 'workspaceState'>;
  readonly log: ErrorLog;
  /** Where jobs are submitted; without it, specs are still validated but cannot be submitted. */
  readonly backend?: SpecBackend;
  /** How questions are asked; tests answer through it. */
  readonly prompts: Prompts;
  /** Present in test mode: the spec editor fills its section. */
  readonly testHooks?: TestHooks;
  /** Told about each spec "New Tuning Spec" writes. */
  readonly onSpecCreated?: (spec: vscode.Uri) => void;
}

/** Tuning specs: diagnostics, CodeLens, completion, hover, quick fixes and the New / Validate / Create commands. */
export function registerSpecFeatures(deps: SpecFeatureDeps): vscode.Disposable {
  const log: ErrorLog = { ...taggedLog(deps.log, 'spec'), show: (preserveFocus) => deps.log.show?.(preserveFocus) };
  const { prompts } = deps;
  const validation = new SpecValidationService(log);
  const codeLens = new SpecCodeLensProvider(validation);
  const isTrusted = () => vscode.workspace.isTrusted;
  const probe = deps.testHooks ? new CreateProgressProbe() : undefined;
  if (deps.testHooks) deps.testHooks.tuningSpecEditor = probe;
  return vscode.Disposable.from(
    validation,
    codeLens,
    vscode.languages.registerCodeLensProvider({ pattern: SPEC_GLOB }, codeLens),
    vscode.languages.registerCompletionItemProvider({ pattern: SPEC_GLOB }, new SpecCompletionProvider(), ' '),
    vscode.languages.registerHoverProvider({ pattern: SPEC_GLOB }, new SpecHoverProvider()),
    vscode.languages.registerCodeActionsProvider({ pattern: SPEC_GLOB }, new SpecQuickFixProvider(), SpecQuickFixProvider.metadata),
    registerGuarded(
      SpecCommands.create,
      'Could not create a tuned model from the spec',
      createTunedModelFromSpec({ workspaceState: deps.context.workspaceState, log, validation, backend: deps.backend, prompts, isTrusted, progressProbe: probe }),
      log,
    ),
    registerGuarded(SpecCommands.validate, 'Could not validate the tuning spec', validateTuningSpec({ validation, prompts }), log),
    registerGuarded(SpecCommands.newSpec, 'Could not create the tuning spec', newTuningSpec({ prompts, onCreated: deps.onSpecCreated }), log),
  );
}
