import * as assert from 'node:assert/strict';
import { charF1, exactMatch, formatPercent, overallScore, scoreExample } from '../../../src/core/promptNotebook/scoring';

describe('evaluation scoring', () => {
  it('exact match ignores only surrounding whitespace', () => {
    assert.equal(exactMatch('Hello world\n', 'Hello world'), true);
    assert.equal(exactMatch('hello world', 'Hello world'), false);
    assert.equal(exactMatch('Hello  world', 'Hello world'), false);
  });

  it('character F1 of identical strings is 1, of disjoint strings 0', () => {
    assert.equal(charF1('abc', 'abc'), 1);
    assert.equal(charF1('abc', 'xyz'), 0);
    assert.equal(charF1('', ''), 1);
    assert.equal(charF1('', 'a'), 0);
    assert.equal(charF1('a', ''), 0);
  });

  it('character F1 counts shared characters as a multiset', () => {
    // prediction "aab", reference "abb": shared a,b → 2; P = 2/3, R = 2/3 → F1 2/3
    assert.equal(charF1('aab', 'abb'), 2 / 3);
    // prediction "ab", reference "abcd": shared 2; P = 1, R = 0.5 → F1 = 2/3
    assert.equal(charF1('ab', 'abcd'), 2 / 3);
    // order does not matter at the character level
    assert.equal(charF1('dcba', 'abcd'), 1);
  });

  it('character F1 counts code points, not UTF-16 units', () => {
    // "🚀a" vs "🚀b": shared 1 of 2 code points each → 0.5
    assert.equal(charF1('🚀a', '🚀b'), 0.5);
  });

  it('overall score averages, counting a missing answer as zero', () => {
    const scores = [scoreExample('Hello', 'Hello'), scoreExample('ab', 'abcd'), undefined];
    const overall = overallScore(scores);
    assert.equal(overall.count, 3);
    assert.equal(overall.exactMatches, 1);
    assert.equal(overall.exactMatchRate, 1 / 3);
    assert.equal(overall.meanF1, (1 + 2 / 3 + 0) / 3);
    assert.equal(formatPercent(overall.meanF1), '55.6%');
    assert.deepEqual(overallScore([]), { count: 0, exactMatches: 0, exactMatchRate: 0, meanF1: 0 });
  });
});
