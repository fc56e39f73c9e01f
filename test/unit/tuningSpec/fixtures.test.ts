import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { nodeFileSystem } from '../../../src/core/tuningSpec/nodeFileSystem';
import { validateSpec } from '../../../src/core/tuningSpec/validateSpec';
import { type SpecDiagnostic } from '../../../src/core/tuningSpec/diagnostics';

/**
 * The fixture corpus: every `*.tuning.yaml` in test/fixtures/tuningSpecs has a `*.expected.json`
 * beside it listing the exact diagnostics (file, range, severity, code, message) and summary.
 * Set UPDATE_SPEC_FIXTURES=1 to rewrite the expected files after a deliberate change, then
 * review the diff.
 */
const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/tuningSpecs');

interface ExpectedDiagnostic {
  file: string;
  range: [number, number, number, number];
  severity: string;
  code: string;
  message: string;
  related?: { file: string; range: [number, number, number, number]; message: string }[];
}

interface Expected {
  summary: string | null;
  diagnostics: ExpectedDiagnostic[];
}

function rel(file: string): string {
  return path.relative(FIXTURES, file).split(path.sep).join('/');
}

function plain(d: SpecDiagnostic): ExpectedDiagnostic {
  const r = d.range;
  const out: ExpectedDiagnostic = { file: rel(d.file), range: [r.start.line, r.start.character, r.end.line, r.end.character], severity: d.severity, code: d.code, message: d.message };
  if (d.related) {
    out.related = d.related.map((x) => ({ file: rel(x.file), range: [x.range.start.line, x.range.start.character, x.range.end.line, x.range.end.character], message: x.message }));
  }
  return out;
}

describe('spec fixture corpus', () => {
  const specs = readdirSync(FIXTURES).filter((f) => /\.tuning\.ya?ml$/.test(f)).sort();

  it('has a case for every rule', () => {
    assert.ok(specs.length >= 20, `only ${specs.length} fixture specs`);
  });

  for (const name of specs) {
    it(name, async () => {
      const specFile = path.join(FIXTURES, name);
      const text = readFileSync(specFile, 'utf8');
      const result = await validateSpec(text, specFile, { fs: nodeFileSystem });
      const actual: Expected = { summary: result.summary?.text ?? null, diagnostics: result.diagnostics.map(plain) };
      const expectedFile = specFile.replace(/\.tuning\.ya?ml$/, '.expected.json');
      if (process.env.UPDATE_SPEC_FIXTURES === '1') {
        writeFileSync(expectedFile, JSON.stringify(actual, null, 2) + '\n');
        return;
      }
      assert.ok(existsSync(expectedFile), `missing ${path.basename(expectedFile)}`);
      const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Expected;
      assert.deepEqual(actual, expected);
    });
  }
});
