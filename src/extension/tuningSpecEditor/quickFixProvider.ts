import * as vscode from 'vscode';
import { quickFixesFor } from '../../core/tuningSpec/quickFixes';
import { DIAGNOSTIC_SOURCE } from './diagnosticsService';
import { toRange } from './ranges';
import { configuredVertexBaseModels } from '../backend/vertexBaseModels';

/** Quick fixes for the spec's own diagnostics: a suggested key, removing a key, clamping, a valid id, a configured Vertex AI base model. */
export class SpecQuickFixProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE || typeof diagnostic.code !== 'string') continue;
      const r = diagnostic.range;
      const anchor = { code: diagnostic.code, range: { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } } };
      for (const fix of quickFixesFor(doc.getText(), anchor, { vertexBaseModels: configuredVertexBaseModels() })) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.isPreferred = fix.preferred;
        action.edit = new vscode.WorkspaceEdit();
        for (const edit of fix.edits) action.edit.replace(doc.uri, toRange(edit.range), edit.newText);
        actions.push(action);
      }
    }
    return actions;
  }
}
