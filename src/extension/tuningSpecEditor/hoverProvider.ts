import * as vscode from 'vscode';
import { specHover } from '../../core/tuningSpec/hover';
import { toRange } from './ranges';

/** What a field means, its limit and default, from the shipped schema. */
export class SpecHoverProvider implements vscode.HoverProvider {
  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const hover = specHover(doc.getText(), position);
    return hover && new vscode.Hover(new vscode.MarkdownString(hover.markdown), toRange(hover.range));
  }
}
