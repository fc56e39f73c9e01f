import { exampleProblems } from '../tuningSpec/examples';
import { type ColumnMapping } from './columnMapping';
import { rowPlace, type DataTable } from './dataTable';

/** One example taken from a row of a data file. */
export interface ImportedExample {
  readonly textInput: string;
  readonly output: string;
  /** The row's `at` in its table. */
  readonly at: number;
}

/** A row the spec would not accept as an example, and why. */
export interface LeftOutRow {
  readonly at: number;
  readonly place: string;
  readonly reason: string;
}

export interface MappedExamples {
  readonly examples: ImportedExample[];
  readonly leftOut: LeftOutRow[];
}

/**
 * The examples of a table under a mapping, judged as the spec will judge them: a row is left out
 * when its input or output is not text, its output is empty, or either is too long.
 */
export function mappedExamples(table: DataTable, mapping: ColumnMapping): MappedExamples {
  const inputIndex = table.columns.indexOf(mapping.input);
  const outputIndex = table.columns.indexOf(mapping.output);
  if (inputIndex < 0 || outputIndex < 0) throw new Error(`No column "${inputIndex < 0 ? mapping.input : mapping.output}" in ${table.fileName}`);
  const delimited = table.format === 'csv' || table.format === 'tsv';
  const examples: ImportedExample[] = [];
  const leftOut: LeftOutRow[] = [];
  for (const row of table.rows) {
    // A CSV row shorter than its header cannot be read (the parser refuses it); a JSON field may be missing.
    const input = row.values[inputIndex] ?? (delimited ? '' : undefined);
    const output = row.values[outputIndex] ?? (delimited ? '' : undefined);
    const notText = ([[mapping.input, input], [mapping.output, output]] as const).find(([, v]) => typeof v !== 'string');
    if (notText) {
      const [name, value] = notText;
      leftOut.push({ at: row.at, place: rowPlace(table, row.at), reason: value === undefined ? `no "${name}"` : `"${name}" is ${describe(value)}, not text` });
      continue;
    }
    const problems = exampleProblems(input as string, output as string);
    if (problems.length > 0) {
      leftOut.push({ at: row.at, place: rowPlace(table, row.at), reason: problems.map((p) => lowerFirst(p.message)).join('; ') });
      continue;
    }
    examples.push({ textInput: input as string, output: output as string, at: row.at });
  }
  return { examples, leftOut };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
