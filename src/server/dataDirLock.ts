import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { writeFileAtomic } from './trainer/atomicWrite';

/**
 * One data folder has one server: each model is kept in the memory of the server that serves
 * it, so a second server on the same folder would never see the first one's models and could
 * resume the same unfinished job. The server that starts first holds `server.lock`; it names
 * the process, and once the server listens, its address and the API key clients must send.
 */
export const LOCK_FILE = 'server.lock';

export interface ServerLockInfo {
  pid: number;
  /** Tells this holder from an earlier process that had the same pid. */
  token: string;
  startedAt: string;
  /** Set once the server listens. */
  url?: string;
  port?: number;
  /** The API key the server requires, when it requires one (the file is readable by its owner only). */
  apiKey?: string;
}

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
  publish(where: { url: string; port: number; apiKey?: string }): Promise<void>;
  /** Removes the lock, unless another server has taken it over since. */
  release(): Promise<void>;
}

/** Folders held by servers of this process: several servers in one process share a pid. */
const heldInThisProcess = new Set<string>();

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portAnswers(holder: ServerLockInfo & { port: number }): Promise<boolean> {
  let host = '127.0.0.1';
  try {
    if (holder.url) host = new URL(holder.url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    // an unreadable url: try loopback
  }
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: holder.port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function readLock(file: string): Promise<ServerLockInfo | undefined> {
  try {
    const parsed = JSON.parse(await fsp.readFile(file, 'utf8')) as Partial<ServerLockInfo>;
    if (typeof parsed.pid !== 'number' || typeof parsed.token !== 'string') return undefined;
    return parsed as ServerLockInfo;
  } catch {
    return undefined;
  }
}

/** The server named in a folder's lock, when one still holds it; for clients looking for the folder's server. */
export async function findFolderServer(dataDir: string): Promise<ServerLockInfo | undefined> {
  const holder = await readLock(path.join(dataDir, LOCK_FILE));
  return holder && (await holderIsLive(path.resolve(dataDir), holder)) ? holder : undefined;
}

/**
 * A holder is live when its process runs and, once it has published a port, that port accepts
 * connections: a pid reused by an unrelated process after a crash does not keep the folder locked.
 */
async function holderIsLive(dataDir: string, holder: ServerLockInfo): Promise<boolean> {
  if (holder.pid === process.pid) return heldInThisProcess.has(dataDir);
  if (!pidIsAlive(holder.pid)) return false;
  return holder.port === undefined || (await portAnswers({ ...holder, port: holder.port }));
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
    const holder = await readLock(file);
    if (holder && (await holderIsLive(dir, holder))) throw new DataDirInUseError(dir, holder);
    // A second stale lock means another server took the folder over at the same moment; let it have it.
    if (attempt > 0) throw new DataDirInUseError(dir, holder ?? { pid: 0, token: '', startedAt: '' });
    log(`[store] ${file} was left by ${holder ? `process ${holder.pid}, which is gone` : 'a server that did not finish writing it'}; taking the folder over`);
    await fsp.rm(file, { force: true });
  }
  heldInThisProcess.add(dir);
  const stillMine = async (): Promise<boolean> => (await readLock(file))?.token === mine.token;
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
