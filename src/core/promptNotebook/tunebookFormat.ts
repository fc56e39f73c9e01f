/**
 * The `*.tunebook` file format: a prompt notebook as diff-friendly JSON.
 *
 *   {
 *     "format": "gemini-tuning.tunebook",
 *     "version": 1,
 *     "metadata": { "model": "tunedModels/x", "chat": false, "systemInstruction": "…",
 *                   "generationConfig": { "temperature": 0 } },
 *     "cells": [
 *       { "kind": "markdown", "source": "# Notes" },
 *       { "kind": "prompt", "source": ["line 1", "line 2"], "metadata": { "generationConfig": {…} },
 *         "outputs": [ { "items": [ { "mime": "text/plain", "text": "…" } ], "metadata": {…} } ] }
 *     ]
 *   }
 *
 * Multi-line text is stored as an array of lines so that a one-line change is a one-line diff.
 * A file that cannot be read throws a TunebookFormatError with line and column: it is never
 * turned into an empty notebook, because saving that would destroy the file.
 */
import { type JsonEntry, type JsonNode, JsonSyntaxError, parseJsonWithPositions, positionAt, toPlainValue } from './jsonPositions';

export const TUNEBOOK_NOTEBOOK_TYPE = 'gemini-tuning-notebook';
export const TUNEBOOK_EXTENSION = '.tunebook';
export const TUNEBOOK_FORMAT_ID = 'gemini-tuning.tunebook';
export const TUNEBOOK_FORMAT_VERSION = 1;
/** Not `prompt`: VS Code's chat prompt files own that id, with their own grammar and checks. */
export const PROMPT_LANGUAGE = 'gemini-prompt';

/** The generation settings a notebook or a cell may set; the subset of GenerationConfig people tune by hand. */
export interface PromptGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
}

export const GENERATION_CONFIG_KEYS = [
  'temperature',
  'topP',
  'topK',
  'maxOutputTokens',
  'stopSequences',
  'candidateCount',
  'seed',
] as const satisfies readonly (keyof PromptGenerationConfig)[];

const INTEGER_KEYS = new Set<string>(['topK', 'maxOutputTokens', 'candidateCount', 'seed']);

export interface PromptSettings {
  systemInstruction?: string;
  generationConfig?: PromptGenerationConfig;
}

export interface TunebookMetadata extends PromptSettings {
  /** Resource name of the chosen model: `tunedModels/…` or `models/…`. */
  model?: string;
  /** When true, earlier prompts and their answers are sent as history. */
  chat?: boolean;
  [extra: string]: unknown;
}

export interface TunebookCellMetadata extends PromptSettings {
  [extra: string]: unknown;
}

export type TunebookOutputItem = { mime: string; text: string } | { mime: string; base64: string };

export interface TunebookOutput {
  items: TunebookOutputItem[];
  metadata?: Record<string, unknown>;
}

export interface TunebookCell {
  kind: 'markdown' | 'prompt';
  /** Omitted in the file when it is the default for the kind (`markdown` / `prompt`). */
  language?: string;
  source: string;
  metadata?: TunebookCellMetadata;
  outputs?: TunebookOutput[];
}

export interface Tunebook {
  metadata: TunebookMetadata;
  cells: TunebookCell[];
}

export class TunebookFormatError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'TunebookFormatError';
  }
}

/** What VS Code accepts as the mime type of an output item: `type/subtype[;parameters]` on one line. */
const MIME_TYPE = /^(.+)\/(.+?)(;.+)?$/;

/** Text mimes are stored as text (readable diffs); anything else as base64. */
export function isTextMime(mime: string): boolean {
  return (
    mime.startsWith('text/') ||
    mime === 'application/json' ||
    mime.endsWith('+json') ||
    mime.startsWith('application/vnd.code.notebook.')
  );
}

// ---------------------------------------------------------------- reading

/** The file's text: strict UTF-8 (a BOM dropped), or a TunebookFormatError at the first byte that is not. */
export function decodeTunebook(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8Byte(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, bad));
    const { line, column } = positionAt(before, before.length);
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    const hint = utf16 ? '; it is UTF-16: save it as UTF-8' : '';
    throw new TunebookFormatError(`the file is not valid UTF-8 text (byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')} at offset ${bad})${hint}`, line, column);
  }
}

/** Offset of the first byte of `bytes` that cannot be read as UTF-8 (`bytes` is known to be invalid). */
function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  // With `stream`, a prefix that ends inside a sequence still decodes, so validity only drops once.
  const validPrefix = (n: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  if (validPrefix(bytes.length)) {
    // Only the last sequence is cut short: it starts at the last lead byte.
    let start = bytes.length - 1;
    while (start > 0 && (bytes[start] & 0xc0) === 0x80) start--;
    return start;
  }
  let low = 0;
  let high = bytes.length;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (validPrefix(mid)) low = mid;
    else high = mid;
  }
  return low;
}

export function parseTunebook(text: string): Tunebook {
  if (text.trim() === '') return { metadata: {}, cells: [] };
  let root: JsonNode;
  try {
    root = parseJsonWithPositions(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw errorAt(text, e.offset, `invalid JSON: ${e.reason}`);
    throw e;
  }
  return new TunebookReader(text).readRoot(root);
}

function errorAt(text: string, offset: number, reason: string): TunebookFormatError {
  const { line, column } = positionAt(text, offset);
  return new TunebookFormatError(reason, line, column);
}

class TunebookReader {
  constructor(private readonly text: string) {}

  private fail(node: { offset: number } | JsonEntry, reason: string): never {
    const offset = 'keyOffset' in node ? node.keyOffset : node.offset;
    throw errorAt(this.text, offset, reason);
  }

  private object(node: JsonNode, what: string): Extract<JsonNode, { kind: 'object' }> {
    if (node.kind !== 'object') this.fail(node, `${what} must be an object, not ${kindName(node)}`);
    return node;
  }

  readRoot(node: JsonNode): Tunebook {
    const root = this.object(node, 'a .tunebook file');
    let format: JsonNode | undefined;
    let version: JsonNode | undefined;
    let metadata: TunebookMetadata = {};
    let cells: TunebookCell[] | undefined;
    for (const entry of root.entries) {
      switch (entry.key) {
        case 'format':
          format = entry.value;
          break;
        case 'version':
          version = entry.value;
          break;
        case 'metadata':
          metadata = this.readNotebookMetadata(entry.value);
          break;
        case 'cells':
          cells = this.readCells(entry.value);
          break;
        default:
          this.fail(entry, `unknown property "${entry.key}" (expected format, version, metadata, cells)`);
      }
    }
    if (!format) this.fail(root, `missing "format": "${TUNEBOOK_FORMAT_ID}"`);
    if (format.kind !== 'string' || format.value !== TUNEBOOK_FORMAT_ID) {
      this.fail(format, `"format" must be "${TUNEBOOK_FORMAT_ID}"`);
    }
    if (version) {
      if (version.kind !== 'number' || !Number.isInteger(version.value) || version.value < 1) {
        this.fail(version, '"version" must be a positive integer');
      }
      if (version.value > TUNEBOOK_FORMAT_VERSION) {
        this.fail(version, `written by a newer version of the format (${version.value}); this extension reads version ${TUNEBOOK_FORMAT_VERSION}`);
      }
    }
    if (!cells) this.fail(root, 'missing "cells" (an array)');
    return { metadata, cells };
  }

  private readNotebookMetadata(node: JsonNode): TunebookMetadata {
    const obj = this.object(node, '"metadata"');
    const out: TunebookMetadata = {};
    for (const entry of obj.entries) {
      const v = entry.value;
      if (entry.key === 'model') {
        if (v.kind !== 'string') this.fail(v, '"metadata.model" must be a string such as "tunedModels/my-model"');
        out.model = v.value;
      } else if (entry.key === 'chat') {
        if (v.kind !== 'boolean') this.fail(v, '"metadata.chat" must be true or false');
        out.chat = v.value;
      } else if (!this.readSetting(entry, out, 'metadata')) {
        setOwn(out, entry.key, toPlainValue(v));
      }
    }
    return out;
  }

  /** Reads systemInstruction / generationConfig into `out`; false for any other key. */
  private readSetting(entry: JsonEntry, out: PromptSettings, where: string): boolean {
    const v = entry.value;
    if (entry.key === 'systemInstruction') {
      out.systemInstruction = this.textOrLines(v, `"${where}.systemInstruction"`);
      return true;
    }
    if (entry.key === 'generationConfig') {
      out.generationConfig = this.readGenerationConfig(v, `${where}.generationConfig`);
      return true;
    }
    return false;
  }

  private readGenerationConfig(node: JsonNode, where: string): PromptGenerationConfig {
    const obj = this.object(node, `"${where}"`);
    const out: PromptGenerationConfig = {};
    for (const entry of obj.entries) {
      const v = entry.value;
      const key = entry.key;
      if (key === 'stopSequences') {
        if (v.kind !== 'array' || v.items.some((i) => i.kind !== 'string')) {
          this.fail(v, `"${where}.stopSequences" must be an array of strings`);
        }
        out.stopSequences = v.items.map((i) => (i as { value: string }).value);
      } else if ((GENERATION_CONFIG_KEYS as readonly string[]).includes(key)) {
        if (v.kind !== 'number') this.fail(v, `"${where}.${key}" must be a number`);
        if (INTEGER_KEYS.has(key) && !Number.isInteger(v.value)) this.fail(v, `"${where}.${key}" must be an integer`);
        (out as Record<string, number>)[key] = v.value;
      } else {
        this.fail(entry, `unknown generation setting "${key}" (expected one of ${GENERATION_CONFIG_KEYS.join(', ')})`);
      }
    }
    return out;
  }

  private readCells(node: JsonNode): TunebookCell[] {
    if (node.kind !== 'array') this.fail(node, `"cells" must be an array, not ${kindName(node)}`);
    return node.items.map((item, i) => this.readCell(item, `cells[${i}]`));
  }

  private readCell(node: JsonNode, where: string): TunebookCell {
    const obj = this.object(node, where);
    let kind: TunebookCell['kind'] | undefined;
    let source: string | undefined;
    const cell: Partial<TunebookCell> = {};
    for (const entry of obj.entries) {
      const v = entry.value;
      switch (entry.key) {
        case 'kind':
          if (v.kind !== 'string' || (v.value !== 'markdown' && v.value !== 'prompt')) {
            this.fail(v, `${where}.kind must be "markdown" or "prompt"`);
          }
          kind = v.value;
          break;
        case 'language':
          if (v.kind !== 'string' || v.value === '') this.fail(v, `${where}.language must be a non-empty string`);
          cell.language = v.value;
          break;
        case 'source':
          source = this.textOrLines(v, `${where}.source`);
          break;
        case 'metadata':
          cell.metadata = this.readCellMetadata(v, `${where}.metadata`);
          break;
        case 'outputs':
          if (v.kind !== 'array') this.fail(v, `${where}.outputs must be an array`);
          cell.outputs = v.items.map((o, j) => this.readOutput(o, `${where}.outputs[${j}]`));
          break;
        default:
          this.fail(entry, `unknown property "${entry.key}" in ${where} (expected kind, language, source, metadata, outputs)`);
      }
    }
    if (!kind) this.fail(obj, `${where} has no "kind" ("markdown" or "prompt")`);
    if (source === undefined) this.fail(obj, `${where} has no "source"`);
    return { kind, source, ...cell };
  }

  private readCellMetadata(node: JsonNode, where: string): TunebookCellMetadata {
    const obj = this.object(node, where);
    const out: TunebookCellMetadata = {};
    for (const entry of obj.entries) {
      if (!this.readSetting(entry, out, where)) setOwn(out, entry.key, toPlainValue(entry.value));
    }
    return out;
  }

  private readOutput(node: JsonNode, where: string): TunebookOutput {
    const obj = this.object(node, where);
    const out: TunebookOutput = { items: [] };
    let sawItems = false;
    for (const entry of obj.entries) {
      const v = entry.value;
      if (entry.key === 'items') {
        if (v.kind !== 'array') this.fail(v, `${where}.items must be an array`);
        out.items = v.items.map((item, k) => this.readOutputItem(item, `${where}.items[${k}]`));
        sawItems = true;
      } else if (entry.key === 'metadata') {
        out.metadata = toPlainValue(this.object(v, `${where}.metadata`)) as Record<string, unknown>;
      } else {
        this.fail(entry, `unknown property "${entry.key}" in ${where} (expected items, metadata)`);
      }
    }
    if (!sawItems) this.fail(obj, `${where} has no "items"`);
    return out;
  }

  private readOutputItem(node: JsonNode, where: string): TunebookOutputItem {
    const obj = this.object(node, where);
    let mime: string | undefined;
    let text: string | undefined;
    let base64: string | undefined;
    for (const entry of obj.entries) {
      const v = entry.value;
      if (entry.key === 'mime') {
        if (v.kind !== 'string' || v.value === '') this.fail(v, `${where}.mime must be a non-empty string`);
        // The editor refuses any other output item, with a message that does not say where.
        if (!MIME_TYPE.test(v.value)) this.fail(v, `${where}.mime must be a media type such as "text/plain"; got ${JSON.stringify(v.value)}`);
        mime = v.value;
      } else if (entry.key === 'text') {
        text = this.textOrLines(v, `${where}.text`);
      } else if (entry.key === 'base64') {
        if (v.kind !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v.value)) this.fail(v, `${where}.base64 must be a base64 string`);
        base64 = v.value;
      } else {
        this.fail(entry, `unknown property "${entry.key}" in ${where} (expected mime, text or base64)`);
      }
    }
    if (!mime) this.fail(obj, `${where} has no "mime"`);
    if ((text === undefined) === (base64 === undefined)) this.fail(obj, `${where} needs exactly one of "text" or "base64"`);
    return text !== undefined ? { mime, text } : { mime, base64: base64! };
  }

  private textOrLines(node: JsonNode, what: string): string {
    if (node.kind === 'string') return node.value;
    if (node.kind === 'array') {
      const lines: string[] = [];
      for (const item of node.items) {
        if (item.kind !== 'string') this.fail(item, `${what} must be a string or an array of strings (lines)`);
        lines.push(item.value);
      }
      return lines.join('\n');
    }
    return this.fail(node, `${what} must be a string or an array of strings (lines), not ${kindName(node)}`);
  }
}

function kindName(node: JsonNode): string {
  switch (node.kind) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return node.value ? 'true' : 'false';
    case 'null':
      return 'null';
  }
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---------------------------------------------------------------- writing

/** Multi-line strings become arrays of lines; single lines stay strings. */
function textValue(text: string): string | string[] {
  return text.includes('\n') ? text.split('\n') : text;
}

function settingsValue(settings: PromptSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (settings.systemInstruction !== undefined) out.systemInstruction = textValue(settings.systemInstruction);
  if (settings.generationConfig && Object.keys(settings.generationConfig).length > 0) {
    const config: Record<string, unknown> = {};
    for (const key of GENERATION_CONFIG_KEYS) {
      if (settings.generationConfig[key] !== undefined) config[key] = settings.generationConfig[key];
    }
    out.generationConfig = config;
  }
  return out;
}

function withExtras(known: Record<string, unknown>, all: Record<string, unknown>, skip: readonly string[]): Record<string, unknown> {
  const out = { ...known };
  for (const [key, value] of Object.entries(all)) {
    if (!skip.includes(key) && value !== undefined) setOwn(out, key, value);
  }
  return out;
}

export function serializeTunebook(book: Tunebook): string {
  const { model, chat } = book.metadata;
  const metadata = withExtras(
    { ...(model !== undefined ? { model } : {}), ...(chat !== undefined ? { chat } : {}), ...settingsValue(book.metadata) },
    book.metadata,
    ['model', 'chat', 'systemInstruction', 'generationConfig'],
  );
  const cells = book.cells.map((cell) => {
    const out: Record<string, unknown> = { kind: cell.kind };
    const defaultLanguage = cell.kind === 'markdown' ? 'markdown' : PROMPT_LANGUAGE;
    if (cell.language && cell.language !== defaultLanguage) out.language = cell.language;
    out.source = textValue(cell.source);
    if (cell.metadata) {
      const meta = withExtras(settingsValue(cell.metadata), cell.metadata, ['systemInstruction', 'generationConfig']);
      if (Object.keys(meta).length > 0) out.metadata = meta;
    }
    if (cell.outputs && cell.outputs.length > 0) {
      out.outputs = cell.outputs.map((o) => ({
        items: o.items.map((i) => ('text' in i ? { mime: i.mime, text: textValue(i.text) } : { mime: i.mime, base64: i.base64 })),
        ...(o.metadata && Object.keys(o.metadata).length > 0 ? { metadata: o.metadata } : {}),
      }));
    }
    return out;
  });
  const file = { format: TUNEBOOK_FORMAT_ID, version: TUNEBOOK_FORMAT_VERSION, metadata, cells };
  return JSON.stringify(file, null, 2) + '\n';
}
