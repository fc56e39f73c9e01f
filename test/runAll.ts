// `npm test`: type-check, lint, unit tests, then the offline VS Code host (installed on a first
// run), integration tests in a real VS Code, UI tests driving the workbench with Playwright; then
// one summary.
// The last line is `N passed, N failed, N skipped`, the totals of the mocha layers; a test that
// passed only when run again is named, and counted as flaky just above that line.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureHostTools } from '../tools/vscodeHost/cache';
import { formatDuration } from '../tools/vscodeHost/exec';
import { runIntegrationHosts } from './harness/integration';
import { pinTrainingSeed } from './harness/seed';
import { repoRoot } from '../tools/vscodeHost/paths';
import { formatSweepTable, readSweepCases, SWEEP_FILE_VARIABLE } from './harness/sweepTable';

interface Layer {
  name: string;
  ok: boolean;
  durationMs: number;
  counts?: Counts;
  /** Skipped because what it needs is missing; the run fails. */
  notRun?: boolean;
}

interface Counts {
  passed: number;
  failed: number;
  pending: number;
  /** Full titles of tests that failed and passed when run again. */
  flaky?: string[];
  /** Each failed test: its full title and the first line of its error. */
  failures?: string[];
}

const bin = (pkg: string, file: string): string => path.join(repoRoot, 'node_modules', pkg, file);

async function main(): Promise<void> {
  const layers: Layer[] = [];
  const sweepFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-sweep-')), 'cases.jsonl');
  process.env[SWEEP_FILE_VARIABLE] = sweepFile;
  // Every server of every layer (in-process, the extension's, `npm start`'s) trains from this seed.
  pinTrainingSeed(process.env, console.log);
  // The two static checks share the machine's two cores; their output is printed one after the other.
  const [typeCheck, lint] = await Promise.all([
    buffered('type-check', process.execPath, [path.join(repoRoot, 'tools', 'typecheck.mjs')]),
    buffered('lint', process.execPath, [bin('eslint', 'bin/eslint.js'), '.']),
  ]);
  for (const check of [typeCheck, lint]) {
    banner(check.name);
    process.stdout.write(check.output);
    layers.push(check.layer);
  }
  layers.push(await timed('unit', unitTests));
  // The layers below run in code-server + Chromium: installed here on a first run, or said why not.
  const host = await timed('host', prepareHost);
  layers.push(host);
  const needsHost = (name: string, body: () => Promise<Omit<Layer, 'name' | 'durationMs'>>): Promise<Layer> =>
    host.ok ? timed(name, body) : Promise.resolve({ name, ok: false, durationMs: 0, notRun: true });
  layers.push(await needsHost('integration', async () => {
    const { ok, passed, failed, pending, failures } = await runIntegrationHosts();
    return { ok, counts: { passed, failed, pending, failures } };
  }));
  layers.push(await needsHost('ui', () => mochaLayer('ui', 'test/ui/.mocharc.json')));

  const sweep = readSweepCases(sweepFile);
  fs.rmSync(path.dirname(sweepFile), { recursive: true, force: true });
  if (sweep.length > 0) {
    banner('reliability and security sweep');
    console.log(formatSweepTable(sweep));
  }

  banner('summary');
  for (const layer of layers) {
    const flaky = layer.counts?.flaky?.length ? `, ${layer.counts.flaky.length} flaky` : '';
    const counts = layer.counts ? `  ${layer.counts.passed} passed, ${layer.counts.failed} failed, ${layer.counts.pending} skipped${flaky}` : '';
    const status = layer.notRun ? 'NOT RUN' : layer.ok ? 'ok' : 'FAILED';
    console.log(`  ${status.padEnd(7)} ${layer.name.padEnd(12)} ${formatDuration(layer.durationMs).padStart(10)}${counts}`);
    for (const title of layer.counts?.flaky ?? []) console.log(`            flaky (passed only when run again): ${title}`);
  }
  const notRun = layers.filter((l) => l.notRun).map((l) => l.name);
  if (notRun.length > 0) console.log(`not run: ${notRun.join(', ')} (they need the VS Code host; see the host layer above)`);
  const total = { passed: 0, failed: 0, pending: 0, flaky: 0 };
  for (const { counts } of layers) {
    if (!counts) continue;
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.pending += counts.pending;
    total.flaky += counts.flaky?.length ?? 0;
  }
  process.exitCode = layers.every((l) => l.ok) ? 0 : 1;
  // Repeated last, so that the final lines of a long log say which tests failed and why.
  for (const layer of layers) {
    for (const failure of layer.counts?.failures ?? []) console.log(`failed in ${layer.name}: ${failure}`);
  }
  if (total.flaky > 0) console.log(`${total.flaky} flaky: passed only when run again (named above)`);
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.pending} skipped`);
}

async function timed(name: string, body: () => Promise<Omit<Layer, 'name' | 'durationMs'>>): Promise<Layer> {
  banner(name);
  const started = Date.now();
  let result: Omit<Layer, 'name' | 'durationMs'>;
  try {
    result = await body();
  } catch (err) {
    console.error((err as Error).stack ?? String(err));
    result = { ok: false };
  }
  return { name, durationMs: Date.now() - started, ...result };
}

function banner(name: string): void {
  console.log(`\n━━ ${name} ${'━'.repeat(Math.max(0, 60 - name.length))}`);
}

async function prepareHost(): Promise<Omit<Layer, 'name' | 'durationMs'>> {
  try {
    await ensureHostTools();
    return { ok: true };
  } catch (err) {
    console.log((err as Error).message);
    return { ok: false };
  }
}

async function unitTests(): Promise<Omit<Layer, 'name' | 'durationMs'>> {
  const summaryFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-unit-')), 'summary.json');
  try {
    const { ok } = await command(
      process.execPath,
      [bin('mocha', 'bin/mocha.js'), '--config', 'test/unit/.mocharc.json', process.stdout.isTTY ? '--color' : '--no-color', '--reporter', path.join(repoRoot, 'out/test/harness/summaryReporter.js')],
      { MOCHA_SUMMARY_FILE: summaryFile },
    );
    if (!fs.existsSync(summaryFile)) {
      console.log('[unit] mocha wrote no summary: it did not run to the end');
      return { ok: false, counts: { passed: 0, failed: 1, pending: 0 } };
    }
    const counts = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Counts;
    return { ok: ok && counts.failed === 0 && counts.passed > 0, counts };
  } finally {
    fs.rmSync(path.dirname(summaryFile), { recursive: true, force: true });
  }
}

/** The Playwright UI tests (test/ui/**), each driving a real workbench in code-server. */
async function mochaLayer(name: string, config: string): Promise<Omit<Layer, 'name' | 'durationMs'>> {
  const summaryFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), `gemini-tuning-${name}-`)), 'summary.json');
  try {
    const { ok } = await command(
      process.execPath,
      [bin('mocha', 'bin/mocha.js'), '--config', config, process.stdout.isTTY ? '--color' : '--no-color', '--reporter', path.join(repoRoot, 'out/test/harness/summaryReporter.js')],
      { MOCHA_SUMMARY_FILE: summaryFile },
    );
    if (!fs.existsSync(summaryFile)) {
      console.log(`[${name}] mocha wrote no summary: it did not run to the end`);
      return { ok: false, counts: { passed: 0, failed: 1, pending: 0 } };
    }
    const counts = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Counts;
    return { ok: ok && counts.failed === 0 && counts.passed > 0, counts };
  } finally {
    fs.rmSync(path.dirname(summaryFile), { recursive: true, force: true });
  }
}

async function buffered(name: string, cmd: string, args: string[]): Promise<{ name: string; output: string; layer: Layer }> {
  const started = Date.now();
  const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const ok = await new Promise<boolean>((resolve) => {
    child.on('error', (err) => {
      output += `${cmd}: ${err.message}\n`;
      resolve(false);
    });
    child.on('exit', (code) => resolve(code === 0));
  });
  return { name, output: output || (ok ? 'clean\n' : ''), layer: { name, ok, durationMs: Date.now() - started } };
}

function command(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ ok: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', (err) => {
      console.error(`${cmd}: ${err.message}`);
      resolve({ ok: false });
    });
    child.on('exit', (code) => resolve({ ok: code === 0 }));
  });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
