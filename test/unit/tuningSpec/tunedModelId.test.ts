import * as assert from 'node:assert/strict';
import { numberedTunedModelId, TUNED_MODEL_ID_PATTERN, tunedModelIdFromName } from '../../../src/core/tuningSpec/tunedModelId';

describe('tuned model ids from the names people type', () => {
  const cases: [string, string | undefined][] = [
    ['support bot', 'support-bot'],
    ['support-bot', 'support-bot'],
    ['  Support   Bot  ', 'support-bot'],
    ['Support_Bot.v2', 'support-bot-v2'],
    ['support-bot.tuning.yaml', 'support-bot'],
    ['Café FAQ (v2)', 'cafe-faq-v2'],
    ['Straße → Ærø', 'strasse-aero'],
    ['3D printer FAQ', 'model-3d-printer-faq'],
    ['--leading and trailing--', 'leading-and-trailing'],
    ['emoji 🍎 namer', 'emoji-namer'],
    ['🍎🍌', undefined],
    ['日本語ボット', undefined],
    ['   ', undefined],
  ];
  for (const [name, id] of cases) {
    it(`${JSON.stringify(name)} → ${id ?? 'no id'}`, () => {
      assert.equal(tunedModelIdFromName(name), id);
    });
  }

  it('every id it makes is one the Gemini API accepts, however long or odd the name', () => {
    const names = [
      'a'.repeat(100),
      'word '.repeat(30),
      `${'x'.repeat(39)} y`,
      `${'x'.repeat(19)} ${'y'.repeat(30)}`,
      '9'.repeat(60),
      'a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-u-v-w-x-y-z',
    ];
    for (const name of names) {
      const id = tunedModelIdFromName(name);
      assert.ok(id && TUNED_MODEL_ID_PATTERN.test(id), `${JSON.stringify(name)} → ${id}`);
    }
  });

  it('cuts a long name at a word boundary when one is near the limit', () => {
    assert.equal(tunedModelIdFromName('customer support answers for the billing team'), 'customer-support-answers-for-the-billing');
  });

  it('numbers a second file of the same id and keeps it valid', () => {
    assert.equal(numberedTunedModelId('support-bot', 2), 'support-bot-2');
    const long = tunedModelIdFromName('z'.repeat(40))!;
    const numbered = numberedTunedModelId(long, 12);
    assert.equal(numbered, `${'z'.repeat(37)}-12`);
    assert.ok(TUNED_MODEL_ID_PATTERN.test(numbered));
  });
});
