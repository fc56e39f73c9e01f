import * as assert from 'node:assert/strict';
import { DataFileError, decodeDataFile, parseDataTable, type DataTable } from '../../../src/core/dataImport/dataTable';

function rows(table: DataTable): [number, unknown[]][] {
  return table.rows.map((r) => [r.at, [...r.values]]);
}

function failure(run: () => unknown): DataFileError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof DataFileError, `a DataFileError, not ${String(error)}`);
    return error;
  }
  assert.fail('no error');
}

describe('import: reading a data file into a table', () => {
  it('reads CSV with quoted commas, doubled quotes, values over several lines, CRLF, a BOM and blank lines, each row at the line it starts on', () => {
    const text = '\uFEFFquestion,answer\r\n"Hello, world","Say ""hi"""\r\n\r\n"two\r\nlines",b\r\nc,\r\n';
    const table = parseDataTable(text, 'csv', 'qa.csv');
    assert.deepEqual(table.columns, ['question', 'answer']);
    assert.deepEqual(rows(table), [
      [2, ['Hello, world', 'Say "hi"']],
      [4, ['two\nlines', 'b']],
      [6, ['c', '']],
    ]);
  });

  it('reads TSV by tabs, leaving commas in values alone', () => {
    const table = parseDataTable('in\tout\na, b\tc\n', 'tsv', 'x.tsv');
    assert.deepEqual(table.columns, ['in', 'out']);
    assert.deepEqual(rows(table), [[2, ['a, b', 'c']]]);
  });

  it('reads JSONL objects whose fields differ, as columns in order of first appearance, skipping blank lines', () => {
    const table = parseDataTable('{"prompt":"a","completion":"b"}\n\n{"prompt":"c","id":7,"completion":"d"}\r\n', 'jsonl', 'x.jsonl');
    assert.deepEqual(table.columns, ['prompt', 'completion', 'id']);
    assert.deepEqual(rows(table), [
      [1, ['a', 'b', undefined]],
      [3, ['c', 'd', 7]],
    ]);
  });

  it('reads a JSON array of objects, rows numbered by item', () => {
    const table = parseDataTable('[\n {"q": "a", "a": "b"},\n {"q": "c"}\n]', 'json', 'x.json');
    assert.deepEqual(table.columns, ['q', 'a']);
    assert.deepEqual(rows(table), [
      [1, ['a', 'b']],
      [2, ['c', undefined]],
    ]);
  });

  it('names the line where a quoted CSV value opens and is never closed, and says what to do', () => {
    const error = failure(() => parseDataTable('q,a\nx,y\n"open,z\nmore\n', 'csv', 'bad.csv'));
    assert.equal(error.place, 'line 3');
    assert.match(error.why, /never closed/);
    assert.match(error.message, /^bad\.csv, line 3: .*never closed\. Close the quote .*""/);
  });

  it('names a CSV row with more fields than the header, and suggests quoting the comma', () => {
    const error = failure(() => parseDataTable('q,a\nx,y\nHello, world,z\n', 'csv', 'bad.csv'));
    assert.equal(error.place, 'line 3');
    assert.match(error.why, /3 fields but the header has 2/);
    assert.match(error.fix, /double quotes/);
  });

  it('refuses a header that names a column twice', () => {
    const error = failure(() => parseDataTable('q,q\nx,y\n', 'csv', 'bad.csv'));
    assert.equal(error.place, 'line 1');
    assert.match(error.why, /"q" twice/);
  });

  it('names the first bad JSONL line and counts the others like it', () => {
    const error = failure(() => parseDataTable('{"a":"b"}\n{"a": nope}\n{"a":"c"}\n[1]\n"text"\n', 'jsonl', 'bad.jsonl'));
    assert.equal(error.place, 'line 2 (and 2 more lines like it)');
    assert.match(error.why, /^not a valid JSON line/);
    assert.match(error.fix, /one JSON object/);
  });

  it('names the line of a JSON syntax error, and the item that is not an object', () => {
    const syntax = failure(() => parseDataTable('[\n{"a": "b"},\n{"a": "c"}\n{"a": "d"}\n]', 'json', 'bad.json'));
    assert.equal(syntax.place, 'line 4');
    assert.match(syntax.why, /^not valid JSON/);
    const item = failure(() => parseDataTable('[{"a": "b"}, "c"]', 'json', 'bad.json'));
    assert.equal(item.place, 'item 2');
    assert.match(item.why, /found a string/);
    const notArray = failure(() => parseDataTable('{"a": "b"}', 'json', 'bad.json'));
    assert.equal(notArray.place, undefined);
    assert.match(notArray.why, /must hold an array/);
  });

  it('refuses an empty file', () => {
    assert.match(failure(() => parseDataTable('\uFEFF \n', 'csv', 'e.csv')).why, /empty/);
  });
});

describe('import: decoding a data file', () => {
  it('reads UTF-8, and names the line of the first byte that is not UTF-8', () => {
    assert.equal(decodeDataFile(new TextEncoder().encode('q,a\né,ü\n'), 'x.csv'), 'q,a\né,ü\n');
    const latin1 = Uint8Array.from([...new TextEncoder().encode('q,a\nx,y\n'), 0xe9, 0x2c, 0x62, 0x0a]);
    const error = failure(() => decodeDataFile(latin1, 'x.csv'));
    assert.equal(error.place, 'line 3');
    assert.match(error.fix, /UTF-8/);
  });

  it('refuses a binary file', () => {
    assert.match(failure(() => decodeDataFile(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]), 'x.csv')).why, /binary/);
  });
});
