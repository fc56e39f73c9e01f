import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { LOCK_FILE, type ServerLockInfo, otherProcessHolds, readServerLock } from '../core/backend/folderServer';
import { writeFileAtomic } from './trainer/atomicWrite';

export { DATA_DIR_IN_USE_EXIT_CODE, LOCK_FILE, findFolderServer, type ServerLockInfo } from '../core/backend/folderServer';

/*
 * One data folder has one server: each model is kept in the memory of the server that serves
 * it, so a second server on the same folder would never see the first one's models and could
 * resume the same unfinished job. The server that starts first holds `server.lock`; it names
 * the process, and once the server listens, its address (never its API key).
 */

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: ServerLockInfo,
  ) {
    super(
      `The data folder ${dataDir} is already served by another local tuning server (process ${holder.pid}` +
        `${holder.url ? `, at ${holder.url}` : ', still starting'}), and one folder can have only one server. ` +
        `Connect to that server instead${holder.url ? '' : ' once it listens'}, stop it first, or start this one with another --data-dir. ` +
        `(Lock file: ${path.join(dataDir, LOCK_FILE)}.)`,
    );
  }
}

export interface DataDirLock {
  /** Records where the server listens, for the clients that find the folder's server through the lock. */
  publish(where: { url: string; port: number }): Promise<void>;
  /** Removes the lock, unless another server has taken it over since. */
  release(): Promise<void>;
}

/** Folders held by servers of this process: several servers in one process share a pid. */
const heldInThisProcess = new Set<string>();

/**
 * A holder is live when its process runs and, once it has published a port, that port accepts
 * connections: a pid reused by an unrelated process after a crash does not keep the folder locked.
 */
async function holderIsLive(dataDir: string, holder: ServerLockInfo): Promise<boolean> {
  if (holder.pid === process.pid) return heldInThisProcess.has(dataDir);
  return otherProcessHolds(holder);
}

/**
 * Takes the folder's lock, or throws DataDirInUseError naming the server that holds it. A lock
 * left by a server that is gone (killed, crashed) is taken over and logged.
 */
export async function acquireDataDirLock(dataDir: string, log: (line: string) => void): Promise<DataDirLock> {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, LOCK_FILE);
  await fsp.mkdir(dir, { recursive: true });
  const mine: ServerLockInfo = { pid: process.pid, token: randomBytes(9).toString('hex'), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fsp.open(file, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(mine));
        await handle.sync();
      } finally {
        await handle.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readServerLock(file);
    if (holder && (await holderIsLive(dir, holder))) throw new DataDirInUseError(dir, holder);
    // A second stale lock means another server took the folder over at the same moment; let it have it.
    if (attempt > 0) throw new DataDirInUseError(dir, holder ?? { pid: 0, token: '', startedAt: '' });
    log(`[store] ${file} was left by ${holder ? `process ${holder.pid}, which is gone` : 'a server that did not finish writing it'}; taking the folder over`);
    await fsp.rm(file, { force: true });
  }
  heldInThisProcess.add(dir);
  const stillMine = async (): Promise<boolean> => (await readServerLock(file))?.token === mine.token;
  return {
    publish: async (where) => {
      if (await stillMine()) await writeFileAtomic(file, JSON.stringify({ ...mine, ...where }));
    },
    release: async () => {
      heldInThisProcess.delete(dir);
      if (await stillMine()) await fsp.rm(file, { force: true });
    },
  };
}
