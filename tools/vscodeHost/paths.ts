import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root: this file runs from out/test/host/. */
export const repoRoot = findRepoRoot(__dirname);

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'esbuild.mjs'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root above ${start}`);
  }
}

export const demoWorkspace = path.join(repoRoot, 'test', 'fixtures', 'demo');
export const integrationEntry = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');
export const testResultsDir = path.join(repoRoot, 'test-results');

/** A fresh log file under test-results/ (git-ignored); keeps the newest few of each kind. */
export function newLogFile(kind: string): string {
  fs.mkdirSync(testResultsDir, { recursive: true });
  const old = fs
    .readdirSync(testResultsDir)
    .filter((f) => f.startsWith(`${kind}-`) && f.endsWith('.log'))
    .sort();
  for (const f of old.slice(0, Math.max(0, old.length - 9))) fs.rmSync(path.join(testResultsDir, f), { force: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(testResultsDir, `${kind}-${stamp}-${process.pid}.log`);
}
