import { parse as parseCsv, type CsvError } from 'csv-parse';
import * as path from 'node:path';
import { plural, type DiagnosticCode, type Severity, type SpecDiagnostic } from './diagnostics';
import { exampleProblems, GEMINI_EXAMPLE_LIMITS, type ExampleLimits, type ExampleOrigin, type LoadedExample } from './examples';
import { CancelledError, fileProblem, throwIfAborted, type SpecFileSystem } from './specFileSystem';
import { BinaryFileError, readLineBatches, type TextLine } from './lines';
import { lineRange, linesRange, START_OF_FILE, type Range } from './positions';
import { YamlSource } from './yamlSource';

export type DataFormat = 'jsonl' | 'csv' | 'tsv' | 'json';

/** One entry of `examplesFile`, normalized. */
export interface ExamplesFileRef {
  /** As written in the spec, relative to it. */
  path: string;
  format?: DataFormat;
  columns?: { textInput?: string; output?: string };
}

/** At most this many problems are listed per data file; a summary stands for the rest. */
export const MAX_PROBLEMS_PER_FILE = 100;
/** Data files are read into memory for the create request; beyond this, refuse early. */
export const MAX_DATA_FILE_BYTES = 1 << 30;
/** Above this size a JSON array is not re-parsed for positions; problems name the item instead. */
const MAX_JSON_BYTES_FOR_POSITIONS = 5 << 20;

const FORMAT_BY_EXTENSION: Record<string, DataFormat> = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.csv': 'csv', '.tsv': 'tsv', '.json': 'json' };

export function formatOf(ref: ExamplesFileRef): DataFormat | undefined {
  return ref.format ?? FORMAT_BY_EXTENSION[path.extname(ref.path).toLowerCase()];
}

export interface DataFileProgress {
  file: string;
  bytesRead: number;
  totalBytes: number;
}

export interface ReadOptions {
  fs: SpecFileSystem;
  signal?: AbortSignal;
  onProgress?: (progress: DataFileProgress) => void;
  /** The platform's character limits of one example; the Gemini API's by default. */
  exampleLimits?: ExampleLimits;
}

export interface DataFileResult {
  file: string;
  examples: LoadedExample[];
  /** Problems inside the data file, on its own lines. */
  diagnostics: SpecDiagnostic[];
  /** Rows (lines, records, array items) that hold something but did not make a valid example. */
  rowsWithProblems: number;
  /** When the file could not be read at all: a message for the spec's `examplesFile` entry. */
  failure?: { code: DiagnosticCode; message: string };
}

/** Collects one file's problems, keeping the first `MAX_PROBLEMS_PER_FILE` and counting the rest. */
class ProblemSink {
  readonly diagnostics: SpecDiagnostic[] = [];
  private dropped = 0;

  constructor(
    private readonly file: string,
    readonly exampleLimits: ExampleLimits,
  ) {}

  add(range: Range, code: DiagnosticCode, message: string, severity: Severity = 'error'): void {
    if (this.diagnostics.length >= MAX_PROBLEMS_PER_FILE) {
      this.dropped++;
      return;
    }
    this.diagnostics.push({ file: this.file, range, severity, code, message });
  }

  finish(): SpecDiagnostic[] {
    if (this.dropped > 0) {
      const last = this.diagnostics[this.diagnostics.length - 1];
      this.diagnostics.push({
        file: this.file,
        range: last?.range ?? START_OF_FILE,
        severity: 'error',
        code: 'too-many-problems',
        message: `${plural(this.dropped, 'more problem')} in this file not listed; fix the ones above first`,
      });
      this.dropped = 0;
    }
    return this.diagnostics;
  }
}

function field(record: Record<string, unknown>, name: string, alias: string): unknown {
  return name in record ? record[name] : record[alias];
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Checks one `{textInput, output}` record; returns the example or reports why not. */
function checkRecord(
  record: unknown,
  report: (code: DiagnosticCode, message: string) => void,
  prefix: string,
  formatHint: string,
  columns: ExamplesFileRef['columns'],
  limits: ExampleLimits,
): { textInput: string; output: string } | undefined {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    report(formatHint === 'jsonl' ? 'jsonl-line' : 'json-array', withPrefix(prefix, `expected an object like {"textInput": "…", "output": "…"}, found ${describeValue(record)}`));
    return undefined;
  }
  const r = record as Record<string, unknown>;
  const inputName = columns?.textInput ?? 'textInput';
  const outputName = columns?.output ?? 'output';
  const textInput = columns?.textInput ? r[inputName] : field(r, 'textInput', 'text_input');
  const output = r[outputName];
  const code: DiagnosticCode = formatHint === 'jsonl' ? 'jsonl-line' : 'json-array';
  let ok = true;
  for (const [name, value] of [[inputName, textInput], [outputName, output]] as const) {
    if (value === undefined) {
      report(code, withPrefix(prefix, `missing "${name}"`));
      ok = false;
    } else if (typeof value !== 'string') {
      report(code, withPrefix(prefix, `"${name}" must be a string, found ${describeValue(value)}`));
      ok = false;
    }
  }
  if (!ok) return undefined;
  const example = { textInput: textInput as string, output: output as string };
  let valid = true;
  for (const problem of exampleProblems(example.textInput, example.output, limits)) {
    report(problem.code, withPrefix(prefix, problem.message));
    valid = false;
  }
  return valid ? example : undefined;
}

/** Joins a location prefix ("Item 3: ") and a message, keeping sentence case right. */
function withPrefix(prefix: string, message: string): string {
  if (!prefix) return message.charAt(0).toUpperCase() + message.slice(1);
  return prefix + message.charAt(0).toLowerCase() + message.slice(1);
}

/**
 * JSON.parse's message without the parts that differ between Node versions (the echoed input,
 * "(line 1 column 44)"), and the offset it names, if any.
 */
export function jsonErrorOf(error: unknown): { message: string; offset: number | undefined } {
  let message = error instanceof Error ? error.message : String(error);
  message = message.replace(/ \(line \d+ column \d+\)$/, '');
  let offset: number | undefined;
  const at = / in JSON at position (\d+)$/.exec(message);
  if (at) {
    offset = Number(at[1]);
    message = message.slice(0, at.index);
  }
  message = message.replace(/, ".*" is not valid JSON$/s, '');
  if (message.length > 160) message = `${message.slice(0, 157)}…`;
  return { message, offset };
}

/**
 * Reads one examples file as a stream: JSONL line by line, CSV/TSV record by record through
 * csv-parse, a JSON array as a whole. Every problem carries the file and line it is on.
 */
export async function readExamplesFile(absolutePath: string, ref: ExamplesFileRef, options: ReadOptions): Promise<DataFileResult> {
  const file = absolutePath;
  const name = path.basename(absolutePath);
  const result: DataFileResult = { file, examples: [], diagnostics: [], rowsWithProblems: 0 };
  const format = formatOf(ref);
  if (!format) {
    result.failure = { code: 'data-file-type', message: `Unsupported examples file type "${path.extname(ref.path) || ref.path}": use .jsonl, .csv, .tsv or .json, or set format` };
    return result;
  }
  let size: number;
  try {
    const s = await options.fs.stat(absolutePath);
    if (!s.isFile) {
      result.failure = { code: 'data-file-unreadable', message: `Examples file "${ref.path}" is a folder, not a file` };
      return result;
    }
    size = s.size;
  } catch (error) {
    result.failure = failureOf(error, ref.path);
    return result;
  }
  if (size > MAX_DATA_FILE_BYTES) {
    result.failure = { code: 'data-file-unreadable', message: `Examples file "${ref.path}" is ${Math.round(size / (1 << 20))} MB; the limit is ${MAX_DATA_FILE_BYTES >> 20} MB` };
    return result;
  }
  const sink = new ProblemSink(file, options.exampleLimits ?? GEMINI_EXAMPLE_LIMITS);
  const lines = readLineBatches(options.fs.read(absolutePath, options.signal), {
    signal: options.signal,
    onBytes: (bytesRead) => options.onProgress?.({ file, bytesRead, totalBytes: size }),
  });
  try {
    const rejected = () => result.rowsWithProblems++;
    if (format === 'jsonl') await readJsonl(lines, file, name, ref, sink, result.examples, rejected);
    else if (format === 'json') await readJsonArray(lines, file, size, ref, sink, result.examples, rejected);
    else await readDelimited(lines, file, name, format === 'tsv' ? '\t' : ',', ref, sink, result.examples, options.signal, rejected);
  } catch (error) {
    if (error instanceof CancelledError || options.signal?.aborted) throw new CancelledError();
    if (error instanceof BinaryFileError) {
      result.examples = [];
      result.rowsWithProblems = 0;
      result.diagnostics = [
        {
          file,
          range: lineRange(Math.max(1, error.line), 0),
          severity: 'error',
          code: 'data-file-binary',
          message: `This is a binary file, not ${format.toUpperCase()} text (it contains NUL bytes); no examples were read from it`,
        },
      ];
      result.failure = { code: 'data-file-binary', message: `Examples file "${ref.path}" is a binary file, not ${format.toUpperCase()} text` };
      return result;
    }
    result.failure = failureOf(error, ref.path);
    return result;
  }
  result.diagnostics = sink.finish();
  return result;
}

function failureOf(error: unknown, shownPath: string): { code: DiagnosticCode; message: string } {
  switch (fileProblem(error)) {
    case 'missing':
      return { code: 'data-file-missing', message: `Examples file "${shownPath}" not found` };
    case 'folder':
      return { code: 'data-file-unreadable', message: `Examples file "${shownPath}" is a folder, not a file` };
    case 'permission':
      return { code: 'data-file-unreadable', message: `Examples file "${shownPath}" cannot be read: permission denied` };
    default:
      return { code: 'data-file-unreadable', message: `Examples file "${shownPath}" cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Origin of examples that are lines of a file; remembers line lengths for exact ranges. */
function linesOrigin(file: string, name: string): ExampleOrigin & { lengths: number[] } {
  const lengths: number[] = [];
  return {
    file,
    lengths,
    describe: (line) => `line ${line} of ${name}`,
    range: (line) => lineRange(line, lengths[line] ?? 0),
  };
}

async function readJsonl(lines: AsyncIterable<TextLine[]>, file: string, name: string, ref: ExamplesFileRef, sink: ProblemSink, out: LoadedExample[], rejected: () => void): Promise<void> {
  const origin = linesOrigin(file, name);
  for await (const batch of lines) {
    for (const line of batch) {
      origin.lengths[line.number] = line.text.length;
      if (line.text.trim() === '') continue;
      if (!readJsonlLine(line, origin, ref, sink, out)) rejected();
    }
  }
}

/** False when the line did not make an example. */
function readJsonlLine(line: TextLine, origin: ExampleOrigin & { lengths: number[] }, ref: ExamplesFileRef, sink: ProblemSink, out: LoadedExample[]): boolean {
  const range = lineRange(line.number, line.text.length);
  if (!line.valid) {
    sink.add(range, 'data-file-encoding', 'This line is not valid UTF-8 text');
    return false;
  }
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    const { message, offset } = jsonErrorOf(error);
    if (offset === undefined) sink.add(range, 'jsonl-line', `Not a valid JSON line: ${message}`);
    else sink.add({ start: { line: range.start.line, character: Math.min(offset, Math.max(0, line.text.length - 1)) }, end: range.end }, 'jsonl-line', `Not a valid JSON line: ${message} (column ${offset + 1})`);
    return false;
  }
  const example = checkRecord(value, (code, message) => sink.add(range, code, message), '', 'jsonl', ref.columns, sink.exampleLimits);
  if (example) out.push({ textInput: example.textInput, output: example.output, origin, at: line.number });
  return example !== undefined;
}

async function readJsonArray(lines: AsyncIterable<TextLine[]>, file: string, size: number, ref: ExamplesFileRef, sink: ProblemSink, out: LoadedExample[], rejected: () => void): Promise<void> {
  const texts: string[] = [];
  let badEncoding = false;
  for await (const batch of lines) {
    for (const line of batch) {
      if (!line.valid) {
        sink.add(lineRange(line.number, line.text.length), 'data-file-encoding', 'This line is not valid UTF-8 text');
        badEncoding = true;
      }
      texts.push(line.text);
    }
  }
  if (badEncoding) return;
  const text = texts.join('\n');
  const name = path.basename(file);
  let positions: YamlSource | undefined;
  const positionsAvailable = size <= MAX_JSON_BYTES_FOR_POSITIONS;
  const itemRange = (index: number): Range => {
    if (!positionsAvailable) return lineRange(1, 0);
    positions ??= new YamlSource(text, file);
    return positions.valueRange([index]);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const { message, offset } = jsonErrorOf(error);
    let range: Range = lineRange(1, texts[0]?.length ?? 0);
    if (offset !== undefined) {
      const line = text.slice(0, offset).split('\n').length;
      range = lineRange(line, texts[line - 1]?.length ?? 0);
    } else if (positionsAvailable) {
      // No offset in the message: the YAML parser (JSON is YAML) says where it stopped.
      const source = new YamlSource(text, file);
      const yamlError = source.doc.errors[0];
      if (yamlError) range = source.range(yamlError.pos[0], yamlError.pos[1]);
    }
    sink.add(range, 'json-array', `Not valid JSON: ${message}`);
    return;
  }
  if (!Array.isArray(value)) {
    sink.add(lineRange(1, texts[0]?.length ?? 0), 'json-array', `A .json examples file must hold an array of {"textInput", "output"} objects, found ${describeValue(value)}`);
    return;
  }
  const origin: ExampleOrigin = { file, describe: (index) => `item ${index + 1} of ${name}`, range: itemRange };
  value.forEach((item, index) => {
    const example = checkRecord(item, (code, message) => sink.add(itemRange(index), code, message), `Item ${index + 1}: `, 'json', ref.columns, sink.exampleLimits);
    if (example) out.push({ textInput: example.textInput, output: example.output, origin, at: index });
    else rejected();
  });
}

async function readDelimited(
  lines: AsyncIterable<TextLine[]>,
  file: string,
  name: string,
  delimiter: string,
  ref: ExamplesFileRef,
  sink: ProblemSink,
  out: LoadedExample[],
  signal: AbortSignal | undefined,
  rejected: () => void,
): Promise<void> {
  const inputColumn = ref.columns?.textInput ?? 'textInput';
  const outputColumn = ref.columns?.output ?? 'output';
  const origin = linesOrigin(file, name);
  const lengths = origin.lengths;
  const invalidLines = new Set<number>();
  const blankLines = new Set<number>();
  let headerOk = true;
  let previousEnd = 1;
  let lastBadLine = 0;
  const rangeOf = (first: number, last: number): Range => linesRange(first, last, lengths[last] ?? 0);
  const badRow = (line: number, error: CsvError): void => {
    // csv-parse notices a stray quote where the quoted field ends, often lines later; the row
    // starts after the previous record, and that is where the person must look.
    let first = Math.min(previousEnd + 1, line);
    while (first < line && blankLines.has(first)) first++;
    const message = csvMessage(error);
    sink.add(rangeOf(first, line), 'csv-row', first < line ? `${message} (the row starts on line ${first})` : message);
    rejected();
  };
  const parser = parseCsv({
    delimiter,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    columns: (header: string[]) => {
      const missing = [inputColumn, outputColumn].filter((c) => !header.includes(c));
      if (missing.length > 0) {
        headerOk = false;
        const hint = ref.columns ? '' : '; name the columns with "columns: {textInput: …, output: …}" in the spec';
        sink.add(
          lineRange(1, lengths[1] ?? 0),
          'csv-header',
          `The header has no column ${missing.map((c) => `"${c}"`).join(' or ')}; it has ${header.map((c) => `"${c}"`).join(', ')}${hint}`,
        );
      }
      return header;
    },
    on_record: (record: Record<string, string>, context) => {
      const last = context.lines;
      let first = previousEnd + 1;
      while (first < last && blankLines.has(first)) first++;
      previousEnd = last;
      if (!headerOk) {
        rejected();
        return undefined;
      }
      const range = rangeOf(first, last);
      for (let l = first; l <= last; l++) {
        if (invalidLines.has(l)) {
          rejected();
          return undefined;
        }
      }
      const textInput = record[inputColumn] ?? '';
      const output = record[outputColumn] ?? '';
      const problems = exampleProblems(textInput, output, sink.exampleLimits);
      for (const problem of problems) sink.add(range, problem.code, problem.message);
      if (problems.length === 0) out.push({ textInput, output, origin, at: first });
      else rejected();
      return undefined;
    },
    on_skip: (error: CsvError | undefined) => {
      if (!error) return undefined;
      const line = Number(error.lines ?? previousEnd + 1);
      // After a skipped row csv-parse may report the same broken quote again at the end.
      if (line !== lastBadLine) badRow(line, error);
      lastBadLine = line;
      previousEnd = line;
      return undefined;
    },
  });
  let parseError: unknown;
  parser.on('error', (error) => {
    parseError = error;
  });
  const ended = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('error', () => resolve());
  });
  parser.resume();
  for await (const batch of lines) {
    throwIfAborted(signal);
    let text = '';
    for (const line of batch) {
      lengths[line.number] = line.text.length;
      if (!line.valid) {
        invalidLines.add(line.number);
        sink.add(lineRange(line.number, line.text.length), 'data-file-encoding', 'This line is not valid UTF-8 text');
      }
      if (line.text.trim() === '') blankLines.add(line.number);
      text += `${line.text}\n`;
    }
    if (parseError) break;
    parser.write(text);
  }
  parser.end();
  await ended;
  if (parseError) {
    const error = parseError as CsvError;
    const line = Number(error.lines ?? 1);
    if (line !== lastBadLine) badRow(line, error);
  }
}

function csvMessage(error: CsvError): string {
  const record = error.record as unknown[] | undefined;
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `Bad CSV row: ${plural(record?.length ?? 0, 'field')}, but the header has ${plural(Number((error as { columns?: unknown[] }).columns?.length ?? 0) || 0, 'column')}`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'Bad CSV row: a quoted field is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'Bad CSV row: a closing quote is followed by other characters; double a quote inside a quoted field ("")';
    default:
      return `Bad CSV row: ${error.message.replace(/ (on|at) line \d+.*$/, '')}`;
  }
}
