import { specTemplate } from '../tuningSpec/template';
import { type ColumnMapping } from './columnMapping';
import { type DataTable } from './dataTable';
import { mappedExamples, type ImportedExample, type LeftOutRow } from './importedExamples';
import { splitForValidation } from './validationSplit';

/** The seed of the validation split: fixed, so importing the same file again holds out the same examples. */
export const SPLIT_SEED = 19;

/** What a person chose while importing a data file. */
export interface ImportChoices {
  readonly table: DataTable;
  /** The data file's path relative to the folder of the new spec. */
  readonly dataFile: string;
  readonly mapping: ColumnMapping;
  /** The fraction held out for validation; 0 for none. */
  readonly holdOut: number;
  /** The spec's file name without `.tuning.yaml`, also its tuned model id. */
  readonly stem: string;
  readonly displayName: string;
}

/** A file to write next to the spec. */
export interface PlannedFile {
  readonly name: string;
  readonly text: string;
}

export interface ImportPlan {
  readonly specText: string;
  /** Data files to write beside the spec: the training and validation parts when split. */
  readonly dataFiles: readonly PlannedFile[];
  readonly training: readonly ImportedExample[];
  readonly validation: readonly ImportedExample[];
  readonly leftOut: readonly LeftOutRow[];
}

/** The names of the files a split writes beside the spec. */
export function splitFileNames(stem: string): { training: string; validation: string } {
  return { training: `${stem}.training.jsonl`, validation: `${stem}.validation.jsonl` };
}

/**
 * The spec (and, when a validation set is split off, its two data files) for the choices made.
 * Without a split the spec reads the data file itself, through its columns; with one, the rows go
 * to two JSONL files beside the spec, since a spec names whole files, and the file is left as it is.
 */
export function planImport(choices: ImportChoices): ImportPlan {
  const { table, mapping } = choices;
  const { examples, leftOut } = mappedExamples(table, mapping);
  const columns = { textInput: mapping.input, output: mapping.output };
  const mapped = `${quote(mapping.input)} → textInput, ${quote(mapping.output)} → output`;
  if (choices.holdOut <= 0) {
    return {
      specText: specTemplate({
        displayName: choices.displayName,
        tunedModelId: choices.stem,
        data: 'own',
        examplesFile: { path: choices.dataFile, columns },
        origin: [`Imported from ${choices.dataFile} (${mapped}).`],
      }),
      dataFiles: [],
      training: examples,
      validation: [],
      leftOut,
    };
  }
  const { training, validation } = splitForValidation(examples, choices.holdOut, SPLIT_SEED);
  const names = splitFileNames(choices.stem);
  const origin = [
    `Imported from ${choices.dataFile} (${mapped}): ${Math.round(choices.holdOut * 100)}% held out for validation`,
    `at random (seed ${SPLIT_SEED}); the file itself is unchanged.`,
  ];
  if (leftOut.length > 0) origin.push(`Left out: ${leftOut.length} row${leftOut.length === 1 ? '' : 's'} the spec cannot use (first: ${leftOut[0].place}, ${leftOut[0].reason}).`);
  return {
    specText: specTemplate({ displayName: choices.displayName, tunedModelId: choices.stem, data: 'own', examplesFile: names.training, validationFile: names.validation, origin }),
    dataFiles: [
      { name: names.training, text: jsonl(training) },
      { name: names.validation, text: jsonl(validation) },
    ],
    training,
    validation,
    leftOut,
  };
}

function jsonl(examples: readonly ImportedExample[]): string {
  let text = '';
  for (const e of examples) text += `${JSON.stringify({ textInput: e.textInput, output: e.output })}\n`;
  return text;
}

function quote(name: string): string {
  return /^[\w-]+$/.test(name) ? name : JSON.stringify(name);
}
