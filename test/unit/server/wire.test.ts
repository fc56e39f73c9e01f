import assert from 'node:assert/strict';
import { compileFilter } from '../../../src/server/listFilter';
import type { ModelRecord } from '../../../src/server/records';
import { decodePageToken, encodePageToken, idFromDisplayName, isValidTunedModelId, normalizeMessage, parsePageSize, TUNED_MODEL_SCHEMA } from '../../../src/server/wire';

describe('local server: wire helpers', () => {
  it('builds ids from display names: lowercase words, hyphens, 12-char suffix, within the id pattern', () => {
    assert.match(idFromDisplayName('Sentence Translator'), /^sentence-translator-[a-z0-9]{12}$/);
    assert.match(idFromDisplayName('  Café Übersetzer!! v2 '), /^cafe-ubersetzer-v2-[a-z0-9]{12}$/);
    assert.match(idFromDisplayName('42 answers'), /^answers-[a-z0-9]{12}$/);
    assert.match(idFromDisplayName('日本語'), /^[a-z][a-z0-9]{11}$/);
    assert.match(idFromDisplayName(undefined), /^[a-z][a-z0-9]{11}$/);
    const long = idFromDisplayName('a very long display name that keeps going on');
    assert.ok(long.length <= 40, long);
    assert.ok(isValidTunedModelId(long), long);
    for (let i = 0; i < 200; i++) assert.ok(isValidTunedModelId(idFromDisplayName(`x${'-'.repeat(i % 5)}y ${i}`)));
  });

  it('page tokens round-trip and are bound to their query', () => {
    const token = encodePageToken('q1', '2026-01-01T00:00:00.000Z|abc');
    assert.equal(decodePageToken(token, 'q1'), '2026-01-01T00:00:00.000Z|abc');
    assert.throws(() => decodePageToken(token, 'q2'), /different query/);
    assert.throws(() => decodePageToken('!!!', 'q1'), /not a page token/);
  });

  it('pageSize: default for 0 or absent, clamped to the maximum, negative refused', () => {
    assert.equal(parsePageSize(null, 10, 1000), 10);
    assert.equal(parsePageSize('0', 10, 1000), 10);
    assert.equal(parsePageSize('5000', 10, 1000), 1000);
    assert.throws(() => parsePageSize('-1', 10, 1000), /must not be negative/);
    assert.throws(() => parsePageSize('ten', 10, 1000), /integer/);
  });

  it('ProtoJSON input: snake_case becomes camelCase, unknown names are refused with their path', () => {
    const out = normalizeMessage({ display_name: 'x', tuning_task: { training_data: { examples: { examples: [{ text_input: 'a', output: 'b' }] } } } }, TUNED_MODEL_SCHEMA, 'tuned_model');
    assert.deepEqual(out, { displayName: 'x', tuningTask: { trainingData: { examples: { examples: [{ textInput: 'a', output: 'b' }] } } } });
    assert.throws(() => normalizeMessage({ tuningTask: { hyperparameters: { epochs: 3 } } }, TUNED_MODEL_SCHEMA, 'tuned_model'), /Unknown name "epochs" at 'tuned_model.tuning_task.hyperparameters': Cannot find field\./);
    assert.throws(() => normalizeMessage({ readerProjectNumbers: 'x' }, TUNED_MODEL_SCHEMA, 'tuned_model'), /Expected a list at 'tuned_model.reader_project_numbers'/);
  });

  it('list filter: all words must match, operators select by role', () => {
    const record = (displayName: string, everyone: boolean): ModelRecord =>
      ({
        displayName,
        description: 'translates short phrases',
        permissions: [
          { id: 'o', granteeType: 'USER', emailAddress: 'local-user@localhost', role: 'OWNER' },
          ...(everyone ? [{ id: 'e', granteeType: 'EVERYONE', role: 'READER' }] : []),
        ],
      }) as unknown as ModelRecord;
    const a = record('French Translator', false);
    const b = record('German Translator', true);
    assert.equal(compileFilter('translator french')(a), true);
    assert.equal(compileFilter('translator french')(b), false);
    assert.equal(compileFilter('"short phrases"')(b), true);
    assert.equal(compileFilter('readers:everyone')(a), false);
    assert.equal(compileFilter('readers:everyone')(b), true);
    assert.equal(compileFilter('owner:me translator')(a), true);
    assert.throws(() => compileFilter('owner:someone'), /filter/);
  });
});
