import * as assert from 'node:assert/strict';
import { applyReplacement, minimalReplacement } from '../../../src/core/promptNotebook/minimalEdit';

function check(before: string, after: string): ReturnType<typeof minimalReplacement> {
  const replacement = minimalReplacement(before, after);
  assert.equal(applyReplacement(before, replacement), after, `${JSON.stringify(before)} → ${JSON.stringify(after)}`);
  assert.ok(replacement.start <= replacement.end);
  return replacement;
}

describe('the smallest replacement between two texts', () => {
  it('replaces only what changed, keeping the common prefix and suffix', () => {
    assert.deepEqual(check('examples:\n  - a\nvalidation: x\n', 'examples:\n  - a\n  - b\nvalidation: x\n'), { start: 16, end: 16, text: '  - b\n' });
    assert.deepEqual(check('abcdef', 'abXYef'), { start: 2, end: 4, text: 'XY' });
    assert.deepEqual(check('abc', 'abc'), { start: 3, end: 3, text: '' });
  });

  it('handles appends, deletions, and texts that are empty', () => {
    assert.deepEqual(check('abc', 'abcd'), { start: 3, end: 3, text: 'd' });
    assert.deepEqual(check('abcd', 'abc'), { start: 3, end: 4, text: '' });
    assert.deepEqual(check('', 'new'), { start: 0, end: 0, text: 'new' });
    assert.deepEqual(check('old', ''), { start: 0, end: 3, text: '' });
  });

  it('does not let the prefix and suffix overlap when a repeated character is added', () => {
    assert.deepEqual(check('aa', 'aaa'), { start: 2, end: 2, text: 'a' });
    assert.deepEqual(check('aaa', 'aa'), { start: 2, end: 3, text: '' });
  });

  it('never ends inside a surrogate pair', () => {
    // 😀 and 😁 share their high surrogate: a code-unit diff would start between the halves.
    const r = check('x😀y', 'x😁y');
    assert.deepEqual(r, { start: 1, end: 3, text: '😁' });
    // U+1F600 and U+1F200 share their low surrogate: a code-unit diff would end between the halves.
    assert.deepEqual(check('x\u{1F600}y', 'x\u{1F200}y'), { start: 1, end: 3, text: '\u{1F200}' });
  });

  it('never ends between the CR and LF of a line break', () => {
    assert.deepEqual(check('a\r\nb', 'a\r\r\nb'), { start: 1, end: 1, text: '\r' });
    assert.deepEqual(check('a\r\nb', 'a\rc\nb'), { start: 1, end: 3, text: '\rc\n' });
  });

  it('round-trips random edits of texts with emoji and line breaks (seed printed)', () => {
    const seed = Number(process.env.GEMINI_TUNING_EDIT_SEED ?? Date.now() % 2 ** 31);
    console.log(`      minimal edit seed ${seed} (set GEMINI_TUNING_EDIT_SEED to replay)`);
    let state = seed;
    const random = (): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const alphabet = ['a', 'b', '\r\n', '\n', '\r', '😀', '😁', '\u{1F200}', ' '];
    const text = (n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let i = 0; i < 2000; i++) {
      const before = text(Math.floor(random() * 12));
      const at = Math.floor(random() * (before.length + 1));
      const after = before.slice(0, at) + text(Math.floor(random() * 4)) + before.slice(Math.min(before.length, at + Math.floor(random() * 4)));
      const { start, end } = check(before, after);
      for (const offset of [start, end]) {
        const pair = before.slice(offset - 1, offset + 1);
        assert.ok(!/^[\ud800-\udbff][\udc00-\udfff]$/.test(pair) && pair !== '\r\n', `seed ${seed}: offset ${offset} splits ${JSON.stringify(pair)} in ${JSON.stringify(before)}`);
      }
    }
  });
});
