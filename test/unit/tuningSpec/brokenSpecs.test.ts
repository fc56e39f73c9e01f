import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { nodeFileSystem } from '../../../src/core/tuningSpec/nodeFileSystem';
import { summaryLensTitle } from '../../../src/core/tuningSpec/summaryLens';
import { validateSpec } from '../../../src/core/tuningSpec/validateSpec';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/tuningSpecs');

async function validateFixture(name: string) {
  const file = path.join(FIXTURES, name);
  return validateSpec(readFileSync(file, 'utf8'), file, { fs: nodeFileSystem });
}

/** The one-based line of the spec's first error, as the Problems panel shows it. */
async function firstErrorLine(name: string): Promise<number | undefined> {
  const result = await validateFixture(name);
  const first = result.diagnostics.find((d) => d.severity === 'error');
  return first && first.range.start.line + 1;
}

describe('a broken spec gets honest feedback', () => {
  it('a line indented too far: the first error is on that line, not on the value above it', async () => {
    assert.equal(await firstErrorLine('indent-too-deep.tuning.yaml'), 11);
    const result = await validateFixture('indent-too-deep.tuning.yaml');
    assert.equal(result.diagnostics.length, 1, 'one mistake, one error: ' + result.diagnostics.map((d) => d.message).join(' | '));
    assert.match(result.diagnostics[0].message, /line it up with "learningRateMultiplier" \(2 spaces\)/);
    assert.equal(result.diagnostics[0].range.start.character, 4);
  });

  describe('the demo spec with one line re-indented: the first error is on that line', () => {
    const demoFile = path.resolve(__dirname, '../../../../test/fixtures/demo/capitals.tuning.yaml');
    const demo = readFileSync(demoFile, 'utf8').split('\n');
    const cases: Array<[number, string]> = [
      [11, '    batchSize: 4'],
      [11, '   batchSize: 4'],
      [11, ' batchSize: 4'],
      [11, 'batchSize: 4'],
      [7, '  temperature: 0.1'],
      [14, ' examplesFile: capitals.examples.jsonl'],
      [21, '     output: Brussels'],
      [21, '    output: Brussels'],
    ];
    for (const [line, replacement] of cases) {
      it(`line ${line} as ${JSON.stringify(replacement)}`, async () => {
        const lines = [...demo];
        lines[line - 1] = replacement;
        const result = await validateSpec(lines.join('\n'), demoFile, { fs: nodeFileSystem });
        const first = result.diagnostics.find((d) => d.severity === 'error');
        assert.equal(first && first.range.start.line + 1, line, result.diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`).join(' | '));
        assert.equal(result.summary, undefined);
      });
    }
  });

  it('a line that lost its indentation: the first error is on that line, not on the one below', async () => {
    assert.equal(await firstErrorLine('indent-too-shallow.tuning.yaml'), 9);
  });

  it('a key one column off: the error is on the key, not on the blank line before it', async () => {
    assert.equal(await firstErrorLine('indent-misaligned-key.tuning.yaml'), 9);
  });

  it('an unclosed quote: the error is where the quote opens, not at the end of the file', async () => {
    assert.equal(await firstErrorLine('unclosed-quote.tuning.yaml'), 1);
  });

  for (const [open, close, value] of [['{', '}', '{path: x.jsonl'], ['[', ']', '[a, b']] as const) {
    it(`an unclosed ${open}: the error is where it opens, not on the line where the parser gives up`, async () => {
      const text = ['displayName: flow', 'baseModel: models/gemini-1.5-flash-001-tuning', `examplesFile: ${value}`, '', '# a comment', 'hyperparameters:', '  epochCount: 3', ''].join('\n');
      const result = await validateSpec(text, 'flow.tuning.yaml', { fs: nodeFileSystem });
      const first = result.diagnostics.find((d) => d.severity === 'error');
      assert.equal(first?.range.start.line, 2, JSON.stringify(result.diagnostics));
      assert.equal(first?.message, `This ${open} is never closed: add the closing ${close} where it ends`);
    });
  }

  it('when the YAML does not parse, the CodeLens says so and shows no figures', async () => {
    for (const name of ['indent-too-deep.tuning.yaml', 'indent-too-shallow.tuning.yaml', 'yaml-syntax.tuning.yaml', 'unclosed-quote.tuning.yaml']) {
      const result = await validateFixture(name);
      assert.equal(result.structureReadable, false, name);
      assert.equal(result.summary, undefined, name);
      const title = summaryLensTitle(result);
      assert.match(title, /^The spec has YAML errors \(1 error\)/, `${name}: ${title}`);
      assert.doesNotMatch(title, /epoch|step|example/, `${name}: ${title}`);
    }
  });

  it('a repeated key leaves the structure readable: the summary stays', async () => {
    const result = await validateFixture('duplicate-key.tuning.yaml');
    assert.equal(result.structureReadable, true);
    assert.ok(result.summary);
  });

  it('broken JSONL rows are not counted as examples: "N examples (M rows with problems)"', async () => {
    const result = await validateFixture('jsonl-bad.tuning.yaml');
    // 25 good capitals, 3 good lines in bad-lines.jsonl (one a duplicate, still sent); 6 bad lines there and 1 in long-input.jsonl.
    assert.equal(result.summary?.exampleCount, 28);
    assert.equal(result.summary?.rowsWithProblems, 7);
    assert.equal(summaryLensTitle(result).split(' · ')[0], '28 examples (7 rows with problems)');
  });

  it('inline examples that break the limits are not counted either', async () => {
    const result = await validateFixture('inline-limits.tuning.yaml');
    assert.equal(result.summary?.exampleCount, 19);
    assert.equal(result.summary?.rowsWithProblems, 4);
  });

  it('bad CSV rows and JSON items are counted as rows with problems', async () => {
    assert.match((await validateFixture('csv-bad.tuning.yaml')).summary?.text ?? '', /^27 examples \(5 rows with problems\)/);
    assert.match((await validateFixture('json-bad.tuning.yaml')).summary?.text ?? '', /^26 examples \(3 rows with problems\)/);
  });

  it('a valid spec keeps the plain summary', async () => {
    const result = await validateFixture('good-files.tuning.yaml');
    assert.equal(summaryLensTitle(result), '68 examples · 5 epochs · batch 4 · → 85 steps · LR 0.0005');
  });
});
