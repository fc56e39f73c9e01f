/**
 * The server that holds a local data folder, as its lock file names it. One data folder has one
 * local tuning server; a window that finds the folder served uses that server instead of
 * starting another.
 */
import { promises as fsp } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const LOCK_FILE = 'server.lock';
/** The exit status of a server that did not start because another one serves its data folder. */
export const DATA_DIR_IN_USE_EXIT_CODE = 3;

export interface ServerLockInfo {
  pid: number;
  /** Tells this holder from an earlier process that had the same pid. */
  token: string;
  startedAt: string;
  /** Set once the server listens. */
  url?: string;
  port?: number;
  // Never the API key: keys live in SecretStorage or the environment, never in a file. A window
  // that uses this server sends the key it holds itself.
}

export async function readServerLock(file: string): Promise<ServerLockInfo | undefined> {
  try {
    const parsed = JSON.parse(await fsp.readFile(file, 'utf8')) as Partial<ServerLockInfo>;
    if (typeof parsed.pid !== 'number' || typeof parsed.token !== 'string') return undefined;
    return parsed as ServerLockInfo;
  } catch {
    return undefined;
  }
}

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portAnswers(url: string | undefined, port: number): Promise<boolean> {
  let host = '127.0.0.1';
  try {
    if (url) host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    // an unreadable url: try loopback
  }
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Whether another process's server still holds a lock: its process runs and, once it has
 * published a port, that port accepts connections, so a pid reused by an unrelated process after
 * a crash does not keep the folder locked.
 */
export async function otherProcessHolds(holder: ServerLockInfo): Promise<boolean> {
  if (!pidIsAlive(holder.pid)) return false;
  return holder.port === undefined || (await portAnswers(holder.url, holder.port));
}

/** The live server of another process that serves `dataDir` and listens, if there is one. */
export async function findFolderServer(dataDir: string): Promise<(ServerLockInfo & { url: string }) | undefined> {
  const holder = await readServerLock(path.join(dataDir, LOCK_FILE));
  if (!holder || holder.url === undefined || holder.pid === process.pid) return undefined;
  return (await otherProcessHolds(holder)) ? { ...holder, url: holder.url } : undefined;
}
