import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { type BenchContext } from './context';

/**
 * Size of the shipped extension bundle against the sources it is built from (our code plus the
 * bundled packages): a ratio well below 1 means the release build tree-shakes and minifies.
 */
export default async function (ctx: BenchContext): Promise<void> {
  for (const [name, entry] of [
    ['extension bundle', 'src/extension.ts'],
    ['local server bundle', 'src/server/main.ts'],
  ] as const) {
    const result = await esbuild.build({
      absWorkingDir: ctx.repoRoot,
      entryPoints: [path.join(ctx.repoRoot, entry)],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    }).catch(() => undefined);
    if (!result) {
      ctx.log(`${entry} does not build yet; skipped`);
      continue;
    }
    const bundled = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
    const inputs = Object.values(result.metafile.inputs).reduce((sum, i) => sum + i.bytes, 0);
    ctx.record({ area: 'build', name: `${name} (minified)`, value: bundled, unit: 'B', baseline: { name: 'sum of its inputs', value: inputs } });
  }
}
