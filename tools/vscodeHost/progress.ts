// Long first-run steps print where they are every few seconds, so nobody stares at a silent terminal.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** GEMINI_TUNING_PROGRESS_MS overrides how often (default every 5 s). */
const PROGRESS_INTERVAL_MS = Number(process.env.GEMINI_TUNING_PROGRESS_MS) || 5_000;

/** Logs `describe(elapsedMs)` every few seconds until the returned function is called. */
export function reportProgress(log: (line: string) => void, describe: (elapsedMs: number) => string, intervalMs = PROGRESS_INTERVAL_MS): () => void {
  const started = Date.now();
  const timer = setInterval(() => {
    try {
      log(describe(Date.now() - started));
    } catch (err) {
      log(`[host]   (progress unavailable: ${(err as Error).message})`);
    }
  }, intervalMs);
  return () => clearInterval(timer);
}

/** Bytes of the regular files under `dir`; files that vanish while it counts are skipped. */
export function diskUsage(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += diskUsage(full);
    else if (entry.isFile()) {
      try {
        total += fs.statSync(full).size;
      } catch {
        // renamed or removed by the install in the meantime
      }
    }
  }
  return total;
}

/** Packages directly under a node_modules folder (scoped ones counted one by one). */
export function countPackages(nodeModules: string): number {
  let count = 0;
  let names: string[];
  try {
    names = fs.readdirSync(nodeModules);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) count += countPackages(path.join(nodeModules, name));
    else count += 1;
  }
  return count;
}

export function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1_000_000)} MB`;
}
