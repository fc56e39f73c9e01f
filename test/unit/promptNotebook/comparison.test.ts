import * as assert from 'node:assert/strict';
import { comparisonHtml, comparisonPlainText, describeSide, type ComparisonSide } from '../../../src/core/promptNotebook/comparison';

const tuned: ComparisonSide = {
  role: 'Tuned',
  model: 'tunedModels/capitals-<b>x</b>',
  text: 'Paris\nline two',
  stats: { totalMs: 1200, timeToFirstTokenMs: 85, updates: 3, usage: { promptTokenCount: 12, candidatesTokenCount: 40 } },
};
const base: ComparisonSide = { role: 'Base', model: 'models/gemini-1.5-flash-001-tuning', text: 'I am not sure', stats: { totalMs: 900, updates: 1, usage: { promptTokenCount: 12, candidatesTokenCount: 7 } } };

/** The rows of the table, each a list of its cells' opening tags and text. */
function rows(html: string): { tag: string; style: string; text: string }[][] {
  return [...html.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1].matchAll(/<(td|th)[^>]*style="([^"]*)"[^>]*>([\s\S]*?)<\/\1>/g)].map((cell) => ({ tag: cell[1], style: cell[2], text: cell[3].replace(/<[^>]+>/g, '') })),
  );
}

describe('notebook: Run Against Base Model Too', () => {
  it('lays the answers out in two fixed, equal columns, every cell aligned to the top left alike', () => {
    const html = comparisonHtml(tuned, base);
    assert.match(html, /table-layout:fixed/);
    assert.deepEqual([...html.matchAll(/<col style="width:(\d+)%">/g)].map((m) => m[1]), ['50', '50']);
    const table = rows(html);
    assert.deepEqual(table.map((r) => r.length), [2, 2, 2], 'a header, an answer and a statistics row, two cells each');
    for (const row of table) {
      for (const cell of row) {
        assert.match(cell.style, /text-align:left/);
        assert.match(cell.style, /vertical-align:top/);
        assert.match(cell.style, /padding:4px 8px/);
      }
    }
  });

  it('keeps each side’s token statistics under its answer', () => {
    const [, answers, stats] = rows(comparisonHtml(tuned, base));
    assert.deepEqual(answers.map((c) => c.text), ['Paris\nline two', 'I am not sure']);
    assert.deepEqual(stats.map((c) => c.text), ['12 → 40 tokens · first token 85 ms · 1.20 s', '12 → 7 tokens · 900 ms']);
    assert.match(comparisonPlainText(tuned, base), /Paris\nline two\n\(12 → 40 tokens · first token 85 ms · 1\.20 s\)\n\n── base: models\/gemini-1\.5-flash-001-tuning ──\nI am not sure\n\(12 → 7 tokens · 900 ms\)/);
  });

  it('says when a side has no statistics or an incomplete answer', () => {
    assert.equal(describeSide({ ...base, stats: undefined }), 'no statistics');
    assert.equal(describeSide({ ...base, incomplete: 'cancelled' }), '12 → 7 tokens · 900 ms · cancelled');
  });

  it('shows names and answers from the network as text', () => {
    const html = comparisonHtml(tuned, { ...base, text: '<script>alert(1)</script>' });
    assert.doesNotMatch(html, /<b>|<script>/);
    assert.match(html, /&#60;b&#62;x&#60;\/b&#62;/);
  });
});
