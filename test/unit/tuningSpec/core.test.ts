import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { buildCreateRequest, SpecHasErrorsError } from '../../../src/core/tuningSpec/createRequest';
import { CancelledError, fileProblem, type SpecFileSystem } from '../../../src/core/tuningSpec/specFileSystem';
import { DataFileCache, validateSpec } from '../../../src/core/tuningSpec/validateSpec';
import { firstLineRangeFromOffsets, fromOneBased, lineRange, rangeFromOffsets } from '../../../src/core/tuningSpec/positions';
import { formatLearningRate, summarize } from '../../../src/core/tuningSpec/summary';
import { MAX_PROBLEMS_PER_FILE, readExamplesFile } from '../../../src/core/tuningSpec/dataFiles';
import { sampleExamplesJsonl, specTemplate } from '../../../src/core/tuningSpec/template';
import { tuningSpecSchema } from '../../../src/core/tuningSpec/schemaCheck';
import { didYouMean, levenshtein } from '../../../src/core/tuningSpec/didYouMean';
import { jsonErrorOf } from '../../../src/core/tuningSpec/dataFiles';
import { readLines } from '../../../src/core/tuningSpec/lines';
import { nodeFileSystem } from '../../../src/core/tuningSpec/nodeFileSystem';

/** An in-memory file system with VS Code's error codes, as the editor layer would pass. */
function memoryFs(files: Record<string, string | Uint8Array>, chunkSize = 7): SpecFileSystem & { reads: string[]; touch(p: string): void } {
  const mtimes = new Map<string, number>();
  const reads: string[] = [];
  const bytes = (p: string): Buffer => {
    const content = files[p];
    if (content === undefined) throw Object.assign(new Error(`no ${p}`), { code: 'FileNotFound' });
    return Buffer.from(content);
  };
  return {
    reads,
    touch: (p) => mtimes.set(p, (mtimes.get(p) ?? 0) + 1),
    async stat(p) {
      return { size: bytes(p).length, mtimeMs: mtimes.get(p) ?? 0, isFile: true };
    },
    async *read(p) {
      reads.push(p);
      const all = bytes(p);
      for (let i = 0; i < all.length; i += chunkSize) yield all.subarray(i, i + chunkSize);
    },
  };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function* chunksOf(...parts: (string | number[])[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : Uint8Array.from(part);
}

const SPEC_DIR = '/work/specs';
const spec = (name: string) => path.join(SPEC_DIR, name);

function jsonl(n: number, offset = 0): string {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ textInput: `input ${i + offset}`, output: `output ${i + offset}` })).join('\n') + '\n';
}

describe('positions', () => {
  it('turns the one-based line/col of the yaml package into zero-based positions', () => {
    assert.deepEqual(fromOneBased({ line: 1, col: 1 }), { line: 0, character: 0 });
    assert.deepEqual(fromOneBased({ line: 12, col: 5 }), { line: 11, character: 4 });
  });

  it('maps node offsets to ranges, counting UTF-16 units like the editor', () => {
    const text = 'a: 1\nemoji: "🍎 x"\nlast: 3';
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc });
    const node = doc.get('emoji', true) as { range: [number, number, number] };
    assert.deepEqual(rangeFromOffsets(lc, node.range[0], node.range[1]), { start: { line: 1, character: 7 }, end: { line: 1, character: 13 } });
    const last = doc.get('last', true) as { range: [number, number, number] };
    assert.deepEqual(rangeFromOffsets(lc, last.range[0], last.range[1]), { start: { line: 2, character: 6 }, end: { line: 2, character: 7 } });
  });

  it('cuts collection ranges at the end of their first line, before a CR', () => {
    const text = 'list:\r\n  - a: 1\r\n    b: 2\r\n';
    const lc = new LineCounter();
    parseDocument(text, { lineCounter: lc });
    const start = text.indexOf('- a');
    assert.deepEqual(firstLineRangeFromOffsets(lc, text, start, text.length), { start: { line: 1, character: 2 }, end: { line: 1, character: 8 } });
  });

  it('gives a data-file line as a whole-line range', () => {
    assert.deepEqual(lineRange(3, 17), { start: { line: 2, character: 0 }, end: { line: 2, character: 17 } });
  });
});

describe('did you mean', () => {
  it('computes edit distances', () => {
    assert.equal(levenshtein('kitten', 'sitting'), 3);
    assert.equal(levenshtein('', 'abc'), 3);
    assert.equal(levenshtein('same', 'same'), 0);
  });

  it('suggests the intended key for typos, snake_case and stems, and nothing for unrelated words', () => {
    const keys = ['displayName', 'temperature', 'topP', 'topK', 'epochCount', 'batchSize', 'examplesFile', 'examples'];
    assert.equal(didYouMean('temprature', keys), 'temperature');
    assert.equal(didYouMean('display_name', keys), 'displayName');
    assert.equal(didYouMean('epochs', keys), 'epochCount');
    assert.equal(didYouMean('exampels', keys), 'examples');
    assert.equal(didYouMean('topk', keys), 'topK');
    assert.equal(didYouMean('colour', keys), undefined);
  });
});

describe('reading lines', () => {
  it('splits across chunk boundaries, inside multi-byte characters, with CRLF, a BOM and no final newline', async () => {
    const apple = [...Buffer.from('🍎')];
    const lines = await collect(readLines(chunksOf([0xef, 0xbb, 0xbf], 'one\r', '\ntw', [apple[0], apple[1]], [apple[2], apple[3]], 'o\n\nthree')));
    assert.deepEqual(lines, [
      { number: 1, text: 'one', valid: true },
      { number: 2, text: 'tw🍎o', valid: true },
      { number: 3, text: '', valid: true },
      { number: 4, text: 'three', valid: true },
    ]);
  });

  it('marks a line with invalid UTF-8 and goes on', async () => {
    const lines = await collect(readLines(chunksOf('ok\n', [0x43, 0x61, 0x66, 0xe9, 0x0a], 'fine\n')));
    assert.deepEqual(lines.map((l) => [l.number, l.valid]), [[1, true], [2, false], [3, true]]);
  });

  it('stops at a NUL byte: the file is binary', async () => {
    await assert.rejects(collect(readLines(chunksOf('text\n', [0x41, 0x00, 0x42]))), /binary content at line 2/);
  });
});

describe('file errors', () => {
  it('classifies Node and VS Code codes alike', () => {
    assert.equal(fileProblem({ code: 'ENOENT' }), 'missing');
    assert.equal(fileProblem({ code: 'FileNotFound' }), 'missing');
    assert.equal(fileProblem({ code: 'EISDIR' }), 'folder');
    assert.equal(fileProblem({ code: 'NoPermissions' }), 'permission');
    assert.equal(fileProblem(new Error('x')), 'other');
  });
});

describe('validating with an injected file system', () => {
  it('reads examples through the injected interface and reports a missing file at the spec entry', async () => {
    const fs = memoryFs({ [spec('data.jsonl')]: jsonl(20) });
    const text = 'baseModel: models/gemini-1.5-flash-001-tuning\nexamplesFile:\n  - data.jsonl\n  - gone.jsonl\n';
    const result = await validateSpec(text, spec('s.tuning.yaml'), { fs });
    assert.deepEqual(fs.reads, [spec('data.jsonl')]);
    assert.equal(result.training.length, 20);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.file, d.code, d.message, d.range.start.line, d.range.start.character]),
      [[spec('s.tuning.yaml'), 'data-file-missing', 'Examples file "gone.jsonl" not found', 3, 4]],
    );
    assert.equal(result.summary, undefined, 'no summary while some training data could not be read');
  });

  it('does not re-read an unchanged data file while the spec is edited, and re-reads it once it changes', async () => {
    const fs = memoryFs({ [spec('data.jsonl')]: jsonl(25) });
    const cache = new DataFileCache();
    const text = 'baseModel: models/gemini-1.5-flash-001-tuning\nexamplesFile: data.jsonl\n';
    await validateSpec(text, spec('s.tuning.yaml'), { fs, cache });
    await validateSpec(text + 'displayName: x\n', spec('s.tuning.yaml'), { fs, cache });
    assert.equal(fs.reads.length, 1);
    fs.touch(spec('data.jsonl'));
    const again = await validateSpec(text, spec('s.tuning.yaml'), { fs, cache });
    assert.equal(fs.reads.length, 2);
    assert.equal(again.summary?.exampleCount, 25);
  });

  it('the "New Tuning Spec" template and its sample data validate without any problem', async () => {
    const fs = memoryFs({ [spec('emoji.examples.jsonl')]: sampleExamplesJsonl() });
    const result = await validateSpec(specTemplate({ displayName: 'Emoji namer', examplesFile: 'emoji.examples.jsonl' }), spec('emoji.tuning.yaml'), { fs });
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.summary?.text, '20 examples · 5 epochs · batch 4 · → 25 steps · LR 0.001');
    assert.equal(result.validation.length, 2);
  });
});

describe('large and hostile data files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'spec-large-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('streams a 50 MB JSONL file with progress', async function () {
    this.timeout(120_000);
    const file = path.join(dir, 'big.jsonl');
    const out = createWriteStream(file);
    const line = (i: number) => JSON.stringify({ textInput: `question number ${i} ${'x'.repeat(40)}`, output: `answer ${i}` }) + '\n';
    let bytes = 0;
    let count = 0;
    while (bytes < 50 * 1024 * 1024) {
      const l = line(count++);
      bytes += Buffer.byteLength(l);
      if (!out.write(l)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    const progress: number[] = [];
    const result = await readExamplesFile(file, { path: 'big.jsonl' }, { fs: nodeFileSystem, onProgress: (p) => progress.push(p.bytesRead / p.totalBytes) });
    assert.equal(result.examples.length, count);
    assert.deepEqual(result.diagnostics, []);
    assert.ok(progress.length >= 50, `only ${progress.length} progress reports`);
    assert.equal(progress[progress.length - 1], 1);
    assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]));
  });

  it('stops reading when cancelled', async () => {
    const file = path.join(dir, 'cancel.jsonl');
    writeFileSync(file, jsonl(200_000));
    const controller = new AbortController();
    let reports = 0;
    await assert.rejects(
      readExamplesFile(file, { path: 'cancel.jsonl' }, {
        fs: nodeFileSystem,
        signal: controller.signal,
        onProgress: () => {
          if (++reports === 2) controller.abort();
        },
      }),
      CancelledError,
    );
    assert.equal(reports, 2);
  });

  it('a 100,000-line file of bad lines gives the first problems and one summary, not 100,000 diagnostics', async () => {
    const file = path.join(dir, 'bad.jsonl');
    writeFileSync(file, 'not json\n'.repeat(100_000));
    const result = await readExamplesFile(file, { path: 'bad.jsonl' }, { fs: nodeFileSystem });
    assert.equal(result.diagnostics.length, MAX_PROBLEMS_PER_FILE + 1);
    const last = result.diagnostics[result.diagnostics.length - 1];
    assert.equal(last.message, '99,900 more problems in this file not listed; fix the ones above first');
    assert.equal(result.diagnostics[0].range.start.line, 0);
    assert.equal(result.diagnostics[99].range.start.line, 99);
  });

  it('a 40,000-line spec with inline examples validates (the benchmark times 100,000 examples)', async function () {
    this.timeout(60_000);
    const lines = ['baseModel: models/gemini-1.5-flash-001-tuning', 'examples:'];
    for (let i = 0; i < 20_000; i++) lines.push(`  - textInput: "q${i}"`, `    output: "a${i}"`);
    const result = await validateSpec(lines.join('\n') + '\n', path.join(dir, 'huge.tuning.yaml'), { fs: nodeFileSystem });
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.summary?.text, '20,000 examples · 5 epochs · batch 16 · → 6,250 steps · LR 0.0002');
  });
});

describe('create request and summary', () => {
  it('builds the tunedModels.create body from a spec, with string project numbers and no unset fields', async () => {
    const fs = memoryFs({ [spec('d.jsonl')]: jsonl(20) });
    const text = [
      'displayName: Capitals',
      'tunedModelId: capitals-1',
      'baseModel: models/gemini-1.5-flash-001-tuning',
      'topK: 10',
      'readerProjectNumbers: [123, "456"]',
      'hyperparameters: {learningRateMultiplier: 0.5, epochCount: 3}',
      'examples:',
      '  - {textInput: inline, output: one}',
      'examplesFile: d.jsonl',
      'validation:',
      '  examples: [{textInput: held, output: out}]',
    ].join('\n');
    const request = buildCreateRequest(await validateSpec(text, spec('c.tuning.yaml'), { fs }));
    assert.equal(request.tunedModelId, 'capitals-1');
    assert.deepEqual(request.model, {
      displayName: 'Capitals',
      baseModel: 'models/gemini-1.5-flash-001-tuning',
      topK: 10,
      readerProjectNumbers: ['123', '456'],
      tuningTask: {
        hyperparameters: { learningRateMultiplier: 0.5, epochCount: 3 },
        trainingData: {
          examples: {
            examples: [{ textInput: 'inline', output: 'one' }, ...Array.from({ length: 20 }, (_, i) => ({ textInput: `input ${i}`, output: `output ${i}` }))],
          },
        },
      },
    });
    assert.deepEqual(request.validationExamples, [{ textInput: 'held', output: 'out' }]);
    assert.equal(request.summary.text, '21 examples · 3 epochs · batch 4 · → 16 steps · LR 0.0005');
  });

  it('gives the same fingerprint for the same spec and data, another one when the data changes', async () => {
    const text = 'baseModel: models/gemini-1.5-flash-001-tuning\nexamplesFile: d.jsonl\n';
    const a = buildCreateRequest(await validateSpec(text, spec('f.tuning.yaml'), { fs: memoryFs({ [spec('d.jsonl')]: jsonl(20) }) }));
    const b = buildCreateRequest(await validateSpec(text + '# a comment\n', spec('f.tuning.yaml'), { fs: memoryFs({ [spec('d.jsonl')]: jsonl(20) }) }));
    const c = buildCreateRequest(await validateSpec(text, spec('f.tuning.yaml'), { fs: memoryFs({ [spec('d.jsonl')]: jsonl(20, 1) }) }));
    assert.equal(a.fingerprint, b.fingerprint);
    assert.notEqual(a.fingerprint, c.fingerprint);
  });

  it('refuses a spec with errors', async () => {
    const result = await validateSpec('baseModel: models/x\ntemperature: 3\nexamples: [{textInput: a, output: b}]\n', spec('e.tuning.yaml'), { fs: memoryFs({}) });
    assert.throws(() => buildCreateRequest(result), (e: unknown) => e instanceof SpecHasErrorsError && e.problems[0] === 'temperature must be between 0 and 1 (it is 3)');
  });

  it('resolves defaults the way the backend does: large datasets get batch 16 and LR 0.0002', () => {
    assert.equal(summarize({}, 499).text, '499 examples · 5 epochs · batch 4 · → 624 steps · LR 0.001');
    assert.equal(summarize({}, 500).text, '500 examples · 5 epochs · batch 16 · → 157 steps · LR 0.0002');
    assert.equal(summarize({ hyperparameters: { learningRateMultiplier: 3 } }, 1).text, '1 example · 5 epochs · batch 4 · → 2 steps · LR 0.003');
    assert.equal(summarize({ hyperparameters: { epochCount: -1, batchSize: 0 } }, 20).text, '20 examples · 5 epochs · batch 4 · → 25 steps · LR 0.001');
    assert.equal(formatLearningRate(0.1 + 0.2), '0.3');
  });
});

describe('the JSON Schema', () => {
  it('documents every property, for hover in the YAML extension', () => {
    const missing: string[] = [];
    const visit = (node: unknown, where: string) => {
      const props = (node as { properties?: Record<string, unknown> }).properties ?? {};
      for (const [key, value] of Object.entries(props)) {
        if (!(value as { description?: string }).description) missing.push(`${where}${key}`);
        visit(value, `${where}${key}.`);
      }
    };
    visit(tuningSpecSchema, '');
    visit(tuningSpecSchema.definitions.examplesFile, 'examplesFile.');
    assert.deepEqual(missing.filter((m) => !m.startsWith('validation.')), []);
  });
});

describe('JSON error messages', () => {
  it('are the same whichever Node version produced them', () => {
    const node20 = new SyntaxError("Expected ',' or '}' after property value in JSON at position 43");
    const node24 = new SyntaxError("Expected ',' or '}' after property value in JSON at position 43 (line 1 column 44)");
    assert.deepEqual(jsonErrorOf(node20), { message: "Expected ',' or '}' after property value", offset: 43 });
    assert.deepEqual(jsonErrorOf(node24), jsonErrorOf(node20));
    assert.deepEqual(jsonErrorOf(new SyntaxError('Unexpected token \'o\', "not json" is not valid JSON')), { message: "Unexpected token 'o'", offset: undefined });
  });
});

describe('data file cache freshness', () => {
  it('trusts a recently checked entry without a stat, and stats again once it is stale or invalidated', async () => {
    const fs = memoryFs({ [spec('d.jsonl')]: jsonl(20) });
    let stats = 0;
    const counting: SpecFileSystem = { stat: (p) => (stats++, fs.stat(p)), read: (p, s) => fs.read(p, s) };
    const cache = new DataFileCache(32, 60_000);
    const text = 'baseModel: models/gemini-1.5-flash-001-tuning\nexamplesFile: d.jsonl\n';
    await validateSpec(text, spec('s.tuning.yaml'), { fs: counting, cache });
    const afterFirst = stats;
    await validateSpec(text, spec('s.tuning.yaml'), { fs: counting, cache });
    assert.equal(stats, afterFirst, 'no stat while fresh');
    cache.invalidate(spec('d.jsonl'));
    await validateSpec(text, spec('s.tuning.yaml'), { fs: counting, cache });
    assert.ok(stats > afterFirst);
    assert.equal(fs.reads.length, 2);
  });
});
