import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { nodeFileSystem } from '../../../src/core/tuningSpec/nodeFileSystem';
import { specTemplate } from '../../../src/core/tuningSpec/template';
import { validateSpec } from '../../../src/core/tuningSpec/validateSpec';

describe('the "New Tuning Spec" template for a data file of the person\'s own', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'spec-template-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('points at the file, even with spaces and colons in its path, and validates with its examples only', async () => {
    mkdirSync(path.join(dir, 'my data'));
    const rows = Array.from({ length: 20 }, (_, i) => `question ${i},answer ${i}`);
    writeFileSync(path.join(dir, 'my data', 'tickets: v2.csv'), `textInput,output\n${rows.join('\n')}\n`);
    const text = specTemplate({ displayName: 'Support bot', tunedModelId: 'support-bot', examplesFile: 'my data/tickets: v2.csv', data: 'own' });
    assert.ok(text.includes('# tunedModelId: support-bot'), text);
    assert.ok(!text.includes('emoji'), 'nothing of the sample data is left');
    const result = await validateSpec(text, path.join(dir, 'support-bot.tuning.yaml'), { fs: nodeFileSystem });
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.summary?.exampleCount, 20);
    assert.equal(result.validation.length, 0);
  });
});
