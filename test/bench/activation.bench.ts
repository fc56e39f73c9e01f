// Extension activation in the real host, and the size of the extension bundle.
// - Activation: the workbench (code-server in headless Chromium) opens the demo workspace, which
//   activates the extension; "Developer: Show Running Extensions" shows the host's own measure
//   (code loading + the activate() call). The baseline is a built-in extension activated in the
//   same host at the same time.
// - Bundle: dist/extension.js as built for development (what the host loaded) against the sum of
//   its inputs, and a minified release build (made here in a temp folder) against the development build.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkbench } from '../ui/lossChart/workbench';
import { type BenchContext } from './context';

/**
 * Built-in extensions that activate in any workspace, in order of preference as the baseline.
 * The editor names an extension by its display name when the gallery knows it, else by its id.
 */
const BASELINE_EXTENSIONS = [
  ['Git', 'vscode.git'],
  ['Git Base', 'vscode.git-base'],
  ['Emmet', 'vscode.emmet'],
  ['Merge Conflict', 'vscode.merge-conflict'],
];
const EXTENSION_NAMES = ['Gemini Tuning', 'gemini-tuning.gemini-tuning'];

export default async function activationBench(ctx: BenchContext): Promise<void> {
  await bundleSize(ctx);
  await hostActivation(ctx);
}

async function bundleSize(ctx: BenchContext): Promise<void> {
  const dev = path.join(ctx.repoRoot, 'dist', 'extension.js');
  if (!fs.existsSync(dev)) throw new Error('dist/extension.js is missing: run node esbuild.mjs first');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-bundle-'));
  try {
    const options: esbuild.BuildOptions = {
      absWorkingDir: ctx.repoRoot,
      entryPoints: { extension: 'src/extension/extension.ts' },
      outdir: tmp,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // As in esbuild.mjs: google-auth-library is its own file, loaded at the first Vertex AI token.
      external: ['vscode', 'google-auth-library'],
      sourcemap: false,
      logLevel: 'silent',
      metafile: true,
    };
    const release = await esbuild.build({ ...options, minify: true });
    const inputs = Object.values(release.metafile?.inputs ?? {}).reduce((sum, input) => sum + input.bytes, 0);
    const devBytes = fs.statSync(dev).size;
    const releaseBytes = fs.statSync(path.join(tmp, 'extension.js')).size;
    ctx.record({ area: 'activation', name: 'dist/extension.js, development build', value: devBytes, unit: 'B', baseline: { name: 'sum of its input files', value: inputs } });
    ctx.record({ area: 'activation', name: 'extension.js, minified release build', value: releaseBytes, unit: 'B', baseline: { name: 'development build', value: devBytes } });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function hostActivation(ctx: BenchContext): Promise<void> {
  const workbench = await openWorkbench();
  try {
    const { page } = workbench;
    await workbench.runCommand('Developer: Show Running Extensions');
    const rows = page.locator('.runtime-extensions-editor .monaco-list-row');
    const ours = rows.filter({ hasText: /Gemini Tuning|gemini-tuning\.gemini-tuning/ }).locator('.activation-time', { hasText: /Activation: \d+ms/ });
    await ours
      .first()
      .waitFor({ timeout: 240_000 })
      .catch(async (error: Error) => {
        const shown = await page.locator('.runtime-extensions-editor').innerText().catch(() => '(the Running Extensions editor is not shown)');
        throw new Error(`${error.message}\nRunning Extensions shows:\n${shown.slice(0, 2_000)}`);
      });
    const times = await rows.evaluateAll((elements) =>
      elements.map((row) => ({
        name: row.querySelector('.name')?.textContent?.trim() ?? '',
        time: row.querySelector('.activation-time')?.textContent?.trim() ?? '',
      })),
    );
    const parse = (text: string): number | undefined => {
      const match = /Activation: (\d+)ms/.exec(text);
      return match ? Number(match[1]) : undefined;
    };
    const measured = times.map((t) => ({ name: t.name, ms: parse(t.time) })).filter((t): t is { name: string; ms: number } => t.ms !== undefined);
    const mine = measured.find((t) => EXTENSION_NAMES.includes(t.name));
    if (!mine) throw new Error(`no activation time for ${EXTENSION_NAMES[0]}: ${JSON.stringify(times)}`);
    ctx.log(`activation times in the host: ${measured.map((t) => `${t.name} ${t.ms} ms`).join(', ')}`);
    const baseline = BASELINE_EXTENSIONS.map((names) => measured.find((t) => names.includes(t.name))).find((t) => t !== undefined);
    ctx.record({
      area: 'activation',
      name: 'activate() in the real host (code loading + activate call)',
      value: mine.ms,
      unit: 'ms',
      ...(baseline ? { baseline: { name: `built-in "${baseline.name}" extension, same host`, value: baseline.ms } } : {}),
    });
  } finally {
    await workbench.close();
  }
}
