import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseDataTable, type DataTable } from '../../../src/core/dataImport/dataTable';
import { planImport, type ImportPlan } from '../../../src/core/dataImport/importPlan';
import { nodeFileSystem } from '../../../src/core/tuningSpec/nodeFileSystem';
import { validateSpec } from '../../../src/core/tuningSpec/validateSpec';

describe('import: the spec written for a data file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'import-plan-'));
    mkdirSync(path.join(dir, 'data'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes `text` as data/<name>, plans the import and writes what the plan writes; then validates the spec as the editor does. */
  async function importAndValidate(name: string, text: string, mapping: { input: string; output: string }, holdOut: number) {
    writeFileSync(path.join(dir, 'data', name), text);
    const format = name.endsWith('.csv') ? 'csv' : name.endsWith('.json') ? 'json' : 'jsonl';
    const table: DataTable = parseDataTable(text, format, name);
    const stem = `${path.parse(name).name}-${holdOut}`;
    const plan: ImportPlan = planImport({ table, dataFile: `data/${name}`, mapping, holdOut, stem, displayName: 'Support bot' });
    for (const file of plan.dataFiles) writeFileSync(path.join(dir, file.name), file.text);
    const result = await validateSpec(plan.specText, path.join(dir, `${stem}.tuning.yaml`), { fs: nodeFileSystem });
    return { plan, result };
  }

  const qa = Array.from({ length: 30 }, (_, i) => ({ question: `How do I do thing ${i}, please?`, answer: `Like "this" (${i}).` }));

  it('points at a CSV through its columns, and the spec reads every example the import counted', async () => {
    const csv = `id,question,answer\r\n${qa.map((r, i) => `${i},"${r.question}","${r.answer.replace(/"/g, '""')}\r\nsecond line"`).join('\r\n')}\r\n`;
    const { plan, result } = await importAndValidate('tickets.csv', csv, { input: 'question', output: 'answer' }, 0);
    assert.deepEqual(
      result.training.map((e) => [e.textInput, e.output, e.at]),
      plan.training.map((e) => [e.textInput, e.output, e.at]),
      'the spec reads the same examples, on the same lines, as the import previewed',
    );
    assert.match(plan.specText, /^examplesFile:\n {2}path: data\/tickets\.csv\n {2}columns:\n {4}textInput: question\n {4}output: answer$/m);
    assert.deepEqual(plan.dataFiles, []);
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.training.length, 30);
    assert.equal(result.training[0].textInput, qa[0].question);
    assert.equal(result.training[0].output, `${qa[0].answer}\nsecond line`);
  });

  it('keeps a header name with a space after the comma as written, which is how the spec finds the column', async () => {
    const csv = `question, answer\n${qa.map((_, i) => `q${i}, a${i}`).join('\n')}\n`;
    const { plan, result } = await importAndValidate('spaced.csv', csv, { input: 'question', output: ' answer' }, 0);
    assert.match(plan.specText, /^ {4}output: " answer"$/m);
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.training[0].output, ' a0');
  });

  it('points at JSONL through field names other than textInput and output', async () => {
    const jsonl = qa.map((r) => JSON.stringify({ prompt: r.question, completion: r.answer })).join('\n');
    const { plan, result } = await importAndValidate('chat.jsonl', jsonl, { input: 'prompt', output: 'completion' }, 0);
    assert.match(plan.specText, /columns:\n {4}textInput: prompt\n {4}output: completion$/m);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(result.training.map((e) => e.output), qa.map((r) => r.answer));
  });

  it('writes a plain path when the columns are already textInput and output', async () => {
    const json = JSON.stringify(qa.map((r) => ({ textInput: r.question, output: r.answer })));
    const { plan, result } = await importAndValidate('plain.json', json, { input: 'textInput', output: 'output' }, 0);
    assert.match(plan.specText, /^examplesFile: data\/plain\.json$/m);
    assert.equal(result.training.length, 30);
  });

  it('with a validation set, writes training and validation files beside the spec that the spec reads as such, without overlap', async () => {
    const csv = `question,answer\n${qa.map((r) => `"${r.question}","${r.answer.replace(/"/g, '""')}"`).join('\n')}\n,no input\nempty output,\n`;
    const { plan, result } = await importAndValidate('split.csv', csv, { input: 'question', output: 'answer' }, 0.2);
    assert.deepEqual(plan.dataFiles.map((f) => f.name), ['split-0.2.training.jsonl', 'split-0.2.validation.jsonl']);
    assert.match(plan.specText, /^examplesFile: split-0\.2\.training\.jsonl$/m);
    assert.match(plan.specText, /^validation:\n {2}examplesFile: split-0\.2\.validation\.jsonl$/m);
    assert.match(plan.specText, /^# Imported from data\/split\.csv \(question → textInput, answer → output\): 20% held out/m);
    assert.match(plan.specText, /^# Left out: 1 row the spec cannot use \(first: line 33, the output is empty/m);
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.training.length + result.validation.length, 31);
    assert.equal(result.validation.length, 6);
    assert.equal(plan.leftOut.length, 1);
  });
});
