// Builds the extension, the local tuning server, the webview scripts and (with --tests) the test bundles.
//   node esbuild.mjs                 development build: sourcemaps, no minify
//   node esbuild.mjs --production    release build: minified, no sourcemaps
//   node esbuild.mjs --watch         rebuild on change (problem-matcher friendly output)
//   node esbuild.mjs --tests         also compile test/** to out/ for mocha and the host launcher
//   node esbuild.mjs --tools         also compile tools/** only (npm start)
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');
const tools = process.argv.includes('--tools');

/** @type {import('esbuild').Plugin} */
const problemMatcherLog = {
  name: 'problem-matcher-log',
  setup(build) {
    build.onStart(() => {
      if (watch) console.log('[watch] build started');
    });
    build.onEnd((result) => {
      for (const { text, location } of [...result.errors, ...result.warnings]) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

function filesUnder(dir, predicate) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter(predicate);
}

const isTs = (f) => f.endsWith('.ts') && !f.endsWith('.d.ts');
const common = {
  bundle: true,
  sourcemap: !production,
  sourcesContent: false,
  minify: production,
  logLevel: 'silent',
  plugins: [problemMatcherLog],
};
const nodeTarget = { ...common, platform: 'node', format: 'cjs', target: 'node20' };

const serverEntries = { server: 'src/server/main.ts', 'trainer-worker': 'src/server/trainer/worker.ts' };
const webviewEntries = { chart: 'src/webview/lossChart/lossChartPage.ts' };

/**
 * google-auth-library (Vertex AI sign-in, about 0.8 MB) is its own file, dist/google-auth-library.js,
 * which the extension requires at the first Vertex AI token: activation neither parses nor runs it.
 */
const googleAuthAsOwnFile = {
  name: 'google-auth-library-as-own-file',
  setup(build) {
    // A CommonJS stand-in, so that `await import('google-auth-library')` becomes a plain require of the file beside.
    build.onResolve({ filter: /^google-auth-library$/ }, () => ({ path: 'google-auth-library', namespace: 'own-file' }));
    build.onLoad({ filter: /.*/, namespace: 'own-file' }, () => ({ contents: "module.exports = require('./google-auth-library.js');", loader: 'js' }));
    build.onResolve({ filter: /^\.\/google-auth-library\.js$/, namespace: 'own-file' }, (args) => ({ path: args.path, external: true }));
  },
};

const builds = [
  {
    ...nodeTarget,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    external: ['vscode'],
    plugins: [...common.plugins, googleAuthAsOwnFile],
  },
  {
    ...nodeTarget,
    entryPoints: { 'google-auth-library': 'node_modules/google-auth-library/build/src/index.js' },
    outdir: 'dist',
  },
  {
    ...nodeTarget,
    entryPoints: serverEntries,
    outdir: 'dist',
  },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: webviewEntries,
    outdir: 'dist/media',
    loader: { '.css': 'css' },
  },
];

const outOf = (folder, entryPoints) => ({
  ...nodeTarget,
  sourcemap: true,
  minify: false,
  entryPoints,
  outdir: join('out', folder),
  outbase: folder,
  packages: 'external',
  external: ['vscode'],
});
// The development tools (npm start, the VS Code host launcher) build on their own, so a broken suite cannot stop them.
if (tests || tools) builds.push(outOf('tools', filesUnder('tools', isTs)));
if (tests) builds.push(outOf('test', filesUnder('test', (f) => isTs(f) && !f.startsWith(join('test', 'fixtures')))));

function copyStaticMedia() {
  mkdirSync('dist/media', { recursive: true });
  for (const css of filesUnder('media', (f) => f.endsWith('.css'))) {
    cpSync(css, join('dist', css));
  }
  cpSync('node_modules/uplot/dist/uPlot.min.css', 'dist/media/uPlot.min.css');
}

const contexts = await Promise.all(builds.filter((b) => Object.keys(b.entryPoints).length > 0).map((b) => esbuild.context(b)));
copyStaticMedia();
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const results = await Promise.allSettled(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) process.exit(1);
}
