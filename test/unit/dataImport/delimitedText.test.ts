import * as assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { DelimitedTextError, readDelimitedText } from '../../../src/core/dataImport/delimitedText';
import { mulberry32 } from '../../../src/core/dataImport/validationSplit';

/** csv-parse with the options the spec reader gives it: the reference the import must agree with. */
function reference(text: string, delimiter: string): { records: string[][]; lastLines: number[] } | 'error' {
  try {
    const parsed = parse(text, { delimiter, skip_empty_lines: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
    return { records: parsed.map((p) => p.record), lastLines: parsed.map((p) => p.info.lines) };
  } catch {
    return 'error';
  }
}

function ours(text: string, delimiter: ',' | '\t'): { records: string[][]; lastLines: number[] } | 'error' {
  try {
    const read = readDelimitedText(text, delimiter);
    return { records: read.map((r) => r.fields), lastLines: read.map((r) => r.lastLine) };
  } catch (error) {
    if (error instanceof DelimitedTextError) return 'error';
    throw error;
  }
}

describe('import: reading CSV and TSV text', () => {
  it('reads quoted delimiters, doubled quotes and line breaks, and says which line each record starts and ends on', () => {
    const records = readDelimitedText('a,b\n"x, ""y""","1\n2"\n\nz,\n', ',');
    assert.deepEqual(records, [
      { fields: ['a', 'b'], firstLine: 1, lastLine: 1 },
      { fields: ['x, "y"', '1\n2'], firstLine: 2, lastLine: 3 },
      { fields: ['z', ''], firstLine: 5, lastLine: 5 },
    ]);
  });

  it('names the problem and the line its record starts on', () => {
    const problem = (text: string) => {
      try {
        readDelimitedText(text, ',');
      } catch (error) {
        assert.ok(error instanceof DelimitedTextError);
        return [error.problem, error.line, error.fields];
      }
      return undefined;
    };
    assert.deepEqual(problem('a,b\n"x\ny,z\n'), ['quote-not-closed', 2, undefined]);
    assert.deepEqual(problem('a,b\n"x"y,z\n'), ['invalid-closing-quote', 2, undefined]);
    assert.deepEqual(problem('a,b\nx"y,z\n'), ['invalid-opening-quote', 2, undefined]);
    assert.deepEqual(problem('a,b\n\nx,y,z\n'), ['field-count', 3, { found: 3, expected: 2 }]);
  });

  it('agrees with csv-parse, as the spec reads files, on random texts of quotes, delimiters and line breaks', function () {
    const seed = Number(process.env.DELIMITED_SEED) || Date.now() % 1_000_000;
    this.test!.title += ` (seed ${seed}; rerun with DELIMITED_SEED=${seed})`;
    const random = mulberry32(seed);
    const pieces = ['a', 'bc', ' ', ',', '\t', '"', '""', '\n', 'é', '😀'];
    const field = () => {
      const text = Array.from({ length: Math.floor(random() * 4) }, () => ['x', 'y z', ',', '\t', '\n', '"', 'é'][Math.floor(random() * 7)]).join('');
      return random() < 0.5 || /[,\t\n"]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    };
    let agreedOnErrors = 0;
    let agreedOnRecords = 0;
    for (let i = 0; i < 3000; i++) {
      const delimiter = random() < 0.5 ? ',' : '\t';
      let text: string;
      if (i % 2 === 0) {
        // Well formed, or nearly: quoted fields, the same number per record, now and then a blank line.
        const width = 1 + Math.floor(random() * 3);
        const rows = Array.from({ length: 1 + Math.floor(random() * 4) }, () => Array.from({ length: random() < 0.05 ? width + 1 : width }, field).join(delimiter));
        text = rows.join(random() < 0.2 ? '\n\n' : '\n') + (random() < 0.7 ? '\n' : '');
      } else {
        text = Array.from({ length: Math.floor(random() * 12) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
      }
      const expected = reference(text, delimiter);
      const actual = ours(text, delimiter);
      assert.deepEqual(actual, expected, `text ${JSON.stringify(text)}, delimiter ${JSON.stringify(delimiter)}, seed ${seed}`);
      if (expected === 'error') agreedOnErrors++;
      else agreedOnRecords++;
    }
    assert.ok(agreedOnErrors > 300 && agreedOnRecords > 1000, `both kinds of text were tried: ${agreedOnErrors} errors, ${agreedOnRecords} readable`);
  });
});
