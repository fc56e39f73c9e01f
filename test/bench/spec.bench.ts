// Spec validation: whole specs of 100 to 100,000 examples (inline and in a JSONL file), and the
// cost of one validation while typing in a typical spec. Baselines: the bare parsers alone.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { DataFileCache, validateSpec } from '../../src/core/tuningSpec/validateSpec';
import { nodeFileSystem } from '../../src/core/tuningSpec/nodeFileSystem';
import { type BenchContext, medianMs } from './context';

const AREA = 'spec';
const HEADER = 'displayName: Bench\nbaseModel: models/gemini-1.5-flash-001-tuning\nhyperparameters:\n  epochCount: 3\n';

function inlineSpec(n: number): string {
  const lines = [HEADER + 'examples:'];
  for (let i = 0; i < n; i++) lines.push(`  - textInput: "What is item ${i}?"`, `    output: "Item ${i} is number ${i}."`);
  return lines.join('\n') + '\n';
}

function jsonl(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ textInput: `What is item ${i}?`, output: `Item ${i} is number ${i}.` }));
  return lines.join('\n') + '\n';
}

export default async function (ctx: BenchContext): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'spec-bench-'));
  try {
    for (const n of [100, 10_000, 100_000]) {
      const runs = n >= 100_000 ? 1 : n >= 10_000 ? 3 : 9;
      const label = n.toLocaleString('en-US');

      const text = inlineSpec(n);
      const specFile = path.join(dir, `inline-${n}.tuning.yaml`);
      let count = 0;
      const inline = await medianMs(runs, async () => {
        count = (await validateSpec(text, specFile, { fs: nodeFileSystem })).training.length;
      });
      if (count !== n) throw new Error(`inline ${n}: validated ${count} examples`);
      const bareYaml = await medianMs(runs, () => parseDocument(text));
      ctx.record({ area: AREA, name: `validate spec, ${label} inline examples`, value: inline, unit: 'ms', baseline: { name: 'bare yaml parseDocument', value: bareYaml } });

      const dataFile = path.join(dir, `data-${n}.jsonl`);
      writeFileSync(dataFile, jsonl(n));
      const fileSpec = `${HEADER}examplesFile: data-${n}.jsonl\n`;
      const fileSpecPath = path.join(dir, `file-${n}.tuning.yaml`);
      const fromFile = await medianMs(runs, async () => {
        count = (await validateSpec(fileSpec, fileSpecPath, { fs: nodeFileSystem })).training.length;
      });
      if (count !== n) throw new Error(`file ${n}: validated ${count} examples`);
      const bareJson = await medianMs(runs, () => {
        for (const line of readFileSync(dataFile, 'utf8').split('\n')) if (line) JSON.parse(line);
      });
      ctx.record({ area: AREA, name: `validate spec, ${label} examples in JSONL`, value: fromFile, unit: 'ms', baseline: { name: 'bare readFile + JSON.parse per line', value: bareJson } });
    }

    // While typing: the demo spec (data file cached as the editor caches it) and a 20-example inline spec.
    const demo = path.join(ctx.repoRoot, 'test', 'fixtures', 'demo', 'capitals.tuning.yaml');
    const demoText = readFileSync(demo, 'utf8');
    const cache = new DataFileCache(32, 10_000);
    await validateSpec(demoText, demo, { fs: nodeFileSystem, cache });
    let edit = 0;
    const typing = await medianMs(300, () => validateSpec(demoText + `# ${edit++}\n`, demo, { fs: nodeFileSystem, cache }));
    const bareDemo = await medianMs(300, () => parseDocument(demoText + `# ${edit++}\n`));
    ctx.record({ area: AREA, name: 'per keystroke, demo spec (JSONL data cached)', value: typing, unit: 'ms', baseline: { name: 'bare yaml parseDocument', value: bareDemo } });

    const small = inlineSpec(20);
    const smallFile = path.join(dir, 'typing.tuning.yaml');
    const typingInline = await medianMs(300, () => validateSpec(small + `# ${edit++}\n`, smallFile, { fs: nodeFileSystem }));
    const bareSmall = await medianMs(300, () => parseDocument(small + `# ${edit++}\n`));
    ctx.record({ area: AREA, name: 'per keystroke, 20 inline examples', value: typingInline, unit: 'ms', baseline: { name: 'bare yaml parseDocument', value: bareSmall } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
