import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type SpecFileSystem } from './specFileSystem';

/** `SpecFileSystem` over Node's `fs`, reading in 1 MiB chunks. */
export const nodeFileSystem: SpecFileSystem = {
  async stat(path) {
    const s = await stat(path);
    return { size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile() };
  },
  read(path, signal) {
    return createReadStream(path, { highWaterMark: 1 << 20, signal });
  },
};
