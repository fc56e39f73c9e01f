import * as vscode from 'vscode';
import { nodeFileSystem } from '../../core/tuningSpec/nodeFileSystem';
import { type SpecFileSystem } from '../../core/tuningSpec/specFileSystem';

/**
 * Files of local specs are read with Node's streams (a 50 MB JSONL is never one buffer); specs
 * on other file systems (remote, virtual) go through `vscode.workspace.fs`, whose paths map back
 * to URIs of the spec's scheme and authority.
 */
export function fileSystemFor(specUri: vscode.Uri): SpecFileSystem {
  if (isLocal(specUri)) return nodeFileSystem;
  const toUri = (path: string) => specUri.with({ path, query: '', fragment: '' });
  return {
    async stat(path) {
      const s = await vscode.workspace.fs.stat(toUri(path));
      return { size: s.size, mtimeMs: s.mtime, isFile: (s.type & vscode.FileType.File) !== 0 };
    },
    async *read(path) {
      yield await vscode.workspace.fs.readFile(toUri(path));
    },
  };
}

/** Local files, and unsaved specs that already have a place on disk (untitled with a path). */
function isLocal(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' || (uri.scheme === 'untitled' && uri.path.startsWith('/'));
}

/** The path the spec core works with for a URI. */
export function specPathOf(uri: vscode.Uri): string {
  return isLocal(uri) ? uri.fsPath : uri.path;
}

/** The URI of a path the core reported: data files of an unsaved spec are files on disk. */
export function uriOfPath(path: string, specUri: vscode.Uri): vscode.Uri {
  if (path === specPathOf(specUri)) return specUri;
  return isLocal(specUri) ? vscode.Uri.file(path) : specUri.with({ path, query: '', fragment: '' });
}

export const SPEC_GLOB = '**/*.tuning.{yaml,yml}';

export function isSpecUri(uri: vscode.Uri): boolean {
  return /\.tuning\.ya?ml$/i.test(uri.path);
}
