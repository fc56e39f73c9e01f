import * as path from 'node:path';
import * as vscode from 'vscode';
import { decodeDataFile, DataFileError, parseDataTable } from '../../../core/dataImport/dataTable';
import { mappedExamples } from '../../../core/dataImport/importedExamples';
import { planImport, splitFileNames } from '../../../core/dataImport/importPlan';
import { couldHoldExamples, DATA_FILE_EXCLUDE, DATA_FILE_GLOB, examplesFileReference } from '../../../core/tuningSpec/dataFileCandidates';
import { formatOf } from '../../../core/tuningSpec/dataFiles';
import { sampleExamplesJsonl, specTemplate } from '../../../core/tuningSpec/template';
import { numberedTunedModelId, tunedModelIdFromName } from '../../../core/tuningSpec/tunedModelId';
import { type Prompts } from '../../ui/prompts';
import { chooseColumns, chooseHoldOut, confirmImport, IMPORT_TITLE } from '../dataImportSteps';
import { fileSystemFor, specPathOf } from '../workspaceFileSystem';

export interface NewTuningSpecDeps {
  readonly prompts: Prompts;
  /** Told about each spec written (the Getting Started walkthrough marks its step done). */
  readonly onCreated?: (spec: vscode.Uri) => void;
}

/** Where the examples of the new spec come from. */
type ExamplesSource = { readonly kind: 'sample' } | { readonly kind: 'file'; readonly uri: vscode.Uri };

const MAX_OFFERED_FILES = 200;
/** A data file is read whole to be imported; beyond this, the spec should name it by hand. */
const MAX_IMPORT_BYTES = 256 << 20;
const SAMPLE_NAME = 'emoji-namer';
const FALLBACK_ID = 'tuned-model';

/** The files a data file is written to: the spec, and the sample data or the split parts. */
interface Written {
  readonly uri: vscode.Uri;
  readonly text: string;
}

/**
 * "New Tuning Spec": a spec from a data file of the person's own, or from sample data. For a data
 * file it previews the first rows as examples under the columns guessed for input and output
 * (which the person can change), offers to hold out a validation set, asks for a name ("support
 * bot" becomes `support-bot`), shows counts and lengths, and writes the spec pointing at the data.
 * Nothing is written before every question is answered, and no file is overwritten.
 */
export function newTuningSpec(deps: NewTuningSpecDeps): (arg?: unknown) => Promise<vscode.Uri | undefined> {
  return async (arg) => {
    const start = await startingPoint(arg);
    if (!start) return undefined;
    const { folder } = start;
    const source = start.dataFile ? ({ kind: 'file', uri: start.dataFile } as const) : await chooseExamples(deps.prompts, folder);
    if (!source) return undefined;
    const files = source.kind === 'sample' ? await sampleSpec(deps.prompts, folder) : await importedSpec(deps.prompts, folder, source.uri);
    if (!files) return undefined;
    const encoder = new TextEncoder();
    for (const file of files) await vscode.workspace.fs.writeFile(file.uri, encoder.encode(file.text));
    const spec = files[files.length - 1].uri;
    deps.onCreated?.(spec);
    await vscode.window.showTextDocument(spec);
    return spec;
  };
}

async function sampleSpec(prompts: Prompts, folder: vscode.Uri): Promise<Written[] | undefined> {
  const stem = await askStem(prompts, folder, SAMPLE_NAME, (s) => [`${s}.examples.jsonl`]);
  if (!stem) return undefined;
  const examplesFile = `${stem}.examples.jsonl`;
  return [
    { uri: vscode.Uri.joinPath(folder, examplesFile), text: sampleExamplesJsonl() },
    { uri: vscode.Uri.joinPath(folder, `${stem}.tuning.yaml`), text: specTemplate({ displayName: displayNameOf(stem), tunedModelId: stem, examplesFile }) },
  ];
}

async function importedSpec(prompts: Prompts, folder: vscode.Uri, dataUri: vscode.Uri): Promise<Written[] | undefined> {
  const fileName = path.posix.basename(dataUri.path);
  const format = formatOf({ path: dataUri.path });
  if (!format) throw new DataFileError(fileName, undefined, 'this is not a data file the spec can read', 'Pick a .csv, .tsv, .jsonl or .json file');
  const stat = await vscode.workspace.fs.stat(dataUri);
  if (stat.size > MAX_IMPORT_BYTES) {
    throw new DataFileError(fileName, undefined, `the file is ${Math.round(stat.size / (1 << 20))} MB, more than the ${MAX_IMPORT_BYTES >> 20} MB an import reads`, 'Name it in a spec by hand: examplesFile: {path: …, columns: {textInput: …, output: …}}');
  }
  const table = parseDataTable(decodeDataFile(await vscode.workspace.fs.readFile(dataUri), fileName), format, fileName);
  const mapping = await chooseColumns(prompts, table);
  if (!mapping) return undefined;
  const holdOut = await chooseHoldOut(prompts, mappedExamples(table, mapping));
  if (holdOut === undefined) return undefined;
  const stem = await askStem(prompts, folder, path.posix.parse(fileName).name, (s) => (holdOut > 0 ? Object.values(splitFileNames(s)) : []));
  if (!stem) return undefined;
  const plan = planImport({ table, dataFile: examplesFileReference(folder.path, dataUri.path), mapping, holdOut, stem, displayName: displayNameOf(stem) });
  if (!(await confirmImport(prompts, plan, stem))) return undefined;
  return [
    ...plan.dataFiles.map((file) => ({ uri: vscode.Uri.joinPath(folder, file.name), text: file.text })),
    { uri: vscode.Uri.joinPath(folder, `${stem}.tuning.yaml`), text: plan.specText },
  ];
}

/**
 * The spec's name as an id, never refused: "support bot" becomes `support-bot`, a name with no
 * Latin letter or digit becomes the suggestion's id, and `-2`, `-3`… is added when the spec or
 * one of its companion files already exists. Undefined when cancelled.
 */
async function askStem(prompts: Prompts, folder: vscode.Uri, suggestion: string, companions: (stem: string) => string[]): Promise<string | undefined> {
  const fallback = tunedModelIdFromName(suggestion) ?? FALLBACK_ID;
  const name = await prompts.input({
    title: `${IMPORT_TITLE}: name`,
    prompt: 'A name for the spec and its tuned model, e.g. "support bot"; the files and the id are made from it',
    value: suggestion,
    validateInput: (v) => ({ message: `Id and file name: ${tunedModelIdFromName(v) ?? fallback}`, severity: vscode.InputBoxValidationSeverity.Info }),
  });
  if (name === undefined) return undefined;
  return freeStem(folder, tunedModelIdFromName(name) ?? fallback, companions);
}

function displayNameOf(stem: string): string {
  return stem.replace(/-+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
}

/** The folder to write in, and the data file when the command was run on one (from the Explorer). */
async function startingPoint(arg: unknown): Promise<{ folder: vscode.Uri; dataFile?: vscode.Uri } | undefined> {
  if (arg instanceof vscode.Uri) {
    const stat = await vscode.workspace.fs.stat(arg).then(undefined, () => undefined);
    if (stat && (stat.type & vscode.FileType.Directory) === 0) {
      const folder = vscode.Uri.joinPath(arg, '..');
      return formatOf({ path: arg.path }) ? { folder, dataFile: arg } : { folder };
    }
    return { folder: arg };
  }
  const open = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (open) return { folder: open };
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Create Spec Here' });
  return picked?.[0] ? { folder: picked[0] } : undefined;
}

/** A data file of the workspace, one chosen in the open dialog, or sample data. Undefined when cancelled. */
async function chooseExamples(prompts: Prompts, folder: vscode.Uri): Promise<ExamplesSource | undefined> {
  const files = await dataFilesIn(folder);
  type Item = vscode.QuickPickItem & { source?: ExamplesSource; browse?: true };
  const items: Item[] = [
    ...files.map((uri) => ({ label: `$(file) ${path.posix.basename(uri.path)}`, description: vscode.workspace.asRelativePath(uri, true), source: { kind: 'file' as const, uri } })),
    { label: '$(folder-opened) Browse…', description: 'a CSV, TSV, JSONL or JSON file elsewhere', browse: true },
    { label: '$(sparkle) Sample data', description: '20 emoji and their names, in a new file next to the spec', source: { kind: 'sample' } },
  ];
  const picked = await prompts.pick(items, {
    title: `${IMPORT_TITLE}: training examples`,
    placeHolder: files.length > 0 ? 'A data file of the workspace (CSV, TSV, JSONL or a JSON array), another file, or sample data' : 'No data file in the workspace: pick one elsewhere, or use sample data',
  });
  if (!picked?.browse) return picked?.source;
  const uri = await prompts.openFile?.({ title: `${IMPORT_TITLE}: data file`, openLabel: 'Import', defaultUri: folder, filters: { 'Tuning data': ['csv', 'tsv', 'jsonl', 'ndjson', 'json'] } });
  return uri ? { kind: 'file', uri } : undefined;
}

/** CSV, TSV, JSONL and JSON-array files in the workspace, those under `folder` first. */
async function dataFilesIn(folder: vscode.Uri): Promise<vscode.Uri[]> {
  const found = await vscode.workspace.findFiles(DATA_FILE_GLOB, DATA_FILE_EXCLUDE, MAX_OFFERED_FILES);
  const kept: vscode.Uri[] = [];
  for (const uri of found) if (couldHoldExamples(uri.path, await head(uri))) kept.push(uri);
  const under = (uri: vscode.Uri) => (uri.path.startsWith(`${folder.path}/`) ? 0 : 1);
  return kept.sort((a, b) => under(a) - under(b) || a.path.localeCompare(b.path));
}

/** The start of a file's text, enough to tell a JSON array from a JSON object; empty when it cannot be read. */
async function head(uri: vscode.Uri): Promise<string> {
  if (!/\.json$/i.test(uri.path)) return '';
  try {
    for await (const chunk of fileSystemFor(uri).read(specPathOf(uri))) return new TextDecoder().decode(chunk.subarray(0, 1024));
  } catch {
    // Unreadable files are simply not offered.
  }
  return '';
}

/** `id`, or `id-2`, `id-3`…: the first for which neither the spec nor any of its companion files exists. */
async function freeStem(folder: vscode.Uri, id: string, companions: (stem: string) => string[]): Promise<string> {
  const exists = async (name: string) => vscode.workspace.fs.stat(vscode.Uri.joinPath(folder, name)).then(() => true, () => false);
  const taken = async (stem: string) => {
    for (const name of [`${stem}.tuning.yaml`, ...companions(stem)]) if (await exists(name)) return true;
    return false;
  };
  let stem = id;
  for (let n = 2; await taken(stem); n++) stem = numberedTunedModelId(id, n);
  return stem;
}
