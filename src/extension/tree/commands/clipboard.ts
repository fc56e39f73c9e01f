import * as vscode from 'vscode';

/** Copies `text` and says so briefly in the status bar; resolves with the text copied. */
export async function copyToClipboard(text: string, what: string): Promise<string> {
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage(`$(copy) Copied ${what}`, 3000);
  return text;
}
