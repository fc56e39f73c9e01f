// Entry loaded by the extension host (`extensionTestsPath`): runs every integration suite with
// mocha and, when RESULTS_FILE is set, writes the results there, because a code-server extension
// host exits 0 whatever happens inside it. Also used by @vscode/test-electron and the
// "Extension Tests" launch configuration (then the rejection is what reports failures).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { startedMarker, type IntegrationResults } from '../harness/results';

const TEST_TIMEOUT_MS = 60_000;
const RUN_TIMEOUT_MS = Number(process.env.INTEGRATION_RUN_TIMEOUT_MS) || 20 * 60_000;

export async function run(): Promise<void> {
  const resultsFile = process.env.RESULTS_FILE;
  if (resultsFile) writeAtomically(startedMarker(resultsFile), JSON.stringify({ vscodeVersion: vscode.version, pid: process.pid }));

  const grep = process.env.INTEGRATION_GREP;
  const mocha = new Mocha({ ui: 'bdd', timeout: TEST_TIMEOUT_MS, color: false, reporter: 'spec' });
  if (grep) mocha.grep(new RegExp(grep));
  for (const file of testFiles(__dirname)) mocha.addFile(file);

  const results = await runMocha(mocha);
  if (resultsFile) writeAtomically(resultsFile, JSON.stringify(results, null, 2));
  if (results.failed > 0) throw new Error(`${results.failed} integration test(s) failed`);
  if (results.passed === 0) throw new Error('no integration test ran');
}

/** The launcher polls for these files: it must never see one half written. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => path.join(dir, f));
}

function runMocha(mocha: Mocha): Promise<IntegrationResults> {
  const started = Date.now();
  const results: IntegrationResults = {
    vscodeVersion: vscode.version,
    nodeVersion: process.version,
    passed: 0,
    failed: 0,
    pending: 0,
    durationMs: 0,
    failures: [],
    tests: [],
  };
  return new Promise((resolve) => {
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      results.durationMs = Date.now() - started;
      resolve(results);
    };
    // A hook that never settles stalls mocha itself; the results must still reach the launcher.
    const guard = setTimeout(() => {
      results.failed++;
      results.failures.push({
        title: 'integration run',
        fullTitle: 'integration run',
        message: `did not finish within ${RUN_TIMEOUT_MS} ms`,
        stack: '',
      });
      finish();
    }, RUN_TIMEOUT_MS);

    let runner: Mocha.Runner;
    try {
      runner = mocha.run(() => finish());
    } catch (err) {
      const error = err as Error;
      results.failed++;
      results.failures.push({ title: 'loading the suites', fullTitle: 'loading the suites', message: error.message, stack: error.stack ?? '' });
      finish();
      return;
    }
    runner.on('pass', (test) => {
      results.passed++;
      results.tests.push({ fullTitle: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 });
    });
    runner.on('pending', (test) => {
      results.pending++;
      results.tests.push({ fullTitle: test.fullTitle(), state: 'pending', durationMs: 0 });
    });
    runner.on('fail', (test, err: Error) => {
      results.failed++;
      results.failures.push({ title: test.title, fullTitle: test.fullTitle(), message: err.message ?? String(err), stack: err.stack ?? '' });
      results.tests.push({ fullTitle: test.fullTitle(), state: 'failed', durationMs: test.duration ?? 0 });
    });
  });
}
