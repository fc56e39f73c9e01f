import * as path from 'node:path';
import * as vscode from 'vscode';
import { inertNotificationText } from '../../../core/util/inertText';
import { type Prompts } from '../../ui/prompts';
import { type SpecValidationService } from '../diagnosticsService';
import { SHOW_PROBLEMS_COMMAND } from '../commandIds';
import { pickSpec } from '../pickSpec';

export interface ValidateTuningSpecDeps {
  readonly validation: Pick<SpecValidationService, 'validate'>;
  readonly prompts: Prompts;
}

/** What "Validate Tuning Spec" found; returned to callers of `executeCommand`. */
export interface ValidateOutcome {
  errors: number;
  warnings: number;
  summary: string | undefined;
}

/** "Validate Tuning Spec": checks the spec and its data files now and says what it found. */
export function validateTuningSpec(deps: ValidateTuningSpecDeps): (arg?: unknown) => Promise<ValidateOutcome | undefined> {
  return async (arg) => {
    const uri = await pickSpec(deps.prompts, arg, 'Validate Tuning Spec');
    if (!uri) return undefined;
    const doc = await vscode.workspace.openTextDocument(uri);
    const result = await deps.validation.validate(doc);
    if (!result) return undefined;
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = result.diagnostics.length - errors;
    const name = path.basename(uri.path);
    if (errors === 0 && warnings === 0) {
      void vscode.window.showInformationMessage(inertNotificationText(`${name}: no problems. ${result.summary?.text ?? ''}`.trim()));
    } else {
      const text = `${name}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`;
      void vscode.window.showWarningMessage(inertNotificationText(text), 'Show Problems').then((choice) => (choice ? vscode.commands.executeCommand(SHOW_PROBLEMS_COMMAND) : undefined));
    }
    return { errors, warnings, summary: result.summary?.text };
  };
}
