import * as vscode from 'vscode';
import { type Range } from '../../core/tuningSpec/positions';

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}
