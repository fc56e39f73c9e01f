import * as vscode from 'vscode';
import { SpecCommands } from './commandIds';
import { type SpecValidationService } from './diagnosticsService';

/** Above the spec: "▶ Create tuned model", "Validate", and the training summary. */
export class SpecCodeLensProvider implements vscode.CodeLensProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly validation: SpecValidationService,
    private readonly isTrusted: () => boolean = () => vscode.workspace.isTrusted,
  ) {
    this.subscription = vscode.Disposable.from(
      validation.onDidValidate(() => this.emitter.fire()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.emitter.fire()),
    );
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      // In Restricted Mode the spec cannot send anything, so the lens offers trust instead of a request.
      this.isTrusted()
        ? new vscode.CodeLens(top, { title: '▶ Create tuned model', command: SpecCommands.create, arguments: [doc.uri], tooltip: 'Validate this spec and create a tuned model from it' })
        : new vscode.CodeLens(top, {
            title: '$(shield) Restricted Mode: trust the workspace to create tuned models',
            command: 'workbench.trust.manage',
            tooltip: 'Specs in an untrusted workspace cannot send requests',
          }),
      new vscode.CodeLens(top, { title: 'Validate', command: SpecCommands.validate, arguments: [doc.uri], tooltip: 'Check the spec and its data files now' }),
    ];
    const result = await this.validation.validate(doc);
    if (token.isCancellationRequested) return lenses;
    const errors = result?.diagnostics.filter((d) => d.severity === 'error').length ?? 0;
    let title: string;
    if (!result) title = 'Checking…';
    else if (result.summary) title = errors > 0 ? `${result.summary.text} · ${errors === 1 ? '1 error' : `${errors} errors`}` : result.summary.text;
    else title = errors > 0 ? `${errors === 1 ? '1 error' : `${errors} errors`}: see Problems` : 'No training examples yet';
    lenses.push(new vscode.CodeLens(top, { title, command: '', tooltip: 'Training as the backend will run it, with its defaults filled in' }));
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
