import * as vscode from 'vscode';
import { specCompletions } from '../../core/tuningSpec/completions';
import { toRange } from './ranges';
import { configuredVertexBaseModels } from '../backend/vertexBaseModels';

/** Keys and values from the shipped schema, with no YAML extension installed. */
export class SpecCompletionProvider implements vscode.CompletionItemProvider {
  provideCompletionItems(doc: vscode.TextDocument, position: vscode.Position, _token: vscode.CancellationToken, context: vscode.CompletionContext): vscode.CompletionItem[] {
    // The space after `format:` asks for values; a space while indenting should not pop up keys.
    const afterSpace = context.triggerKind === vscode.CompletionTriggerKind.TriggerCharacter && context.triggerCharacter === ' ';
    const completions = specCompletions(doc.getText(), position, { vertexBaseModels: configuredVertexBaseModels() }).filter((c) => !afterSpace || c.kind === 'value');
    return completions.map((c, index) => {
      const item = new vscode.CompletionItem(c.label, c.kind === 'key' ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.Value);
      item.insertText = new vscode.SnippetString(c.insertText);
      item.range = toRange(c.replace);
      item.detail = c.detail;
      // The schema's order (model, settings, data) reads better than the alphabet.
      item.sortText = String(index).padStart(3, '0');
      if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
      return item;
    });
  }
}
