/**
 * The file access the spec language needs, injected so that the core runs on Node's `fs` in
 * tests and benchmarks and on whatever the editor layer chooses in the editor.
 */
export interface SpecFileSystem {
  stat(path: string): Promise<{ size: number; mtimeMs: number; isFile: boolean }>;
  /** The file's bytes in chunks, so that large files are never read into one buffer. */
  read(path: string, signal?: AbortSignal): AsyncIterable<Uint8Array>;
}

export type FileProblem = 'missing' | 'folder' | 'permission' | 'other';

/** Classifies Node (`ENOENT`) and VS Code (`FileNotFound`) file errors alike. */
export function fileProblem(error: unknown): FileProblem {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  if (code === 'ENOENT' || code === 'FileNotFound' || code === 'ENOTDIR') return 'missing';
  if (code === 'EISDIR' || code === 'FileIsADirectory') return 'folder';
  if (code === 'EACCES' || code === 'EPERM' || code === 'NoPermissions') return 'permission';
  return 'other';
}

export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
