// Importing a data file: a 100,000-row CSV (quoted values with commas, doubled quotes and line
// breaks) and a 100,000-line JSONL, read into a table, mapped, split and measured. Baseline: the
// plain split-lines reading that gets quoted values wrong.
import { guessColumnMapping } from '../../src/core/dataImport/columnMapping';
import { decodeDataFile, parseDataTable } from '../../src/core/dataImport/dataTable';
import { planImport } from '../../src/core/dataImport/importPlan';
import { exampleStatistics } from '../../src/core/dataImport/statistics';
import { type BenchContext, medianMs } from './context';

const AREA = 'import';
const ROWS = 100_000;

function csv(n: number): string {
  const lines = ['id,question,answer'];
  for (let i = 0; i < n; i++) {
    const answer = i % 10 === 0 ? `"Open Settings, then ""Security"".\nStep ${i}."` : `Open Settings then Security (step ${i}).`;
    lines.push(`${i},"How do I reset password ${i}, quickly?",${answer}`);
  }
  return lines.join('\n') + '\n';
}

function jsonl(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ id: i, prompt: `How do I reset password ${i}, quickly?`, completion: `Open Settings, then "Security".\nStep ${i}.` }));
  return lines.join('\n') + '\n';
}

/** What a person would write first: lines split on newlines, fields on commas. */
function splitLines(text: string): number {
  let cells = 0;
  for (const line of text.split('\n')) if (line) cells += line.split(',').length;
  return cells;
}

function importAll(bytes: Uint8Array, format: 'csv' | 'jsonl', name: string): number {
  const table = parseDataTable(decodeDataFile(bytes, name), format, name);
  const mapping = guessColumnMapping(table);
  if (!mapping) throw new Error(`${name}: no mapping guessed`);
  const plan = planImport({ table, dataFile: name, mapping, holdOut: 0.1, stem: 'bench', displayName: 'Bench' });
  exampleStatistics([...plan.training, ...plan.validation]);
  return plan.training.length + plan.validation.length;
}

export default async function (ctx: BenchContext): Promise<void> {
  const label = ROWS.toLocaleString('en-US');
  for (const [format, text] of [['csv', csv(ROWS)], ['jsonl', jsonl(ROWS)]] as const) {
    const bytes = new TextEncoder().encode(text);
    let rows = 0;
    const parse = await medianMs(5, () => {
      rows = parseDataTable(text, format, `bench.${format}`).rows.length;
    });
    if (rows !== ROWS) throw new Error(`${format}: read ${rows} rows, expected ${ROWS}`);
    const baseline = await medianMs(5, () => splitLines(new TextDecoder().decode(bytes)));
    ctx.record({ area: AREA, name: `read a ${label}-row ${format.toUpperCase()} into a table`, value: parse, unit: 'ms', baseline: { name: 'split lines, then commas', value: baseline } });

    let examples = 0;
    const whole = await medianMs(3, () => {
      examples = importAll(bytes, format, `bench.${format}`);
    });
    if (examples !== ROWS) throw new Error(`${format}: imported ${examples} examples, expected ${ROWS}`);
    ctx.record({ area: AREA, name: `import a ${label}-row ${format.toUpperCase()}: decode, read, guess, 10% split, statistics, spec`, value: whole, unit: 'ms', baseline: { name: 'split lines, then commas', value: baseline } });
  }
}
