import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { creationRefusal, modelsCreatedBy, previousCreation, rememberCreation, RESTRICTED_MODE_REFUSAL, type SpecCreations } from '../../../src/core/tuningSpec/creationPolicy';
import { validateSpec } from '../../../src/core/tuningSpec/validateSpec';
import { nodeFileSystem } from '../../../src/core/tuningSpec/nodeFileSystem';

describe('creation policy', () => {
  it('refuses a workspace spec in an untrusted workspace, and says why', () => {
    assert.equal(creationRefusal({ workspaceTrusted: false, specInWorkspace: true }), RESTRICTED_MODE_REFUSAL);
    assert.match(RESTRICTED_MODE_REFUSAL, /^Restricted Mode: .*untrusted workspace.*Trust the workspace/);
  });

  it('allows a trusted workspace, and a spec from outside the untrusted workspace', () => {
    assert.equal(creationRefusal({ workspaceTrusted: true, specInWorkspace: true }), undefined);
    assert.equal(creationRefusal({ workspaceTrusted: false, specInWorkspace: false }), undefined);
  });

  it('remembers which spec made which model, and finds a creation from unchanged content', () => {
    let records: SpecCreations | undefined;
    records = rememberCreation(records, 'file:///a.tuning.yaml', { fingerprint: 'f1', model: 'tunedModels/a-1', createdAt: '2026-01-01T00:00:00Z' });
    records = rememberCreation(records, 'file:///a.tuning.yaml', { fingerprint: 'f2', model: 'tunedModels/a-2', createdAt: '2026-01-02T00:00:00Z' });
    records = rememberCreation(records, 'file:///b.tuning.yaml', { fingerprint: 'f1', model: 'tunedModels/b-1', createdAt: '2026-01-03T00:00:00Z' });
    assert.equal(previousCreation(records, 'file:///a.tuning.yaml', 'f1')?.model, 'tunedModels/a-1');
    assert.equal(previousCreation(records, 'file:///a.tuning.yaml', 'f3'), undefined);
    assert.equal(previousCreation(records, 'file:///c.tuning.yaml', 'f1'), undefined);
    assert.deepEqual(modelsCreatedBy(records, 'file:///a.tuning.yaml').map((r) => r.model), ['tunedModels/a-2', 'tunedModels/a-1']);
  });

  it('keeps workspace state bounded', () => {
    let records: SpecCreations | undefined;
    for (let i = 0; i < 30; i++) records = rememberCreation(records, 'spec', { fingerprint: `f${i}`, model: `tunedModels/m${i}`, createdAt: '' });
    for (let i = 0; i < 250; i++) records = rememberCreation(records, `spec${i}`, { fingerprint: 'f', model: 'tunedModels/x', createdAt: '' });
    assert.equal(Object.keys(records!).length, 200);
    assert.equal(records!.spec, undefined, 'the oldest spec was dropped');
    assert.equal(records!.spec249.length, 1);
  });
});

describe('the demo workspace spec', () => {
  it('validates without any problem and trains on 40 examples', async () => {
    const file = path.resolve(__dirname, '../../../../test/fixtures/demo/capitals.tuning.yaml');
    const result = await validateSpec(readFileSync(file, 'utf8'), file, { fs: nodeFileSystem });
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.summary?.text, '40 examples · 20 epochs · batch 4 · → 200 steps · LR 0.001');
    assert.ok(result.training.every((e) => e.output.length < 40));
    assert.equal(result.validation.length, 4);
  });
});
