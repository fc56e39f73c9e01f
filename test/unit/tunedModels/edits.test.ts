import * as assert from 'node:assert/strict';
import { fromGeminiTunedModel } from '../../../src/core/tuning/geminiApi';
import { buildPatch, parseFieldInput } from '../../../src/core/tunedModels/edits';

const current = fromGeminiTunedModel({
  name: 'tunedModels/m',
  displayName: 'Old',
  description: 'desc',
  temperature: 1,
  topP: 0.95,
  topK: 64,
  state: 'ACTIVE',
});

describe('model edits', () => {
  it('puts exactly the changed fields in the body and the mask', () => {
    const patch = buildPatch(current, { displayName: 'New', topK: 40, topP: 0.95 });
    assert.deepEqual(patch, { model: { name: 'tunedModels/m', displayName: 'New', topK: 40 }, updateMask: ['displayName', 'topK'] });
  });

  it('returns nothing when nothing changed', () => {
    assert.equal(buildPatch(current, { displayName: 'Old' }), undefined);
    assert.equal(buildPatch(current, {}), undefined);
  });

  it('can clear a field', () => {
    assert.deepEqual(buildPatch(current, { description: '' }), { model: { name: 'tunedModels/m', description: '' }, updateMask: ['description'] });
  });

  it('checks typed values and says why they are wrong', () => {
    assert.deepEqual(parseFieldInput('temperature', '0.3'), { value: 0.3 });
    assert.deepEqual(parseFieldInput('temperature', '1.5'), { error: 'temperature must be between 0 and 1.' });
    assert.deepEqual(parseFieldInput('topP', 'abc'), { error: 'topP must be a number.' });
    assert.deepEqual(parseFieldInput('topK', '2.5'), { error: 'topK must be a whole number of at least 1.' });
    assert.deepEqual(parseFieldInput('topK', '40'), { value: 40 });
    assert.deepEqual(parseFieldInput('displayName', 'x'.repeat(41)), { error: 'The display name has 41 characters; at most 40 are allowed.' });
    assert.deepEqual(parseFieldInput('displayName', '  My model '), { value: 'My model' });
  });
});
