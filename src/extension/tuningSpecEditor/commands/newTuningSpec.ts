import * as vscode from 'vscode';
import { sampleExamplesJsonl, specTemplate } from '../../../core/tuningSpec/template';
import { type Prompts } from '../../ui/prompts';

export interface NewTuningSpecDeps {
  readonly prompts: Prompts;
}

/**
 * "New Tuning Spec": writes a commented spec and a sample data file next to it, in the folder it
 * was given (or the first workspace folder), and opens the spec. It never overwrites a file.
 */
export function newTuningSpec(deps: NewTuningSpecDeps): (arg?: unknown, options?: { name?: string }) => Promise<vscode.Uri | undefined> {
  return async (arg, options) => {
    const folder = await targetFolder(arg);
    if (!folder) return undefined;
    const name =
      options?.name ??
      (await deps.prompts.input({
        title: 'New Tuning Spec',
        prompt: 'File name for the spec (the sample data file gets the same name)',
        value: 'emoji-namer',
        validateInput: (v) => (/^[\w.-]+$/.test(v.trim()) ? undefined : 'Use letters, digits, dots, dashes and underscores'),
      }));
    if (!name) return undefined;
    const stem = await freeStem(folder, name.trim().replace(/\.tuning\.ya?ml$/i, ''));
    const specUri = vscode.Uri.joinPath(folder, `${stem}.tuning.yaml`);
    const dataUri = vscode.Uri.joinPath(folder, `${stem}.examples.jsonl`);
    const encoder = new TextEncoder();
    const displayName = stem.replace(/[-_.]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
    await vscode.workspace.fs.writeFile(dataUri, encoder.encode(sampleExamplesJsonl()));
    await vscode.workspace.fs.writeFile(specUri, encoder.encode(specTemplate({ displayName, examplesFile: `${stem}.examples.jsonl` })));
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

/** `base`, or `base-2`, `base-3`…: the first name for which neither the spec nor its data file exists. */
async function freeStem(folder: vscode.Uri, base: string): Promise<string> {
  const exists = async (uri: vscode.Uri) => vscode.workspace.fs.stat(uri).then(() => true, () => false);
  let stem = base;
  for (let n = 2; (await exists(vscode.Uri.joinPath(folder, `${stem}.tuning.yaml`))) || (await exists(vscode.Uri.joinPath(folder, `${stem}.examples.jsonl`))); n++) stem = `${base}-${n}`;
  return stem;
}
