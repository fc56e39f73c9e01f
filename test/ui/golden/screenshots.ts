// `npm run screenshots`: runs the golden path, the jobs UI test and the Vertex AI tour, then copies the screenshots the
// README shows into docs/screenshots/, so that the README's pictures always come from a real run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, testResultsDir } from '../../../tools/vscodeHost/paths';

/** The screenshots the README shows, as `folder/name` under test-results/ (each suite's own folder). */
const PUBLISHED = ['golden/3-creating.png', 'golden/3-active.png', 'golden/4-loss-chart.png', 'golden/5-notebook.png', 'jobs/status-bar-eta.png', 'jobs/chart-three-models.png', 'jobs/notebook-comparison.png', 'vertex/6-vertex-creating.png', 'vertex/6-vertex-chart.png'];
const SUITES = ['out/test/ui/golden/golden.ui.test.js', 'out/test/ui/jobs/jobs.ui.test.js', 'out/test/ui/vertex/vertex.ui.test.js'];

const run = spawnSync(
  process.execPath,
  [path.join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--timeout', '1800000', '--exit', ...SUITES.map((suite) => path.join(repoRoot, suite))],
  { cwd: repoRoot, stdio: 'inherit' },
);
if (run.status !== 0) {
  console.error('a UI test failed: docs/screenshots/ is left as it was');
  process.exit(run.status ?? 1);
}
const target = path.join(repoRoot, 'docs', 'screenshots');
fs.mkdirSync(target, { recursive: true });
for (const published of PUBLISHED) {
  const name = path.basename(published);
  const source = path.join(testResultsDir, published);
  if (!fs.existsSync(source)) {
    console.error(`the UI tests passed but did not save ${published}`);
    process.exit(1);
  }
  fs.copyFileSync(source, path.join(target, name));
  console.log(`docs/screenshots/${name} ← ${path.relative(repoRoot, source)}`);
}
