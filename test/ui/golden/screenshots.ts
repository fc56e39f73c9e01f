// `npm run screenshots`: runs the golden path, then copies the screenshots the README shows into
// docs/screenshots/, so that the README's pictures always come from a real run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, testResultsDir } from '../../../tools/vscodeHost/paths';

/** Golden-path screenshot → the README's copy. */
const PUBLISHED = ['3-creating.png', '3-active.png', '4-loss-chart.png', '5-notebook.png'];

const run = spawnSync(
  process.execPath,
  [path.join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--timeout', '1800000', '--exit', path.join(repoRoot, 'out/test/ui/golden/golden.ui.test.js')],
  { cwd: repoRoot, stdio: 'inherit' },
);
if (run.status !== 0) {
  console.error('the golden path failed: docs/screenshots/ is left as it was');
  process.exit(run.status ?? 1);
}
const target = path.join(repoRoot, 'docs', 'screenshots');
fs.mkdirSync(target, { recursive: true });
for (const name of PUBLISHED) {
  const source = path.join(testResultsDir, 'golden', name);
  if (!fs.existsSync(source)) {
    console.error(`the golden path passed but did not save ${name}`);
    process.exit(1);
  }
  fs.copyFileSync(source, path.join(target, name));
  console.log(`docs/screenshots/${name} ← ${path.relative(repoRoot, source)}`);
}
