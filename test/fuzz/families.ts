// The fuzz families, built from the valid fixtures: tuning specs, the data files they name, and
// prompt notebooks. Plain Node runs thousands of them through the pure core; the extension host
// runs hundreds through the editor.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type SpecFileSystem } from '../../src/core/tuningSpec/specFileSystem';
import {
  brokenDataFile,
  brokenNotebook,
  brokenSpec,
  type DataFormatName,
  type Mutant,
  randomDataFile,
  randomNotebook,
  randomSpec,
  Rng,
} from './generate';

export interface Fixtures {
  /** The demo spec and the JSONL file it names. */
  spec: string;
  specData: { name: string; bytes: Uint8Array };
  data: Record<DataFormatName, string>;
  notebook: string;
}

export function loadFixtures(repoRoot: string): Fixtures {
  const fixtures = path.join(repoRoot, 'test', 'fixtures');
  const read = (...parts: string[]): string => fs.readFileSync(path.join(fixtures, ...parts), 'utf8');
  return {
    spec: read('demo', 'capitals.tuning.yaml'),
    specData: { name: 'capitals.examples.jsonl', bytes: fs.readFileSync(path.join(fixtures, 'demo', 'capitals.examples.jsonl')) },
    data: {
      jsonl: read('tuningSpecs', 'data', 'capitals-25.jsonl'),
      csv: read('tuningSpecs', 'data', 'qa.csv'),
      json: read('tuningSpecs', 'data', 'capitals.json'),
    },
    notebook: read('notebooks', 'example.tunebook'),
  };
}

export interface SpecFuzzCase {
  index: number;
  mutant: Mutant;
}

/** Specs: a share broken for sure (with the line the problem is on), the rest mutated at random. */
export function* specCases(seed: number, count: number, fixtures: Fixtures): Generator<SpecFuzzCase> {
  const rng = Rng.derive(seed, 'spec');
  for (let index = 0; index < count; index++) {
    yield { index, mutant: rng.chance(0.4) ? brokenSpec(rng, fixtures.spec) : randomSpec(rng, fixtures.spec) };
  }
}

export interface DataFuzzCase {
  index: number;
  format: DataFormatName;
  /** File name of the data file, beside the spec. */
  dataName: string;
  /** A valid spec naming the data file. */
  spec: string;
  mutant: Mutant;
}

const DATA_SPEC_HEAD = 'displayName: Data file fuzz\nbaseModel: models/gemini-1.5-flash-001-tuning\nhyperparameters:\n  epochCount: 2\n';

export function dataSpecFor(format: DataFormatName, dataName: string): string {
  if (format === 'csv') return `${DATA_SPEC_HEAD}examplesFile:\n  - path: ${dataName}\n    columns: {textInput: question, output: answer}\n`;
  return `${DATA_SPEC_HEAD}examplesFile: ${dataName}\n`;
}

/** Data files of each format in turn, broken for sure or at random, each named by a valid spec. */
export function* dataCases(seed: number, count: number, fixtures: Fixtures): Generator<DataFuzzCase> {
  const rng = Rng.derive(seed, 'data');
  const formats: DataFormatName[] = ['jsonl', 'csv', 'json'];
  for (let index = 0; index < count; index++) {
    const format = formats[index % formats.length];
    const dataName = `data-${index}.${format}`;
    const source = fixtures.data[format];
    const mutant = rng.chance(0.4) ? brokenDataFile(rng, format, source) : randomDataFile(rng, format, source);
    yield { index, format, dataName, spec: dataSpecFor(format, dataName), mutant };
  }
}

export interface NotebookFuzzCase {
  index: number;
  mutant: Mutant;
}

export function* notebookCases(seed: number, count: number, fixtures: Fixtures): Generator<NotebookFuzzCase> {
  const rng = Rng.derive(seed, 'notebook');
  for (let index = 0; index < count; index++) {
    yield { index, mutant: rng.chance(0.4) ? brokenNotebook(rng, fixtures.notebook) : randomNotebook(rng, fixtures.notebook) };
  }
}

/** The spec core's file access over files held in memory, so that thousands of cases never touch the disk. */
export function memoryFileSystem(files: ReadonlyMap<string, Uint8Array>): SpecFileSystem {
  const get = (file: string): Uint8Array => {
    const bytes = files.get(file);
    if (!bytes) throw Object.assign(new Error(`ENOENT: no such file, open '${file}'`), { code: 'ENOENT' });
    return bytes;
  };
  return {
    async stat(file) {
      return { size: get(file).length, mtimeMs: 0, isFile: true };
    },
    async *read(file) {
      yield get(file);
    },
  };
}
