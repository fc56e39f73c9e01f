// What must hold for any input, however malformed: every problem is reported where it is (a range
// inside the file, or a line and column inside the notebook) and says why; a spec that validates
// clean builds a request with finite numbers only; a notebook that opens saves back to itself.
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { decodeTunebook, parseTunebook, serializeTunebook, TunebookFormatError, type Tunebook } from '../../src/core/promptNotebook/tunebookFormat';
import { type SpecDiagnostic } from '../../src/core/tuningSpec/diagnostics';
import { type Range } from '../../src/core/tuningSpec/positions';
import { buildCreateRequest } from '../../src/core/tuningSpec/createRequest';
import { type SpecValidation } from '../../src/core/tuningSpec/validateSpec';
import { type CertainBreak } from './generate';

/**
 * Line lengths in the two ways lines are counted: as the spec core reads data files (split at LF,
 * a CR before it not counted) and as the editor shows them (CR, LF and CRLF all end a line). They
 * differ only for files with lone CRs, where a position right in either is accepted.
 */
export function lineLengths(text: string): { core: number[]; editor: number[] } {
  return {
    core: text.split('\n').map((line) => (line.endsWith('\r') ? line.length - 1 : line.length)),
    editor: text.split(/\r\n|\r|\n/).map((line) => line.length),
  };
}

function rangeProblemInEither(range: Range, lengths: { core: number[]; editor: number[] }): string | undefined {
  const core = rangeProblem(range, lengths.core);
  return core && rangeProblem(range, lengths.editor) ? core : undefined;
}

/** Data files are decoded leniently for the check; the core reports encoding problems itself. */
export function decodeLeniently(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

const MEANINGLESS = /\bundefined\b|\[object Object\]|^\s*$/;

export function messageProblem(message: string): string | undefined {
  if (typeof message !== 'string') return `the message is not text: ${String(message)}`;
  if (MEANINGLESS.test(message)) return `the message says nothing: ${JSON.stringify(message)}`;
  if (message.trim().length < 8) return `the message is too short to say why: ${JSON.stringify(message)}`;
  return undefined;
}

export function rangeProblem(range: Range, lengths: readonly number[]): string | undefined {
  const { start, end } = range;
  const ints = [start.line, start.character, end.line, end.character].every((n) => Number.isInteger(n) && n >= 0);
  if (!ints) return `range ${JSON.stringify(range)} is not made of non-negative integers`;
  if (end.line < start.line || (end.line === start.line && end.character < start.character)) return `range ${show(range)} ends before it starts`;
  if (start.line >= lengths.length) return `range ${show(range)} starts after the last line (${lengths.length})`;
  if (end.line >= lengths.length) return `range ${show(range)} ends after the last line (${lengths.length})`;
  if (start.character > lengths[start.line] + 1) return `range ${show(range)} starts after the end of line ${start.line + 1} (${lengths[start.line]} characters)`;
  if (end.character > lengths[end.line] + 1) return `range ${show(range)} ends after the end of line ${end.line + 1} (${lengths[end.line]} characters)`;
  return undefined;
}

function show(range: Range): string {
  return `${range.start.line + 1}:${range.start.character + 1}–${range.end.line + 1}:${range.end.character + 1}`;
}

export interface SpecCase {
  specFile: string;
  specText: string;
  /** Texts of the data files, by absolute path, as far as they exist. */
  dataTexts: ReadonlyMap<string, string>;
  certain?: CertainBreak;
}

/** Everything wrong with how a validation reported a (possibly broken) spec; empty when all is well. */
export function specProblems(input: SpecCase, result: SpecValidation): string[] {
  const problems: string[] = [];
  const lengthsOf = new Map([[input.specFile, lineLengths(input.specText)]]);
  for (const [file, text] of input.dataTexts) lengthsOf.set(file, lineLengths(text));
  const name = (file: string): string => path.basename(file);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');

  for (const d of result.diagnostics) {
    const lengths = lengthsOf.get(d.file);
    if (!lengths) {
      problems.push(`a diagnostic names a file that is neither the spec nor one of its data files: ${d.file}`);
      continue;
    }
    const where = rangeProblemInEither(d.range, lengths);
    if (where) problems.push(`${name(d.file)} [${d.code}] ${where}: ${d.message}`);
    const why = messageProblem(d.message);
    if (why) problems.push(`${name(d.file)} [${d.code}] ${why}`);
    for (const r of d.related ?? []) {
      const relatedLengths = lengthsOf.get(r.file);
      const relatedWhere = relatedLengths ? rangeProblemInEither(r.range, relatedLengths) : `names an unknown file ${r.file}`;
      if (relatedWhere) problems.push(`${name(d.file)} [${d.code}] related location ${relatedWhere}`);
    }
  }
  if (result.hasErrors !== errors.length > 0) problems.push(`hasErrors is ${result.hasErrors} with ${errors.length} errors`);

  if (input.certain) {
    if (errors.length === 0) {
      problems.push(`broken for sure, but no error was reported (${result.diagnostics.length} other diagnostics)`);
    } else if (input.certain.line !== undefined) {
      const file = input.certain.reportedIn ?? input.specFile;
      const slack = input.certain.slack ?? 0;
      const line = input.certain.line;
      const near = (d: SpecDiagnostic): boolean => d.file === file && d.range.start.line - slack <= line && line <= d.range.end.line + slack;
      if (!errors.some(near)) {
        problems.push(`the problem on line ${line + 1} of ${name(file)} is not reported there; errors: ${errors.map((d) => `${name(d.file)}:${d.range.start.line + 1} ${d.message}`).join(' | ')}`);
      }
    }
  }

  if (!result.hasErrors && result.summary) {
    try {
      const request = buildCreateRequest(result);
      const bad = nonFiniteNumbers(request.model);
      if (bad.length > 0) problems.push(`validated clean, but the request carries ${bad.join(', ')}`);
    } catch (error) {
      problems.push(`validated clean, but building the request threw: ${(error as Error).message}`);
    }
  }
  return problems;
}

function nonFiniteNumbers(value: unknown, at = 'model'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${at} = ${value}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteNumbers(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nonFiniteNumbers(v, `${at}.${k}`));
  return [];
}

export type NotebookOutcome = { kind: 'opened'; book: Tunebook } | { kind: 'refused'; line: number; column: number; reason: string };

/** Reads a notebook's bytes as the serializer does: strict UTF-8 (a BOM dropped), then the format. */
export function readNotebook(bytes: Uint8Array): NotebookOutcome {
  try {
    return { kind: 'opened', book: parseTunebook(decodeTunebook(bytes)) };
  } catch (error) {
    if (error instanceof TunebookFormatError) return { kind: 'refused', line: error.line, column: error.column, reason: error.reason };
    throw error;
  }
}

/** Everything wrong with how a (possibly broken) notebook file was read; empty when all is well. */
export function notebookProblems(bytes: Uint8Array, certain: CertainBreak | undefined): string[] {
  const problems: string[] = [];
  let outcome: NotebookOutcome;
  try {
    outcome = readNotebook(bytes);
  } catch (error) {
    return [`threw ${(error as Error).name}: ${(error as Error).message}`];
  }
  const text = decodeLeniently(bytes);
  let validJson = true;
  try {
    // A BOM left after decoding is skipped on purpose; JSON.parse would refuse it.
    JSON.parse(text.replace(/^\ufeff/, ''));
  } catch {
    validJson = text.trim() === '';
  }
  if (outcome.kind === 'refused') {
    const lines = text.split('\n');
    if (!(Number.isInteger(outcome.line) && outcome.line >= 1 && outcome.line <= lines.length)) problems.push(`reported line ${outcome.line} of ${lines.length}`);
    else if (!(Number.isInteger(outcome.column) && outcome.column >= 1 && outcome.column <= lines[outcome.line - 1].length + 1)) {
      problems.push(`reported column ${outcome.column} of a ${lines[outcome.line - 1].length}-character line ${outcome.line}`);
    }
    const why = messageProblem(outcome.reason);
    if (why) problems.push(why);
    if (certain?.line !== undefined && Math.abs(outcome.line - 1 - certain.line) > (certain.slack ?? 0)) {
      problems.push(`the problem on line ${certain.line + 1} is reported on line ${outcome.line}: ${outcome.reason}`);
    }
  } else {
    if (!validJson) problems.push('opened a file that is not valid JSON');
    if (certain) problems.push('broken for sure, but it opened');
    try {
      const saved = serializeTunebook(outcome.book);
      const reread = parseTunebook(saved);
      if (!isDeepStrictEqual(plain(reread), plain(outcome.book))) problems.push('saving and reopening changes the notebook');
    } catch (error) {
      problems.push(`saving what was opened fails: ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * The notebook as the file holds it: no undefined members, and no empty outputs, metadata or
 * generationConfig (saving omits them; they mean nothing).
 */
function plain(book: Tunebook): unknown {
  const copy = JSON.parse(JSON.stringify(book)) as Tunebook;
  const empty = (value: unknown): boolean => (Array.isArray(value) ? value.length === 0 : !!value && typeof value === 'object' && Object.keys(value).length === 0);
  if (empty(copy.metadata.generationConfig)) delete copy.metadata.generationConfig;
  for (const cell of copy.cells) {
    if (cell.metadata && empty(cell.metadata.generationConfig)) delete cell.metadata.generationConfig;
    if (empty(cell.outputs)) delete cell.outputs;
    if (empty(cell.metadata)) delete cell.metadata;
    for (const output of cell.outputs ?? []) if (empty(output.metadata)) delete output.metadata;
  }
  return copy;
}

/** Tallies problems by kind for one row of the sweep table, keeping a few examples for the failure message. */
export class FuzzTally {
  cases = 0;
  flagged = 0;
  readonly byOutcome = new Map<string, number>();
  readonly failures: string[] = [];

  count(outcome: string): void {
    this.byOutcome.set(outcome, (this.byOutcome.get(outcome) ?? 0) + 1);
  }

  fail(description: string, problems: readonly string[]): void {
    this.flagged++;
    if (this.failures.length < 12) this.failures.push(`${description}\n      ${problems.slice(0, 4).join('\n      ')}`);
  }

  outcomes(): string {
    return [...this.byOutcome.entries()].map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`).join(', ');
  }
}
