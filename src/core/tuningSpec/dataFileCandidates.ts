import * as path from 'node:path';

/** The files "New Tuning Spec" offers as examples: the formats a spec reads. */
export const DATA_FILE_GLOB = '**/*.{csv,tsv,jsonl,ndjson,json}';

/** Never offered: dependencies and tool state. */
export const DATA_FILE_EXCLUDE = '**/{node_modules,.git,.vscode}/**';

/**
 * Whether a file found by `DATA_FILE_GLOB` could hold examples, from the start of its text: a
 * JSON file must hold an array, so that package.json or tsconfig.json are not offered.
 */
export function couldHoldExamples(filePath: string, head: string): boolean {
  if (!/\.json$/i.test(filePath)) return true;
  return head.replace(/^\uFEFF/, '').trimStart().startsWith('[');
}

/** The `examplesFile` of a spec in `specFolder` for a data file: relative, with forward slashes. */
export function examplesFileReference(specFolder: string, dataFile: string): string {
  return path.posix.relative(specFolder, dataFile);
}
