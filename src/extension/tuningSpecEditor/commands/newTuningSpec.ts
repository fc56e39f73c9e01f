import * as path from 'node:path';
import * as vscode from 'vscode';
import { couldHoldExamples, DATA_FILE_EXCLUDE, DATA_FILE_GLOB, examplesFileReference } from '../../../core/tuningSpec/dataFileCandidates';
import { sampleExamplesJsonl, specTemplate } from '../../../core/tuningSpec/template';
import { numberedTunedModelId, tunedModelIdFromName } from '../../../core/tuningSpec/tunedModelId';
import { type Prompts } from '../../ui/prompts';
import { fileSystemFor, specPathOf } from '../workspaceFileSystem';

export interface NewTuningSpecDeps {
  readonly prompts: Prompts;
}

/** Where the examples of the new spec come from. */
type ExamplesSource = { readonly kind: 'sample' } | { readonly kind: 'file'; readonly uri: vscode.Uri };

const MAX_OFFERED_FILES = 200;

/**
 * "New Tuning Spec": asks for a name (turned into an id: "support bot" → `support-bot`) and, when
 * the workspace has data files, which one holds the examples; then writes the spec, next to the
 * sample data or pointing at the file chosen, and opens it. Nothing is written before every
 * question is answered, and no file is overwritten.
 */
export function newTuningSpec(deps: NewTuningSpecDeps): (arg?: unknown) => Promise<vscode.Uri | undefined> {
  return async (arg) => {
    const folder = await targetFolder(arg);
    if (!folder) return undefined;
    const name = await deps.prompts.input({
      title: 'New Tuning Spec',
      prompt: 'A name for the spec, e.g. "support bot"; its files are named after it',
      value: 'emoji-namer',
      validateInput: (v) => (tunedModelIdFromName(v) ? undefined : 'Use at least one letter (a to z) or digit'),
    });
    const id = name === undefined ? undefined : tunedModelIdFromName(name);
    if (!id) return undefined;
    const source = await chooseExamples(deps.prompts, folder);
    if (!source) return undefined;

    const stem = await freeStem(folder, id);
    const specUri = vscode.Uri.joinPath(folder, `${stem}.tuning.yaml`);
    const displayName = stem.replace(/-+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
    const encoder = new TextEncoder();
    if (source.kind === 'sample') {
      const examplesFile = `${stem}.examples.jsonl`;
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, examplesFile), encoder.encode(sampleExamplesJsonl()));
      await vscode.workspace.fs.writeFile(specUri, encoder.encode(specTemplate({ displayName, tunedModelId: stem, examplesFile })));
    } else {
      const examplesFile = examplesFileReference(folder.path, source.uri.path);
      await vscode.workspace.fs.writeFile(specUri, encoder.encode(specTemplate({ displayName, tunedModelId: stem, examplesFile, data: 'own' })));
    }
    await vscode.window.showTextDocument(specUri);
    return specUri;
  };
}

/** The folder given (or the folder of the file given), else the first workspace folder, else one the person picks. */
async function targetFolder(arg: unknown): Promise<vscode.Uri | undefined> {
  let folder = arg instanceof vscode.Uri ? arg : undefined;
  if (folder) {
    const stat = await vscode.workspace.fs.stat(folder).then(undefined, () => undefined);
    if (stat && (stat.type & vscode.FileType.Directory) === 0) folder = vscode.Uri.joinPath(folder, '..');
  }
  folder ??= vscode.workspace.workspaceFolders?.[0]?.uri;
  if (folder) return folder;
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Create Spec Here' });
  return picked?.[0];
}

/** The sample data when the workspace has no data file; otherwise the file or the sample data, as the person picks. Undefined when cancelled. */
async function chooseExamples(prompts: Prompts, folder: vscode.Uri): Promise<ExamplesSource | undefined> {
  const files = await dataFilesIn(folder);
  if (files.length === 0) return { kind: 'sample' };
  const items: (vscode.QuickPickItem & { source: ExamplesSource })[] = [
    ...files.map((uri) => ({ label: `$(file) ${path.posix.basename(uri.path)}`, description: vscode.workspace.asRelativePath(uri, true), source: { kind: 'file' as const, uri } })),
    { label: '$(sparkle) Sample data', description: '20 emoji and their names, in a new file next to the spec', source: { kind: 'sample' } },
  ];
  const picked = await prompts.pick(items, { title: 'New Tuning Spec: training examples', placeHolder: 'A data file of the workspace (CSV, TSV, JSONL or a JSON array), or sample data' });
  return picked?.source;
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

/** `id`, or `id-2`, `id-3`…: the first for which neither the spec nor a sample data file of that name exists. */
async function freeStem(folder: vscode.Uri, id: string): Promise<string> {
  const exists = async (uri: vscode.Uri) => vscode.workspace.fs.stat(uri).then(() => true, () => false);
  const taken = async (stem: string) => (await exists(vscode.Uri.joinPath(folder, `${stem}.tuning.yaml`))) || (await exists(vscode.Uri.joinPath(folder, `${stem}.examples.jsonl`)));
  let stem = id;
  for (let n = 2; await taken(stem); n++) stem = numberedTunedModelId(id, n);
  return stem;
}
