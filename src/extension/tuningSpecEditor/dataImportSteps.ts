import * as vscode from 'vscode';
import { guessColumnMapping, textColumns, type ColumnMapping } from '../../core/dataImport/columnMapping';
import { DataFileError, type DataTable } from '../../core/dataImport/dataTable';
import { type MappedExamples } from '../../core/dataImport/importedExamples';
import { splitFileNames, type ImportPlan } from '../../core/dataImport/importPlan';
import { describeLengths, exampleStatistics } from '../../core/dataImport/statistics';
import { VALIDATION_FRACTIONS, validationSize } from '../../core/dataImport/validationSplit';
import { plural } from '../../core/tuningSpec/diagnostics';
import { MIN_TRAINING_EXAMPLES } from '../../core/tuningSpec/examples';
import { type Prompts } from '../ui/prompts';

/** How many rows the preview shows. */
const PREVIEW_ROWS = 5;
/** How much of a value a quick pick line shows. */
const SHOWN_CHARS = 60;

export const IMPORT_TITLE = 'New Tuning Spec';

type Choice<T> = vscode.QuickPickItem & { readonly choice?: T };

/** A value as one short line: newlines shown as ⏎, long values cut. */
function shown(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text.trim() === '') return '(empty)';
  const line = text.replace(/\r?\n/g, ' ⏎ ');
  return line.length > SHOWN_CHARS ? `${line.slice(0, SHOWN_CHARS - 1)}…` : line;
}

/**
 * Which columns hold the input and the output: the guess with a preview of the first rows, to
 * accept, swap, or replace by choosing the columns one by one. Undefined when cancelled.
 */
export async function chooseColumns(prompts: Prompts, table: DataTable): Promise<ColumnMapping | undefined> {
  const named = table.columns.filter((c) => c !== '');
  if (named.length < 2) {
    throw new DataFileError(
      table.fileName,
      undefined,
      named.length === 0 ? 'it has no named columns or fields' : `it has only one column or field ("${named[0]}"), and an example needs an input and an output`,
      'Give it a column for the input and one for the output, then import it again',
    );
  }
  const guess = guessColumnMapping(table);
  let mapping: ColumnMapping | undefined = guess ? { input: guess.input, output: guess.output } : await pickColumns(prompts, table);
  while (mapping) {
    const next = await preview(prompts, table, mapping);
    if (next === undefined) return undefined;
    if (next === 'use') return mapping;
    mapping = next === 'swap' ? { input: mapping.output, output: mapping.input } : await pickColumns(prompts, table);
  }
  return undefined;
}

async function preview(prompts: Prompts, table: DataTable, mapping: ColumnMapping): Promise<'use' | 'swap' | 'choose' | undefined> {
  const inputIndex = table.columns.indexOf(mapping.input);
  const outputIndex = table.columns.indexOf(mapping.output);
  const items: Choice<'use' | 'swap' | 'choose'>[] = [
    { label: '$(check) Use These Columns', description: `${mapping.input} → input, ${mapping.output} → output`, detail: `${plural(table.rows.length, 'row')} in ${table.fileName}`, choice: 'use' },
    { label: '$(arrow-swap) Swap Input and Output', description: `${mapping.output} → input, ${mapping.input} → output`, choice: 'swap' },
    { label: '$(list-selection) Choose Other Columns…', description: table.columns.filter((c) => c !== '').join(', '), choice: 'choose' },
    { label: `First ${plural(Math.min(PREVIEW_ROWS, table.rows.length), 'row')}`, kind: vscode.QuickPickItemKind.Separator },
    ...table.rows.slice(0, PREVIEW_ROWS).map((row) => ({
      label: shown(row.values[inputIndex]),
      description: `→ ${shown(row.values[outputIndex])}`,
      detail: table.format === 'json' ? `item ${row.at}` : `line ${row.at}`,
      choice: 'use' as const,
    })),
  ];
  const picked = await prompts.pick(items, {
    title: `${IMPORT_TITLE}: ${table.fileName} — input and output`,
    placeHolder: 'The first rows as examples (input → output). Use these columns, or choose others',
    matchOnDescription: true,
  });
  return picked?.choice;
}

async function pickColumns(prompts: Prompts, table: DataTable): Promise<ColumnMapping | undefined> {
  const input = await pickColumn(prompts, table, 'Which column holds the input (what the model is given)?', undefined);
  if (input === undefined) return undefined;
  const output = await pickColumn(prompts, table, 'Which column holds the output (what the model should answer)?', input);
  return output === undefined ? undefined : { input, output };
}

async function pickColumn(prompts: Prompts, table: DataTable, question: string, exclude: string | undefined): Promise<string | undefined> {
  const texts = new Set(textColumns(table));
  const columns = table.columns.map((name, index) => ({ name, index })).filter(({ name }) => name !== '' && name !== exclude);
  columns.sort((a, b) => Number(texts.has(b.name)) - Number(texts.has(a.name)));
  const items: Choice<string>[] = columns.map(({ name, index }) => ({
    label: name,
    description: texts.has(name) ? undefined : 'not text in most rows',
    detail: table.rows.slice(0, 3).map((r) => shown(r.values[index])).join('  ·  '),
    choice: name,
  }));
  const picked = await prompts.pick(items, { title: `${IMPORT_TITLE}: ${table.fileName} — columns`, placeHolder: question, matchOnDetail: true });
  return picked?.choice;
}

/** How much to hold out for validation (0 for nothing); skipped, as 0, when there are too few examples to split. */
export async function chooseHoldOut(prompts: Prompts, mapped: MappedExamples): Promise<number | undefined> {
  const total = mapped.examples.length;
  if (validationSize(total, VALIDATION_FRACTIONS[0]) === 0) return 0;
  const items: Choice<number>[] = [
    { label: '$(circle-slash) No Validation Set', description: `all ${plural(total, 'example')} for training`, choice: 0 },
    ...VALIDATION_FRACTIONS.map((fraction) => {
      const held = validationSize(total, fraction);
      return {
        label: `$(beaker) Hold Out ${Math.round(fraction * 100)}%`,
        description: `${total - held} for training, ${held} for validation`,
        detail: 'Chosen at random; written to two JSONL files beside the spec, the data file stays as it is',
        choice: fraction,
      };
    }),
  ];
  const picked = await prompts.pick(items, {
    title: `${IMPORT_TITLE}: validation set`,
    placeHolder: 'Hold out examples to evaluate the tuned model on data it was not trained on?',
  });
  return picked?.choice;
}

/** The last look before writing: counts, lengths and what was left out. True when the person creates the spec. */
export async function confirmImport(prompts: Prompts, plan: ImportPlan, stem: string): Promise<boolean> {
  const all = [...plan.training, ...plan.validation];
  const stats = exampleStatistics(all);
  const files = [`${stem}.tuning.yaml`, ...(plan.dataFiles.length > 0 ? Object.values(splitFileNames(stem)) : [])];
  const counts = plan.validation.length > 0 ? `${plural(plan.training.length, 'training example')}, ${plural(plan.validation.length, 'validation example')}` : plural(plan.training.length, 'training example');
  const facts: vscode.QuickPickItem[] = [
    { label: '$(arrow-right) Input length', description: describeLengths(stats.input) },
    { label: '$(arrow-left) Output length', description: describeLengths(stats.output) },
  ];
  if (plan.leftOut.length > 0) {
    const where = plan.leftOut.slice(0, 3).map((r) => `${r.place}: ${r.reason}`).join('; ');
    facts.push({
      label: `$(warning) ${plural(plan.leftOut.length, 'row')} not usable`,
      description: plan.dataFiles.length > 0 ? 'left out of the files written' : 'the spec will show them as problems in the data file',
      detail: where,
    });
  }
  if (plan.training.length < MIN_TRAINING_EXAMPLES) facts.push({ label: `$(warning) Fewer than ${MIN_TRAINING_EXAMPLES} training examples`, description: 'the Gemini API asks for at least that many' });
  if (stats.emptyInputs > 0) facts.push({ label: `$(info) ${plural(stats.emptyInputs, 'example')} with an empty input` });
  if (stats.duplicates > 0) facts.push({ label: `$(info) ${plural(stats.duplicates, 'repeated example')}`, description: 'the same input and output as an earlier one' });
  const create: Choice<true> = { label: '$(check) Create Spec', description: files.join(', '), detail: counts, choice: true };
  for (;;) {
    const picked = await prompts.pick<Choice<true>>([create, { label: 'Statistics', kind: vscode.QuickPickItemKind.Separator }, ...facts], {
      title: `${IMPORT_TITLE}: ${counts}`,
      placeHolder: 'Check the counts and lengths, then create the spec',
    });
    if (!picked) return false;
    if (picked.choice) return true;
    // A fact is not a choice: ask again.
  }
}
