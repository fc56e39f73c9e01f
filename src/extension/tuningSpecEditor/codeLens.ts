import * as vscode from 'vscode';
import { summaryLensTitle } from '../../core/tuningSpec/summaryLens';
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
    const title = summaryLensTitle(result);
    lenses.push(new vscode.CodeLens(top, { title, command: '', tooltip: 'Training as the backend will run it, with its defaults filled in' }));
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
