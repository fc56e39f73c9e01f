/** Adds a training example to a spec or a JSONL file without disturbing what is already there. */
import { Document, isMap, isSeq, parseDocument, type YAMLSeq } from 'yaml';

export interface TrainingExample {
  textInput: string;
  output: string;
}

export class PromoteError extends Error {
  override readonly name = 'PromoteError';
}

/**
 * Appends `example` to the spec's inline `examples:` list. A block list gets the new item inserted as
 * text after its last item, so every other byte of the file stays as it was; otherwise (flow list,
 * no list yet) the edit goes through the yaml Document API, which keeps comments. Refuses
 * (PromoteError) when the YAML has errors or `examples` is not a list.
 */
export function appendExampleToSpec(yamlText: string, example: TrainingExample): string {
  const doc = parseDocument(yamlText);
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const where = first.linePos?.[0] ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})` : '';
    throw new PromoteError(`The spec has YAML errors${where}: ${first.message.split('\n')[0]}. Fix them first; the spec was not changed.`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new PromoteError('The spec is not a YAML mapping; the spec was not changed.');
  }
  const entry = { textInput: example.textInput, output: example.output };
  const existing = doc.get('examples', true);
  if (existing !== undefined && existing !== null && !isSeq(existing)) {
    throw new PromoteError('The spec\'s "examples" is not a list; the spec was not changed.');
  }
  const before = (doc.toJS() as { examples?: unknown[] } | null)?.examples ?? [];
  const textual = isSeq(existing) ? insertIntoBlockList(yamlText, existing, entry) : existing ? undefined : appendNewList(yamlText, entry);
  if (textual !== undefined && sameExamples(textual, [...before, entry])) return textual;
  if (isSeq(existing)) {
    existing.items.push(doc.createNode(entry));
  } else {
    doc.set('examples', doc.createNode([entry]));
  }
  return doc.toString({ lineWidth: 0 });
}

function sameExamples(text: string, expected: unknown[]): boolean {
  try {
    const reparsed = parseDocument(text);
    if (reparsed.errors.length > 0) return false;
    return JSON.stringify((reparsed.toJS() as { examples?: unknown[] }).examples) === JSON.stringify(expected);
  } catch {
    return false;
  }
}

function listItemText(entry: TrainingExample, indent: number): string {
  const pad = ' '.repeat(indent);
  const text = new Document([entry]).toString({ lineWidth: 0 });
  return text
    .split('\n')
    .filter((line, i, all) => i < all.length - 1 || line !== '')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n') + '\n';
}

function insertIntoBlockList(text: string, seq: YAMLSeq, entry: TrainingExample): string | undefined {
  if (seq.flow || seq.items.length === 0 || !seq.range) return undefined;
  const start = seq.range[0];
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const indent = start - lineStart;
  if (text.slice(lineStart, start).trim() !== '') return undefined;
  const last = seq.items[seq.items.length - 1] as { range?: [number, number, number] } | undefined;
  const lastEnd = last?.range?.[1] ?? seq.range[1];
  const newline = text.indexOf('\n', Math.max(lastEnd - 1, 0));
  const insertAt = newline === -1 ? text.length : newline + 1;
  const prefix = newline === -1 ? '\n' : '';
  return text.slice(0, insertAt) + prefix + listItemText(entry, indent) + text.slice(insertAt);
}

function appendNewList(text: string, entry: TrainingExample): string {
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${separator}examples:\n${listItemText(entry, 2)}`;
}

/** Returns the text to append to a JSONL file: one line, preceded by a newline when the file does not end with one. */
export function jsonlAppendText(existing: string, example: TrainingExample): string {
  const line = JSON.stringify({ textInput: example.textInput, output: example.output });
  const needsNewline = existing.length > 0 && !existing.endsWith('\n');
  return `${needsNewline ? '\n' : ''}${line}\n`;
}

/** Multi-line text shown in a one-line input box: newlines become the two characters `\n`, backslashes are doubled. */
export function escapeForInputBox(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

export function unescapeFromInputBox(text: string): string {
  return text.replace(/\\(\\|n|r|t)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : '\\'));
}
