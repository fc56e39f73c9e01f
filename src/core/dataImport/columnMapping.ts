import { type DataTable } from './dataTable';

/** Which column of a table holds the examples' input, and which their output. */
export interface ColumnMapping {
  readonly input: string;
  readonly output: string;
}

/** Column names that usually hold the input, best first (compared lowercase, letters and digits only). */
const INPUT_NAMES = ['textinput', 'input', 'prompt', 'question', 'query', 'instruction', 'source', 'text', 'message', 'user', 'request', 'context'];
/** Column names that usually hold the output, best first. */
const OUTPUT_NAMES = ['output', 'textoutput', 'response', 'answer', 'completion', 'target', 'reply', 'label', 'result', 'assistant', 'summary', 'translation'];

/** How many rows are looked at to tell which columns hold text. */
const SAMPLE_ROWS = 200;

function comparable(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The columns that can be mapped: named, and holding text (strings, or nothing) in most of the
 * first rows. A spec reads only text, so a column of numbers or objects is not offered first.
 */
export function textColumns(table: DataTable): string[] {
  const sample = table.rows.slice(0, SAMPLE_ROWS);
  return table.columns.filter((name, i) => {
    if (name === '') return false;
    const texts = sample.filter((row) => typeof row.values[i] === 'string' || row.values[i] === undefined).length;
    return sample.length === 0 || texts * 2 > sample.length;
  });
}

/**
 * The mapping a person most likely means: by column names first (`question` → input, `answer` →
 * output), then by position among the text columns. `byName` says whether both came from names.
 * Undefined when the table has fewer than two text columns.
 */
export function guessColumnMapping(table: DataTable): (ColumnMapping & { byName: boolean }) | undefined {
  const candidates = textColumns(table);
  if (candidates.length < 2) return undefined;
  const byRank = (names: readonly string[], exclude?: string) => {
    for (const wanted of names) {
      const found = candidates.find((c) => c !== exclude && comparable(c) === wanted);
      if (found) return found;
    }
    return undefined;
  };
  const namedInput = byRank(INPUT_NAMES);
  const namedOutput = byRank(OUTPUT_NAMES, namedInput);
  const input = namedInput ?? candidates.find((c) => c !== namedOutput)!;
  const output = namedOutput ?? candidates.find((c) => c !== input)!;
  return { input, output, byName: namedInput !== undefined && namedOutput !== undefined };
}
