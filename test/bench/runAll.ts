// `npm run bench`: runs every out/test/bench/*.bench.js, writes bench/results.json, prints one table.
// `npm run bench -- vertex trainer` runs only the files whose names contain one of those words.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../tools/vscodeHost/paths';
import { type Bench, type BenchContext, type BenchRecord } from './context';

interface Row extends BenchRecord {
  file: string;
  ratio?: number;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => only.length === 0 || only.some((word) => f.toLowerCase().includes(word.toLowerCase())))
    .sort();
  if (files.length === 0) throw new Error(`no bench file's name contains ${only.map((w) => JSON.stringify(w)).join(' or ')}; the files are out/test/bench/*.bench.js`);
  const rows: Row[] = [];
  const errors: Array<{ file: string; error: string }> = [];
  for (const file of files) {
    const ctx: BenchContext = {
      repoRoot,
      record: (entry) => rows.push(withRatio(entry, file)),
      log: (line) => console.log(`[${file}] ${line}`),
    };
    const started = Date.now();
    try {
      const mod = (await import(path.join(__dirname, file))) as { default?: Bench | { default?: Bench } };
      const bench = typeof mod.default === 'function' ? mod.default : mod.default?.default;
      if (typeof bench !== 'function') throw new Error('does not default-export a bench function');
      await bench(ctx);
      console.log(`[${file}] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      const error = (err as Error).stack ?? String(err);
      errors.push({ file, error });
      console.error(`[${file}] FAILED: ${error}`);
    }
  }

  const out = path.join(repoRoot, 'bench', 'results.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results: rows, errors }, null, 2),
  );
  printTable(rows);
  console.log(`\n${rows.length} figures from ${files.length} bench file(s) written to ${path.relative(process.cwd(), out)}`);
  if (errors.length > 0) {
    console.error(`${errors.length} bench file(s) failed: ${errors.map((e) => e.file).join(', ')}`);
    process.exitCode = 1;
  }
}

function withRatio(entry: BenchRecord, file: string): Row {
  const ratio = entry.baseline && entry.baseline.value !== 0 ? entry.value / entry.baseline.value : undefined;
  return { ...entry, file, ...(ratio === undefined ? {} : { ratio }) };
}

function printTable(rows: Row[]): void {
  const header = ['area', 'figure', 'value', 'baseline', 'baseline value', 'ratio'];
  const cells = rows.map((r) => [
    r.area,
    r.name,
    `${formatNumber(r.value)} ${r.unit}`,
    r.baseline?.name ?? '',
    r.baseline ? `${formatNumber(r.baseline.value)} ${r.unit}` : '',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(3)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((v, i) => (i === 2 || i >= 4 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ');
  console.log('');
  console.log(line(header));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
