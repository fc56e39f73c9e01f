// `npm run screenshots`: runs the golden path and the Vertex AI tour, then copies the screenshots the README shows into
// docs/screenshots/, so that the README's pictures always come from a real run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, testResultsDir } from '../../../tools/vscodeHost/paths';

/** The README's screenshots, by the UI test that takes them (its folder under test-results/). */
const PUBLISHED: Record<string, readonly string[]> = {
  golden: ['3-creating.png', '3-active.png', '4-loss-chart.png', '5-notebook.png'],
  vertex: ['6-vertex-creating.png'],
};

for (const suite of Object.keys(PUBLISHED)) {
  const run = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--timeout', '1800000', '--exit', path.join(repoRoot, `out/test/ui/${suite}/${suite}.ui.test.js`)],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  if (run.status !== 0) {
    console.error(`the ${suite} UI test failed: docs/screenshots/ is left as it was`);
    process.exit(run.status ?? 1);
  }
}
const target = path.join(repoRoot, 'docs', 'screenshots');
fs.mkdirSync(target, { recursive: true });
for (const [suite, name] of Object.entries(PUBLISHED).flatMap(([suite, names]) => names.map((n) => [suite, n] as const))) {
  const source = path.join(testResultsDir, suite, name);
  if (!fs.existsSync(source)) {
    console.error(`the ${suite} UI test passed but did not save ${name}`);
    process.exit(1);
  }
  fs.copyFileSync(source, path.join(target, name));
  console.log(`docs/screenshots/${name} ← ${path.relative(repoRoot, source)}`);
}
