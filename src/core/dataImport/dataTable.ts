import { jsonErrorOf, type DataFormat } from '../tuningSpec/dataFiles';
import { YamlSource } from '../tuningSpec/yamlSource';
import { DelimitedTextError, readDelimitedText, type DelimitedRecord } from './delimitedText';

/** Above this size a JSON syntax error is not located by a second parse. */
const MAX_JSON_CHARS_TO_LOCATE = 5 << 20;

/** One row of a data file: where it starts and its values, one per column of its table. */
export interface DataRow {
  /** The line the row starts on (CSV, TSV, JSONL) or its 1-based position in the array (JSON). */
  readonly at: number;
  readonly values: readonly unknown[];
}

/** A data file read for import: its columns (CSV header names, JSON field names) and rows. */
export interface DataTable {
  readonly format: DataFormat;
  readonly fileName: string;
  readonly columns: readonly string[];
  readonly rows: readonly DataRow[];
}

/** How to name a row of `table` in a message: "line 12" or "item 3". */
export function rowPlace(table: Pick<DataTable, 'format'>, at: number): string {
  return table.format === 'json' ? `item ${at}` : `line ${at}`;
}

/** A data file that cannot be imported: where, why, and what to do about it. */
export class DataFileError extends Error {
  constructor(
    readonly fileName: string,
    /** "line 14", "item 3", or undefined when the problem is the whole file. */
    readonly place: string | undefined,
    readonly why: string,
    readonly fix: string,
  ) {
    super(`${fileName}${place ? `, ${place}` : ''}: ${why}. ${fix}`);
    this.name = 'DataFileError';
  }
}

const AGAIN = 'then import it again';

/** Reads a data file's text into a table; throws `DataFileError` naming the first malformed place. */
export function parseDataTable(text: string, format: DataFormat, fileName: string): DataTable {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new DataFileError(fileName, undefined, 'the file is empty', `Put examples in it, ${AGAIN}`);
  switch (format) {
    case 'csv':
    case 'tsv':
      // Lines end as the spec's reader ends them, so a value spanning lines holds the same text.
      return parseDelimited(body.replace(/\r\n/g, '\n'), format, fileName);
    case 'jsonl':
      return parseJsonl(body, fileName);
    case 'json':
      return parseJsonArray(body, fileName);
  }
}

function parseDelimited(text: string, format: 'csv' | 'tsv', fileName: string): DataTable {
  let records: DelimitedRecord[];
  try {
    records = readDelimitedText(text, format === 'tsv' ? '\t' : ',');
  } catch (error) {
    throw error instanceof DelimitedTextError ? delimitedError(error, fileName, format) : error;
  }
  const [header, ...body] = records;
  if (!header) throw new DataFileError(fileName, undefined, 'the file has no rows', `Put a header row and examples in it, ${AGAIN}`);
  // Names as written, spaces included: the spec looks columns up by their exact header text.
  const columns = header.fields;
  const seen = new Set<string>();
  for (const name of columns) {
    if (name !== '' && seen.has(name)) {
      throw new DataFileError(fileName, `line ${header.firstLine}`, `the header names the column "${name}" twice`, `Give each column its own name, ${AGAIN}`);
    }
    seen.add(name);
  }
  return { format, fileName, columns, rows: body.map((record) => ({ at: record.firstLine, values: record.fields })) };
}

function delimitedError(error: DelimitedTextError, fileName: string, format: 'csv' | 'tsv'): DataFileError {
  const place = `line ${error.line}`;
  switch (error.problem) {
    case 'field-count':
      return new DataFileError(
        fileName,
        place,
        `this row has ${error.fields?.found} fields but the header has ${error.fields?.expected}`,
        format === 'csv' ? `A value that holds a comma must be in double quotes ("a, b"); fix the row, ${AGAIN}` : `A value must not hold a tab; fix the row, ${AGAIN}`,
      );
    case 'quote-not-closed':
      return new DataFileError(fileName, place, `a quoted value that starts in the row on line ${error.line} is never closed`, `Close the quote (a quote inside a quoted value is written twice: ""), ${AGAIN}`);
    case 'invalid-closing-quote':
      return new DataFileError(fileName, place, 'a closing quote is followed by other characters', `Write a quote inside a quoted value twice ("") or put the whole value in quotes, ${AGAIN}`);
    case 'invalid-opening-quote':
      return new DataFileError(fileName, place, 'a value that does not start with a quote holds one', `Put the whole value in double quotes and write the quote inside it twice ("say ""hi"""), ${AGAIN}`);
  }
}

function parseJsonl(text: string, fileName: string): DataTable {
  const columns: string[] = [];
  const index = new Map<string, number>();
  const objects: { at: number; value: Record<string, unknown> }[] = [];
  let firstBad: DataFileError | undefined;
  let badLines = 0;
  let lineNumber = 0;
  for (const line of text.split('\n')) {
    lineNumber++;
    const trimmed = line.trim();
    if (trimmed === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      badLines++;
      firstBad ??= new DataFileError(fileName, `line ${lineNumber}`, `not a valid JSON line: ${jsonErrorOf(error).message}`, `Each line must be one JSON object such as {"input": "…", "output": "…"}; fix or remove the line`);
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      badLines++;
      firstBad ??= new DataFileError(fileName, `line ${lineNumber}`, `expected a JSON object, found ${describe(value)}`, `Each line must be one JSON object such as {"input": "…", "output": "…"}; fix or remove the line`);
      continue;
    }
    objects.push({ at: lineNumber, value: value as Record<string, unknown> });
    for (const key of Object.keys(value)) {
      if (!index.has(key)) {
        index.set(key, columns.length);
        columns.push(key);
      }
    }
  }
  if (firstBad) {
    const more = badLines > 1 ? ` (and ${badLines - 1} more line${badLines > 2 ? 's' : ''} like it)` : '';
    throw new DataFileError(fileName, `${firstBad.place}${more}`, firstBad.why, `${firstBad.fix}, ${AGAIN}`);
  }
  return { format: 'jsonl', fileName, columns, rows: objects.map(({ at, value }) => ({ at, values: columns.map((c) => value[c]) })) };
}

function parseJsonArray(text: string, fileName: string): DataTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const { message, offset } = jsonErrorOf(error);
    let place = offset === undefined ? undefined : `line ${text.slice(0, offset).split('\n').length}`;
    if (!place && text.length <= MAX_JSON_CHARS_TO_LOCATE) {
      // This Node's message has no offset: the YAML parser (JSON is YAML) says where it stopped.
      const stop = new YamlSource(text, fileName).doc.errors[0];
      if (stop) place = `line ${text.slice(0, stop.pos[0]).split('\n').length}`;
    }
    throw new DataFileError(fileName, place, `not valid JSON: ${message}`, `Fix the JSON (a .json file of examples holds one array of objects), ${AGAIN}`);
  }
  if (!Array.isArray(value)) {
    throw new DataFileError(fileName, undefined, `a .json file of examples must hold an array of objects, this one holds ${describe(value)}`, `Put the examples in an array, [{"input": "…", "output": "…"}, …], ${AGAIN}`);
  }
  const columns: string[] = [];
  const seen = new Set<string>();
  value.forEach((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new DataFileError(fileName, `item ${i + 1}`, `expected an object, found ${describe(item)}`, `Make every item an object such as {"input": "…", "output": "…"}, ${AGAIN}`);
    }
    for (const key of Object.keys(item)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  });
  const items = value as Record<string, unknown>[];
  return { format: 'json', fileName, columns, rows: items.map((item, i) => ({ at: i + 1, values: columns.map((c) => item[c]) })) };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The text of a data file's bytes; throws `DataFileError` for a binary file or one that is not UTF-8. */
export function decodeDataFile(bytes: Uint8Array, fileName: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new DataFileError(fileName, undefined, 'this is a binary file, not text (it contains NUL bytes)', 'Export the data as CSV, TSV, JSONL or a JSON array in UTF-8, then import that file');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const text = new TextDecoder('utf-8').decode(bytes);
    const line = text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
    throw new DataFileError(fileName, `line ${line}`, 'the file is not UTF-8 text', `Save it with the UTF-8 encoding (in VS Code: "Save with Encoding"), ${AGAIN}`);
  }
}
