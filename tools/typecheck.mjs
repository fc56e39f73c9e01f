// Type-checks each runtime against its own tsconfig, so that the DOM never leaks into Node code
// and Node never into the webviews. Exits non-zero if any project has errors.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const projects = ['src/core', 'src/server', 'src/extension', 'src/webview', 'test', '.'];
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
let failed = 0;
for (const project of projects) {
  const { status } = spawnSync(process.execPath, [tsc, '--noEmit', '-p', join(root, project)], { stdio: 'inherit' });
  if (status !== 0) {
    failed++;
    console.error(`type-check failed: ${project}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
