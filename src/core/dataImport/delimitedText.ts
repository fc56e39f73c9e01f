/** One record of a CSV or TSV text: its fields and the lines it spans. */
export interface DelimitedRecord {
  readonly fields: string[];
  readonly firstLine: number;
  readonly lastLine: number;
}

export type DelimitedProblem = 'quote-not-closed' | 'invalid-closing-quote' | 'invalid-opening-quote' | 'field-count';

/** Where and why a CSV or TSV text cannot be read. */
export class DelimitedTextError extends Error {
  constructor(
    readonly problem: DelimitedProblem,
    /** The line the record with the problem starts on. */
    readonly line: number,
    /** For `field-count`: the fields of the record and of the first record (the header). */
    readonly fields?: { found: number; expected: number },
  ) {
    super(`${problem} in the record on line ${line}`);
    this.name = 'DelimitedTextError';
  }
}

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * Reads CSV or TSV text (lines ending in `\n`) the way csv-parse reads it with the options a spec
 * uses, so that the import and the spec agree (a test compares the two): fields in double quotes
 * may hold the delimiter, line breaks and doubled quotes; a quote elsewhere in a field, or text
 * after a closing quote, is an error; empty lines are skipped; every record has as many fields as
 * the first. Several times faster than csv-parse, for files of hundreds of thousands of rows.
 */
export function readDelimitedText(text: string, delimiter: ',' | '\t'): DelimitedRecord[] {
  const delimiterCode = delimiter.charCodeAt(0);
  const records: DelimitedRecord[] = [];
  const length = text.length;
  let expected = -1;
  let pos = 0;
  let line = 1;
  while (pos < length) {
    if (text.charCodeAt(pos) === NEWLINE) {
      pos++;
      line++;
      continue;
    }
    const firstLine = line;
    const fields: string[] = [];
    for (;;) {
      let value: string;
      if (text.charCodeAt(pos) === QUOTE) {
        value = '';
        let from = pos + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close < 0) throw new DelimitedTextError('quote-not-closed', firstLine);
          for (let n = text.indexOf('\n', from); n >= 0 && n < close; n = text.indexOf('\n', n + 1)) line++;
          value += text.slice(from, close);
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            from = close + 2;
            continue;
          }
          pos = close + 1;
          break;
        }
        const next = pos < length ? text.charCodeAt(pos) : NEWLINE;
        if (next !== delimiterCode && next !== NEWLINE) throw new DelimitedTextError('invalid-closing-quote', firstLine);
      } else {
        const start = pos;
        let c = 0;
        while (pos < length && (c = text.charCodeAt(pos)) !== delimiterCode && c !== NEWLINE) {
          if (c === QUOTE) throw new DelimitedTextError('invalid-opening-quote', firstLine);
          pos++;
        }
        value = text.slice(start, pos);
      }
      fields.push(value);
      if (pos < length && text.charCodeAt(pos) === delimiterCode) {
        pos++;
        continue;
      }
      break;
    }
    if (expected < 0) expected = fields.length;
    else if (fields.length !== expected) throw new DelimitedTextError('field-count', firstLine, { found: fields.length, expected });
    records.push({ fields, firstLine, lastLine: line });
    pos++;
    line++;
  }
  return records;
}
