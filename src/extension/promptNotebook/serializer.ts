import * as vscode from 'vscode';
import {
  PROMPT_LANGUAGE,
  type Tunebook,
  type TunebookCell,
  type TunebookOutput,
  type TunebookOutputItem,
  TunebookFormatError,
  decodeTunebook,
  isTextMime,
  parseTunebook,
  serializeTunebook,
} from '../../core/promptNotebook/tunebookFormat';

const STREAM_MIMES = new Set(['application/vnd.code.notebook.stdout', 'application/vnd.code.notebook.stderr']);

/** Reads and writes `*.tunebook` files. A file it cannot read fails to open; it never becomes an empty notebook. */
export class TunebookSerializer implements vscode.NotebookSerializer {
  private readonly encoder = new TextEncoder();

  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    let book: Tunebook;
    try {
      book = parseTunebook(decodeTunebook(content));
    } catch (e) {
      if (e instanceof TunebookFormatError) {
        throw new Error(`Cannot open this prompt notebook: ${e.message}. Fix the file in a text editor (Reopen Editor With… › Text Editor); it was left untouched.`);
      }
      throw e;
    }
    return toNotebookData(book);
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    return this.encoder.encode(serializeTunebook(fromNotebookData(data)));
  }
}

export function toNotebookData(book: Tunebook): vscode.NotebookData {
  const cells = book.cells.map((cell) => {
    const kind = cell.kind === 'markdown' ? vscode.NotebookCellKind.Markup : vscode.NotebookCellKind.Code;
    const language = cell.language ?? (cell.kind === 'markdown' ? 'markdown' : PROMPT_LANGUAGE);
    const data = new vscode.NotebookCellData(kind, cell.source, language);
    if (cell.metadata) data.metadata = { ...cell.metadata };
    if (cell.outputs) data.outputs = cell.outputs.map(toCellOutput);
    return data;
  });
  const data = new vscode.NotebookData(cells);
  data.metadata = { ...book.metadata };
  return data;
}

function toCellOutput(output: TunebookOutput): vscode.NotebookCellOutput {
  const items = output.items.map((item) =>
    'text' in item
      ? new vscode.NotebookCellOutputItem(new TextEncoder().encode(item.text), item.mime)
      : new vscode.NotebookCellOutputItem(Buffer.from(item.base64, 'base64'), item.mime),
  );
  return new vscode.NotebookCellOutput(items, output.metadata);
}

export function fromNotebookData(data: vscode.NotebookData): Tunebook {
  const cells: TunebookCell[] = data.cells.map((cell) => {
    const kind = cell.kind === vscode.NotebookCellKind.Markup ? 'markdown' : 'prompt';
    const out: TunebookCell = { kind, source: cell.value };
    if (cell.languageId !== (kind === 'markdown' ? 'markdown' : PROMPT_LANGUAGE)) out.language = cell.languageId;
    if (cell.metadata && Object.keys(cell.metadata).length > 0) out.metadata = { ...cell.metadata };
    if (cell.outputs && cell.outputs.length > 0) out.outputs = cell.outputs.map(fromCellOutput);
    return out;
  });
  return { metadata: { ...(data.metadata ?? {}) }, cells };
}

/** Streamed answers arrive as many stdout items; they are saved as one. */
function fromCellOutput(output: vscode.NotebookCellOutput): TunebookOutput {
  const items: TunebookOutputItem[] = [];
  const decoder = new TextDecoder();
  for (const item of output.items) {
    if (isTextMime(item.mime)) {
      const text = decoder.decode(item.data);
      const last = items[items.length - 1];
      if (last && STREAM_MIMES.has(item.mime) && last.mime === item.mime && 'text' in last) {
        items[items.length - 1] = { mime: item.mime, text: last.text + text };
      } else {
        items.push({ mime: item.mime, text });
      }
    } else {
      items.push({ mime: item.mime, base64: Buffer.from(item.data).toString('base64') });
    }
  }
  const metadata = output.metadata && Object.keys(output.metadata).length > 0 ? { ...output.metadata } : undefined;
  return metadata ? { items, metadata } : { items };
}

/** The text of an answer output: its stream or plain-text items joined. */
export function outputText(output: vscode.NotebookCellOutput): string {
  const decoder = new TextDecoder();
  return output.items
    .filter((i) => STREAM_MIMES.has(i.mime) || i.mime === 'text/plain')
    .map((i) => decoder.decode(i.data))
    .join('');
}
